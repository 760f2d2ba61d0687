import type { Queryable } from '../../db/store.ts';
import { localDateTime } from '../../domain/time.ts';
import type { TypedEvent } from '../events/types.ts';
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
export async function doorNotices(
  db: Queryable,
  e: Pick<OutboxEvent, 'siteId' | 'id' | 'at' | 'actorId' | 'subjectId'> &
    Extract<TypedEvent, { type: 'door.confirmed' | 'door.timed-out' | 'door.alarm' }>,
): Promise<NewNotice[]> {
  if (!e.subjectId) return [];
  const door = await repo.findDoor(db, e.siteId, e.subjectId);
  if (!door) return [];
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
  switch (e.type) {
    case 'door.confirmed': {
      if (!e.actorId) return [];
      const { requestId, action } = e.after;
      const done = action === 'lock' ? 'locked' : 'unlocked';
      return [
        notice(
          e.actorId,
          'door-request',
          `${door.spaceName} ${done}`,
          `The lock of ${door.spaceName} confirmed: ${done}.`,
          { requestId, action, outcome: 'confirmed' },
        ),
      ];
    }
    case 'door.timed-out': {
      const { requestId, action } = e.after;
      const title = `${door.spaceName} did not confirm`;
      const body = `The lock of ${door.spaceName} did not confirm the ${action} request in time; its state is as last reported.`;
      const data = { requestId, action, outcome: 'timed-out' };
      if (e.actorId) return [notice(e.actorId, 'door-request', title, body, data)];
      return (await repo.alarmAudience(db, e.siteId, door.id)).map((m) =>
        notice(m, 'door-alarm', title, body, data),
      );
    }
    case 'door.alarm': {
      const { kind, since, reminder } = e.after;
      const [first, again] = alarmTitles[kind];
      const local = since ? localDateTime(new Date(since), door.timeZone).replace('T', ' ') : undefined;
      const title = `${door.spaceName} ${reminder ? again : first}`;
      const body = `${door.name} of ${door.spaceName} ${reminder ? again : first}${local ? ` (since ${local})` : ''} while nobody is checked in there.`;
      return (await repo.alarmAudience(db, e.siteId, door.id)).map((m) =>
        notice(m, 'door-alarm', title, body, { kind, since, reminder }),
      );
    }
  }
}
