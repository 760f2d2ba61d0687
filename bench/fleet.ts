/**
 * A fleet on one server (issue 13, point 5), PostgreSQL only: many sites of 20 spaces each in one
 * database. Availability and booking of one site are timed with 10 sites in the store and again after
 * the fleet is grown to its full size, so the ratio says whether one site's figures depend on the
 * others; one pass of each scheduler job is timed at both sizes with the same (empty) work due, so it
 * says whether the jobs scale with the work or with the sites.
 *
 * Env: BENCH_DATABASE_URL, BENCH_FLEET_SITES (1000), BENCH_FLEET_BOOKINGS (10000000 in all),
 * BENCH_FLEET_PROBES (300).
 */
import { migrate } from '../src/db/migrate.ts';
import type { Db } from '../src/db/store.ts';
import { systemClock } from '../src/domain/clock.ts';
import { getAvailability } from '../src/features/availability/service.ts';
import { createBooking } from '../src/features/bookings/service.ts';
import { systemActor } from '../src/features/context.ts';
import { createSiteWithAdmin } from '../src/features/sites/service.ts';
import { serverTasks } from '../src/jobs/tasks.ts';
import { percentile } from './measure.ts';
import { openBenchStore } from './stores.ts';

const SITES = Number(process.env.BENCH_FLEET_SITES ?? 1000);
const BOOKINGS = Number(process.env.BENCH_FLEET_BOOKINGS ?? 10_000_000);
const PROBES = Number(process.env.BENCH_FLEET_PROBES ?? 300);
const SPACES = 20;
const FIRST = 10;
const day = 86_400_000;
// Every seeded booking lies in the future, so no job has work due at the measured instant.
const base = Math.ceil(Date.now() / day) * day + 2 * day;

interface Site {
  siteId: string;
  adminId: string;
  spaceIds: string[];
}

interface Probe {
  availabilityP50: number;
  availabilityP99: number;
  bookingP50: number;
  bookingP99: number;
  jobs: Record<string, number>;
}

export interface FleetFigures {
  sites: number;
  bookings: number;
  seedSeconds: number;
  small: Probe;
  large: Probe;
}

async function addSites(db: Db, from: number, to: number): Promise<Site[]> {
  const sites: Site[] = [];
  for (let i = from; i < to; i++) {
    const { siteId, adminId } = await createSiteWithAdmin(db, {
      site: { name: `Vessel ${i}`, timeZone: 'UTC', horizonDays: 1100 },
      admin: { email: `admin${i}@example.test`, displayName: `Admin ${i}`, passwordHash: null },
    });
    const spaceIds = (
      await db.query<{ id: string }>(
        `INSERT INTO spaces (site_id, name, kind, capacity, changeover_minutes)
         SELECT $1, 'Room ' || g, 'training', 8, 0 FROM generate_series(1, $2::int) g RETURNING id`,
        [siteId, SPACES],
      )
    ).rows.map((r) => r.id);
    sites.push({ siteId, adminId, spaceIds });
  }
  return sites;
}

/** A year of 1-hour bookings, evenly spread, in every space of the given sites (one statement per site). */
async function seedBookings(db: Db, sites: Site[], perSpace: number): Promise<void> {
  const stepMinutes = Math.max(90, Math.floor((365 * 24 * 60) / perSpace));
  for (const s of sites)
    await db.query(
      `INSERT INTO bookings (site_id, space_id, organizer_id, title, start_at, end_at, blocked)
       SELECT $1, sp, $2, 'seed', t, t + interval '1 hour', tstzrange(t, t + interval '1 hour', '[)')
         FROM unnest($3::uuid[]) sp,
              LATERAL (SELECT $4::timestamptz + make_interval(mins => $5::int * g) AS t
                         FROM generate_series(0, $6::int - 1) g) times`,
      [s.siteId, s.adminId, s.spaceIds, new Date(base).toISOString(), stepMinutes, perSpace],
    );
}

async function probe(db: Db, site: Site, round: number): Promise<Probe> {
  const ctx = { db, clock: systemClock, actor: systemActor(site.siteId, site.adminId) };
  const from = new Date(base + 30 * day);
  const to = new Date(from.getTime() + 7 * day);
  const avail: number[] = [];
  for (let i = 0; i < PROBES + 20; i++) {
    const t0 = performance.now();
    await getAvailability(ctx, { spaceIds: [site.spaceIds[0]!], from, to });
    if (i >= 20) avail.push(performance.now() - t0);
  }
  // Bookings 400 days out, past the seeded year, a distinct hour each, in the probed site.
  const book: number[] = [];
  for (let i = 0; i < PROBES; i++) {
    const start = new Date(base + 400 * day + (round * PROBES + i) * 3_600_000);
    const t0 = performance.now();
    const res = await createBooking(ctx, {
      spaceId: site.spaceIds[1]!,
      start,
      end: new Date(start.getTime() + 3_600_000),
      title: 'probe',
    });
    book.push(performance.now() - t0);
    if (!res.ok) throw new Error('unexpected conflict');
  }
  // One pass of each job with nothing due; the median of 15 passes.
  const jobs: Record<string, number> = {};
  for (const task of serverTasks(db)) {
    const times: number[] = [];
    for (let i = 0; i < 15; i++) {
      const t0 = performance.now();
      await task.run(new Date());
      times.push(performance.now() - t0);
    }
    jobs[task.name] = percentile(
      times.sort((a, b) => a - b),
      50,
    );
  }
  avail.sort((a, b) => a - b);
  book.sort((a, b) => a - b);
  return {
    availabilityP50: percentile(avail, 50),
    availabilityP99: percentile(avail, 99),
    bookingP50: percentile(book, 50),
    bookingP99: percentile(book, 99),
    jobs,
  };
}

export async function runFleetBench(): Promise<FleetFigures> {
  const { db, cleanup } = await openBenchStore('postgres', 'fleet', 4);
  try {
    await migrate(db);
    const perSpace = Math.max(1, Math.round(BOOKINGS / SITES / SPACES));
    const first = await addSites(db, 0, FIRST);
    await seedBookings(db, first, perSpace);
    await db.query('ANALYZE');
    const small = await probe(db, first[0]!, 0);
    process.stderr.write(`bench fleet: ${FIRST} sites measured; seeding ${SITES}…\n`);
    const t0 = performance.now();
    for (let from = FIRST; from < SITES; from += 50) {
      const batch = await addSites(db, from, Math.min(SITES, from + 50));
      await seedBookings(db, batch, perSpace);
      process.stderr.write(`bench fleet: ${Math.min(SITES, from + 50)} sites\n`);
    }
    await db.query('ANALYZE');
    const seedSeconds = (performance.now() - t0) / 1000;
    const large = await probe(db, first[0]!, 1);
    const bookings = Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM bookings')).rows[0]!.n);
    return { sites: SITES, bookings, seedSeconds, small, large };
  } finally {
    await cleanup();
  }
}

export function printFleet(f: FleetFigures): void {
  const r = (x: number) => x.toFixed(2);
  console.log(
    `\nA fleet on one PostgreSQL: one site's figures with ${FIRST} sites and with ${f.sites} sites (${f.bookings} bookings; seeding ${f.seedSeconds.toFixed(0)} s), ms:\n`,
  );
  console.log(`| figure | ${FIRST} sites | ${f.sites} sites | ratio |`);
  console.log('|---|---|---|---|');
  const row = (name: string, a: number, b: number) =>
    console.log(`| ${name} | ${r(a)} | ${r(b)} | ${r(b / a)} |`);
  row('availability p50', f.small.availabilityP50, f.large.availabilityP50);
  row('availability p99', f.small.availabilityP99, f.large.availabilityP99);
  row('booking p50', f.small.bookingP50, f.large.bookingP50);
  row('booking p99', f.small.bookingP99, f.large.bookingP99);
  for (const name of Object.keys(f.small.jobs))
    row(`job pass: ${name}`, f.small.jobs[name]!, f.large.jobs[name] ?? Number.NaN);
}

if (import.meta.url === `file://${process.argv[1]}`) printFleet(await runFleetBench());
