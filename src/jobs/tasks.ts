import { maintainEmbeddedStore } from '../db/maintain.ts';
import type { Db } from '../db/store.ts';
import {
  completeFinished,
  nextFinishDue,
  nextHeadsUpDue,
  nextNoShowDue,
  releaseNoShows,
  sendHeadsUps,
} from '../features/checkin/service.ts';
import { doorLinkFor } from '../features/doors/link.ts';
import {
  checkDoorAlarms,
  expireDoorRequests,
  nextDoorAlarmDue,
  nextRelockDue,
} from '../features/doors/service.ts';
import { purgeIdempotencyKeys } from '../features/idempotency/service.ts';
import { runDelivery } from '../features/notifications/service.ts';
import { compactRollups } from '../features/reports/repository.ts';
import { extendHorizons, nextHorizonDue } from '../features/series/horizon.ts';
import { nextWaitlistDue, serveWaitlists } from '../features/waitlist/service.ts';
import type { Task } from './scheduler.ts';

/** The in-server tasks, each state-driven from the database (see Scheduler). */
export function serverTasks(db: Db, opts: { deliveryEveryMs?: number } = {}): Task[] {
  let upkeepDue = false;
  return [
    // Notices should reach live connections within a fraction of a second of the change.
    {
      name: 'deliver-notifications',
      everyMs: opts.deliveryEveryMs ?? 50,
      run: (now) => runDelivery(db, () => now),
    },
    // Timed jobs run on the instant they fall due (nextDue); the period is the poll behind it.
    {
      name: 'release-no-shows',
      everyMs: 30_000,
      run: (now) => releaseNoShows(db, now),
      nextDue: (now, until) => nextNoShowDue(db, now, until),
    },
    {
      name: 'heads-ups',
      everyMs: 30_000,
      run: (now) => sendHeadsUps(db, now),
      nextDue: (now, until) => nextHeadsUpDue(db, now, until),
    },
    {
      name: 'complete-finished',
      everyMs: 60_000,
      run: (now) => completeFinished(db, now),
      nextDue: (now, until) => nextFinishDue(db, now, until),
    },
    // A freed slot (a trigger marks its space) is served at once; an offer's hold runs out on time.
    {
      name: 'serve-waitlists',
      everyMs: 30_000,
      run: (now) => serveWaitlists(db, { now: () => now }),
      nextDue: (now, until) => nextWaitlistDue(db, now, until),
    },
    // The report's rollups take each booking change as a row of its own; this merges them per day.
    { name: 'compact-report-rollups', everyMs: 60_000, run: () => compactRollups(db) },
    { name: 'purge-idempotency-keys', everyMs: 3_600_000, run: (now) => purgeIdempotencyKeys(db, now) },
    // Not at start, so that a restart answers first (the statistics are kept in the store): an hour
    // on, then every hour.
    {
      name: 'maintain-embedded-store',
      everyMs: 3_600_000,
      run: async () => {
        if (!upkeepDue) {
          upkeepDue = true;
          return;
        }
        await maintainEmbeddedStore(db);
      },
    },
    { name: 'door-timeouts', everyMs: 500, run: (now) => expireDoorRequests(db, now) },
    // Relocks are sent through this process's MQTT link; a process without one leaves them to another.
    // A lock's report that arms a relock or starts an alarm episode wakes the scheduler (DoorLink);
    // the poll behind catches what only changed elsewhere (a door back online after its delay ran).
    {
      name: 'door-relocks',
      everyMs: 5000,
      run: async (now) => doorLinkFor(db)?.relockDue(now),
      nextDue: async (now, until) => (doorLinkFor(db) ? nextRelockDue(db, now, until) : null),
    },
    {
      name: 'door-alarms',
      everyMs: 5000,
      run: (now) => checkDoorAlarms(db, now),
      nextDue: (now, until) => nextDoorAlarmDue(db, now, until),
    },
    // A series falls due when its next occurrence comes within the horizon; the poll catches the rest.
    {
      name: 'extend-horizons',
      everyMs: 15 * 60_000,
      run: (now) => extendHorizons(db, { now: () => now }),
      nextDue: (now, until) => nextHorizonDue(db, now, until),
    },
  ];
}
