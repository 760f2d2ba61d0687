import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { type Answer, type Body, client, errorText, must } from './api.ts';
import { bookingsQuery, queryClient } from './queries.ts';
import { useSession } from './session.tsx';
import { formatDate, formatSpan, localParts } from './time.ts';

/**
 * The member's own side of finding partners: the disciplines they train and at what level, whether
 * they are suggested at all and whether quiet hours count as free, and the results of their
 * sessions (recorded by either player, disputed by either).
 */

type Discipline = Answer<'/api/v1/disciplines', 'get'>['items'][number];
type Level = Body<'/api/v1/members/{id}/disciplines/{discipline}', 'put'>['level'];
type Result = Answer<'/api/v1/results', 'get'>['items'][number];
type Outcome = Body<'/api/v1/results', 'post'>['outcome'];

const levels: Level[] = ['beginner', 'intermediate', 'advanced', 'expert'];
const mineKey = (id: string) => ['member-disciplines', id] as const;
const settingsKey = (id: string) => ['partner-settings', id] as const;
const resultsKey = ['results'] as const;

type Say = (text: string, error?: boolean) => void;

/** "Your training": disciplines with their levels, hiding from suggestions, night training. */
export function TrainingProfile({
  disciplines,
  say,
  onChanged,
}: {
  disciplines: Discipline[];
  say: Say;
  onChanged: () => void;
}) {
  const { me } = useSession();
  const mineQuery = useQuery({
    queryKey: mineKey(me.id),
    queryFn: () =>
      must(client.GET('/api/v1/members/{id}/disciplines', { params: { path: { id: me.id } } })).then(
        (r) => r.items,
      ),
  });
  const settingsQuery = useQuery({
    queryKey: settingsKey(me.id),
    queryFn: () =>
      must(client.GET('/api/v1/members/{id}/partner-settings', { params: { path: { id: me.id } } })),
  });
  const mine = mineQuery.data ?? [];
  const others = disciplines.filter((d) => !mine.some((m) => m.disciplineId === d.id));
  const [adding, setAdding] = useState('');
  const [addLevel, setAddLevel] = useState<Level>('intermediate');
  const toAdd = adding || others[0]?.name || '';

  async function changed() {
    await queryClient.invalidateQueries({ queryKey: mineKey(me.id) });
    onChanged();
  }

  async function setLevel(discipline: string, level: Level) {
    try {
      await must(
        client.PUT('/api/v1/members/{id}/disciplines/{discipline}', {
          params: { path: { id: me.id, discipline } },
          body: { level },
        }),
      );
      say(`${discipline}: ${level}.`);
      await changed();
    } catch (err) {
      say(errorText(err), true);
    }
  }

  async function remove(discipline: string) {
    try {
      await must(
        client.DELETE('/api/v1/members/{id}/disciplines/{discipline}', {
          params: { path: { id: me.id, discipline } },
        }),
      );
      say(`You no longer train ${discipline}.`);
      await changed();
    } catch (err) {
      say(errorText(err), true);
    }
  }

  async function add(e: FormEvent) {
    e.preventDefault();
    if (!toAdd) return;
    await setLevel(toAdd, addLevel);
    setAdding('');
  }

  async function setting(patch: { hidden?: boolean; nightTraining?: boolean }) {
    try {
      const s = await must(
        client.PATCH('/api/v1/members/{id}/partner-settings', {
          params: { path: { id: me.id } },
          body: patch,
        }),
      );
      queryClient.setQueryData(settingsKey(me.id), s);
      say(
        patch.hidden !== undefined
          ? s.hidden
            ? 'You are hidden from partner suggestions.'
            : 'You are shown in partner suggestions again.'
          : s.nightTraining
            ? 'Quiet hours count as free time for you.'
            : 'Quiet hours count as busy for you.',
      );
      onChanged();
    } catch (err) {
      say(errorText(err), true);
    }
  }

  const settings = settingsQuery.data;
  return (
    <section aria-labelledby="my-training" className="card training">
      <h2 id="my-training">Your training</h2>
      {(mineQuery.error || settingsQuery.error) && (
        <p role="alert" className="error-banner">
          Could not be loaded: {(mineQuery.error ?? settingsQuery.error)?.message}
        </p>
      )}
      {mine.length === 0 ? (
        <p className="muted">You do not list a discipline yet.</p>
      ) : (
        <ul className="sessions">
          {mine.map((m) => (
            <li key={m.disciplineId} className="session-row">
              <span>
                {m.discipline} · rating {Math.round(m.rating)} ± {Math.round(m.rd)}
              </span>
              <span className="row-actions">
                <label>
                  <span className="visually-hidden">Level in {m.discipline}</span>
                  <select
                    value={m.level}
                    onChange={(e) => void setLevel(m.discipline, e.target.value as Level)}
                  >
                    {levels.map((l) => (
                      <option key={l}>{l}</option>
                    ))}
                  </select>
                </label>
                <button type="button" onClick={() => void remove(m.discipline)}>
                  Remove<span className="visually-hidden"> {m.discipline}</span>
                </button>
              </span>
            </li>
          ))}
        </ul>
      )}
      {others.length > 0 && (
        <form className="toolbar" onSubmit={(e) => void add(e)}>
          <label>
            Add discipline{' '}
            <select value={toAdd} onChange={(e) => setAdding(e.target.value)}>
              {others.map((d) => (
                <option key={d.id} value={d.name}>
                  {d.name}
                </option>
              ))}
            </select>
          </label>
          <label>
            at level{' '}
            <select value={addLevel} onChange={(e) => setAddLevel(e.target.value as Level)}>
              {levels.map((l) => (
                <option key={l}>{l}</option>
              ))}
            </select>
          </label>
          <button type="submit">Add</button>
        </form>
      )}
      {settings && (
        <div className="checks">
          <label className="check">
            <input
              type="checkbox"
              checked={settings.hidden}
              onChange={(e) => void setting({ hidden: e.target.checked })}
            />
            Hide me from partner suggestions
          </label>
          <label className="check">
            <input
              type="checkbox"
              checked={settings.nightTraining}
              onChange={(e) => void setting({ nightTraining: e.target.checked })}
            />
            I train at night: quiet hours count as free time
          </label>
        </div>
      )}
    </section>
  );
}

function resultWords(r: Result): string {
  const a = r.memberA.displayName;
  const b = r.memberB.displayName;
  return r.outcome === 'win'
    ? `${a} beat ${b}`
    : r.outcome === 'loss'
      ? `${b} beat ${a}`
      : `${a} and ${b} drew`;
}

/** "Results": the member's results, a dispute for each, and a form to record one for a past session. */
export function Results({ say, onChanged }: { say: Say; onChanged: () => void }) {
  const { me, site } = useSession();
  const zone = site.timeZone;
  const resultsQuery = useQuery({
    queryKey: resultsKey,
    queryFn: () =>
      must(client.GET('/api/v1/results', { params: { query: { limit: 50 } } })).then((r) => r.items),
  });
  const mineQuery = useQuery({
    queryKey: mineKey(me.id),
    queryFn: () =>
      must(client.GET('/api/v1/members/{id}/disciplines', { params: { path: { id: me.id } } })).then(
        (r) => r.items,
      ),
  });
  // The past month's sessions, fixed when the section opens so the query's key stays the same.
  const [range] = useState(() => ({
    from: new Date(Date.now() - 30 * 86_400_000).toISOString(),
    to: new Date().toISOString(),
  }));
  const sessionsQuery = useQuery(bookingsQuery(range.from, range.to, { member: me.id }));
  const sessions = (sessionsQuery.data ?? [])
    .filter((b) => b.status !== 'cancelled' && new Date(b.end).getTime() <= Date.now())
    .map((b) => ({
      b,
      people: [...(b.organizer ? [b.organizer] : []), ...b.participants.members].filter(
        (p) => p.id !== me.id,
      ),
    }))
    .filter((s) => s.people.length > 0)
    .reverse();
  const [sessionId, setSessionId] = useState('');
  const session = sessions.find((s) => s.b.id === sessionId) ?? sessions[0];
  const [opponentId, setOpponentId] = useState('');
  const opponent = session?.people.find((p) => p.id === opponentId) ?? session?.people[0];
  const mine = mineQuery.data ?? [];
  const [disciplineChoice, setDiscipline] = useState('');
  const discipline = disciplineChoice || mine[0]?.discipline || '';
  const [outcome, setOutcome] = useState<Outcome>('win');

  async function changed() {
    await queryClient.invalidateQueries({ queryKey: resultsKey });
    await queryClient.invalidateQueries({ queryKey: mineKey(me.id) });
    onChanged();
  }

  async function record(e: FormEvent) {
    e.preventDefault();
    if (!session || !opponent || !discipline) return;
    try {
      const r = await must(
        client.POST('/api/v1/results', {
          body: { bookingId: session.b.id, discipline, memberA: me.id, memberB: opponent.id, outcome },
        }),
      );
      say(`Recorded: ${resultWords(r)} in ${r.discipline}.`);
      await changed();
    } catch (err) {
      say(errorText(err), true);
    }
  }

  async function dispute(r: Result) {
    try {
      await must(client.POST('/api/v1/results/{id}/dispute', { params: { path: { id: r.id } }, body: {} }));
      say(`Disputed: ${resultWords(r)}. It no longer counts.`);
      await changed();
    } catch (err) {
      say(errorText(err), true);
    }
  }

  const results = resultsQuery.data ?? [];
  return (
    <section aria-labelledby="my-results" className="card results">
      <h2 id="my-results">Results</h2>
      {resultsQuery.error && (
        <p role="alert" className="error-banner">
          Could not be loaded: {resultsQuery.error.message}
        </p>
      )}
      {sessions.length > 0 && mine.length > 0 ? (
        <form className="form-grid" onSubmit={(e) => void record(e)} aria-label="Record a result">
          <div className="field span-2">
            <label htmlFor="res-session">Session</label>
            <select
              id="res-session"
              value={session?.b.id ?? ''}
              onChange={(e) => {
                setSessionId(e.target.value);
                setOpponentId('');
              }}
            >
              {sessions.map(({ b }) => (
                <option key={b.id} value={b.id}>
                  {b.title}, {formatSpan(b.start, b.end, zone)}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="res-opponent">Against</label>
            <select
              id="res-opponent"
              value={opponent?.id ?? ''}
              onChange={(e) => setOpponentId(e.target.value)}
            >
              {session?.people.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.displayName}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="res-discipline">Discipline</label>
            <select id="res-discipline" value={discipline} onChange={(e) => setDiscipline(e.target.value)}>
              {mine.map((m) => (
                <option key={m.disciplineId}>{m.discipline}</option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="res-outcome">Outcome</label>
            <select id="res-outcome" value={outcome} onChange={(e) => setOutcome(e.target.value as Outcome)}>
              <option value="win">I won</option>
              <option value="loss">I lost</option>
              <option value="draw">A draw</option>
              <option value="even">Even sparring</option>
            </select>
          </div>
          <div className="field actions">
            <button type="submit" className="primary">
              Record result
            </button>
          </div>
        </form>
      ) : (
        <p className="muted">
          {mine.length === 0
            ? 'List a discipline to record results.'
            : 'Results are recorded for a finished session you shared with someone in the past month.'}
        </p>
      )}
      {results.length > 0 && (
        <ul className="sessions">
          {results.map((r) => (
            <li key={r.id} className="session-row">
              <span>
                {resultWords(r)} · {r.discipline} · {formatDate(localParts(r.playedAt, zone))}
                {r.disputed ? ' · disputed, does not count' : ''}
              </span>
              {!r.disputed && (
                <span className="row-actions">
                  <button type="button" onClick={() => void dispute(r)}>
                    Dispute<span className="visually-hidden"> {resultWords(r)}</span>
                  </button>
                </span>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
