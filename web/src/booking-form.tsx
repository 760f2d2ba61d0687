import { type FormEvent, Suspense, useEffect, useRef, useState } from 'react';
import { ApiError, type Booking, client, ifMatch, must } from './api.ts';
import { changeSessions, type SeriesEdit } from './booking-series.tsx';
import { useRestoreFocus } from './focus.ts';
import { FindTimeDialog } from './lazy.ts';
import { type Chosen, ParticipantsPicker } from './participants.tsx';
import { bookingsChanged } from './queries.ts';
import { type Repeat, rruleOf, weekdayCodes, weekdayNames } from './series-rule.ts';
import { useSession } from './session.tsx';
import { formatSpan, parseHhmm, parseIsoDate, sessionSpan } from './time.ts';
import { WaitlistJoin } from './waitlist-join.tsx';

/**
 * A conflicting booking as a 409 problem lists it (as far as the caller may see it). The OpenAPI
 * document declares problems open-ended, so their extra fields are read here, defensively.
 */
interface Conflict {
  id?: string | null;
  title?: string | null;
  start?: string;
  end?: string;
  busy?: boolean;
}

/** A participant already in an overlapping session (409 member-conflict). */
interface MemberConflict {
  member: { displayName: string };
  booking: { start: string; end: string; busy: boolean; title: string };
}

/** What the booking dialog starts from: a selected slot, or the booking being edited. */
export interface Draft {
  spaceId: string;
  date: string;
  start: string;
  end: string;
  editing?: Booking;
  /** Editing this and the following sessions of its series, or all of them. */
  seriesEdit?: SeriesEdit;
}

type Field =
  | 'space'
  | 'date'
  | 'start'
  | 'end'
  | 'title'
  | 'participants'
  | 'headcount'
  | 'visibility'
  | 'repeat';

/** Which form field an API error names ("body.start" → start); undefined when none fits. */
export function fieldOf(apiField: string | undefined): Field | undefined {
  if (!apiField) return undefined;
  const head = apiField.split('.')[0] ?? '';
  const map: Record<string, Field> = {
    spaceId: 'space',
    space: 'space',
    start: 'start',
    startTime: 'start',
    startDate: 'date',
    date: 'date',
    end: 'end',
    durationMinutes: 'end',
    title: 'title',
    participants: 'participants',
    headcount: 'headcount',
    visibility: 'visibility',
    rrule: 'repeat',
    policy: 'repeat',
  };
  return map[head];
}

export function BookingForm({
  draft,
  onClose,
  onBooked,
}: {
  draft: Draft;
  onClose: () => void;
  /** `summary`: what a series booked and skipped, when it skipped any. */
  onBooked: (id: string | null, summary?: string) => void;
}) {
  const { me, site, spaces } = useSession();
  const zone = site.timeZone;
  const editing = draft.editing;
  const seriesEdit = editing?.seriesId ? draft.seriesEdit : undefined;
  const dialog = useRef<HTMLDialogElement>(null);
  useRestoreFocus();
  const [spaceId, setSpaceId] = useState(draft.spaceId || spaces[0]?.id || '');
  const [date, setDate] = useState(draft.date);
  const [start, setStart] = useState(draft.start);
  const [end, setEnd] = useState(draft.end);
  const [title, setTitle] = useState(editing?.title ?? '');
  const [headcount, setHeadcount] = useState(String(editing?.headcount ?? 1));
  // Until the box is touched, a new booking is as its space says (a private cabin: private).
  const [privateChoice, setPrivate] = useState<boolean | null>(
    editing ? editing.visibility === 'private' : null,
  );
  const [participants, setParticipants] = useState<Chosen[]>(() => [
    ...(editing?.participants?.members ?? [])
      .filter((m) => m.id !== me.id)
      .map((m) => ({ kind: 'member' as const, id: m.id, name: m.displayName })),
    ...(editing?.participants?.squads ?? []).map((s) => ({ kind: 'squad' as const, id: s.id, name: s.name })),
  ]);
  const weekday = parseIsoDate(draft.date);
  const [repeat, setRepeat] = useState<Repeat>(() => ({
    freq: 'none',
    days: new Set(
      weekday
        ? [
            weekdayCodes[
              (new Date(Date.UTC(weekday.year, weekday.month - 1, weekday.day)).getUTCDay() + 6) % 7
            ]!,
          ]
        : [],
    ),
    ends: 'count',
    count: '10',
    until: '',
  }));
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  const [general, setGeneral] = useState<string | null>(null);
  const [conflicts, setConflicts] = useState<Conflict[]>([]);
  const [seriesConflict, setSeriesConflict] = useState(false);
  // The space itself is taken then (not a participant elsewhere): the waitlist is offered.
  const [spaceTaken, setSpaceTaken] = useState(false);
  const [busy, setBusy] = useState(false);
  const [finding, setFinding] = useState(false);
  const canFind = !editing;
  const canRepeat = !editing;

  useEffect(() => {
    const d = dialog.current;
    if (d && !d.open) d.showModal();
  }, []);

  const space = spaces.find((s) => s.id === spaceId);
  const waitlistSlot = () => {
    const d = parseIsoDate(date);
    const s = parseHhmm(start);
    const en = parseHhmm(end);
    if (!d || !s || !en) return null;
    const span = sessionSpan(d, s, en, zone);
    return { start: span.start.toISOString(), end: span.end.toISOString() };
  };
  const isPrivate = privateChoice ?? space?.defaultVisibility === 'private';

  function fail(err: unknown) {
    if (!(err instanceof ApiError)) {
      setGeneral(String(err));
      return;
    }
    const field = fieldOf(err.field);
    const detail = err.problem.detail || err.message;
    // A member-conflict lists who is elsewhere then, and in what (or "Busy" when private).
    const people = Array.isArray(err.problem.memberConflicts)
      ? (err.problem.memberConflicts as MemberConflict[]).map((c) => ({
          ...c.booking,
          busy: false,
          title: `${c.member.displayName}: ${c.booking.busy ? 'Busy' : c.booking.title}`,
        }))
      : [];
    const list = Array.isArray(err.problem.conflicts) ? (err.problem.conflicts as Conflict[]) : people;
    setConflicts(list);
    setSpaceTaken(err.problem.code === 'booking-conflict' && Array.isArray(err.problem.conflicts));
    if (err.problem.code === 'booking-conflict' || err.status === 409) {
      setErrors({ start: detail });
      setGeneral(null);
    } else if (field) {
      setErrors({ [field]: detail });
      setGeneral(null);
    } else {
      setErrors({});
      setGeneral(detail);
    }
  }

  async function submit(e: FormEvent | null, policy: 'all-or-nothing' | 'skip-conflicts' = 'all-or-nothing') {
    e?.preventDefault();
    setErrors({});
    setGeneral(null);
    setConflicts([]);
    setSeriesConflict(false);
    const d = parseIsoDate(date);
    const s = parseHhmm(start);
    const en = parseHhmm(end);
    const local: Partial<Record<Field, string>> = {};
    if (!d) local.date = 'Choose a date';
    if (!s) local.start = 'Enter a start time as HH:MM';
    if (!en) local.end = 'Enter an end time as HH:MM';
    if (!spaceId) local.space = 'Choose a space';
    if (Object.keys(local).length) {
      setErrors(local);
      return;
    }
    // An end at or before the start means the session runs past midnight (sessionSpan).
    const { start: startAt, end: endAt } = sessionSpan(d!, s!, en!, zone);
    const body = {
      spaceId,
      title,
      headcount: Number(headcount),
      participants: {
        members: participants.filter((p) => p.kind === 'member').map((p) => p.id),
        squads: participants.filter((p) => p.kind === 'squad').map((p) => p.id),
      },
      visibility: isPrivate ? ('private' as const) : ('public' as const),
    };
    setBusy(true);
    try {
      if (editing && seriesEdit) {
        // A series keeps one time of day and length; the date, space and people stay as they are.
        const next = await changeSessions(
          editing,
          seriesEdit,
          {
            title,
            headcount: body.headcount,
            startTime: start,
            durationMinutes: Math.round((endAt.getTime() - startAt.getTime()) / 60_000),
          },
          zone,
        );
        await bookingsChanged();
        onBooked(next);
      } else if (editing) {
        const updated = await must(
          client.PATCH('/api/v1/bookings/{id}', {
            params: { path: { id: editing.id } },
            body: {
              title,
              headcount: body.headcount,
              participants: body.participants,
              start: startAt.toISOString(),
              end: endAt.toISOString(),
            },
            headers: ifMatch(editing.version),
          }),
        );
        await bookingsChanged();
        onBooked(updated.id);
      } else if (repeat.freq !== 'none') {
        if (repeat.freq === 'weekly' && repeat.days.size === 0) {
          setErrors({ repeat: 'Choose at least one weekday' });
          return;
        }
        if (repeat.ends === 'until' && !parseIsoDate(repeat.until)) {
          setErrors({ repeat: 'Choose the last date' });
          return;
        }
        const created = await must(
          client.POST('/api/v1/series', {
            body: {
              ...body,
              rrule: rruleOf(repeat),
              startDate: date,
              startTime: start,
              durationMinutes: Math.round((endAt.getTime() - startAt.getTime()) / 60_000),
              policy,
            },
          }),
        );
        await bookingsChanged();
        // After skipping conflicts, say what was booked and what was skipped (and why: a clash).
        const skipped = created.skipped.map((x) => formatSpan(x.start, x.end, zone));
        onBooked(
          created.booked[0]?.id ?? null,
          skipped.length
            ? `Booked ${created.booked.length} of ${created.booked.length + skipped.length} sessions of ${title}; skipped because of a clash: ${skipped.join('; ')}.`
            : undefined,
        );
      } else {
        const created = await must(
          client.POST('/api/v1/bookings', {
            body: { ...body, start: startAt.toISOString(), end: endAt.toISOString() },
          }),
        );
        await bookingsChanged();
        onBooked(created.id);
      }
    } catch (err) {
      fail(err);
      if (err instanceof ApiError && err.status === 409 && repeat.freq !== 'none') setSeriesConflict(true);
    } finally {
      setBusy(false);
    }
  }

  const err = (f: Field) =>
    errors[f] ? (
      <p id={`bf-${f}-error`} className="field-error">
        {errors[f]}
      </p>
    ) : null;
  const described = (f: Field) =>
    errors[f] ? { 'aria-invalid': true as const, 'aria-describedby': `bf-${f}-error` } : {};

  return (
    <dialog
      ref={dialog}
      className="dialog booking-form"
      aria-labelledby="bf-title"
      onClose={onClose}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      <form onSubmit={(e) => void submit(e)} noValidate>
        <h2 id="bf-title">
          {seriesEdit
            ? seriesEdit.scope === 'following'
              ? 'Edit this and following sessions'
              : 'Edit all sessions'
            : editing
              ? 'Edit booking'
              : 'New booking'}
        </h2>
        {seriesEdit && (
          <p className="muted">
            {seriesEdit.scope === 'following'
              ? 'The time, length, title and headcount change for this session and every later one.'
              : 'The time, length, title and headcount change for every session not yet begun.'}{' '}
            Sessions changed one by one keep their changes; to change the date, space or people, edit one
            session.
          </p>
        )}
        {general && (
          <p className="error-banner" role="alert">
            {general}
          </p>
        )}
        <div className="form-grid">
          <div className="field">
            <label htmlFor="bf-space">Space</label>
            <select
              id="bf-space"
              value={spaceId}
              onChange={(e) => setSpaceId(e.target.value)}
              disabled={!!editing}
              {...described('space')}
            >
              {/* Only the spaces the server lets this member book (and the one already chosen). */}
              {spaces
                .filter((s) => s.can.book || s.id === spaceId)
                .map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.name} (up to {s.capacity})
                  </option>
                ))}
            </select>
            {err('space')}
          </div>
          <div className="field">
            <label htmlFor="bf-date">Date</label>
            <input
              id="bf-date"
              type="date"
              value={date}
              disabled={!!seriesEdit}
              onChange={(e) => setDate(e.target.value)}
              {...described('date')}
            />
            {err('date')}
          </div>
          <div className="field">
            <label htmlFor="bf-start">Start</label>
            <input
              id="bf-start"
              type="time"
              step={300}
              value={start}
              onChange={(e) => setStart(e.target.value)}
              {...described('start')}
            />
          </div>
          <div className="field">
            <label htmlFor="bf-end">End</label>
            <input
              id="bf-end"
              type="time"
              step={300}
              value={end}
              onChange={(e) => setEnd(e.target.value)}
              {...described('end')}
            />
            {err('end')}
          </div>
          <div className="field span-2" aria-live="polite">
            {err('start')}
            {conflicts.length > 0 && (
              <div className="conflicts">
                <p>It clashes with:</p>
                <ul>
                  {conflicts.map((c, i) => (
                    <li key={c.id ?? i}>
                      {c.busy || !c.title ? 'Busy' : c.title}
                      {c.start && c.end ? `, ${formatSpan(c.start, c.end, zone)}` : ''}
                    </li>
                  ))}
                </ul>
              </div>
            )}
            {spaceTaken && !editing && repeat.freq === 'none' && waitlistSlot() && (
              <WaitlistJoin spaceId={spaceId} title={title} zone={zone} {...waitlistSlot()!} />
            )}
          </div>
          <div className="field span-2">
            <label htmlFor="bf-name">Title</label>
            <input
              id="bf-name"
              type="text"
              value={title}
              maxLength={200}
              onChange={(e) => setTitle(e.target.value)}
              {...described('title')}
            />
            {err('title')}
          </div>
          {!seriesEdit && (
            <div className="field span-2">
              <ParticipantsPicker
                id="bf-participants"
                value={participants}
                onChange={setParticipants}
                error={errors.participants}
              />
            </div>
          )}
          <div className="field">
            <label htmlFor="bf-headcount">Headcount</label>
            <input
              id="bf-headcount"
              type="number"
              min={1}
              max={space?.capacity}
              value={headcount}
              onChange={(e) => setHeadcount(e.target.value)}
              {...described('headcount')}
            />
            {err('headcount')}
          </div>
          <div className="field">
            <span className="label-like" id="bf-vis-label">
              Visibility
            </span>
            <label className="check">
              <input
                type="checkbox"
                checked={isPrivate}
                onChange={(e) => setPrivate(e.target.checked)}
                disabled={!!editing}
                {...described('visibility')}
              />
              Private (others see "busy")
            </label>
            {err('visibility')}
          </div>
          {canRepeat && (
            <fieldset className="field span-2 repeat">
              <legend>Repeat</legend>
              <label htmlFor="bf-repeat" className="visually-hidden">
                Repeat
              </label>
              <select
                id="bf-repeat"
                value={repeat.freq}
                onChange={(e) => setRepeat({ ...repeat, freq: e.target.value as Repeat['freq'] })}
                {...described('repeat')}
              >
                <option value="none">Does not repeat</option>
                <option value="daily">Daily</option>
                <option value="weekly">Weekly on…</option>
              </select>
              {repeat.freq === 'weekly' && (
                <fieldset className="weekdays">
                  <legend className="visually-hidden">Weekdays</legend>
                  {weekdayCodes.map((code, i) => (
                    <label key={code} className="check">
                      <input
                        type="checkbox"
                        checked={repeat.days.has(code)}
                        onChange={(e) => {
                          const days = new Set(repeat.days);
                          if (e.target.checked) days.add(code);
                          else days.delete(code);
                          setRepeat({ ...repeat, days });
                        }}
                      />
                      {weekdayNames[i]}
                    </label>
                  ))}
                </fieldset>
              )}
              {repeat.freq !== 'none' && (
                <div className="repeat-end">
                  <label className="check">
                    <input
                      type="radio"
                      name="bf-ends"
                      checked={repeat.ends === 'count'}
                      onChange={() => setRepeat({ ...repeat, ends: 'count' })}
                    />
                    For
                  </label>
                  <label htmlFor="bf-count" className="visually-hidden">
                    Number of sessions
                  </label>
                  <input
                    id="bf-count"
                    type="number"
                    min={1}
                    max={366}
                    className="short"
                    value={repeat.count}
                    disabled={repeat.ends !== 'count'}
                    onChange={(e) => setRepeat({ ...repeat, count: e.target.value })}
                  />
                  <span>sessions</span>
                  <label className="check">
                    <input
                      type="radio"
                      name="bf-ends"
                      checked={repeat.ends === 'until'}
                      onChange={() => setRepeat({ ...repeat, ends: 'until' })}
                    />
                    Until
                  </label>
                  <label htmlFor="bf-until" className="visually-hidden">
                    Last date
                  </label>
                  <input
                    id="bf-until"
                    type="date"
                    value={repeat.until}
                    disabled={repeat.ends !== 'until'}
                    onChange={(e) => setRepeat({ ...repeat, until: e.target.value })}
                  />
                </div>
              )}
              {err('repeat')}
            </fieldset>
          )}
        </div>
        {seriesConflict && (
          <div className="series-choice">
            <p>Nothing was booked: the sessions above clash. Book the free ones and skip those?</p>
            <button type="button" onClick={() => void submit(null, 'skip-conflicts')} disabled={busy}>
              Book the free ones, skip conflicts
            </button>
          </div>
        )}
        <div className="actions">
          {canFind && (
            <button type="button" onClick={() => setFinding(true)}>
              Find a time…
            </button>
          )}
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={busy}>
            {busy ? 'Saving…' : editing ? 'Save' : 'Book'}
          </button>
        </div>
        <p className="muted small">
          Times in {zone}. {editing ? `Editing ${formatSpan(editing.start, editing.end, zone)}.` : ''}
        </p>
      </form>
      {finding && (
        <Suspense fallback={null}>
          <FindTimeDialog
            initial={participants}
            title={title}
            onClose={() => setFinding(false)}
            onBooked={(id) => {
              setFinding(false);
              onBooked(id);
            }}
          />
        </Suspense>
      )}
    </dialog>
  );
}
