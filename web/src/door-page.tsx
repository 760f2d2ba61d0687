import { useInfiniteQuery, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { type Answer, ApiError, client, type Door, must } from './api.ts';
import {
  alarmLabel,
  availability,
  doorQuery,
  StateBadge,
  seenAt,
  stateLabel,
  useDoorCommand,
} from './doors.tsx';
import { type Chosen, ParticipantsPicker } from './participants.tsx';
import { keys } from './queries.ts';
import { navigate } from './router.ts';
import { useSession } from './session.tsx';
import {
  formatDate,
  formatTime,
  hhmm,
  isoDate,
  localParts,
  parseHhmm,
  parseIsoDate,
  zonedInstant,
} from './time.ts';

type DoorEvent = Answer<'/api/v1/doors/{id}/events', 'get'>['items'][number];
type Guest = Answer<'/api/v1/doors/{id}/guests', 'get'>['items'][number];

/** "Sat 5 Dec 16:30" in the site's zone. */
const when = (instant: string, zone: string) =>
  `${formatDate(localParts(instant, zone))} ${formatTime(instant, zone)}`;

/**
 * A door's page: its live state and whether the lock is reachable, Unlock and Lock as the server
 * allows, the outcome of a request as it arrives, the guests (for the owner and admins) and the log.
 */
export function DoorPage({ id }: { id: string }) {
  const door = useQuery(doorQuery(id));
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  const d = door.data;
  return (
    <div className="page door-page">
      <p>
        <a
          href="/"
          onClick={(e) => {
            e.preventDefault();
            navigate('/');
          }}
        >
          Back to the schedule
        </a>
      </p>
      <h1 ref={heading} tabIndex={-1}>
        {d ? `${d.name} of ${d.spaceName}` : 'Door'}
      </h1>
      {door.error ? (
        <p className="error-banner" role="alert">
          {door.error instanceof ApiError && (door.error.status === 404 || door.error.status === 400)
            ? 'There is no such door.'
            : `The door could not be read: ${door.error.message}`}
        </p>
      ) : !d ? (
        <p role="status">Loading…</p>
      ) : (
        <>
          <DoorStatus door={d} />
          <DoorCommands door={d} />
          {d.can.manage && <Guests door={d} />}
          <DoorLog door={d} />
        </>
      )}
    </div>
  );
}

function DoorStatus({ door }: { door: Door }) {
  const zone = useSession().site.timeZone;
  return (
    <section className="card door-status" aria-labelledby="door-status">
      <h2 id="door-status">Now</h2>
      <dl className="facts">
        <dt>Lock</dt>
        <dd>
          {door.state === null ? 'Shown only to those who may open it now' : <StateBadge door={door} />}
        </dd>
        {door.hasContact && door.contact !== null && (
          <>
            <dt>Door</dt>
            <dd>{door.contact === 'open' ? 'Open' : door.contact === 'closed' ? 'Closed' : 'Unknown'}</dd>
          </>
        )}
        <dt>Lock reachable</dt>
        <dd>{availability(door)}</dd>
        {door.state !== null && (
          <>
            <dt>Last heard from</dt>
            <dd>{seenAt(door, zone)}</dd>
          </>
        )}
        <dt>Without power</dt>
        <dd>{door.failMode === 'safe' ? 'Opens (fail-safe)' : 'Stays locked (fail-secure)'}</dd>
        <dt>Locks again by itself</dt>
        <dd>{door.relockSeconds > 0 ? `${door.relockSeconds} s after it is unlocked` : 'Never'}</dd>
        {door.alarms.length > 0 && (
          <>
            <dt>Alarms</dt>
            <dd>
              {door.alarms
                .map((a) => `${alarmLabel[a.kind] ?? a.kind} since ${when(a.since, zone)}`)
                .join('; ')}
            </dd>
          </>
        )}
      </dl>
    </section>
  );
}

function DoorCommands({ door }: { door: Door }) {
  const command = useDoorCommand(door.id);
  const [reason, setReason] = useState('');
  const [reasonError, setReasonError] = useState<string | null>(null);
  const needsReason = door.access.why === 'reason-required';
  const press = (action: 'unlock' | 'lock') => {
    if (needsReason && !reason.trim()) {
      setReasonError('Say why you open this door without a booking; it is kept in the log');
      return;
    }
    setReasonError(null);
    void command.act(action, needsReason ? reason : undefined);
  };
  return (
    <section className="card" aria-labelledby="door-commands">
      <h2 id="door-commands">Open or lock</h2>
      {door.can.unlock || door.can.lock ? (
        <>
          {needsReason && (
            <div className="field">
              <label htmlFor="door-reason">Reason (you have no booking here)</label>
              <input
                id="door-reason"
                type="text"
                value={reason}
                maxLength={500}
                onChange={(e) => setReason(e.target.value)}
                aria-invalid={reasonError ? true : undefined}
                aria-describedby={reasonError ? 'door-reason-error' : undefined}
              />
              {reasonError && (
                <p id="door-reason-error" className="field-error">
                  {reasonError}
                </p>
              )}
            </div>
          )}
          <div className="actions wrap">
            {door.can.unlock && (
              <button
                type="button"
                className="primary"
                disabled={command.busy}
                onClick={() => press('unlock')}
              >
                Unlock
              </button>
            )}
            {door.can.lock && (
              <button type="button" disabled={command.busy} onClick={() => press('lock')}>
                Lock
              </button>
            )}
          </div>
        </>
      ) : (
        <p>{door.access.detail ?? 'You may not open this door now.'}</p>
      )}
      <p className={command.message?.error ? 'error-banner' : 'notice'} role="status" aria-live="polite">
        {command.message?.text ?? ''}
      </p>
    </section>
  );
}

/** A datetime-local value ("2026-12-05T16:30") of an instant, in the site's zone. */
function localInput(instant: Date, zone: string): string {
  const p = localParts(instant, zone);
  return `${isoDate(p)}T${hhmm(p.hour, p.minute)}`;
}

/** The instant of a datetime-local value read in the site's zone, or null if it is not one. */
function fromLocalInput(value: string, zone: string): Date | null {
  const date = parseIsoDate(value.slice(0, 10));
  const time = parseHhmm(value.slice(11, 16));
  if (!date || !time || value[10] !== 'T') return null;
  return zonedInstant(date, time.hour, time.minute, zone);
}

function Guests({ door }: { door: Door }) {
  const zone = useSession().site.timeZone;
  const qc = useQueryClient();
  const guestsKey = [...keys.doors, 'guests', door.id] as const;
  const guests = useQuery({
    queryKey: guestsKey,
    queryFn: () => must(client.GET('/api/v1/doors/{id}/guests', { params: { path: { id: door.id } } })),
  });
  const isOwner = door.access.as === 'owner';
  const [chosen, setChosen] = useState<Chosen[]>([]);
  const [mode, setMode] = useState<'booking' | 'window'>('booking');
  const now = Date.now();
  const [from, setFrom] = useState(() => localInput(new Date(now), zone));
  const [until, setUntil] = useState(() => localInput(new Date(now + 4 * 3_600_000), zone));
  const [errors, setErrors] = useState<{ member?: string; from?: string; until?: string }>({});
  const [message, setMessage] = useState<{ text: string; error?: boolean } | null>(null);
  const [busy, setBusy] = useState(false);

  const describeWindow = (g: Guest) =>
    g.from && g.until
      ? `from ${when(g.from, zone)} until ${when(g.until, zone)}`
      : `while ${isOwner ? 'you have' : 'the owner has'} a booking here`;

  async function add(e: FormEvent) {
    e.preventDefault();
    setMessage(null);
    const found: typeof errors = {};
    const member = chosen[0];
    if (!member) found.member = 'Choose a member by typing part of their name';
    let window: { from: string; until: string } | undefined;
    if (mode === 'window') {
      const f = fromLocalInput(from, zone);
      const u = fromLocalInput(until, zone);
      if (!f) found.from = 'Enter when the pass starts';
      if (!u) found.until = 'Enter when the pass ends';
      if (f && u && u <= f) found.until = 'The pass must end after it starts';
      if (f && u) window = { from: f.toISOString(), until: u.toISOString() };
    }
    setErrors(found);
    if (Object.keys(found).length > 0 || !member) return;
    setBusy(true);
    try {
      await must(
        client.POST('/api/v1/doors/{id}/guests', {
          params: { path: { id: door.id } },
          body: { memberId: member.id, ...window },
        }),
      );
      setChosen([]);
      setMessage({
        text: `${member.name} may come in ${mode === 'window' ? 'during that window' : describeWindow({ memberId: member.id, displayName: member.name, from: null, until: null })}.`,
      });
      await qc.invalidateQueries({ queryKey: keys.doors });
    } catch (err) {
      const field = err instanceof ApiError ? err.field : undefined;
      const text = err instanceof ApiError ? err.message : String(err);
      if (field === 'memberId') setErrors({ member: text });
      else if (field === 'from' || field === 'until') setErrors({ [field]: text });
      else setMessage({ text, error: true });
    } finally {
      setBusy(false);
    }
  }

  async function revoke(g: Guest) {
    setMessage(null);
    try {
      await must(
        client.DELETE('/api/v1/doors/{id}/guests/{memberId}', {
          params: { path: { id: door.id, memberId: g.memberId } },
        }),
      );
      setMessage({ text: `${g.displayName} may no longer come in.` });
      await qc.invalidateQueries({ queryKey: keys.doors });
      window.requestAnimationFrame(() => document.getElementById('guest-member')?.focus());
    } catch (err) {
      setMessage({ text: err instanceof ApiError ? err.message : String(err), error: true });
    }
  }

  return (
    <section className="card" aria-labelledby="door-guests">
      <h2 id="door-guests">Guests</h2>
      {guests.error ? (
        <p className="error-banner" role="alert">
          The guests could not be read: {guests.error.message}
        </p>
      ) : !guests.data ? (
        <p>Loading…</p>
      ) : guests.data.items.length === 0 ? (
        <p>
          No guests: only {isOwner ? 'you' : 'the owner'}, the people of a booking here and admins may open
          it.
        </p>
      ) : (
        <ul className="guest-list">
          {guests.data.items.map((g) => (
            <li key={g.memberId}>
              <span>
                <strong>{g.displayName}</strong> {describeWindow(g)}
              </span>
              <button type="button" onClick={() => void revoke(g)} aria-label={`Revoke ${g.displayName}`}>
                Revoke
              </button>
            </li>
          ))}
        </ul>
      )}
      <form className="guest-form" onSubmit={(e) => void add(e)} noValidate aria-labelledby="add-guest">
        <h3 id="add-guest">Let someone in</h3>
        <ParticipantsPicker
          id="guest-member"
          label="Member"
          membersOnly
          includeSelf={!isOwner}
          value={chosen}
          onChange={(v) => setChosen(v.slice(-1))}
          error={errors.member}
        />
        <fieldset>
          <legend>When</legend>
          <label className="check">
            <input
              type="radio"
              name="guest-when"
              checked={mode === 'booking'}
              onChange={() => setMode('booking')}
            />
            While {isOwner ? 'I have' : 'the owner has'} a booking here
          </label>
          <label className="check">
            <input
              type="radio"
              name="guest-when"
              checked={mode === 'window'}
              onChange={() => setMode('window')}
            />
            From a time until a time
          </label>
        </fieldset>
        {mode === 'window' && (
          <div className="form-grid">
            <div className="field">
              <label htmlFor="guest-from">From</label>
              <input
                id="guest-from"
                type="datetime-local"
                value={from}
                onChange={(e) => setFrom(e.target.value)}
                aria-invalid={errors.from ? true : undefined}
                aria-describedby={errors.from ? 'guest-from-error' : undefined}
              />
              {errors.from && (
                <p id="guest-from-error" className="field-error">
                  {errors.from}
                </p>
              )}
            </div>
            <div className="field">
              <label htmlFor="guest-until">Until</label>
              <input
                id="guest-until"
                type="datetime-local"
                value={until}
                onChange={(e) => setUntil(e.target.value)}
                aria-invalid={errors.until ? true : undefined}
                aria-describedby={errors.until ? 'guest-until-error' : undefined}
              />
              {errors.until && (
                <p id="guest-until-error" className="field-error">
                  {errors.until}
                </p>
              )}
            </div>
          </div>
        )}
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            Add guest
          </button>
        </div>
      </form>
      <p className={message?.error ? 'error-banner' : 'notice'} role="status" aria-live="polite">
        {message?.text ?? ''}
      </p>
    </section>
  );
}

const whyWords: Record<string, string> = {
  'no-booking': 'no booking now',
  'window-not-open': 'their booking has not begun',
  'not-a-guest': 'not a guest now',
  'reason-required': 'no reason given',
};

const sourceWords: Record<string, string> = {
  manual: ' (turned by hand at the door)',
  request: ' (as asked)',
  'first-report': ' (first report)',
  sensor: '',
};

/** The guest an event names (events from before names were kept say only "a guest"). */
const guestName = (x: Record<string, unknown>) =>
  typeof x.displayName === 'string' && x.displayName ? x.displayName : 'a guest';

/** One event of the log in words: who did what. */
export function describeEvent(e: DoorEvent): string {
  const a = (e.after ?? {}) as Record<string, unknown>;
  const who = e.actor?.displayName ?? 'Someone';
  const act = (x: unknown) => (x === 'lock' ? 'lock' : 'unlock');
  const lock = (x: unknown) =>
    typeof x === 'string' && x in stateLabel
      ? stateLabel[x as keyof typeof stateLabel].toLowerCase()
      : 'unknown';
  switch (e.type) {
    case 'door.requested':
      return a.as === 'auto-relock'
        ? 'Locking again by itself (auto-relock)'
        : `${who} asked to ${act(a.action)}${e.reason ? `, saying “${e.reason}”` : ''}`;
    case 'door.confirmed':
      return `The lock confirmed: ${lock(a.lockState)}`;
    case 'door.timed-out':
      return `The lock did not confirm the ${act(a.action)} in time`;
    case 'door.refused':
      return `${who} was refused: ${whyWords[String(a.why)] ?? String(a.why)}`;
    case 'door.state': {
      const contact = a.contact === false ? ', door open' : a.contact === true ? ', door closed' : '';
      return `The lock reported ${lock(a.lockState)}${contact}${sourceWords[String(a.source)] ?? ''}`;
    }
    case 'door.availability':
      return a.online ? 'The lock came back online' : 'The lock went offline';
    case 'door.alarm':
      return `Alarm: ${alarmLabel[String(a.kind)] ?? String(a.kind)}${a.reminder ? ' (still)' : ''}`;
    case 'door.alarm-cleared':
      return `Alarm over: ${alarmLabel[String(a.kind)] ?? String(a.kind)}`;
    case 'door.created':
      return `${who} added the door`;
    case 'door.updated':
      return `${who} changed the door's settings`;
    case 'door.guest-set':
      return `${who} let ${guestName(a)} in${a.from ? ' for a set time' : ' while the owner has a booking here'}`;
    case 'door.guest-removed':
      return `${who} revoked ${guestName((e.before ?? {}) as Record<string, unknown>)}`;
    default:
      return `${e.type.replace('door.', '')} by ${who}`;
  }
}

/** The door's log, newest first, a page at a time. */
function DoorLog({ door }: { door: Door }) {
  const zone = useSession().site.timeZone;
  const log = useInfiniteQuery({
    queryKey: [...keys.doors, 'events', door.id] as const,
    queryFn: ({ pageParam }) =>
      must(
        client.GET('/api/v1/doors/{id}/events', {
          params: {
            path: { id: door.id },
            query: { limit: 25, ...(pageParam ? { before: pageParam } : {}) },
          },
        }),
      ),
    initialPageParam: '',
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const items = log.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <section className="card" aria-labelledby="door-log">
      <h2 id="door-log">Log</h2>
      {!door.can.viewLog && <p className="muted">Your own requests only.</p>}
      {log.error ? (
        <p className="error-banner" role="alert">
          The log could not be read: {log.error.message}
        </p>
      ) : !log.data ? (
        <p>Loading…</p>
      ) : items.length === 0 ? (
        <p>Nothing yet.</p>
      ) : (
        <ol className="door-events">
          {items.map((e) => (
            <li key={e.id}>
              <time dateTime={e.at}>{when(e.at, zone)}</time> <span>{describeEvent(e)}</span>
            </li>
          ))}
        </ol>
      )}
      {log.hasNextPage && (
        <button type="button" disabled={log.isFetchingNextPage} onClick={() => void log.fetchNextPage()}>
          Show older
        </button>
      )}
    </section>
  );
}
