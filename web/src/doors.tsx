import { useState, useSyncExternalStore } from 'react';
import { ApiError, api, apiPaths } from './api.ts';
import { useSession } from './session.tsx';
import { formatDate, formatTime, localParts } from './time.ts';

/** A door as GET /doors answers it; the server says what the caller may do (`can`, `access`). */
export interface Door {
  id: string;
  spaceId: string;
  spaceName: string;
  name: string;
  state: 'locked' | 'unlocked' | 'not_fully_locked' | 'unknown';
  contact: 'open' | 'closed' | 'unknown' | null;
  failMode: 'safe' | 'secure';
  alarms: { kind: string; since: string }[];
  access: { allowed: boolean; as: string | null; why: string | null; detail: string | null };
  can: { unlock: boolean; lock: boolean; manage: boolean; viewLog: boolean };
}

interface DoorRequest {
  id: string;
  status: 'pending' | 'confirmed' | 'timed_out';
}

interface DoorEvent {
  id: string;
  at: string;
  type: string;
  actor: { id: string; displayName: string } | null;
  after: Record<string, unknown> | null;
  reason: string | null;
}

// One shared list of the site's doors: read once, then again whenever the doors stream says a door
// changed (a lock's report, in this server) and every 20 s (staleness, other servers).
let doors: Door[] = [];
const listeners = new Set<() => void>();
let started = false;

async function refreshDoors(): Promise<void> {
  const r = await api<{ items: Door[] }>('GET', '/doors').catch(() => null);
  if (!r) return;
  doors = r.items;
  for (const l of listeners) l();
}

function startDoors(): void {
  if (started) return;
  started = true;
  let source: EventSource | undefined;
  // The stream is opened only once the site has doors: a browser allows few connections per server.
  const refresh = async (paths: Set<string>) => {
    await refreshDoors();
    if (!source && doors.length > 0 && paths.has('/api/v1/doors/stream')) {
      source = new EventSource('/api/v1/doors/stream', { withCredentials: true });
      source.addEventListener('door', () => void refreshDoors());
    }
  };
  void apiPaths().then((paths) => {
    if (!paths.has('/api/v1/doors')) return;
    void refresh(paths);
    setInterval(() => void refresh(paths), 20_000);
  });
}

function subscribe(listener: () => void): () => void {
  startDoors();
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The site's doors, kept live. */
export function useDoors(): Door[] {
  return useSyncExternalStore(subscribe, () => doors);
}

const stateLabel: Record<Door['state'], string> = {
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
  if (!door) return null;
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
      const accepted = await api<{ requestId: string; deadlineAt: string }>(
        'POST',
        `/doors/${d.id}/${action}`,
        body,
      );
      const giveUp = new Date(accepted.deadlineAt).getTime() + 3000;
      for (;;) {
        const now = await api<Door & { requests: DoorRequest[] }>('GET', `/doors/${d.id}`);
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
      await refreshDoors();
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
  const a = e.after ?? {};
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
  return (
    <details
      className="door-log"
      onToggle={(e) => {
        if ((e.target as HTMLDetailsElement).open)
          void api<{ items: DoorEvent[] }>('GET', `/doors/${door.id}/events?limit=50`)
            .then((r) => setEvents(r.items))
            .catch(() => setEvents([]));
      }}
    >
      <summary>Door log</summary>
      {events === null ? (
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
