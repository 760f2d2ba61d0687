import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { type Answer, ApiError, client, type Door, must } from './api.ts';
import { bookingsChanged, doorsQuery } from './queries.ts';
import { useSession } from './session.tsx';
import { formatDate, formatTime, localParts } from './time.ts';

type DoorEvent = Answer<'/api/v1/doors/{id}/events', 'get'>['items'][number];

/** The site's doors, kept live (the doors stream and a 20 s refetch invalidate them; queries.ts). */
export function useDoors(): Door[] {
  return useQuery(doorsQuery).data ?? [];
}

const stateLabel: Record<NonNullable<Door['state']>, string> = {
  locked: 'Locked',
  unlocked: 'Unlocked',
  not_fully_locked: 'Not fully locked',
  unknown: 'Door state unknown',
};

const alarmLabel: Record<string, string> = {
  'left-unlocked': 'left unlocked',
  'held-open': 'held open',
  'forced-open': 'forced open',
};

/** The lock state of a space's door (and its alarms), or nothing when it has none. */
export function DoorBadge({ spaceId }: { spaceId: string }) {
  const door = useDoors().find((d) => d.spaceId === spaceId);
  // A private cabin's state is shown only to those the server lets see it.
  if (!door || door.state === null) return null;
  const open = door.contact === 'open' ? ', open' : '';
  const alarm = door.alarms.map((a) => alarmLabel[a.kind] ?? a.kind).join(', ');
  const text = `${stateLabel[door.state]}${open}${alarm ? ` — alarm: ${alarm}` : ''}`;
  return (
    <span
      className={`door-badge door-${door.state}${alarm ? ' door-alarm' : ''}`}
      title={`${door.name} of ${door.spaceName}: ${text} (fail-${door.failMode})`}
      data-door-state={door.state}
    >
      {text}
    </span>
  );
}

/** The door of a space with its Unlock and Lock buttons (as the server allows) and, for its owner, the log. */
export function DoorControls({ spaceId, compact = false }: { spaceId: string; compact?: boolean }) {
  const door = useDoors().find((d) => d.spaceId === spaceId);
  const [message, setMessage] = useState<{ text: string; error?: boolean } | null>(null);
  const [busy, setBusy] = useState(false);
  if (!door) return null;

  async function act(d: Door, action: 'unlock' | 'lock') {
    let body: { reason?: string } = {};
    if (d.access.why === 'reason-required') {
      const reason = window.prompt(`Why do you open ${d.spaceName}? (kept in the door's log)`);
      if (!reason?.trim()) return;
      body = { reason: reason.trim() };
    }
    setBusy(true);
    setMessage({ text: action === 'unlock' ? 'Unlocking…' : 'Locking…' });
    try {
      const accepted = await must(
        action === 'unlock'
          ? client.POST('/api/v1/doors/{id}/unlock', { params: { path: { id: d.id } }, body })
          : client.POST('/api/v1/doors/{id}/lock', { params: { path: { id: d.id } }, body }),
      );
      const giveUp = new Date(accepted.deadlineAt).getTime() + 3000;
      for (;;) {
        const now = await must(client.GET('/api/v1/doors/{id}', { params: { path: { id: d.id } } }));
        const r = now.requests.find((x) => x.id === accepted.requestId);
        if (r?.status === 'confirmed') {
          setMessage({ text: action === 'unlock' ? 'Unlocked' : 'Locked' });
          break;
        }
        if (r?.status === 'timed_out' || Date.now() > giveUp) {
          setMessage({ text: 'The lock did not confirm', error: true });
          break;
        }
        await new Promise((res) => setTimeout(res, 250));
      }
      await bookingsChanged();
    } catch (err) {
      setMessage({ text: err instanceof ApiError ? err.message : 'Could not reach the door', error: true });
    } finally {
      setBusy(false);
    }
  }

  const mayAct = door.can.unlock;
  return (
    <div className={compact ? 'door-controls compact' : 'door-controls'}>
      <DoorBadge spaceId={spaceId} />
      {mayAct && (
        <button
          type="button"
          className="door-button"
          disabled={busy}
          onClick={() => void act(door, door.state === 'unlocked' ? 'lock' : 'unlock')}
          aria-label={`${door.state === 'unlocked' ? 'Lock' : 'Unlock'} ${door.spaceName}`}
        >
          {door.state === 'unlocked' ? 'Lock' : 'Unlock'}
        </button>
      )}
      {!compact && !mayAct && door.access.detail && <span className="door-why">{door.access.detail}</span>}
      {message && (
        <span className={message.error ? 'door-message error' : 'door-message'} role="status">
          {message.text}
        </span>
      )}
      {!compact && door.can.viewLog && <DoorLog door={door} />}
    </div>
  );
}

function describe(e: DoorEvent): string {
  const a = (e.after ?? {}) as Record<string, unknown>;
  const who = e.actor?.displayName ?? 'The lock';
  switch (e.type) {
    case 'door.requested':
      return `${e.actor?.displayName ?? 'Auto-relock'} asked to ${a.action}${e.reason ? ` (${e.reason})` : ''}`;
    case 'door.confirmed':
      return `The lock confirmed: ${a.lockState}`;
    case 'door.timed-out':
      return `The lock did not confirm the ${a.action}`;
    case 'door.refused':
      return `${who} was refused (${a.why})`;
    case 'door.state':
      return `Reported ${a.lockState ?? ''}${a.contact === false ? ', open' : a.contact === true ? ', closed' : ''}${a.source === 'manual' ? ' — by hand at the door' : ''}`;
    case 'door.availability':
      return a.online ? 'Back online' : 'Went offline';
    case 'door.alarm':
      return `Alarm: ${alarmLabel[String(a.kind)] ?? a.kind}${a.reminder ? ' (still)' : ''}`;
    case 'door.alarm-cleared':
      return `Alarm cleared: ${alarmLabel[String(a.kind)] ?? a.kind}`;
    default:
      return `${e.type.replace('door.', '')} by ${who}`;
  }
}

/** The door's audit trail, read when opened. */
function DoorLog({ door }: { door: Door }) {
  const zone = useSession().site.timeZone;
  const [events, setEvents] = useState<DoorEvent[] | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  return (
    <details
      className="door-log"
      onToggle={(e) => {
        if ((e.target as HTMLDetailsElement).open)
          void must(
            client.GET('/api/v1/doors/{id}/events', {
              params: { path: { id: door.id }, query: { limit: 50 } },
            }),
          )
            .then((r) => setEvents(r.items))
            .catch((err: Error) => setFailed(err.message));
      }}
    >
      <summary>Door log</summary>
      {failed ? (
        <p role="alert">The log could not be read: {failed}</p>
      ) : events === null ? (
        <p>Loading…</p>
      ) : (
        <ol>
          {events.map((e) => (
            <li key={e.id}>
              <time dateTime={e.at}>
                {formatDate(localParts(e.at, zone))} {formatTime(e.at, zone)}
              </time>{' '}
              {describe(e)}
            </li>
          ))}
        </ol>
      )}
    </details>
  );
}
