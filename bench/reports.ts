/**
 * Utilization report benchmark (issue 12), on each store: one year of a vessel, 20 spaces open
 * 06:00–22:00 local, about 200,000 half-hour bookings (completed with a check-in, released as no-shows,
 * cancelled, some late) by 200 members, one in five with a participant and one in ten for a squad.
 * - the report over the whole year grouped by day, as a member (per space) and as an admin (also per
 *   member and per squad): p50/p99 of `getUtilization`;
 * - one raw aggregate query over the same rows (per space: booked seconds, no-shows), the floor the
 *   report is compared with: p50/p99 and the p99 ratio.
 * Run alone with `node --import tsx bench/reports.ts`; `runReportsBench()` is what bench/run.ts calls.
 * - the rebuilds of the rollups from the bookings (space_days; member_days and squad_days): what the
 *   backfills of migrations 0019 and 0020 cost.
 * Env: BENCH_DATABASE_URL, BENCH_STORES, BENCH_REPORT_PROBES (calls per figure, default 50),
 * BENCH_REPORT_DAYS (days of bookings, default 365: a smaller year for a quick look).
 */
import { migrate } from '../src/db/migrate.ts';
import type { Db } from '../src/db/store.ts';
import { FakeClock } from '../src/domain/clock.ts';
import type { Ctx } from '../src/features/context.ts';
import { getUtilization } from '../src/features/reports/service.ts';
import { createSiteWithAdmin } from '../src/features/sites/service.ts';
import { timeCalls } from './measure.ts';
import { openBenchStore } from './stores.ts';

const stores = (process.env.BENCH_STORES ?? 'pglite,postgres').split(',');
const PROBES = Number(process.env.BENCH_REPORT_PROBES ?? 50);
const DAYS = Number(process.env.BENCH_REPORT_DAYS ?? 365);
const MEMBERS = 200;
const SPACES = 20;
const zone = 'Pacific/Auckland';
// The year reported: 2025-12-01 to 2026-12-01, local midnights (+13:00 in summer).
const from = '2025-12-01T00:00:00+13:00';
const to = '2026-12-01T00:00:00+13:00';

/**
 * Bench data by SQL (the bench measures the report, not booking): a year of half-hour sessions.
 * The rollup's row trigger is off for the bulk insert, and the rollup is rebuilt in one pass after.
 */
export async function seed(
  db: Db,
  siteId: string,
): Promise<{ bookings: number; rebuildMs: number; peopleRebuildMs: number }> {
  await db.query(
    `INSERT INTO members (site_id, email, display_name)
     SELECT $1, 'm' || g || '@bench.example', 'Member ' || lpad(g::text, 3, '0') FROM generate_series(1, $2) g`,
    [siteId, MEMBERS],
  );
  await db.query(`INSERT INTO squads (site_id, name) SELECT $1, 'Squad ' || g FROM generate_series(0, 9) g`, [
    siteId,
  ]);
  const hours = Object.fromEntries(
    ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, [{ open: '06:00', close: '22:00' }]]),
  );
  await db.query(
    `INSERT INTO spaces (site_id, name, kind, capacity, opening_hours)
     SELECT $1, 'Space ' || lpad(g::text, 2, '0'), CASE WHEN g % 4 = 0 THEN 'sparring' ELSE 'training' END, 10, $3::jsonb
       FROM generate_series(1, $2) g`,
    [siteId, SPACES, JSON.stringify(hours)],
  );
  // 28 half-hour sessions a day from 07:00 local in every space, for 365 days: 204,400 bookings.
  // The rollups' row triggers are off for the bulk load; the rollups are rebuilt in one pass after.
  const triggers = [
    ['bookings', 'bookings_space_days_rows'],
    ['bookings', 'bookings_people_days_rows'],
    ['booking_members', 'booking_members_people_days'],
    ['booking_squads', 'booking_squads_people_days'],
  ];
  for (const [table, trigger] of triggers) await db.query(`ALTER TABLE ${table} DISABLE TRIGGER ${trigger}`);
  // Status by a hash: 70% completed (checked in 0-10 min late), 10% released, 10% cancelled (half of
  // them within the hour), 10% still confirmed.
  await db.query(
    `WITH m AS (SELECT array_agg(id ORDER BY display_name) AS ids FROM members WHERE site_id = $1 AND role = 'member'),
          s AS (SELECT id, row_number() OVER (ORDER BY name) AS n FROM spaces WHERE site_id = $1),
          slots AS (
            SELECT s.id AS space_id, s.n, d, k,
                   (('2025-12-01'::date + d)::timestamp + interval '7 hours' + k * interval '30 minutes')
                     AT TIME ZONE $2 AS start_at
              FROM s, generate_series(0, $4 - 1) d, generate_series(0, 27) k),
          x AS (SELECT slots.*, (s_hash % 10) AS h FROM slots,
                  LATERAL (SELECT abs(hashtext(space_id::text || d || '/' || k)) AS s_hash) z)
     INSERT INTO bookings (site_id, space_id, organizer_id, title, start_at, end_at, blocked, visibility, status,
                           checked_in_at, cancelled_at)
     SELECT $1, x.space_id, m.ids[1 + ((x.n * 7 + k + d * 13) % $3)], 'Session',
            start_at, start_at + interval '30 minutes', tstzrange(start_at, start_at + interval '30 minutes'),
            CASE WHEN (d + k) % 5 = 0 THEN 'private' ELSE 'public' END,
            CASE WHEN h < 7 THEN 'completed' WHEN h = 7 THEN 'released' WHEN h = 8 THEN 'cancelled' ELSE 'confirmed' END,
            CASE WHEN h < 7 THEN start_at + make_interval(mins => (k % 3) * 5) END,
            CASE WHEN h = 8 THEN start_at - make_interval(mins => 30 + (k % 2) * 1440) END
       FROM x, m`,
    [siteId, zone, MEMBERS, DAYS],
  );
  await db.query(
    `INSERT INTO booking_members (site_id, booking_id, member_id)
     SELECT b.site_id, b.id, m.ids[1 + ((array_position(m.ids, b.organizer_id) + 37) % $2)]
       FROM bookings b, (SELECT array_agg(id ORDER BY display_name) AS ids FROM members
                          WHERE site_id = $1 AND role = 'member') m
      WHERE b.site_id = $1 AND abs(hashtext(b.id::text)) % 5 = 0`,
    [siteId, MEMBERS],
  );
  await db.query(
    `INSERT INTO booking_squads (site_id, booking_id, squad_id)
     SELECT b.site_id, b.id, (SELECT id FROM squads WHERE site_id = $1 ORDER BY name
                               OFFSET (abs(hashtext(b.id::text)) % 10) LIMIT 1)
       FROM bookings b WHERE b.site_id = $1 AND abs(hashtext(b.id::text)) % 10 = 1`,
    [siteId],
  );
  for (const [table, trigger] of triggers) await db.query(`ALTER TABLE ${table} ENABLE TRIGGER ${trigger}`);
  let started = performance.now();
  await db.query('SELECT rebuild_space_days($1)', [siteId]);
  const rebuildMs = performance.now() - started;
  started = performance.now();
  await db.query('SELECT rebuild_people_days($1)', [siteId]);
  const peopleRebuildMs = performance.now() - started;
  await db.query('ANALYZE');
  const count = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM bookings WHERE site_id = $1', [
    siteId,
  ]);
  return { bookings: count.rows[0]!.n, rebuildMs, peopleRebuildMs };
}

/** The floor: one aggregate over the same rows, with no cutting at bounds and no zone. */
async function rawAggregate(db: Db, siteId: string): Promise<number> {
  const res = await db.query(
    `SELECT space_id,
            sum(extract(epoch FROM end_at - start_at)) FILTER (WHERE status IN ('confirmed', 'checked_in', 'completed')),
            sum(extract(epoch FROM end_at - greatest(start_at, checked_in_at))) FILTER (WHERE status IN ('checked_in', 'completed')),
            count(*) FILTER (WHERE status = 'released')
       FROM bookings WHERE site_id = $1 AND start_at < $3::timestamptz AND end_at > $2::timestamptz
      GROUP BY space_id`,
    [siteId, from, to],
  );
  return res.rows.length;
}

export interface ReportsBenchRow {
  store: string;
  bookings: number;
  rebuildMs: number;
  peopleRebuildMs: number;
  member: { p50: number; p99: number };
  admin: { p50: number; p99: number };
  raw: { p50: number; p99: number };
}

export async function reportsBench(kind: string): Promise<ReportsBenchRow> {
  const { db, cleanup } = await openBenchStore(kind, 'reports', 4);
  try {
    await migrate(db);
    const { siteId, adminId } = await createSiteWithAdmin(db, {
      site: { name: 'Bench', timeZone: zone },
      admin: { email: 'admin@bench.example', displayName: 'Admin', passwordHash: null },
    });
    const { bookings, rebuildMs, peopleRebuildMs } = await seed(db, siteId);
    const clock = new FakeClock('2026-12-01T00:00:00Z');
    const memberId = (
      await db.query<{ id: string }>(
        `SELECT id FROM members WHERE site_id = $1 AND role = 'member' LIMIT 1`,
        [siteId],
      )
    ).rows[0]!.id;
    const as = (id: string, role: 'admin' | 'member'): Ctx => ({
      db,
      clock,
      actor: { siteId, memberId: id, role, squadIds: [], leaderOf: [] },
    });
    const member = await timeCalls(PROBES, () =>
      getUtilization(as(memberId, 'member'), { from, to, groupBy: 'day' }),
    );
    const admin = await timeCalls(PROBES, () =>
      getUtilization(as(adminId, 'admin'), { from, to, groupBy: 'day' }),
    );
    const raw = await timeCalls(PROBES, () => rawAggregate(db, siteId));
    return { store: kind, bookings, rebuildMs, peopleRebuildMs, member, admin, raw };
  } finally {
    await cleanup();
  }
}

export async function runReportsBench(): Promise<void> {
  const f = (n: number) => n.toFixed(1);
  for (const kind of stores) {
    const r = await reportsBench(kind);
    console.log(
      `${kind}: utilization over a year by day, ${SPACES} spaces, ${r.bookings} bookings: as a member p50 ${f(r.member.p50)} ms, p99 ${f(r.member.p99)} ms; as an admin (with ${MEMBERS} members and squads) p50 ${f(r.admin.p50)} ms, p99 ${f(r.admin.p99)} ms (target p99 < 200 ms on PGlite); one raw aggregate p50 ${f(r.raw.p50)} ms, p99 ${f(r.raw.p99)} ms; p99 ratio member ${(r.member.p99 / r.raw.p99).toFixed(2)}x, admin ${(r.admin.p99 / r.raw.p99).toFixed(2)}x (target within 3x); rollups rebuilt from the bookings in ${f(r.rebuildMs)} ms (per space) and ${f(r.peopleRebuildMs)} ms (per member and squad)`,
    );
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await runReportsBench();
