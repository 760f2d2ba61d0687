/**
 * Timed jobs: how late a heads-up fires after the instant it falls due, on the real clock, over
 * BENCH_JOBS due items (default 200) spread over 15 s, with the scheduler planning its timers as the
 * server does (a wake after every booking). Lateness is the event row's time (the job's transaction)
 * less the due instant. BENCH_JOBS_POLL=1 drops the timers and keeps the 30 s poll alone: the figure
 * before timed jobs. Likewise BENCH_DOOR_ALARMS doors (default 200; 0 = skip) reported unlocked over
 * 15 s, each raising its left-unlocked alarm 10 s later (poll only: the 5 s poll). Run alone with
 * `node --import tsx bench/jobs.ts`; bench/run.ts calls runJobsBench().
 * BENCH_NO_SHOWS sessions (default 200; 0 = skip) nobody checks in to fall due for release over 15 s
 * (each space's release delay after its start), and BENCH_WAITLIST slots (default 200; 0 = skip),
 * each with a member waiting, are freed by cancelling over 15 s: a waiter's booking is due at the
 * instant the cancel commits. BENCH_HORIZON daily series (default 200; 0 = skip) whose next
 * occurrence enters the site's horizon at one instant: a burst, as a ship's standing nightly slots
 * all start on the same minute.
 */
import { migrate } from '../src/db/migrate.ts';
import type { Db } from '../src/db/store.ts';
import { FakeClock, systemClock } from '../src/domain/clock.ts';
import { cancelBooking, createBooking } from '../src/features/bookings/service.ts';
import type { Actor } from '../src/features/context.ts';
import { systemActor } from '../src/features/context.ts';
import { createDoor, recordReport } from '../src/features/doors/service.ts';
import { createMember } from '../src/features/members/service.ts';
import { createSeries } from '../src/features/series/service.ts';
import { createSiteWithAdmin } from '../src/features/sites/service.ts';
import { createSpace } from '../src/features/spaces/service.ts';
import { joinWaitlist } from '../src/features/waitlist/service.ts';
import { Scheduler } from '../src/jobs/scheduler.ts';
import { serverTasks } from '../src/jobs/tasks.ts';
import { percentile } from './measure.ts';
import { openBenchStore } from './stores.ts';

const stores = (process.env.BENCH_STORES ?? 'pglite,postgres').split(',');
const ITEMS = Number(process.env.BENCH_JOBS ?? 200);
const DOORS = Number(process.env.BENCH_DOOR_ALARMS ?? 200);
const NO_SHOWS = Number(process.env.BENCH_NO_SHOWS ?? 200);
const WAITLIST = Number(process.env.BENCH_WAITLIST ?? 200);
const HORIZON = Number(process.env.BENCH_HORIZON ?? 200);
/** The shortest alarm delay a door takes. */
const alarmSeconds = 10;
const pollOnly = process.env.BENCH_JOBS_POLL === '1';
const spreadMs = 15_000;
/** A job's failure is said, not swallowed: a bench that fires nothing must say why. */
const onError = (task: string, err: unknown) =>
  process.stderr.write(`bench jobs: ${task} failed: ${String(err)}\n`);

/** One site with its admin on a fresh bench store of `kind`, dropped after `fn`. */
async function onJobsSite<T>(
  kind: string,
  site: { name: string; email: string; displayName: string },
  fn: (s: { db: Db; siteId: string; adminId: string }) => Promise<T>,
): Promise<T> {
  const { db, cleanup } = await openBenchStore(kind, 'jobs', 10);
  try {
    await migrate(db);
    const { siteId, adminId } = await createSiteWithAdmin(db, {
      site: { name: site.name, timeZone: 'UTC' },
      admin: { email: site.email, displayName: site.displayName, passwordHash: null },
    });
    return await fn({ db, siteId, adminId });
  } finally {
    await cleanup();
  }
}

/** The server's tasks on the real clock (timers, or the poll alone with BENCH_JOBS_POLL=1) during `fn`. */
async function withScheduler<T>(db: Db, fn: (scheduler: Scheduler) => Promise<T>): Promise<T> {
  const tasks = serverTasks(db).map((t) => (pollOnly ? { ...t, nextDue: undefined } : t));
  const scheduler = new Scheduler(tasks, { clock: systemClock, onError });
  scheduler.start();
  try {
    return await fn(scheduler);
  } finally {
    await scheduler.stop();
  }
}

interface JobsFigures {
  what: string;
  store: string;
  items: number;
  fired: number;
  p50: number;
  p99: number;
  max: number;
}

async function benchJobs(kind: string): Promise<JobsFigures> {
  return onJobsSite(
    kind,
    { name: 'Jobs bench', email: 'jobs@example.test', displayName: 'Jobs' },
    async ({ db, siteId, adminId }) => {
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
      return withScheduler(db, async (scheduler) => {
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
          what: 'heads-ups',
          store: kind,
          items: ITEMS,
          fired: fired.length,
          p50: percentile(late, 50),
          p99: percentile(late, 99),
          max: late[late.length - 1] ?? Number.NaN,
        };
      });
    },
  );
}

/**
 * Door alarms: DOORS doors are reported unlocked one after another over 15 s (as a lock's report
 * is applied, with the wake the DoorLink gives the scheduler); each left-unlocked alarm falls due
 * `alarmSeconds` after its door's report. Lateness: the alarm event's time less that instant.
 */
async function benchDoorAlarms(kind: string): Promise<JobsFigures> {
  return onJobsSite(
    kind,
    { name: 'Door alarms bench', email: 'doors@example.test', displayName: 'Doors' },
    async ({ db, siteId, adminId }) => {
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
      return withScheduler(db, async (scheduler) => {
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
          what: 'left-unlocked door alarms',
          store: kind,
          items: DOORS,
          fired: raised.length,
          p50: percentile(late, 50),
          p99: percentile(late, 99),
          max: late[late.length - 1] ?? Number.NaN,
        };
      });
    },
  );
}

/** Waits until `count` rows answer `sql`, or the deadline; returns the rows found. */
async function awaitRows<R>(
  db: { query: <T>(sql: string, params?: unknown[]) => Promise<{ rows: T[] }> },
  sql: string,
  params: unknown[],
  count: number,
  deadline: number,
): Promise<R[]> {
  let rows: R[] = [];
  while (Date.now() < deadline) {
    rows = (await db.query<R>(sql, params)).rows;
    if (rows.length >= count) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  return rows;
}

function figures(what: string, kind: string, items: number, late: number[]): JobsFigures {
  late.sort((x, y) => x - y);
  return {
    what,
    store: kind,
    items,
    fired: late.length,
    p50: percentile(late, 50),
    p99: percentile(late, 99),
    max: late[late.length - 1] ?? Number.NaN,
  };
}

/**
 * No-show releases: NO_SHOWS sessions, one per space, that nobody checks in to. Each space releases
 * a session one minute after its start, and the starts are spread so that the releases fall due
 * over 15 s from 20 s after setup. They are booked on a clock two minutes behind (a start already
 * past on the real clock is refused), and the scheduler runs on the real clock. Lateness: the
 * release event's time less the session's start + one minute.
 */
async function benchNoShows(kind: string): Promise<JobsFigures> {
  return onJobsSite(
    kind,
    { name: 'No-show bench', email: 'noshow@example.test', displayName: 'No-show' },
    async ({ db, siteId, adminId }) => {
      const ctx = { db, clock: systemClock, actor: systemActor(siteId, adminId) };
      const spaces: string[] = [];
      for (let i = 0; i < NO_SHOWS; i++) {
        const space = await createSpace(ctx, {
          name: `Room ${i}`,
          kind: 'training',
          capacity: 4,
          changeoverMinutes: 0,
          releaseAfterMinutes: 1,
        });
        spaces.push(space.id);
      }
      return withScheduler(db, async (scheduler) => {
        const first = Date.now() + 20_000;
        const due = spaces.map((_, i) => first + Math.floor((i * spreadMs) / NO_SHOWS));
        const behind = { ...ctx, clock: new FakeClock(new Date(Date.now() - 120_000)) };
        const dueOf = new Map<string, number>();
        for (let i = 0; i < NO_SHOWS; i++) {
          const start = new Date(due[i]! - 60_000);
          const made = await createBooking(behind, {
            spaceId: spaces[i]!,
            start,
            end: new Date(start.getTime() + 30 * 60_000),
            title: `Session ${i}`,
            allowMemberOverlap: true,
          });
          if (!made.ok) throw new Error('unexpected conflict');
          dueOf.set(made.booking.id, due[i]!);
          scheduler.wake();
        }
        if (Date.now() > first) process.stderr.write('bench jobs: booking took longer than the lead time\n');
        const released = await awaitRows<{ id: string; at: Date }>(
          db,
          `SELECT subject_id AS id, at FROM events WHERE site_id = $1 AND type = 'booking.released'`,
          [siteId],
          NO_SHOWS,
          due[NO_SHOWS - 1]! + (pollOnly ? 45_000 : 15_000),
        );
        return figures(
          'no-show releases',
          kind,
          NO_SHOWS,
          released.map((e) => new Date(e.at).getTime() - dueOf.get(e.id)!),
        );
      });
    },
  );
}

/**
 * Waitlist offers: WAITLIST slots, one per space at its own hour, each booked by the admin with a
 * member waiting for exactly it (booked at once when it frees, the default). The admin cancels them
 * one after another over 15 s, waking the scheduler as the server does after a request. Lateness:
 * the waiter's booking event's time less the instant the cancel returned (committed).
 */
async function benchWaitlist(kind: string): Promise<JobsFigures> {
  return onJobsSite(
    kind,
    { name: 'Waitlist bench', email: 'waitlist@example.test', displayName: 'Waitlist' },
    async ({ db, siteId, adminId }) => {
      const ctx = { db, clock: systemClock, actor: systemActor(siteId, adminId) };
      const member = await createMember(ctx, { email: 'waiter@example.test', displayName: 'Waiter' });
      const waiter: Actor = { siteId, memberId: member.id, role: 'member', squadIds: [], leaderOf: [] };
      const base = Math.ceil(Date.now() / 3_600_000) * 3_600_000 + 2 * 3_600_000;
      const bookings: string[] = [];
      const entryOf = new Map<string, number>();
      for (let i = 0; i < WAITLIST; i++) {
        const space = await createSpace(ctx, {
          name: `Room ${i}`,
          kind: 'training',
          capacity: 4,
          changeoverMinutes: 0,
        });
        const start = new Date(base + i * 3_600_000);
        const end = new Date(start.getTime() + 30 * 60_000);
        const made = await createBooking(ctx, {
          spaceId: space.id,
          start,
          end,
          title: 'Taken',
          allowMemberOverlap: true,
        });
        if (!made.ok) throw new Error('unexpected conflict');
        bookings.push(made.booking.id);
        const entry = await joinWaitlist(
          { ...ctx, actor: waiter },
          { spaceId: space.id, start: start.toISOString(), end: end.toISOString(), title: 'Waiting' },
        );
        entryOf.set(entry.id, i);
      }
      return withScheduler(db, async (scheduler) => {
        const freedAt: number[] = [];
        const gapMs = spreadMs / WAITLIST;
        const began = Date.now();
        for (let i = 0; i < WAITLIST; i++) {
          const wait = began + i * gapMs - Date.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
          await cancelBooking(ctx, bookings[i]!);
          freedAt.push(Date.now());
          scheduler.wake();
        }
        const served = await awaitRows<{ id: string; at: Date }>(
          db,
          `SELECT subject_id AS id, at FROM events WHERE site_id = $1 AND type = 'waitlist.booked'`,
          [siteId],
          WAITLIST,
          Date.now() + (pollOnly ? 45_000 : 15_000),
        );
        return figures(
          'waitlist bookings after a slot frees',
          kind,
          WAITLIST,
          served.map((e) => new Date(e.at).getTime() - freedAt[entryOf.get(e.id)!]!),
        );
      });
    },
  );
}

/**
 * Horizon extension: HORIZON daily series, each in its own space, all at the same wall time T (the
 * first whole minute at least 45 s after they are made), on a site whose horizon is one day.
 * Creating one books today's occurrence; tomorrow's enters the horizon exactly at T, when the
 * horizon job must book it. Lateness: when the booking is first seen (polled every 20 ms) less T. Unlike the other kinds
 * these fall due all at once (wall times are whole minutes), so p99 is the time to book the burst.
 */
async function benchHorizon(kind: string): Promise<JobsFigures> {
  return onJobsSite(
    kind,
    { name: 'Horizon bench', email: 'horizon@example.test', displayName: 'Horizon' },
    async ({ db, siteId, adminId }) => {
      await db.query('UPDATE sites SET horizon_days = 1 WHERE site_id = $1', [siteId]);
      const ctx = { db, clock: systemClock, actor: systemActor(siteId, adminId) };
      const spaces: string[] = [];
      for (let i = 0; i < HORIZON; i++)
        spaces.push((await createSpace(ctx, { name: `Room ${i}`, kind: 'training', capacity: 4 })).id);
      const due = Math.ceil((Date.now() + 45_000) / 60_000) * 60_000;
      const at = new Date(due).toISOString();
      for (const spaceId of spaces) {
        const made = await createSeries(ctx, {
          spaceId,
          rrule: 'FREQ=DAILY',
          startDate: at.slice(0, 10),
          startTime: at.slice(11, 16),
          durationMinutes: 30,
          title: 'Nightly',
          allowMemberOverlap: true,
        });
        if (made.skipped.length > 0) throw new Error('unexpected skipped occurrence');
      }
      if (Date.now() > due) process.stderr.write('bench jobs: the series took longer than the lead time\n');
      return withScheduler(db, async () => {
        // Rows become visible when the job's transaction commits, which for a burst is later than
        // their created_at (the transaction's start): lateness is when each was first seen, polled
        // every 20 ms from another connection's point of view.
        const seen = new Map<string, number>();
        const deadline = due + (pollOnly ? 90_000 : 30_000);
        while (seen.size < HORIZON && Date.now() < deadline) {
          const rows = (
            await db.query<{ id: string }>(
              `SELECT id FROM bookings
              WHERE site_id = $1 AND series_id IS NOT NULL AND start_at = $2::timestamptz + interval '1 day'`,
              [siteId, at],
            )
          ).rows;
          const now = Date.now();
          for (const r of rows) if (!seen.has(r.id)) seen.set(r.id, now);
          await new Promise((r) => setTimeout(r, 20));
        }
        return figures(
          'horizon extension (a burst at one instant)',
          kind,
          HORIZON,
          [...seen.values()].map((t) => t - due),
        );
      });
    },
  );
}

export async function runJobsBench(): Promise<void> {
  const rows: JobsFigures[] = [];
  for (const kind of stores) {
    process.stderr.write(`bench jobs: ${kind}…\n`);
    if (ITEMS > 0) rows.push(await benchJobs(kind));
    if (DOORS > 0) rows.push(await benchDoorAlarms(kind));
    if (NO_SHOWS > 0) rows.push(await benchNoShows(kind));
    if (WAITLIST > 0) rows.push(await benchWaitlist(kind));
    if (HORIZON > 0) rows.push(await benchHorizon(kind));
  }
  console.log(
    `Timed jobs after their due instant (${pollOnly ? 'poll only' : 'timers'}; each kind's items due over ${spreadMs / 1000} s; door alarms ${alarmSeconds} s after the report), ms late:\n`,
  );
  console.log('| job | store | fired | p50 | p99 | max |');
  console.log('|---|---|---|---|---|---|');
  for (const r of rows)
    console.log(`| ${r.what} | ${r.store} | ${r.fired}/${r.items} | ${r.p50} | ${r.p99} | ${r.max} |`);
}

if (process.argv[1]?.endsWith('jobs.ts')) await runJobsBench();
