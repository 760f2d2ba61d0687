import { queryOptions, useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { ApiError, client, type Door, must } from './api.ts';
import { bookingsChanged, doorsQuery, keys, queryClient } from './queries.ts';
import { navigate } from './router.ts';
import { formatDate, formatTime, localParts } from './time.ts';

/** The site's doors, kept live (the doors stream and a 20 s refetch invalidate them; queries.ts). */
export function useDoors(): Door[] {
  return useQuery(doorsQuery).data ?? [];
}

/** One door with its recent requests; under the doors key, so the doors stream refreshes it. */
export const doorQuery = (id: string) =>
  queryOptions({
    queryKey: [...keys.doors, 'one', id] as const,
    queryFn: () => must(client.GET('/api/v1/doors/{id}', { params: { path: { id } } })),
  });

export const stateLabel: Record<NonNullable<Door['state']>, string> = {
  locked: 'Locked',
  unlocked: 'Unlocked',
  not_fully_locked: 'Not fully locked',
  unknown: 'Door state unknown',
};

export const alarmLabel: Record<string, string> = {
  'left-unlocked': 'left unlocked',
  'held-open': 'held open',
  'forced-open': 'forced open',
};

/** When a door was last heard from, in the site's zone. */
export function seenAt(door: Pick<Door, 'lastSeenAt'>, zone: string): string {
  if (!door.lastSeenAt) return 'never';
  return `${formatDate(localParts(door.lastSeenAt, zone))} ${formatTime(door.lastSeenAt, zone)}`;
}

/** Whether the lock is reachable: online, offline, silent too long (stale), or never heard from. */
export function availability(door: Pick<Door, 'state' | 'online' | 'lastSeenAt'>): string {
  if (door.state === null) return 'Not shown to you';
  if (door.online === false) return 'Offline';
  if (!door.lastSeenAt) return 'Never heard from';
  if (door.state === 'unknown') return 'Silent too long (stale)';
  return 'Online';
}

/** The lock state of a space's door (and its alarms), or nothing when it has none or it is not for the caller. */
export function DoorBadge({ spaceId }: { spaceId: string }) {
  const door = useDoors().find((d) => d.spaceId === spaceId);
  return door ? <StateBadge door={door} /> : null;
}

/** A door's lock state as a badge; nothing when the server does not show it to the caller. */
export function StateBadge({ door }: { door: Door }) {
  // A private cabin's state is shown only to those the server lets see it.
  if (door.state === null) return null;
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

export interface DoorMessage {
  text: string;
  error?: boolean;
}

/**
 * Sends Unlock or Lock to a door and follows the request to its outcome: refused at once (403, with
 * the server's reason), then confirmed by the lock or timed out. The outcome arrives on the live
 * streams, which refresh the door's query; while a request is pending the query is also read every
 * second, so an outcome is never missed when a stream reconnects.
 */
export function useDoorCommand(doorId: string | undefined) {
  const [pending, setPending] = useState<{ id: string; action: 'unlock' | 'lock' } | null>(null);
  const [message, setMessage] = useState<DoorMessage | null>(null);
  const [busy, setBusy] = useState(false);
  const one = useQuery({
    ...doorQuery(doorId ?? ''),
    enabled: doorId !== undefined && pending !== null,
    refetchInterval: pending ? 1000 : false,
  });
  useEffect(() => {
    if (!pending) return;
    const r = one.data?.requests.find((x) => x.id === pending.id);
    if (r?.status === 'confirmed') {
      setMessage({
        text:
          pending.action === 'unlock' ? 'Unlocked, confirmed by the lock' : 'Locked, confirmed by the lock',
      });
      setPending(null);
      void bookingsChanged();
    } else if (r?.status === 'timed_out') {
      setMessage({
        text: `The lock did not confirm the ${pending.action === 'unlock' ? 'unlock' : 'lock'} in time`,
        error: true,
      });
      setPending(null);
    }
  }, [one.data, pending]);

  async function act(action: 'unlock' | 'lock', reason?: string) {
    if (!doorId) return;
    const body = reason?.trim() ? { reason: reason.trim() } : {};
    setBusy(true);
    setMessage({ text: action === 'unlock' ? 'Unlocking…' : 'Locking…' });
    try {
      const accepted = await must(
        action === 'unlock'
          ? client.POST('/api/v1/doors/{id}/unlock', { params: { path: { id: doorId } }, body })
          : client.POST('/api/v1/doors/{id}/lock', { params: { path: { id: doorId } }, body }),
      );
      setPending({ id: accepted.requestId, action });
    } catch (err) {
      if (err instanceof ApiError && err.status === 403) {
        setMessage({ text: `Refused: ${err.message}`, error: true });
        // What the caller may do has changed since the door was read: read it again.
        void queryClient.invalidateQueries({ queryKey: keys.doors });
      } else
        setMessage({ text: err instanceof ApiError ? err.message : 'Could not reach the door', error: true });
    } finally {
      setBusy(false);
    }
  }

  return { act, message, busy: busy || pending !== null };
}

/** The door of a space with its Unlock or Lock button (as the server allows) and a link to its page. */
export function DoorControls({ spaceId, compact = false }: { spaceId: string; compact?: boolean }) {
  const door = useDoors().find((d) => d.spaceId === spaceId);
  const command = useDoorCommand(door?.id);
  if (!door) return null;
  const next = door.state === 'unlocked' ? 'lock' : 'unlock';
  const label = next === 'lock' ? 'Lock' : 'Unlock';

  function press(d: Door) {
    let reason: string | undefined;
    if (d.access.why === 'reason-required') {
      const given = window.prompt(`Why do you open ${d.spaceName}? (kept in the door's log)`);
      if (!given?.trim()) return;
      reason = given;
    }
    void command.act(next, reason);
  }

  const href = `/doors/${door.id}`;
  const showPage = door.can.viewState || door.can.manage || door.can.viewLog;
  return (
    <div className={compact ? 'door-controls compact' : 'door-controls'}>
      <StateBadge door={door} />
      {door.can.unlock && (
        <button
          type="button"
          className="door-button"
          disabled={command.busy}
          onClick={() => press(door)}
          aria-label={`${label} ${door.spaceName}`}
        >
          {label}
        </button>
      )}
      {!compact && !door.can.unlock && door.access.detail && (
        <span className="door-why">{door.access.detail}</span>
      )}
      {command.message && (
        <span className={command.message.error ? 'door-message error' : 'door-message'} role="status">
          {command.message.text}
        </span>
      )}
      {showPage && (
        <a
          className="door-link"
          href={href}
          aria-label={`Door of ${door.spaceName}`}
          onClick={(e) => {
            e.preventDefault();
            navigate(href);
          }}
        >
          {compact ? 'Door' : 'Door page'}
        </a>
      )}
    </div>
  );
}
