import type { Queryable } from '../../db/store.ts';
import { localDateTime } from '../../domain/time.ts';
import type { NewNotice, OutboxEvent } from '../notifications/repository.ts';
import * as repo from './repository.ts';

const alarmTitles: Record<repo.AlarmKind, [string, string]> = {
  'left-unlocked': ['was left unlocked', 'is still unlocked'],
  'held-open': ['is held open', 'is still open'],
  'forced-open': ['was forced open', 'is still open after being forced'],
};

/**
 * The notices of door events: a request's outcome to whoever asked (its result on the live stream),
 * and alarms (and a relock the lock did not confirm) to the space's owner, plus the admins for a
 * shared space. They name the space and the time only: nothing of anyone's booking.
 */
export async function doorNotices(db: Queryable, e: OutboxEvent): Promise<NewNotice[]> {
  if (!e.subjectId) return [];
  const door = await repo.findDoor(db, e.siteId, e.subjectId);
  if (!door) return [];
  const after = (e.after ?? {}) as {
    requestId?: string;
    action?: string;
    kind?: repo.AlarmKind;
    since?: string;
    reminder?: boolean;
  };
  const notice = (
    memberId: string,
    kind: 'door-request' | 'door-alarm',
    title: string,
    body: string,
    data: Record<string, unknown>,
  ): NewNotice => ({
    siteId: e.siteId,
    memberId,
    kind,
    eventId: e.id,
    bookingId: null,
    title,
    body,
    data: { doorId: door.id, spaceId: door.spaceId, spaceName: door.spaceName, ...data },
    createdAt: new Date(e.at),
  });
  const done = after.action === 'lock' ? 'locked' : 'unlocked';
  switch (e.type) {
    case 'door.confirmed':
      if (!e.actorId) return [];
      return [
        notice(
          e.actorId,
          'door-request',
          `${door.spaceName} ${done}`,
          `The lock of ${door.spaceName} confirmed: ${done}.`,
          {
            requestId: after.requestId,
            action: after.action,
            outcome: 'confirmed',
          },
        ),
      ];
    case 'door.timed-out': {
      const title = `${door.spaceName} did not confirm`;
      const body = `The lock of ${door.spaceName} did not confirm the ${after.action} request in time; its state is as last reported.`;
      const data = { requestId: after.requestId, action: after.action, outcome: 'timed-out' };
      if (e.actorId) return [notice(e.actorId, 'door-request', title, body, data)];
      return (await repo.alarmAudience(db, e.siteId, door.id)).map((m) =>
        notice(m, 'door-alarm', title, body, data),
      );
    }
    case 'door.alarm': {
      const kind = after.kind ?? 'left-unlocked';
      const [first, again] = alarmTitles[kind];
      const since = after.since
        ? localDateTime(new Date(after.since), door.timeZone).replace('T', ' ')
        : undefined;
      const title = `${door.spaceName} ${after.reminder ? again : first}`;
      const body = `${door.name} of ${door.spaceName} ${after.reminder ? again : first}${since ? ` (since ${since})` : ''} while nobody is checked in there.`;
      return (await repo.alarmAudience(db, e.siteId, door.id)).map((m) =>
        notice(m, 'door-alarm', title, body, { kind, since: after.since, reminder: after.reminder ?? false }),
      );
    }
    default:
      return [];
  }
}
