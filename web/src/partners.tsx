import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useCallback, useEffect, useRef, useState } from 'react';
import { type Answer, ApiError, type Body, client, errorText, must } from './api.ts';
import { useRestoreFocus } from './focus.ts';
import { type Chosen, ParticipantsPicker } from './participants.tsx';
import { Results, TrainingProfile } from './partner-profile.tsx';
import { answerProposal, proposalsKey } from './proposals.ts';
import { bookingsChanged, queryClient } from './queries.ts';
import { useSession } from './session.tsx';
import { addDays, formatSpan, isoDate, localParts, parseIsoDate, zonedInstant } from './time.ts';

/** "Find a partner" (suggestions with shared slots, proposals) and the "Find a time" dialog. */

type Discipline = Answer<'/api/v1/disciplines', 'get'>['items'][number];
type Suggestion = Answer<'/api/v1/partners', 'get'>['items'][number];
type Slot = Suggestion['slots'][number];
type Proposal = Answer<'/api/v1/partners/proposals', 'get'>['items'][number];
type FoundTime = Answer<'/api/v1/find-time', 'post'>;
type Level = Body<'/api/v1/members/{id}/disciplines/{discipline}', 'put'>['level'];

export function FindPartner() {
  const { me, site } = useSession();
  const zone = site.timeZone;
  const disciplinesQuery = useQuery({
    queryKey: ['disciplines'],
    queryFn: () => must(client.GET('/api/v1/disciplines')).then((r) => r.items),
  });
  const disciplines: Discipline[] = disciplinesQuery.data ?? [];
  const [chosenDiscipline, setDiscipline] = useState('');
  const discipline = chosenDiscipline || disciplines[0]?.name || '';
  const [week, setWeek] = useState(() => isoDate(localParts(new Date(), zone)));
  const [minutes, setMinutes] = useState('60');
  const [items, setItems] = useState<Suggestion[] | null>(null);
  const [mine, setMine] = useState<{ rating: number; rd: number } | null>(null);
  const [notTraining, setNotTraining] = useState(false);
  const [level, setLevel] = useState<Level>('intermediate');
  const [status, setStatus] = useState<{ text: string; error: boolean } | null>(null);
  const [loading, setLoading] = useState(false);

  const proposalsQuery = useQuery({
    queryKey: proposalsKey,
    queryFn: () => must(client.GET('/api/v1/partners/proposals')).then((r) => r.items),
  });
  const proposals: Proposal[] = proposalsQuery.data ?? [];
  const loadProposals = () => queryClient.invalidateQueries({ queryKey: proposalsKey });

  const search = useCallback(async () => {
    if (!discipline) return;
    const day = parseIsoDate(week);
    if (!day) return;
    const fromDate = zonedInstant(day, 0, 0, zone);
    const from = new Date(Math.max(fromDate.getTime(), Date.now())).toISOString();
    const to = zonedInstant(addDays(day, 7), 0, 0, zone).toISOString();
    setLoading(true);
    setNotTraining(false);
    try {
      const r = await must(
        client.GET('/api/v1/partners', {
          params: { query: { discipline, from, to, length: Number(minutes) } },
        }),
      );
      setItems(r.items);
      setMine(r.me);
    } catch (err) {
      setItems(null);
      if (err instanceof ApiError && err.status === 422) setNotTraining(true);
      else setStatus({ text: errorText(err), error: true });
    } finally {
      setLoading(false);
    }
  }, [discipline, week, minutes, zone]);

  useEffect(() => {
    void search();
  }, [search]);

  async function train(e: FormEvent) {
    e.preventDefault();
    try {
      await must(
        client.PUT('/api/v1/members/{id}/disciplines/{discipline}', {
          params: { path: { id: me.id, discipline } },
          body: { level },
        }),
      );
      await search();
    } catch (err) {
      setStatus({ text: errorText(err), error: true });
    }
  }

  async function propose(s: Suggestion, slot: Slot) {
    try {
      await must(
        client.POST('/api/v1/partners/proposals', {
          body: {
            memberId: s.member.id,
            discipline,
            spaceId: slot.space.id,
            start: slot.start,
            end: slot.end,
          },
        }),
      );
      setStatus({
        text: `Proposed to ${s.member.displayName}: ${formatSpan(slot.start, slot.end, zone)}.`,
        error: false,
      });
      await loadProposals();
    } catch (err) {
      setStatus({ text: errorText(err), error: true });
    }
  }

  async function answer(p: Proposal, accept: boolean) {
    try {
      setStatus({ text: await answerProposal(p.id, accept), error: false });
    } catch (err) {
      setStatus({ text: errorText(err), error: true });
    }
    await loadProposals();
  }

  const say = (text: string, error = false) => setStatus({ text, error });
  const received = proposals.filter((p) => p.to.id === me.id && p.status === 'pending');
  const sent = proposals.filter((p) => p.from.id === me.id);

  return (
    <div className="page partners">
      <h1>Find a partner</h1>
      {(disciplinesQuery.error || proposalsQuery.error) && (
        <p role="alert" className="error-banner">
          Could not be loaded: {(disciplinesQuery.error ?? proposalsQuery.error)?.message}
        </p>
      )}
      <form className="toolbar" onSubmit={(e) => e.preventDefault()}>
        <label>
          Discipline{' '}
          <select value={discipline} onChange={(e) => setDiscipline(e.target.value)}>
            {disciplines.map((d) => (
              <option key={d.id} value={d.name}>
                {d.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Week from <input type="date" value={week} onChange={(e) => setWeek(e.target.value)} />
        </label>
        <label>
          Minutes{' '}
          <select value={minutes} onChange={(e) => setMinutes(e.target.value)}>
            {['30', '45', '60', '90', '120'].map((m) => (
              <option key={m}>{m}</option>
            ))}
          </select>
        </label>
      </form>
      <p className={status?.error ? 'error-banner' : 'notice'} role="status">
        {status?.text ?? ''}
      </p>
      {received.length > 0 && (
        <section aria-labelledby="proposals-in">
          <h2 id="proposals-in">Proposed to you</h2>
          <ul className="sessions">
            {received.map((p) => (
              <li key={p.id} className="session-row">
                <span>
                  {p.from.displayName}: {p.discipline}, {formatSpan(p.start, p.end, zone)} · {p.space.name}
                </span>
                <span className="row-actions">
                  <button type="button" className="primary" onClick={() => void answer(p, true)}>
                    Accept
                  </button>
                  <button type="button" onClick={() => void answer(p, false)}>
                    Decline
                  </button>
                </span>
              </li>
            ))}
          </ul>
        </section>
      )}
      {notTraining ? (
        <form className="toolbar" onSubmit={(e) => void train(e)}>
          <p>You do not train {discipline} yet. Add it at your level to see partners.</p>
          <label>
            Level{' '}
            <select value={level} onChange={(e) => setLevel(e.target.value as Level)}>
              {['beginner', 'intermediate', 'advanced', 'expert'].map((l) => (
                <option key={l}>{l}</option>
              ))}
            </select>
          </label>
          <button type="submit" className="primary">
            Train {discipline}
          </button>
        </form>
      ) : (
        <section aria-labelledby="suggestions" aria-busy={loading}>
          <h2 id="suggestions">
            Suggestions{mine ? ` (your rating ${Math.round(mine.rating)} ± ${Math.round(mine.rd)})` : ''}
          </h2>
          {items === null ? (
            <p role="status">{loading ? 'Looking…' : ''}</p>
          ) : items.length === 0 ? (
            <p>Nobody else trains {discipline} yet.</p>
          ) : (
            <ol className="suggestions">
              {items.map((s) => (
                <li key={s.member.id} className="suggestion">
                  <h3>{s.member.displayName}</h3>
                  <p className="muted">
                    {s.level}, rating {Math.round(s.rating)} ± {Math.round(s.rd)} · you win{' '}
                    {Math.round(s.winProbability * 100)}% · {Math.round(s.sharedMinutes / 60)} h free together
                  </p>
                  {s.slots.length === 0 ? (
                    <p className="muted">No shared slot with a free space this week.</p>
                  ) : (
                    <ul className="slots">
                      {s.slots.map((slot) => (
                        <li key={slot.start}>
                          {formatSpan(slot.start, slot.end, zone)} · {slot.space.name}{' '}
                          <button
                            type="button"
                            onClick={() => void propose(s, slot)}
                            aria-label={`Propose ${formatSpan(slot.start, slot.end, zone)} to ${s.member.displayName}`}
                          >
                            Propose
                          </button>
                        </li>
                      ))}
                    </ul>
                  )}
                </li>
              ))}
            </ol>
          )}
        </section>
      )}
      <TrainingProfile disciplines={disciplines} say={say} onChanged={() => void search()} />
      <Results say={say} onChanged={() => void search()} />
      {sent.length > 0 && (
        <section aria-labelledby="proposals-out">
          <h2 id="proposals-out">Your proposals</h2>
          <ul className="sessions">
            {sent.map((p) => (
              <li key={p.id} className="session-row">
                <span>
                  {p.to.displayName}: {p.discipline}, {formatSpan(p.start, p.end, zone)} · {p.space.name} ·{' '}
                  {p.status}
                </span>
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}

/** "Find a time" from New booking: people and squads, a length, slots that suit everyone, book one. */
export function FindTimeDialog({
  initial,
  title: initialTitle,
  onClose,
  onBooked,
}: {
  initial: Chosen[];
  title: string;
  onClose: () => void;
  onBooked: (id: string) => void;
}) {
  const { site } = useSession();
  const zone = site.timeZone;
  const dialog = useRef<HTMLDialogElement>(null);
  useRestoreFocus();
  const [people, setPeople] = useState<Chosen[]>(initial);
  const [minutes, setMinutes] = useState('60');
  const [days, setDays] = useState('7');
  const [title, setTitle] = useState(initialTitle);
  const [answer, setAnswer] = useState<FoundTime | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    const d = dialog.current;
    if (d && !d.open) d.showModal();
  }, []);

  async function find(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const from = new Date();
      setAnswer(
        await must(
          client.POST('/api/v1/find-time', {
            body: {
              members: people.filter((p) => p.kind === 'member').map((p) => p.id),
              squads: people.filter((p) => p.kind === 'squad').map((p) => p.id),
              lengthMinutes: Number(minutes),
              from: from.toISOString(),
              to: new Date(from.getTime() + Number(days) * 86_400_000).toISOString(),
            },
          }),
        ),
      );
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  async function book(slot: FoundTime['slots'][number]) {
    setBusy(true);
    try {
      const b = await must(
        client.POST('/api/v1/bookings', { body: { ...slot.booking, title: title.trim() || 'Session' } }),
      );
      await bookingsChanged();
      onBooked(b.id);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <dialog
      ref={dialog}
      className="dialog find-time"
      aria-labelledby="ft-title"
      // Opened inside New booking: React passes a dialog's cancel and close on to the dialog around
      // it, which would close New booking too; Escape closes this one only.
      onClose={(e) => {
        e.stopPropagation();
        onClose();
      }}
      onCancel={(e) => {
        e.preventDefault();
        e.stopPropagation();
        onClose();
      }}
    >
      <form onSubmit={(e) => void find(e)} noValidate>
        <h2 id="ft-title">Find a time</h2>
        {error && (
          <p className="error-banner" role="alert">
            {error}
          </p>
        )}
        <div className="form-grid">
          <div className="field span-2">
            <ParticipantsPicker
              id="ft-people"
              label="People and squads"
              value={people}
              onChange={setPeople}
            />
          </div>
          <div className="field">
            <label htmlFor="ft-minutes">Minutes</label>
            <input
              id="ft-minutes"
              type="number"
              min={5}
              max={1440}
              value={minutes}
              onChange={(e) => setMinutes(e.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor="ft-days">Within days</label>
            <input
              id="ft-days"
              type="number"
              min={1}
              max={31}
              value={days}
              onChange={(e) => setDays(e.target.value)}
            />
          </div>
          <div className="field span-2">
            <label htmlFor="ft-name">Title</label>
            <input
              id="ft-name"
              type="text"
              maxLength={200}
              value={title}
              onChange={(e) => setTitle(e.target.value)}
            />
          </div>
        </div>
        <div className="actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={busy}>
            {busy ? 'Looking…' : 'Find times'}
          </button>
        </div>
      </form>
      {answer && (
        <section aria-label="Times that suit everyone" className="found-times">
          {answer.slots.length > 0 ? (
            <ul className="slots">
              {answer.slots.map((s) => (
                <li key={`${s.start}-${s.space.id}`}>
                  {formatSpan(s.start, s.end, zone)} · {s.space.name}{' '}
                  <button type="button" disabled={busy} onClick={() => void book(s)}>
                    Book for {answer.headcount}
                  </button>
                </li>
              ))}
            </ul>
          ) : (
            <>
              <p role="status">{answer.emptyReason?.message}</p>
              {answer.partial.length > 0 && (
                <>
                  <h3 id="ft-partial">Best times without everyone</h3>
                  <ul className="slots" aria-labelledby="ft-partial">
                    {answer.partial.map((s) => (
                      <li key={`${s.start}-${s.space.id}`}>
                        {formatSpan(s.start, s.end, zone)} · {s.space.name} · {s.attendancePercentage}%
                        (without {s.missing.map((m) => m.displayName).join(', ')})
                      </li>
                    ))}
                  </ul>
                </>
              )}
            </>
          )}
        </section>
      )}
    </dialog>
  );
}
