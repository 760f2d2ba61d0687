/**
 * A fleet on one server (issue 13, point 5), PostgreSQL only: many sites of 20 spaces each in one
 * database. Availability and booking of one site are timed in a store of 10 sites and in one of the
 * full fleet, seeded alike (bench/fleet-seed.ts), so the ratio says whether one site's figures depend
 * on the others; one pass of each scheduler job is timed in both, with nothing due and with the same
 * work due (in the first 10 sites), so it says whether the jobs scale with the work or with the sites.
 *
 * The stores are databases `shipshape_fleet_<sites>` beside BENCH_DATABASE_URL. One that already
 * holds a finished seed of the same shape (recorded in the database's comment) is measured as it is,
 * without seeding again, and kept; a store seeded by this run is dropped at the end unless
 * BENCH_FLEET_KEEP=1. BENCH_FLEET_SEED_ONLY=1 only seeds.
 *
 * Env: BENCH_DATABASE_URL, BENCH_FLEET_SITES (1000), BENCH_FLEET_BOOKINGS (10000000 in all),
 * BENCH_FLEET_PROBES (300), BENCH_FLEET_KEEP, BENCH_FLEET_SEED_ONLY.
 */
import { loadavg } from 'node:os';
import pg from 'pg';
import { migrate } from '../src/db/migrate.ts';
import { type Db, openPostgres } from '../src/db/store.ts';
import type { Clock } from '../src/domain/clock.ts';
import { systemClock } from '../src/domain/clock.ts';
import { getAvailability } from '../src/features/availability/service.ts';
import { createBooking } from '../src/features/bookings/service.ts';
import { checkIn, completeFinished, releaseNoShows, sendHeadsUps } from '../src/features/checkin/service.ts';
import { type Ctx, systemActor } from '../src/features/context.ts';
import { runDelivery } from '../src/features/notifications/service.ts';
import { serverTasks } from '../src/jobs/tasks.ts';
import { SPACES, seedDoors, seedFleet, stepMinutes } from './fleet-seed.ts';
import { percentile } from './measure.ts';
import { benchServerUrl } from './stores.ts';

const SITES = Number(process.env.BENCH_FLEET_SITES ?? 1000);
const BOOKINGS = Number(process.env.BENCH_FLEET_BOOKINGS ?? 10_000_000);
const PROBES = Number(process.env.BENCH_FLEET_PROBES ?? 300);
const KEEP = process.env.BENCH_FLEET_KEEP === '1';
const SEED_ONLY = process.env.BENCH_FLEET_SEED_ONLY === '1';
const FIRST = 10;
/** Rounds of work due for the job passes (a fresh set each round). */
const WORK_ROUNDS = 5;
const day = 86_400_000;
const minute = 60_000;

const log = (msg: string) => process.stderr.write(`bench fleet: ${msg} (load ${loadavg()[0]!.toFixed(1)})\n`);

/** What a finished seed recorded in its database's comment. */
interface Seeded {
  sites: number;
  perSpace: number;
  anchor: string;
  seedSeconds: number;
  /** The doors of seedDoors are in (a store seeded before they were gets them added). */
  doors?: boolean;
}

interface FleetStore {
  db: Db;
  seeded: Seeded;
  reused: boolean;
  bookings: number;
  close: () => Promise<void>;
}

async function onServer<T>(f: (c: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: benchServerUrl });
  await admin.connect();
  try {
    return await f(admin);
  } finally {
    await admin.end();
  }
}

/** Records a finished seed in its database's comment. */
async function describe(name: string, seeded: Seeded): Promise<void> {
  const text = JSON.stringify(seeded).replaceAll("'", "''");
  await onServer((c) => c.query(`COMMENT ON DATABASE ${name} IS '${text}'`));
}

/**
 * The database of a fleet of `sites` sites: reused when its comment says it holds a finished seed of
 * this shape, else created and seeded (the comment is written last, so an interrupted seed is redone).
 */
async function fleetStore(sites: number, perSpace: number): Promise<FleetStore> {
  const name = `shipshape_fleet_${sites}`;
  const url = new URL(benchServerUrl);
  url.pathname = `/${name}`;
  const comment = await onServer(async (c) => {
    const res = await c.query<{ comment: string | null }>(
      `SELECT shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname = $1`,
      [name],
    );
    return res.rows[0]?.comment ?? null;
  });
  let seeded: Seeded | null = null;
  try {
    const c = comment ? (JSON.parse(comment) as Seeded) : null;
    if (c && c.sites === sites && c.perSpace === perSpace) seeded = c;
  } catch {
    seeded = null;
  }
  const reused = seeded !== null;
  if (!seeded) {
    log(`seeding ${name}: ${sites} sites, ${perSpace} sessions a space`);
    await onServer(async (c) => {
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.query(`CREATE DATABASE ${name}`);
    });
    const db = openPostgres(url.toString(), 2);
    await migrate(db);
    await db.close();
    const anchor = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000);
    const seedSeconds = await seedFleet(url.toString(), 0, sites, { perSpace, anchor });
    seeded = { sites, perSpace, anchor: anchor.toISOString(), seedSeconds, doors: true };
    await describe(name, seeded);
    log(`${name} seeded in ${seedSeconds.toFixed(0)} s`);
  } else log(`${name} holds a finished seed from ${seeded.anchor}: measured as it is`);
  if (!seeded.doors) {
    await seedDoors(url.toString(), new Date(seeded.anchor));
    seeded = { ...seeded, doors: true };
    await describe(name, seeded);
    log(`${name}: doors added`);
  }
  const db = openPostgres(url.toString(), 4);
  // A kept store gets the migrations added since it was seeded.
  await migrate(db);
  const bookings = Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM bookings')).rows[0]!.n);
  return {
    db,
    seeded,
    reused,
    bookings,
    close: async () => {
      await db.close();
      // A store found seeded is someone's kept store: never dropped here.
      if (!KEEP && !reused) await onServer((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

interface Site {
  siteId: string;
  adminId: string;
  /** A member who takes part in the work sessions, so that their changes are notices to deliver. */
  crewId: string;
  spaceIds: string[];
}

/** The first `n` sites of the fleet ("Vessel 0".."Vessel n-1"): their admin and spaces by number. */
async function firstSites(db: Db, n: number): Promise<Site[]> {
  const res = await db.query<Site>(
    `SELECT s.site_id AS "siteId",
            (SELECT id FROM members m WHERE m.site_id = s.site_id AND m.display_name = 'Crew 0') AS "adminId",
            (SELECT id FROM members m WHERE m.site_id = s.site_id AND m.display_name = 'Crew 1') AS "crewId",
            ARRAY(SELECT id FROM spaces sp WHERE sp.site_id = s.site_id
                   ORDER BY split_part(sp.name, ' ', 2)::int)::text[] AS "spaceIds"
       FROM sites s WHERE s.name = ANY($1::text[])
      ORDER BY split_part(s.name, ' ', 2)::int`,
    [Array.from({ length: n }, (_, i) => `Vessel ${i}`)],
  );
  return res.rows;
}

/**
 * Runs the timed jobs until nothing is due, as a running server would have: a store kept for days
 * after its seed has future sessions that became past and are still confirmed.
 */
async function settle(db: Db): Promise<number> {
  let done = 0;
  for (;;) {
    const now = new Date();
    const n =
      (await releaseNoShows(db, now)) +
      (await completeFinished(db, now)) +
      (await sendHeadsUps(db, now)) +
      (await runDelivery(db, () => now));
    done += n;
    if (n === 0) return done;
  }
}

const ctxOf = (db: Db, site: Site, clock: Clock = systemClock): Ctx => ({
  db,
  clock,
  actor: systemActor(site.siteId, site.adminId),
});

async function book(ctx: Ctx, site: Site, spaceId: string, start: number, end: number): Promise<string> {
  const res = await createBooking(
    ctx,
    {
      spaceId,
      start: new Date(start),
      end: new Date(end),
      title: 'bench work',
      participants: { members: [site.crewId] },
      allowMemberOverlap: true,
    },
    { allowPast: true },
  );
  if (!res.ok) throw new Error(`bench work: the slot was taken in ${spaceId}`);
  return res.booking.id;
}

/**
 * Work due at `at` in each site, through the services: a no-show past its release delay, a checked-in
 * session that has ended, and a session ending within the heads-up minutes with another right after
 * it; a member takes part in each, so the bookings' events and the jobs' are notices to deliver.
 * `at` lies before the seeded year, where nothing else is due and the spaces are free; what a run
 * leaves there (sessions after `at`) is released or completed when the bench settles, so a later run
 * on a kept store finds the same spaces free again.
 */
async function makeWork(db: Db, sites: Site[], at: number): Promise<void> {
  for (const site of sites) {
    const [noShow, other] = [site.spaceIds[2]!, site.spaceIds[3]!];
    const ctx = ctxOf(db, site);
    await book(ctx, site, noShow, at - 20 * minute, at + 40 * minute);
    const f = await book(ctx, site, other, at - 130 * minute, at - 65 * minute);
    await checkIn(ctxOf(db, site, { now: () => new Date(at - 128 * minute) }), f);
    const h = await book(ctx, site, other, at - 50 * minute, at + 5 * minute);
    await checkIn(ctxOf(db, site, { now: () => new Date(at - 48 * minute) }), h);
    await book(ctx, site, other, at + 20 * minute, at + 80 * minute);
  }
}

interface Probe {
  availabilityP50: number;
  availabilityP99: number;
  bookingP50: number;
  bookingP99: number;
  /** Median pass of each job with nothing due. */
  idle: Record<string, number>;
  /** Median pass of each job with the work of makeWork due, and what one pass did. */
  busy: Record<string, { ms: number; did: number | null }>;
  settled: number;
}

async function probe(store: FleetStore): Promise<Probe> {
  const { db } = store;
  const sites = await firstSites(db, FIRST);
  const site = sites[0]!;
  const anchor = new Date(store.seeded.anchor).getTime();
  const { perSpace } = store.seeded;
  const yearStart = anchor - day - Math.floor(perSpace / 2) * stepMinutes(perSpace) * minute;
  const settled = await settle(db);
  if (settled > 0) log(`settled ${settled} pieces of work that fell due since the seed`);
  const ctx = ctxOf(db, site);
  // One space, one week, a month into the seeded future.
  const from = new Date(anchor + 30 * day);
  const to = new Date(from.getTime() + 7 * day);
  const avail: number[] = [];
  for (let i = 0; i < PROBES + 20; i++) {
    const t0 = performance.now();
    await getAvailability(ctx, { spaceIds: [site.spaceIds[0]!], from, to });
    if (i >= 20) avail.push(performance.now() - t0);
  }
  // Free hours 400 days out, past the seeded year, after the probes of earlier runs on a kept store;
  // one every two hours, clear of the space's changeover.
  const last = await db.query<{ end: Date | null }>(
    `SELECT max(upper(blocked)) AS end FROM bookings WHERE site_id = $1 AND space_id = $2 AND title = 'probe'`,
    [site.siteId, site.spaceIds[1]],
  );
  const first = Math.max(anchor + 400 * day, last.rows[0]?.end ? new Date(last.rows[0].end).getTime() : 0);
  const bookMs: number[] = [];
  for (let i = 0; i < PROBES; i++) {
    const start = new Date(first + i * 2 * 3_600_000);
    const t0 = performance.now();
    const res = await createBooking(ctx, {
      spaceId: site.spaceIds[1]!,
      start,
      end: new Date(start.getTime() + 3_600_000),
      title: 'probe',
    });
    bookMs.push(performance.now() - t0);
    if (!res.ok) throw new Error(`unexpected conflict: ${JSON.stringify(res)}`);
  }
  await settle(db);
  const tasks = serverTasks(db);
  // One pass of each job with nothing due; the median of 15 passes.
  const idle: Record<string, number> = {};
  for (const task of tasks) {
    const times: number[] = [];
    for (let i = 0; i < 15; i++) {
      const t0 = performance.now();
      await task.run(new Date());
      times.push(performance.now() - t0);
    }
    idle[task.name] = percentile(
      times.sort((a, b) => a - b),
      50,
    );
    // The scheduler's look ahead (when the job next falls due, up to its next poll), likewise.
    const { nextDue } = task;
    if (!nextDue) continue;
    const looks: number[] = [];
    for (let i = 0; i < 15; i++) {
      const now = new Date();
      const t0 = performance.now();
      await nextDue(now, new Date(now.getTime() + task.everyMs));
      looks.push(performance.now() - t0);
    }
    idle[`${task.name} (next due)`] = percentile(
      looks.sort((a, b) => a - b),
      50,
    );
  }
  // One pass of each job with work due in the first sites, in the scheduler's order, as at an instant
  // before the seeded year (makeWork); a fresh set of work each round, the median of the rounds.
  const busyTimes: Record<string, number[]> = {};
  const did: Record<string, number | null> = {};
  for (let round = 0; round < WORK_ROUNDS; round++) {
    const at = yearStart - (10 - round) * day;
    await makeWork(db, sites, at);
    const outbox = await db.query<{ n: string }>('SELECT count(*) AS n FROM notification_outbox');
    for (const task of tasks) {
      const t0 = performance.now();
      const n = await task.run(new Date(at));
      const times = busyTimes[task.name] ?? [];
      times.push(performance.now() - t0);
      busyTimes[task.name] = times;
      // What the pass had to do: the events waiting for delivery, else what the job says it did.
      if (round === 0)
        did[task.name] =
          task.name === 'deliver-notifications'
            ? Number(outbox.rows[0]!.n)
            : typeof n === 'number'
              ? n
              : null;
    }
    await settle(db);
  }
  const busy: Probe['busy'] = {};
  for (const [name, times] of Object.entries(busyTimes))
    busy[name] = {
      ms: percentile(
        times.sort((a, b) => a - b),
        50,
      ),
      did: did[name] ?? null,
    };
  avail.sort((a, b) => a - b);
  bookMs.sort((a, b) => a - b);
  return {
    availabilityP50: percentile(avail, 50),
    availabilityP99: percentile(avail, 99),
    bookingP50: percentile(bookMs, 50),
    bookingP99: percentile(bookMs, 99),
    idle,
    busy,
    settled,
  };
}

export interface FleetFigures {
  sites: number;
  bookings: number;
  seedSeconds: number | null;
  small: Probe;
  large: Probe;
  load: number[];
}

async function measure(sites: number, perSpace: number): Promise<{ store: FleetStore; probe: Probe | null }> {
  const store = await fleetStore(sites, perSpace);
  try {
    if (SEED_ONLY) return { store, probe: null };
    log(`${sites} sites (${store.bookings} bookings): measuring`);
    return { store, probe: await probe(store) };
  } finally {
    await store.close();
  }
}

export async function runFleetBench(): Promise<FleetFigures | null> {
  const perSpace = Math.max(1, Math.round(BOOKINGS / SITES / SPACES));
  const load = [loadavg()[0]!];
  const small = await measure(FIRST, perSpace);
  load.push(loadavg()[0]!);
  const large = await measure(SITES, perSpace);
  load.push(loadavg()[0]!);
  if (!small.probe || !large.probe) return null;
  return {
    sites: SITES,
    bookings: large.store.bookings,
    seedSeconds: large.store.reused ? null : large.store.seeded.seedSeconds,
    small: small.probe,
    large: large.probe,
    load,
  };
}

export function printFleet(f: FleetFigures): void {
  const r = (x: number) => x.toFixed(2);
  const seed = f.seedSeconds === null ? 'kept store' : `seeding ${f.seedSeconds.toFixed(0)} s`;
  console.log(
    `\nA fleet on one PostgreSQL: one site's figures with ${FIRST} sites and with ${f.sites} sites (${f.bookings} bookings; ${seed}; load ${f.load.map((l) => l.toFixed(1)).join(' / ')}), ms:\n`,
  );
  console.log(`| figure | ${FIRST} sites | ${f.sites} sites | ratio |`);
  console.log('|---|---|---|---|');
  const row = (name: string, a: number, b: number) =>
    console.log(`| ${name} | ${r(a)} | ${r(b)} | ${r(b / a)} |`);
  row('availability p50', f.small.availabilityP50, f.large.availabilityP50);
  row('availability p99', f.small.availabilityP99, f.large.availabilityP99);
  row('booking p50', f.small.bookingP50, f.large.bookingP50);
  row('booking p99', f.small.bookingP99, f.large.bookingP99);
  for (const name of Object.keys(f.small.idle))
    row(`${name}, nothing due`, f.small.idle[name]!, f.large.idle[name] ?? Number.NaN);
  for (const name of Object.keys(f.small.busy)) {
    const did = f.small.busy[name]!.did;
    const label =
      did === null ? `${name}, work due` : `${name}, work due (${did} / ${f.large.busy[name]?.did})`;
    row(label, f.small.busy[name]!.ms, f.large.busy[name]?.ms ?? Number.NaN);
  }
  if (f.small.settled + f.large.settled > 0)
    console.log(`\nSettled first (fell due since the seed): ${f.small.settled} / ${f.large.settled}.`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const f = await runFleetBench();
  if (f) printFleet(f);
}
