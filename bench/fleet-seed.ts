/**
 * Bulk seeding of a fleet for bench/fleet.ts: plain SQL on one connection, so 10M bookings load in
 * minutes instead of the hours that one statement per site through the services took.
 *
 * What is written is what the product writes, shaped like a year of use: sites (a mix of zones), 50
 * members each (one admin) in five watches, 20 spaces each (five with a door, locked at rest), and per space the same number of one-hour sessions on a
 * grid spread over a year around `anchor`, half past and half future. Past sessions are completed
 * (checked in 0–9 minutes after the start), released as no-shows or cancelled (some within the last
 * hour, which the report counts as late); future ones are confirmed or cancelled. One in five has a
 * participant, one in five is private. Organizers and participants are chosen so that no member is
 * in two sessions at once (the rule of migration 0007), and sessions of one space never overlap
 * (the exclusion constraint holds and is checked when it is rebuilt). Past and future keep a gap
 * around `anchor` (a day before, two after) so that nothing is due to the jobs when the bench is run
 * within two days of the seed; later, bench/fleet.ts settles what fell due first, as a running
 * server would have.
 *
 * The bookings load without their secondary indexes and exclusion constraint, with row triggers off
 * (`session_replication_role = replica`: the rollup trigger of migration 0019 and the foreign-key
 * checks, which the construction satisfies); then the indexes and the constraint are rebuilt from
 * their own definitions, read from the catalogue before they were dropped, and the rollup
 * (`space_days`) is rebuilt in one statement.
 */
import pg from 'pg';

export const SPACES = 20;
export const MEMBERS = 50;
const zones = [
  'UTC',
  'Australia/Adelaide',
  'Pacific/Auckland',
  'Europe/London',
  'America/New_York',
  'Asia/Singapore',
];
const kinds = ['training', 'sparring', 'briefing', 'other'];

export interface SeedShape {
  /** Sessions per space. */
  perSpace: number;
  /** The instant the year of sessions is laid around (an hour boundary). */
  anchor: Date;
}

/** Minutes between two sessions of a space: the year divided among them (at least 90). */
export const stepMinutes = (perSpace: number) => Math.max(90, Math.floor((365 * 24 * 60) / perSpace));

const log = (msg: string) => process.stderr.write(`bench fleet: ${msg}\n`);

/** Sites `from`..`to`-1 ("Vessel i") with their members, squads and spaces, through ordinary inserts. */
async function addSites(c: pg.Client, from: number, to: number): Promise<void> {
  await c.query(
    `INSERT INTO sites (name, time_zone, horizon_days)
     SELECT 'Vessel ' || i, ($3::text[])[1 + i % cardinality($3::text[])], 1100
       FROM generate_series($1::int, $2::int - 1) i`,
    [from, to, zones],
  );
  const batch = `SELECT site_id, split_part(name, ' ', 2)::int AS i FROM sites
                  WHERE name LIKE 'Vessel %' AND split_part(name, ' ', 2)::int BETWEEN $1 AND $2 - 1`;
  await c.query(
    `INSERT INTO members (site_id, email, display_name, rank, role, password_hash)
     SELECT s.site_id, 'crew' || m || '@vessel' || s.i || '.example.test', 'Crew ' || m, '',
            CASE WHEN m = 0 THEN 'admin' ELSE 'member' END, NULL
       FROM (${batch}) s, generate_series(0, ${MEMBERS - 1}) m`,
    [from, to],
  );
  await c.query(
    `INSERT INTO squads (site_id, name) SELECT s.site_id, 'Watch ' || q FROM (${batch}) s, generate_series(0, 4) q`,
    [from, to],
  );
  // Ten members a watch, by member number.
  await c.query(
    `INSERT INTO squad_members (site_id, squad_id, member_id, is_leader)
     SELECT m.site_id, q.id, m.id, split_part(m.display_name, ' ', 2)::int < 5
       FROM (${batch}) s
       JOIN members m ON m.site_id = s.site_id
       JOIN squads q ON q.site_id = s.site_id AND q.name = 'Watch ' || (split_part(m.display_name, ' ', 2)::int % 5)`,
    [from, to],
  );
  await c.query(
    `INSERT INTO spaces (site_id, name, kind, capacity, changeover_minutes)
     SELECT s.site_id, 'Room ' || j, ($3::text[])[1 + j % cardinality($3::text[])], 8, (j % 3) * 5
       FROM (${batch}) s, generate_series(0, ${SPACES - 1}) j`,
    [from, to, kinds],
  );
}

/** Sessions and participants of the sites `from`..`to`-1, in one statement (row triggers are off). */
async function addBookings(c: pg.Client, from: number, to: number, shape: SeedShape): Promise<void> {
  const half = Math.floor(shape.perSpace / 2);
  await c.query(
    `WITH sp AS (
       SELECT sp.site_id, sp.id, split_part(sp.name, ' ', 2)::int AS j, sp.changeover_minutes AS co
         FROM seed_sites s JOIN spaces sp ON sp.site_id = s.site_id WHERE s.i BETWEEN $1 AND $2 - 1
     ), rows AS (
       SELECT sp.site_id, sp.id AS space_id, sp.j, k, sp.co,
              $3::timestamptz + make_interval(mins => (k - $5::int) * $4::int + sp.j * 7)
                + CASE WHEN k < $5::int THEN interval '-1 day' ELSE interval '2 days' END AS t,
              (k * 31 + sp.j * 17) % 100 AS h
         FROM sp, generate_series(0, $6::int - 1) k
     ), b AS (
       INSERT INTO bookings (site_id, space_id, organizer_id, title, start_at, end_at, blocked, headcount,
                             visibility, status, version, created_at, updated_at, checked_in_at, cancelled_at)
       SELECT r.site_id, r.space_id, o.id, 'Session ' || r.k, r.t, r.t + interval '1 hour',
              tstzrange(r.t, r.t + interval '1 hour' + make_interval(mins => r.co), '[)'),
              1 + r.h % 4, CASE WHEN r.h % 5 = 2 THEN 'private' ELSE 'public' END,
              st.status, CASE WHEN st.status = 'confirmed' THEN 1 ELSE 2 END,
              r.t - interval '14 days',
              CASE st.status WHEN 'completed' THEN r.t + interval '1 hour'
                             WHEN 'released' THEN r.t + interval '15 minutes'
                             WHEN 'cancelled' THEN st.cancelled_at
                             ELSE r.t - interval '14 days' END,
              CASE WHEN st.status = 'completed' THEN r.t + make_interval(mins => r.h % 10) END,
              st.cancelled_at
         FROM rows r
         JOIN seed_members o ON o.site_id = r.site_id AND o.m = (r.j + r.k) % ${MEMBERS}
         CROSS JOIN LATERAL (
           SELECT CASE WHEN r.k < $5::int THEN
                         CASE WHEN r.h < 80 THEN 'completed' WHEN r.h < 90 THEN 'released' ELSE 'cancelled' END
                       WHEN r.h < 95 THEN 'confirmed' ELSE 'cancelled' END AS status,
                  CASE WHEN r.k < $5::int AND r.h >= 90 THEN r.t - make_interval(mins => (r.h % 3) * 45)
                       WHEN r.k >= $5::int AND r.h >= 95 THEN $3::timestamptz - interval '1 day' END AS cancelled_at
         ) st
       RETURNING site_id, id, organizer_id, visibility, headcount
     )
     -- The participant is 20 member numbers on from the organizer: the 20 spaces' sessions of one
     -- time slot have 20 consecutive organizers, so no one sits in two at once.
     INSERT INTO booking_members (site_id, booking_id, member_id)
     SELECT b.site_id, b.id, p.id
       FROM b JOIN seed_members o ON o.site_id = b.site_id AND o.id = b.organizer_id
       JOIN seed_members p ON p.site_id = b.site_id AND p.m = (o.m + 20) % ${MEMBERS}
      WHERE b.headcount = 2 AND b.visibility = 'public'`,
    [from, to, shape.anchor.toISOString(), stepMinutes(shape.perSpace), half, shape.perSpace],
  );
}

/** Spaces with a door: the last five of each site, "Room 15".."Room 19". */
export const DOORS = 5;

/**
 * Doors on the last `DOORS` spaces of every site that has none yet, as a lock reports them at rest:
 * locked, closed, online. Idempotent, so a store seeded before doors were part of the fleet gets
 * them added (bench/fleet.ts).
 */
export async function seedDoors(url: string, at: Date): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(
      `WITH d AS (
         INSERT INTO doors (site_id, space_id, name, topic, has_contact, lock_state, contact, online, seen_at)
         SELECT sp.site_id, sp.id, 'Door of ' || sp.name,
                'zigbee2mqtt/vessel-' || split_part(s.name, ' ', 2) || '/door-' || split_part(sp.name, ' ', 2),
                true, 'locked', true, true, $2::timestamptz
           FROM sites s JOIN spaces sp ON sp.site_id = s.site_id
          WHERE s.name LIKE 'Vessel %' AND split_part(sp.name, ' ', 2)::int >= $1
            AND NOT EXISTS (SELECT 1 FROM doors x WHERE x.site_id = s.site_id)
         RETURNING site_id, space_id)
       UPDATE spaces sp SET has_door = true FROM d WHERE sp.site_id = d.site_id AND sp.id = d.space_id`,
      [SPACES - DOORS, at.toISOString()],
    );
    await c.query('ANALYZE doors; ANALYZE spaces');
  } finally {
    await c.end();
  }
}

interface Rebuild {
  drop: string;
  create: string;
}

/** The bookings' secondary indexes and exclusion constraint: how to drop each and build it again. */
async function bookingIndexes(c: pg.Client): Promise<Rebuild[]> {
  const cons = await c.query<{ name: string; def: string; index: string }>(
    `SELECT con.conname AS name, pg_get_constraintdef(con.oid) AS def, con.conindid::regclass::text AS index
       FROM pg_constraint con WHERE con.conrelid = 'bookings'::regclass AND con.contype = 'x'`,
  );
  const idx = await c.query<{ name: string; def: string }>(
    `SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def
       FROM pg_index i
      WHERE i.indrelid = 'bookings'::regclass AND NOT i.indisprimary
        AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = i.indexrelid)`,
  );
  return [
    ...idx.rows.map((r) => ({ drop: `DROP INDEX ${r.name}`, create: r.def })),
    ...cons.rows.map((r) => ({
      drop: `ALTER TABLE bookings DROP CONSTRAINT ${r.name}`,
      create: `ALTER TABLE bookings ADD CONSTRAINT ${r.name} ${r.def}`,
    })),
  ];
}

/**
 * Seeds sites `from`..`to`-1 into a migrated database that holds sites 0..`from`-1 (or none).
 * Returns the seconds it took.
 */
export async function seedFleet(url: string, from: number, to: number, shape: SeedShape): Promise<number> {
  const t0 = performance.now();
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query("SET synchronous_commit = off; SET maintenance_work_mem = '1GB'; SET work_mem = '256MB'");
    for (let i = from; i < to; i += 100) await addSites(c, i, Math.min(to, i + 100));
    log(`${to - from} sites, their members and spaces: ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    await c.query(
      `CREATE TEMP TABLE seed_sites AS
         SELECT site_id, split_part(name, ' ', 2)::int AS i FROM sites WHERE name LIKE 'Vessel %';
       CREATE TEMP TABLE seed_members AS
         SELECT site_id, id, split_part(display_name, ' ', 2)::int AS m FROM members;
       CREATE INDEX ON seed_members (site_id, m); CREATE INDEX ON seed_members (site_id, id);
       ANALYZE seed_sites; ANALYZE seed_members`,
    );
    const rebuilds = await bookingIndexes(c);
    for (const r of rebuilds) await c.query(r.drop);
    await c.query('SET session_replication_role = replica');
    const batch = Math.max(1, Math.floor(500_000 / (SPACES * shape.perSpace)));
    for (let i = from; i < to; i += batch) {
      await addBookings(c, i, Math.min(to, i + batch), shape);
      log(`${Math.min(to, i + batch)} sites seeded: ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    }
    await c.query('SET session_replication_role = origin');
    const t1 = performance.now();
    for (const r of rebuilds) await c.query(r.create);
    log(`indexes and the exclusion constraint rebuilt: ${((performance.now() - t1) / 1000).toFixed(0)} s`);
    const t2 = performance.now();
    await c.query('SELECT count(rebuild_space_days(site_id)) FROM seed_sites WHERE i BETWEEN $1 AND $2 - 1', [
      from,
      to,
    ]);
    log(`space_days rebuilt: ${((performance.now() - t2) / 1000).toFixed(0)} s`);
    const t3 = performance.now();
    await c.query('VACUUM ANALYZE');
    log(`VACUUM ANALYZE: ${((performance.now() - t3) / 1000).toFixed(0)} s`);
  } finally {
    await c.end();
  }
  await seedDoors(url, shape.anchor);
  return (performance.now() - t0) / 1000;
}
