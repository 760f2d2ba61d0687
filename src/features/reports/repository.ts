import type { Queryable } from '../../db/store.ts';
import type { OpeningHours } from '../../domain/opening-hours.ts';

const iso = (ms: number) => new Date(ms).toISOString();

export interface ReportSpace {
  id: string;
  name: string;
  kind: string;
  openingHours: OpeningHours | null;
}

/** The site's zone and the spaces the report covers (all, one, or those of a kind), by name. */
export async function findReportSpaces(
  db: Queryable,
  siteId: string,
  filter: { spaceId?: string | undefined; kind?: string | undefined },
): Promise<{ timeZone: string; spaces: ReportSpace[] } | undefined> {
  const site = await db.query<{ timeZone: string }>(
    'SELECT time_zone AS "timeZone" FROM sites WHERE site_id = $1',
    [siteId],
  );
  if (!site.rows[0]) return undefined;
  const res = await db.query<ReportSpace>(
    `SELECT id, name, kind, opening_hours AS "openingHours" FROM spaces
      WHERE site_id = $1 AND ($2::uuid IS NULL OR id = $2::uuid) AND ($3::text IS NULL OR kind = $3)
      ORDER BY name, id`,
    [siteId, filter.spaceId ?? null, filter.kind ?? null],
  );
  return { timeZone: site.rows[0].timeZone, spaces: res.rows };
}

/** One row of the per-bucket sums: per (space, group) when `how` is null, per (space, hour of week) else. */
export interface BucketSums {
  spaceId: string;
  grp: number | null;
  how: number | null;
  bookedSeconds: number;
  usedSeconds: number;
  noShows: number;
  lateCancellations: number;
}

/**
 * Sums the bookings of the spaces over the buckets, in one statement. Each booking is cut at the
 * bucket bounds it crosses: width_bucket finds its first and last bucket by binary search over the
 * bounds, so the cost is the bookings in range times the (one or two) hours each spans, not times
 * the number of buckets. GROUPING SETS gives both the groups asked for and the hours of week (for
 * the peak hours) from that one pass.
 * - booked: the time held by bookings that kept the space (confirmed, checked in, completed: a
 *   check-out ends the booking there); released and cancelled ones gave it back.
 * - used: from check-in (not before the start) to the end or check-out, and not after `now`.
 * - no-shows and late cancellations (at most an hour before the start, or after it) are counted in
 *   the bucket of their start, when the start is in the range.
 */
export async function sumBuckets(
  db: Queryable,
  siteId: string,
  spaceIds: string[],
  buckets: { bounds: number[]; group: number[]; hourOfWeek: number[] },
  now: Date,
): Promise<BucketSums[]> {
  const n = buckets.bounds.length - 1;
  const res = await db.query<BucketSums>(
    `WITH bk AS (
       SELECT b.space_id, b.start_at, b.end_at, b.status, b.checked_in_at, b.cancelled_at
         FROM bookings b
        WHERE b.site_id = $1 AND b.space_id = ANY($2::uuid[])
          AND b.start_at < $4::timestamptz AND b.end_at > $3::timestamptz
     ), cut AS (
       SELECT bk.*, i, ($6::int[])[i] AS grp, ($7::int[])[i] AS how,
              greatest(bk.start_at, ($5::timestamptz[])[i]) AS s, least(bk.end_at, ($5::timestamptz[])[i + 1]) AS e
         FROM bk CROSS JOIN LATERAL generate_series(
                greatest(1, width_bucket(bk.start_at, $5::timestamptz[])),
                CASE WHEN bk.status IN ('cancelled', 'released') THEN greatest(1, width_bucket(bk.start_at, $5::timestamptz[]))
                     ELSE least($8::int, width_bucket(bk.end_at - interval '1 microsecond', $5::timestamptz[])) END) AS i
     )
     SELECT space_id AS "spaceId",
            CASE WHEN GROUPING(grp) = 0 THEN grp END AS grp,
            CASE WHEN GROUPING(how) = 0 THEN how END AS how,
            coalesce(sum(extract(epoch FROM e - s))
              FILTER (WHERE status IN ('confirmed', 'checked_in', 'completed')), 0)::float8 AS "bookedSeconds",
            coalesce(sum(greatest(0, extract(epoch FROM least(e, $9::timestamptz) - greatest(s, checked_in_at))))
              FILTER (WHERE status IN ('checked_in', 'completed')), 0)::float8 AS "usedSeconds",
            count(*) FILTER (WHERE status = 'released' AND start_at >= $3::timestamptz)::int AS "noShows",
            count(*) FILTER (WHERE status = 'cancelled' AND start_at >= $3::timestamptz
                               AND cancelled_at >= start_at - interval '1 hour')::int AS "lateCancellations"
       FROM cut
      GROUP BY GROUPING SETS ((space_id, grp), (space_id, how))`,
    [
      siteId,
      spaceIds,
      iso(buckets.bounds[0]!),
      iso(buckets.bounds[n]!),
      buckets.bounds.map(iso),
      buckets.group,
      buckets.hourOfWeek,
      n,
      now.toISOString(),
    ],
  );
  return res.rows;
}

/** Figures per member or per squad over the range. */
export interface PeopleSums {
  id: string;
  name: string;
  sessions: number;
  bookedSeconds: number;
  usedSeconds: number;
  noShows: number;
  lateCancellations: number;
}

/** PeopleSums by id, before the names are looked up. */
export type PeopleFigures = Omit<PeopleSums, 'name'>;

/**
 * Per member (as organizer or named participant) and per squad (booked for), the same figures as
 * the spaces', clipped to [from, to), of the bookings that overlap it (any status: a member with
 * only cancellations is listed, with zeros). Sessions counts the bookings that kept the space, or
 * only those that start at or after `sessionsFrom` when given (the rest are counted elsewhere).
 * With from = to, the bookings that run across that instant, with nothing but their sessions.
 * Only for admins: the service asks for it, never for members.
 */
export async function sumPeopleFigures(
  db: Queryable,
  siteId: string,
  spaceIds: string[] | null,
  from: Date,
  to: Date,
  now: Date,
  sessionsFrom: Date | null = null,
): Promise<{ members: PeopleFigures[]; squads: PeopleFigures[] }> {
  const bk = `bk AS (
       SELECT b.id, b.organizer_id, b.status, b.start_at, b.cancelled_at,
              greatest(b.start_at, $3::timestamptz) AS s, least(b.end_at, $4::timestamptz) AS e,
              greatest(b.start_at, $3::timestamptz, b.checked_in_at) AS us,
              least(b.end_at, $4::timestamptz, $5::timestamptz) AS ue
         FROM bookings b
        WHERE b.site_id = $1 AND ($2::uuid[] IS NULL OR b.space_id = ANY($2::uuid[]))
          AND b.start_at < $4::timestamptz AND b.end_at > $3::timestamptz)`;
  const figures = `count(*) FILTER (WHERE bk.status IN ('confirmed', 'checked_in', 'completed')
                                AND ($6::timestamptz IS NULL OR bk.start_at >= $6::timestamptz))::int AS sessions,
            coalesce(sum(extract(epoch FROM bk.e - bk.s))
              FILTER (WHERE bk.status IN ('confirmed', 'checked_in', 'completed')), 0)::float8 AS "bookedSeconds",
            coalesce(sum(greatest(0, extract(epoch FROM bk.ue - bk.us)))
              FILTER (WHERE bk.status IN ('checked_in', 'completed')), 0)::float8 AS "usedSeconds",
            count(*) FILTER (WHERE bk.status = 'released' AND bk.start_at >= $3::timestamptz)::int AS "noShows",
            count(*) FILTER (WHERE bk.status = 'cancelled' AND bk.start_at >= $3::timestamptz
                               AND bk.cancelled_at >= bk.start_at - interval '1 hour')::int AS "lateCancellations"`;
  const params = [
    siteId,
    spaceIds,
    from.toISOString(),
    to.toISOString(),
    now.toISOString(),
    sessionsFrom?.toISOString() ?? null,
  ];
  const members = await db.query<PeopleFigures>(
    `WITH ${bk}, who AS (
       SELECT bk.id, bk.organizer_id AS member_id FROM bk
       UNION
       SELECT bm.booking_id, bm.member_id FROM booking_members bm JOIN bk ON bm.booking_id = bk.id
        WHERE bm.site_id = $1)
     SELECT who.member_id AS id, ${figures}
       FROM who JOIN bk ON bk.id = who.id
      GROUP BY who.member_id`,
    params,
  );
  const squads = await db.query<PeopleFigures>(
    `WITH ${bk}
     SELECT bs.squad_id AS id, ${figures}
       FROM bk JOIN booking_squads bs ON bs.site_id = $1 AND bs.booking_id = bk.id
      GROUP BY bs.squad_id`,
    params,
  );
  return { members: members.rows, squads: squads.rows };
}

/** Rollup sums of a person over whole local days; `listed` when a booking of theirs starts in them. */
export interface PeopleDaySums extends PeopleFigures {
  listed: boolean;
}

/**
 * From the rollups member_days and squad_days (migration 0020: every space of the site), the
 * figures per member and per squad over the local days [fromDay, toDay), one row each. Used runs
 * to the end of sessions under way, as in space_days.
 */
export async function sumPeopleDays(
  db: Queryable,
  siteId: string,
  fromDay: string,
  toDay: string,
): Promise<{ members: PeopleDaySums[]; squads: PeopleDaySums[] }> {
  const sums = (table: string, key: string) =>
    db.query<PeopleDaySums>(
      `SELECT ${key} AS id, sum(bookings) > 0 AS listed, sum(sessions)::int AS sessions,
              sum(booked_ms)::float8 / 1000 AS "bookedSeconds", sum(used_ms)::float8 / 1000 AS "usedSeconds",
              sum(no_shows)::int AS "noShows", sum(late_cancellations)::int AS "lateCancellations"
         FROM ${table} WHERE site_id = $1 AND day >= $2::date AND day < $3::date
        GROUP BY ${key}`,
      [siteId, fromDay, toDay],
    );
  const members = await sums('member_days', 'member_id');
  const squads = await sums('squad_days', 'squad_id');
  return { members: members.rows, squads: squads.rows };
}

/** A session under way (checked in, not over at `now`) and its people, as the rollups count them. */
export interface PeopleUnderWay {
  startAt: Date;
  endAt: Date;
  checkedInAt: Date | null;
  memberIds: string[];
  squadIds: string[];
}

/** The sessions checked in and not over at `now` that overlap [from, to), with their people. */
export async function findPeopleUnderWay(
  db: Queryable,
  siteId: string,
  from: Date,
  to: Date,
  now: Date,
): Promise<PeopleUnderWay[]> {
  const res = await db.query<PeopleUnderWay>(
    `SELECT b.start_at AS "startAt", b.end_at AS "endAt", b.checked_in_at AS "checkedInAt",
            ARRAY(SELECT b.organizer_id UNION SELECT member_id FROM booking_members
                   WHERE site_id = b.site_id AND booking_id = b.id) AS "memberIds",
            ARRAY(SELECT squad_id FROM booking_squads WHERE site_id = b.site_id AND booking_id = b.id) AS "squadIds"
       FROM bookings b
      WHERE b.status = 'checked_in' AND b.end_at > $4::timestamptz AND b.end_at > $2::timestamptz
        AND b.start_at < $3::timestamptz AND b.site_id = $1`,
    [siteId, from.toISOString(), to.toISOString(), now.toISOString()],
  );
  return res.rows;
}

/** The names of the members and squads given, each list ordered by name then id. */
export async function findPeopleNames(
  db: Queryable,
  siteId: string,
  memberIds: string[],
  squadIds: string[],
): Promise<{ members: { id: string; name: string }[]; squads: { id: string; name: string }[] }> {
  const members =
    memberIds.length === 0
      ? { rows: [] }
      : await db.query<{ id: string; name: string }>(
          `SELECT id, display_name AS name FROM members WHERE site_id = $1 AND id = ANY($2::uuid[])
            ORDER BY display_name, id`,
          [siteId, memberIds],
        );
  const squads =
    squadIds.length === 0
      ? { rows: [] }
      : await db.query<{ id: string; name: string }>(
          `SELECT id, name FROM squads WHERE site_id = $1 AND id = ANY($2::uuid[]) ORDER BY name, id`,
          [siteId, squadIds],
        );
  return { members: members.rows, squads: squads.rows };
}

/** The rollup's four figures (milliseconds booked and used, no-shows, late cancellations). */
export type RollupFigures = [bookedMs: number, usedMs: number, noShows: number, lateCancellations: number];

const slotSum = (col: string) => Array.from({ length: 24 }, (_, h) => `${col}[${h + 1}]`).join(' + ');
const slotSums = (col: string) =>
  `json_build_array(${Array.from({ length: 24 }, (_, h) => `sum(${col}[${h + 1}])`).join(', ')})`;

/**
 * From the rollup (table space_days, kept by migration 0019's trigger), the figures of the spaces
 * over the local days [fromDay, toDay) per local day or per week (its Monday; neither when null),
 * and per weekday (0 = Monday) and local hour (index 0..23). Sums are made here and come back as one JSON value per space: a year is
 * 7,300 rows of 4 × 24 slots, which cost far more to send row by row than to add up.
 */
export async function sumSpaceDays(
  db: Queryable,
  siteId: string,
  spaceIds: string[],
  fromDay: string,
  toDay: string,
  groupBy: 'day' | 'week' | null,
): Promise<{
  groups: { spaceId: string; rows: [key: string, ...RollupFigures][] }[];
  /** The other figures only when grouped by neither (by hour of week): else the peak hours need only hours booked. */
  hours: {
    spaceId: string;
    weekday: number;
    bookedMs: number[];
    usedMs: number[] | null;
    noShows: number[] | null;
    lateCancellations: number[] | null;
  }[];
}> {
  const days = `SELECT * FROM space_days
                 WHERE site_id = $1 AND space_id = ANY($2::uuid[]) AND day >= $3::date AND day < $4::date`;
  const groups =
    groupBy === null
      ? { rows: [] }
      : await db.query<{ spaceId: string; rows: [string, ...RollupFigures][] }>(
          `WITH g AS (
       SELECT space_id, CASE WHEN $5 THEN day - (extract(isodow FROM day)::int - 1) ELSE day END AS key,
              sum(${slotSum('booked_ms')}) AS b, sum(${slotSum('used_ms')}) AS u,
              sum(${slotSum('no_shows')}) AS n, sum(${slotSum('late_cancellations')}) AS l
         FROM (${days}) d GROUP BY 1, 2)
     SELECT space_id AS "spaceId", json_agg(json_build_array(to_char(key, 'YYYY-MM-DD'), b, u, n, l)) AS rows
       FROM g GROUP BY space_id`,
          [siteId, spaceIds, fromDay, toDay, groupBy === 'week'],
        );
  const hours = await db.query<{
    spaceId: string;
    weekday: number;
    bookedMs: number[];
    usedMs: number[] | null;
    noShows: number[] | null;
    lateCancellations: number[] | null;
  }>(
    `SELECT space_id AS "spaceId", extract(isodow FROM day)::int - 1 AS weekday,
            ${slotSums('booked_ms')} AS "bookedMs",
            ${groupBy === null ? `${slotSums('used_ms')} AS "usedMs", ${slotSums('no_shows')} AS "noShows", ${slotSums('late_cancellations')} AS "lateCancellations"` : `NULL AS "usedMs", NULL AS "noShows", NULL AS "lateCancellations"`}
       FROM (${days}) d GROUP BY 1, 2`,
    [siteId, spaceIds, fromDay, toDay],
  );
  return { groups: groups.rows, hours: hours.rows };
}

/** A checked-in session that has not ended: the rollup counts its use to its end. */
export interface SessionUnderWay {
  spaceId: string;
  startAt: Date;
  endAt: Date;
  checkedInAt: Date | null;
}

/**
 * The sessions checked in and not over at `now` that overlap [from, to). Completed sessions are
 * not looked at: a check-out ends a session when it is made (at the earliest a minute after the
 * start, so a report asked for within that minute may count up to a minute of use ahead), and the
 * rest complete after their end. Read through the index of active sessions by end
 * (bookings_active_end).
 */
export async function findSessionsUnderWay(
  db: Queryable,
  siteId: string,
  spaceIds: string[],
  from: Date,
  to: Date,
  now: Date,
): Promise<SessionUnderWay[]> {
  const res = await db.query<SessionUnderWay>(
    `SELECT space_id AS "spaceId", start_at AS "startAt", end_at AS "endAt", checked_in_at AS "checkedInAt"
       FROM bookings
      WHERE status = 'checked_in' AND end_at > $5::timestamptz AND end_at > $3::timestamptz
        AND start_at < $4::timestamptz AND site_id = $1 AND space_id = ANY($2::uuid[])`,
    [siteId, spaceIds, from.toISOString(), to.toISOString(), now.toISOString()],
  );
  return res.rows;
}

/**
 * Merges each day's rows of the report's rollups (space_days, member_days, squad_days) into one:
 * the triggers add a row per change (migration 0021). Returns the rows merged. Safe to run from
 * several processes at once; the sums never change.
 */
export async function compactRollups(db: Queryable): Promise<number> {
  const res = await db.query<{ n: number }>('SELECT compact_report_rollups() AS n');
  return res.rows[0]!.n;
}
