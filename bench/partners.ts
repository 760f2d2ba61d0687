/**
 * Partner and find-time benchmarks, on each store:
 * - find-time for 20 people (the caller and 19 others) and 20 spaces over 14 days, with 50,000
 *   bookings (a year of them, with participants and squads) and a duty roster for every member in
 *   the store: p50/p99 of `findTime`, against reading the same rows raw (the people's sessions
 *   through the three participant paths, the spaces' bookings in the window, the rosters and leave,
 *   as plain SELECTs without any computation);
 * - partner suggestions among 500 members training the discipline, over 7 days: p50/p99 of
 *   `suggestPartners`.
 * Run alone with `node --import tsx bench/partners.ts`; `runPartnersBench()` is what bench/run.ts calls.
 * Env: BENCH_DATABASE_URL, BENCH_STORES, BENCH_PARTNER_PROBES (calls per figure, default 200).
 */
import { migrate } from '../src/db/migrate.ts';
import type { Db } from '../src/db/store.ts';
import { systemClock } from '../src/domain/clock.ts';
import { addDays, localDate } from '../src/domain/time.ts';
import type { Ctx } from '../src/features/context.ts';
import { findTime, suggestPartners } from '../src/features/partners/service.ts';
import { createSiteWithAdmin } from '../src/features/sites/service.ts';
import { timeCalls } from './measure.ts';
import { openBenchStore } from './stores.ts';

/** find-time warms up longer: its first calls fill caches (20 calls, not 5). */
const timed = (n: number, f: () => Promise<unknown>) => timeCalls(n, f, 20);

const stores = (process.env.BENCH_STORES ?? 'pglite,postgres').split(',');
const PROBES = Number(process.env.BENCH_PARTNER_PROBES ?? 200);
const MEMBERS = 500;
const SPACES = 20;
const day = 86_400_000;
const zone = 'Pacific/Auckland';

/** 500 members in 25 squads, 20 spaces, ~50,000 bookings over a year, a roster each, Boxing for all. */
export async function seed(
  db: Db,
  siteId: string,
  now: Date,
): Promise<{ members: string[]; bookings: number }> {
  const today = localDate(now, zone);
  await db.query(
    `INSERT INTO members (site_id, email, display_name)
     SELECT $1, 'm' || g || '@bench.example', 'Member ' || lpad(g::text, 3, '0') FROM generate_series(1, $2) g`,
    [siteId, MEMBERS],
  );
  const members = (
    await db.query<{ id: string }>(
      `SELECT id FROM members WHERE site_id = $1 AND role = 'member' ORDER BY display_name`,
      [siteId],
    )
  ).rows.map((r) => r.id);
  await db.query(
    `INSERT INTO squads (site_id, name) SELECT $1, 'Squad ' || g FROM generate_series(0, 24) g`,
    [siteId],
  );
  await db.query(
    `INSERT INTO squad_members (site_id, squad_id, member_id)
     SELECT $1, q.id, m.id
       FROM (SELECT id, row_number() OVER (ORDER BY display_name) - 1 AS n FROM members
              WHERE site_id = $1 AND role = 'member') m
       JOIN squads q ON q.site_id = $1 AND q.name = 'Squad ' || (m.n / 20)`,
    [siteId],
  );
  await db.query(
    `INSERT INTO spaces (site_id, name, kind, capacity, changeover_minutes)
     SELECT $1, 'Space ' || lpad(g::text, 2, '0'), CASE WHEN g % 4 = 0 THEN 'sparring' ELSE 'training' END,
            CASE WHEN g % 4 = 0 THEN 4 ELSE 30 END, 10
       FROM generate_series(1, $2) g`,
    [siteId, SPACES],
  );
  // Seven one-hour sessions a day in every space, from 175 days back to 182 ahead: 50,120 bookings.
  await db.query(
    `WITH m AS (SELECT array_agg(id ORDER BY display_name) AS ids FROM members WHERE site_id = $1 AND role = 'member'),
          s AS (SELECT id, row_number() OVER (ORDER BY name) AS n FROM spaces WHERE site_id = $1),
          slots AS (
            SELECT s.id AS space_id, s.n, d, k,
                   ($2::date + d)::timestamptz AT TIME ZONE 'UTC' + make_interval(hours => 6 + 2 * k + (s.n % 2)::int) AS start_at
              FROM s, generate_series(-175, 182) d, generate_series(0, 6) k)
     INSERT INTO bookings (site_id, space_id, organizer_id, title, start_at, end_at, blocked, headcount, visibility)
     SELECT $1, slots.space_id, m.ids[1 + ((slots.n * 7 + k + (d + 175) * 13) % $3)], 'Session',
            start_at, start_at + interval '1 hour', tstzrange(start_at, start_at + interval '70 minutes'), 2,
            CASE WHEN (d + k) % 5 = 0 THEN 'private' ELSE 'public' END
       FROM slots, m`,
    [siteId, today, MEMBERS],
  );
  await db.query(
    `INSERT INTO booking_members (site_id, booking_id, member_id)
     SELECT b.site_id, b.id, m.ids[1 + ((array_position(m.ids, b.organizer_id) + 37) % $2)]
       FROM bookings b, (SELECT array_agg(id ORDER BY display_name) AS ids FROM members
                          WHERE site_id = $1 AND role = 'member') m
      WHERE b.site_id = $1`,
    [siteId, MEMBERS],
  );
  await db.query(
    `INSERT INTO booking_squads (site_id, booking_id, squad_id)
     SELECT b.site_id, b.id, (SELECT id FROM squads WHERE site_id = $1 ORDER BY name
                               OFFSET (abs(hashtext(b.id::text)) % 25) LIMIT 1)
       FROM bookings b WHERE b.site_id = $1 AND abs(hashtext(b.id::text)) % 10 = 0`,
    [siteId],
  );
  // A duty roster for everyone (three patterns), and a week of leave for one in ten.
  await db.query(
    `INSERT INTO duty_shifts (site_id, member_id, title, rrule, start_date, start_time, duration_minutes, time_zone, created_by)
     SELECT $1, id, 'Watch', (ARRAY['FREQ=WEEKLY;BYDAY=MO,WE,FR', 'FREQ=DAILY', 'FREQ=WEEKLY;BYDAY=TU,TH'])[1 + n % 3],
            $2::date - 30, (ARRAY['08:00', '02:00', '13:00'])[1 + n % 3], (ARRAY[240, 180, 120])[1 + n % 3], $3, id
       FROM (SELECT id, row_number() OVER (ORDER BY display_name) AS n FROM members
              WHERE site_id = $1 AND role = 'member') m`,
    [siteId, today, zone],
  );
  await db.query(
    `INSERT INTO member_leave (site_id, member_id, start_at, end_at, created_by)
     SELECT $1, id, $2::timestamptz + make_interval(days => (n % 14)::int), $2::timestamptz + make_interval(days => (n % 14 + 7)::int), id
       FROM (SELECT id, row_number() OVER (ORDER BY display_name) AS n FROM members
              WHERE site_id = $1 AND role = 'member') m WHERE n % 10 = 0`,
    [siteId, now.toISOString()],
  );
  await db.query(`INSERT INTO disciplines (site_id, name) VALUES ($1, 'Boxing')`, [siteId]);
  await db.query(
    `INSERT INTO member_disciplines (site_id, member_id, discipline_id, level, rating, rd, volatility, rated_at)
     SELECT $1, m.id, d.id, (ARRAY['beginner', 'intermediate', 'advanced', 'expert'])[1 + m.n % 4],
            1200 + (m.n * 37) % 900, 60 + (m.n * 11) % 240, 0.06, $2::timestamptz - make_interval(days => (m.n % 60)::int)
       FROM (SELECT id, row_number() OVER (ORDER BY display_name) AS n FROM members
              WHERE site_id = $1 AND role = 'member') m, disciplines d WHERE d.site_id = $1`,
    [siteId, now.toISOString()],
  );
  await db.query('ANALYZE');
  const count = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM bookings WHERE site_id = $1', [
    siteId,
  ]);
  return { members, bookings: count.rows[0]!.n };
}

/** The rows find-time reads, read raw: no conversion, no computation. */
async function readRaw(db: Db, siteId: string, people: string[], from: Date, to: Date): Promise<number> {
  const args = [siteId, people, from.toISOString(), to.toISOString()];
  let rows = 0;
  rows += (
    await db.query(
      `SELECT b.organizer_id, b.start_at, b.end_at FROM bookings b
        WHERE b.site_id = $1 AND b.organizer_id = ANY($2::uuid[]) AND b.status IN ('confirmed', 'checked_in')
          AND b.start_at < $4 AND b.end_at > $3 AND b.blocked && tstzrange($3, $4)
       UNION ALL
       SELECT bm.member_id, b.start_at, b.end_at FROM booking_members bm
         JOIN bookings b ON b.site_id = bm.site_id AND b.id = bm.booking_id
        WHERE bm.site_id = $1 AND bm.member_id = ANY($2::uuid[]) AND b.status IN ('confirmed', 'checked_in')
          AND b.start_at < $4 AND b.end_at > $3 AND b.blocked && tstzrange($3, $4)
       UNION ALL
       SELECT sm.member_id, b.start_at, b.end_at FROM squad_members sm
         JOIN booking_squads bq ON bq.site_id = sm.site_id AND bq.squad_id = sm.squad_id
         JOIN bookings b ON b.site_id = bq.site_id AND b.id = bq.booking_id
        WHERE sm.site_id = $1 AND sm.member_id = ANY($2::uuid[]) AND b.status IN ('confirmed', 'checked_in')
          AND b.start_at < $4 AND b.end_at > $3 AND b.blocked && tstzrange($3, $4)`,
      args,
    )
  ).rows.length;
  rows += (
    await db.query(
      `SELECT b.space_id, b.blocked FROM bookings b
        WHERE b.site_id = $1 AND b.status IN ('confirmed', 'checked_in') AND b.blocked && tstzrange($2, $3)`,
      [siteId, from.toISOString(), to.toISOString()],
    )
  ).rows.length;
  rows += (
    await db.query('SELECT * FROM duty_shifts WHERE site_id = $1 AND member_id = ANY($2::uuid[])', [
      siteId,
      people,
    ])
  ).rows.length;
  rows += (
    await db.query(
      'SELECT * FROM member_leave WHERE site_id = $1 AND member_id = ANY($2::uuid[]) AND end_at > $3 AND start_at < $4',
      args,
    )
  ).rows.length;
  return rows;
}

export interface PartnersBenchRow {
  store: string;
  bookings: number;
  findTime: { p50: number; p99: number; cpu: number };
  raw: { p50: number; p99: number; cpu: number };
  rawRows: number;
  slots: number;
  partners: { p50: number; p99: number; cpu: number };
  suggestions: number;
}

export async function partnersBench(kind: string): Promise<PartnersBenchRow> {
  const { db, cleanup } = await openBenchStore(kind, 'partners', 4);
  try {
    await migrate(db);
    const { siteId } = await createSiteWithAdmin(db, {
      site: { name: 'Bench', timeZone: zone, quietHours: { start: '22:00', end: '06:00' } },
      admin: { email: 'admin@bench.example', displayName: 'Admin', passwordHash: null },
    });
    const now = systemClock.now();
    const { members, bookings } = await seed(db, siteId, now);
    const me = members[0]!;
    const ctx: Ctx = {
      db,
      clock: systemClock,
      actor: { siteId, memberId: me, role: 'member', squadIds: [], leaderOf: [] },
    };
    const from = new Date(`${addDays(localDate(now, zone), 1)}T00:00:00Z`);
    const to = new Date(from.getTime() + 14 * day);
    const others = members.slice(1, 20);
    let slots = 0;
    const findTimes = await timed(PROBES, async () => {
      const a = await findTime(ctx, {
        members: others,
        lengthMinutes: 60,
        from: from.toISOString(),
        to: to.toISOString(),
        limit: 5,
      });
      slots = a.slots.length + a.partial.length;
    });
    let rawRows = 0;
    const raw = await timed(PROBES, async () => {
      rawRows = await readRaw(db, siteId, [me, ...others], from, to);
    });
    let suggestions = 0;
    const partners = await timed(Math.max(20, Math.floor(PROBES / 4)), async () => {
      const a = await suggestPartners(ctx, {
        discipline: 'Boxing',
        from: from.toISOString(),
        to: new Date(from.getTime() + 7 * day).toISOString(),
      });
      suggestions = a.items.length;
    });
    return { store: kind, bookings, findTime: findTimes, raw, rawRows, slots, partners, suggestions };
  } finally {
    await cleanup();
  }
}

export async function runPartnersBench(): Promise<void> {
  const f = (n: number) => n.toFixed(1);
  for (const kind of stores) {
    const r = await partnersBench(kind);
    console.log(
      `${kind}: find-time, 20 people x ${SPACES} spaces x 14 days, ${r.bookings} bookings + rosters: p50 ${f(r.findTime.p50)} ms, p99 ${f(r.findTime.p99)} ms (target p99 < 50 ms), CPU ${f(r.findTime.cpu)} ms a call; raw read of its ${r.rawRows} rows p50 ${f(r.raw.p50)} ms, p99 ${f(r.raw.p99)} ms, CPU ${f(r.raw.cpu)} ms a call; p99 ratio ${(r.findTime.p99 / r.raw.p99).toFixed(2)}x (target <= 2x), CPU ratio ${(r.findTime.cpu / r.raw.cpu).toFixed(2)}x; ${r.slots} slots`,
    );
    console.log(
      `${kind}: partner suggestions among ${MEMBERS} members, 7 days: p50 ${f(r.partners.p50)} ms, p99 ${f(r.partners.p99)} ms (target p99 < 100 ms), CPU ${f(r.partners.cpu)} ms a call; ${r.suggestions} suggested`,
    );
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await runPartnersBench();
