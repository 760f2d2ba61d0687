/**
 * Timed jobs: how late a heads-up fires after the instant it falls due, on the real clock, over
 * BENCH_JOBS due items (default 200) spread over 15 s, with the scheduler planning its timers as the
 * server does (a wake after every booking). Lateness is the event row's time (the job's transaction)
 * less the due instant. BENCH_JOBS_POLL=1 drops the timers and keeps the 30 s poll alone: the figure
 * before timed jobs. Likewise BENCH_DOOR_ALARMS doors (default 200; 0 = skip) reported unlocked over
 * 15 s, each raising its left-unlocked alarm 10 s later (poll only: the 5 s poll). Run alone with
 * `node --import tsx bench/jobs.ts`; bench/run.ts calls runJobsBench().
 */
import { migrate } from '../src/db/migrate.ts';
import { systemClock } from '../src/domain/clock.ts';
import { createBooking } from '../src/features/bookings/service.ts';
import { systemActor } from '../src/features/context.ts';
import { createDoor, recordReport } from '../src/features/doors/service.ts';
import { createSiteWithAdmin } from '../src/features/sites/service.ts';
import { createSpace } from '../src/features/spaces/service.ts';
import { Scheduler } from '../src/jobs/scheduler.ts';
import { serverTasks } from '../src/jobs/tasks.ts';
import { percentile } from './measure.ts';
import { openBenchStore } from './stores.ts';

const stores = (process.env.BENCH_STORES ?? 'pglite,postgres').split(',');
const ITEMS = Number(process.env.BENCH_JOBS ?? 200);
const DOORS = Number(process.env.BENCH_DOOR_ALARMS ?? 200);
/** The shortest alarm delay a door takes. */
const alarmSeconds = 10;
const pollOnly = process.env.BENCH_JOBS_POLL === '1';
const spreadMs = 15_000;

interface JobsFigures {
  store: string;
  items: number;
  fired: number;
  p50: number;
  p99: number;
  max: number;
}

async function benchJobs(kind: string): Promise<JobsFigures> {
  const { db, cleanup } = await openBenchStore(kind, 'jobs', 10);
  try {
    await migrate(db);
    const { siteId, adminId } = await createSiteWithAdmin(db, {
      site: { name: 'Jobs bench', timeZone: 'UTC' },
      admin: { email: 'jobs@example.test', displayName: 'Jobs', passwordHash: null },
    });
    // A 30-minute heads-up on 30-minute sessions falls due at each session's start.
    await db.query('UPDATE sites SET heads_up_minutes = 30 WHERE site_id = $1', [siteId]);
    const ctx = { db, clock: systemClock, actor: systemActor(siteId, adminId) };
    const spaces: string[] = [];
    for (let i = 0; i < ITEMS; i++) {
      const space = await createSpace(ctx, {
        name: `Room ${i}`,
        kind: 'training',
        capacity: 4,
        changeoverMinutes: 0,
        minMinutes: 15,
        maxMinutes: 240,
      });
      spaces.push(space.id);
    }
    const tasks = serverTasks(db).map((t) => (pollOnly ? { ...t, nextDue: undefined } : t));
    const scheduler = new Scheduler(tasks, { clock: systemClock });
    scheduler.start();
    try {
      const first = Date.now() + 20_000;
      const due = spaces.map((_, i) => first + Math.floor((i * spreadMs) / ITEMS));
      const ids: string[] = [];
      for (let i = 0; i < ITEMS; i++) {
        const start = new Date(due[i]!);
        const end = new Date(due[i]! + 30 * 60_000);
        const a = await createBooking(ctx, {
          spaceId: spaces[i]!,
          start,
          end,
          title: `Session ${i}`,
          allowMemberOverlap: true,
        });
        const after = new Date(end.getTime() + 30 * 60_000);
        const b = await createBooking(ctx, {
          spaceId: spaces[i]!,
          start: end,
          end: after,
          title: `Next ${i}`,
          allowMemberOverlap: true,
        });
        if (!a.ok || !b.ok) throw new Error('unexpected conflict');
        ids.push(a.booking.id);
        scheduler.wake();
      }
      if (Date.now() > first) process.stderr.write('bench jobs: booking took longer than the lead time\n');
      const deadline = due[ITEMS - 1]! + (pollOnly ? 45_000 : 15_000);
      let fired: { id: string; at: Date }[] = [];
      while (Date.now() < deadline) {
        fired = (
          await db.query<{ id: string; at: Date }>(
            `SELECT subject_id AS id, at FROM events WHERE site_id = $1 AND type = 'booking.heads-up'`,
            [siteId],
          )
        ).rows;
        if (fired.length >= ITEMS) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      const dueOf = new Map(ids.map((id, i) => [id, due[i]!]));
      const late = fired.map((e) => new Date(e.at).getTime() - dueOf.get(e.id)!).sort((x, y) => x - y);
      return {
        store: kind,
        items: ITEMS,
        fired: fired.length,
        p50: percentile(late, 50),
        p99: percentile(late, 99),
        max: late[late.length - 1] ?? Number.NaN,
      };
    } finally {
      await scheduler.stop();
    }
  } finally {
    await cleanup();
  }
}

/**
 * Door alarms: DOORS doors are reported unlocked one after another over 15 s (as a lock's report
 * is applied, with the wake the DoorLink gives the scheduler); each left-unlocked alarm falls due
 * `alarmSeconds` after its door's report. Lateness: the alarm event's time less that instant.
 */
async function benchDoorAlarms(kind: string): Promise<JobsFigures> {
  const { db, cleanup } = await openBenchStore(kind, 'jobs', 10);
  try {
    await migrate(db);
    const { siteId, adminId } = await createSiteWithAdmin(db, {
      site: { name: 'Door alarms bench', timeZone: 'UTC' },
      admin: { email: 'doors@example.test', displayName: 'Doors', passwordHash: null },
    });
    const ctx = { db, clock: systemClock, actor: systemActor(siteId, adminId) };
    const settings = { confirmMs: 10_000, staleSeconds: 0 };
    const doors: string[] = [];
    for (let i = 0; i < DOORS; i++) {
      const space = await createSpace(ctx, { name: `Cabin ${i}`, kind: 'training', capacity: 2 });
      const door = await createDoor(
        ctx,
        { spaceId: space.id, topic: `bench/cabin-${i}`, hasContact: false, alarmSeconds },
        settings,
      );
      await recordReport(db, { siteId, id: door.id }, { lockState: 'locked' }, new Date());
      doors.push(door.id);
    }
    const tasks = serverTasks(db).map((t) => (pollOnly ? { ...t, nextDue: undefined } : t));
    const scheduler = new Scheduler(tasks, { clock: systemClock });
    scheduler.start();
    try {
      const gapMs = spreadMs / DOORS;
      const began = Date.now();
      for (let i = 0; i < DOORS; i++) {
        const wait = began + i * gapMs - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        await recordReport(db, { siteId, id: doors[i]! }, { lockState: 'unlocked' }, new Date());
        scheduler.wake();
      }
      const deadline = Date.now() + alarmSeconds * 1000 + (pollOnly ? 10_000 : 5_000);
      let raised: { at: Date; since: string }[] = [];
      while (Date.now() < deadline) {
        raised = (
          await db.query<{ at: Date; since: string }>(
            `SELECT at, after->>'since' AS since FROM events
              WHERE site_id = $1 AND type = 'door.alarm' AND after->>'reminder' = 'false'`,
            [siteId],
          )
        ).rows;
        if (raised.length >= DOORS) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      const late = raised
        .map((e) => new Date(e.at).getTime() - (new Date(e.since).getTime() + alarmSeconds * 1000))
        .sort((x, y) => x - y);
      return {
        store: kind,
        items: DOORS,
        fired: raised.length,
        p50: percentile(late, 50),
        p99: percentile(late, 99),
        max: late[late.length - 1] ?? Number.NaN,
      };
    } finally {
      await scheduler.stop();
    }
  } finally {
    await cleanup();
  }
}

export async function runJobsBench(): Promise<void> {
  const rows: JobsFigures[] = [];
  const doorRows: JobsFigures[] = [];
  for (const kind of stores) {
    process.stderr.write(`bench jobs: ${kind}…\n`);
    if (ITEMS > 0) rows.push(await benchJobs(kind));
    if (DOORS > 0) doorRows.push(await benchDoorAlarms(kind));
  }
  if (rows.length > 0) {
    console.log(
      `Heads-ups after their due instant (${ITEMS} due over ${spreadMs / 1000} s, ${pollOnly ? 'poll only' : 'timers'}), ms late:\n`,
    );
    console.log('| store | fired | p50 | p99 | max |');
    console.log('|---|---|---|---|---|');
    for (const r of rows)
      console.log(`| ${r.store} | ${r.fired}/${r.items} | ${r.p50} | ${r.p99} | ${r.max} |`);
  }
  if (doorRows.length === 0) return;
  console.log(
    `\nLeft-unlocked door alarms after their due instant (${DOORS} doors unlocked over ${spreadMs / 1000} s, ${alarmSeconds} s delay, ${pollOnly ? 'poll only' : 'timers'}), ms late:\n`,
  );
  console.log('| store | raised | p50 | p99 | max |');
  console.log('|---|---|---|---|---|');
  for (const r of doorRows)
    console.log(`| ${r.store} | ${r.fired}/${r.items} | ${r.p50} | ${r.p99} | ${r.max} |`);
}

if (process.argv[1]?.endsWith('jobs.ts')) await runJobsBench();
