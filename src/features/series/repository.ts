import type { Queryable } from '../../db/store.ts';

const iso = (d: Date) => d.toISOString();

export interface SeriesRow {
  id: string;
  siteId: string;
  spaceId: string;
  organizerId: string;
  title: string;
  rrule: string;
  startDate: string;
  startTime: string;
  durationMinutes: number;
  timeZone: string;
  headcount: number;
  visibility: 'public' | 'private';
  memberIds: string[];
  squadIds: string[];
  /** An admin's leave to book occurrences even when a participant is in another session then. */
  allowMemberOverlap: boolean;
  status: 'active' | 'ended' | 'cancelled';
  materializedUntil: Date;
  version: number;
  createdAt: Date;
}

const columns = `id, site_id AS "siteId", space_id AS "spaceId", organizer_id AS "organizerId", title, rrule,
  to_char(start_date, 'YYYY-MM-DD') AS "startDate", start_time AS "startTime", duration_minutes AS "durationMinutes",
  time_zone AS "timeZone", headcount, visibility, array_to_json(member_ids) AS "memberIds",
  array_to_json(squad_ids) AS "squadIds", allow_member_overlap AS "allowMemberOverlap", status, materialized_until AS "materializedUntil", version,
  created_at AS "createdAt"`;

/** What a new series is made of; the store fills in the rest. */
export type NewSeries = Omit<SeriesRow, 'id' | 'status' | 'version' | 'createdAt'>;

export async function insertSeries(db: Queryable, s: NewSeries): Promise<string> {
  const res = await db.query<{ id: string }>(
    `INSERT INTO series (site_id, space_id, organizer_id, title, rrule, start_date, start_time, duration_minutes,
                         time_zone, headcount, visibility, member_ids, squad_ids, materialized_until,
                         allow_member_overlap)
     VALUES ($1, $2, $3, $4, $5, $6::date, $7, $8, $9, $10, $11, $12::uuid[], $13::uuid[], $14::timestamptz, $15)
     RETURNING id`,
    [
      s.siteId,
      s.spaceId,
      s.organizerId,
      s.title,
      s.rrule,
      s.startDate,
      s.startTime,
      s.durationMinutes,
      s.timeZone,
      s.headcount,
      s.visibility,
      s.memberIds,
      s.squadIds,
      iso(s.materializedUntil),
      s.allowMemberOverlap,
    ],
  );
  return res.rows[0]!.id;
}

export async function findSeries(
  db: Queryable,
  siteId: string,
  id: string,
  opts: { lock?: boolean } = {},
): Promise<SeriesRow | undefined> {
  const res = await db.query<SeriesRow>(
    `SELECT ${columns} FROM series WHERE site_id = $1 AND id = $2${opts.lock ? ' FOR UPDATE' : ''}`,
    [siteId, id],
  );
  return res.rows[0];
}

/** Series the member organizes or takes part in (directly or through a squad); all for `all`. */
export async function listSeries(
  db: Queryable,
  siteId: string,
  memberId: string,
  opts: { all: boolean; limit: number },
): Promise<SeriesRow[]> {
  const res = await db.query<SeriesRow>(
    `SELECT ${columns} FROM series s
      WHERE site_id = $1 AND ($3::boolean OR organizer_id = $2 OR $2 = ANY(member_ids)
            OR EXISTS (SELECT 1 FROM squad_members sm
                        WHERE sm.site_id = s.site_id AND sm.member_id = $2 AND sm.squad_id = ANY(s.squad_ids)))
      ORDER BY created_at, id LIMIT $4`,
    [siteId, memberId, opts.all, opts.limit],
  );
  return res.rows;
}

/**
 * Changes a series. The version (its ETag) moves with every change a member makes; the horizon job
 * passes bumpVersion false, so that extending the bookings does not make a client's If-Match stale.
 */
export async function updateSeries(
  db: Queryable,
  siteId: string,
  id: string,
  c: Partial<{
    title: string;
    rrule: string;
    status: 'active' | 'ended' | 'cancelled';
    materializedUntil: Date;
    headcount: number;
  }>,
  opts: { bumpVersion?: boolean } = {},
): Promise<void> {
  await db.query(
    `UPDATE series SET title = COALESCE($3, title), rrule = COALESCE($4, rrule), status = COALESCE($5, status),
            materialized_until = COALESCE($6::timestamptz, materialized_until), headcount = COALESCE($7, headcount),
            version = version + CASE WHEN $8::boolean THEN 1 ELSE 0 END, updated_at = now()
      WHERE site_id = $1 AND id = $2`,
    [
      siteId,
      id,
      c.title ?? null,
      c.rrule ?? null,
      c.status ?? null,
      c.materializedUntil ? iso(c.materializedUntil) : null,
      c.headcount ?? null,
      opts.bumpVersion ?? true,
    ],
  );
}

export interface OccurrenceRow {
  id: string;
  originalStart: Date;
  start: Date;
  status: string;
  version: number;
}

/** The series' bookings, by original start, from `from` on when given. */
export async function listOccurrences(
  db: Queryable,
  siteId: string,
  seriesId: string,
  from?: Date,
): Promise<OccurrenceRow[]> {
  const res = await db.query<OccurrenceRow>(
    `SELECT id, original_start AS "originalStart", start_at AS start, status, version FROM bookings
      WHERE site_id = $1 AND series_id = $2 AND ($3::timestamptz IS NULL OR original_start >= $3::timestamptz)
      ORDER BY original_start`,
    [siteId, seriesId, from ? iso(from) : null],
  );
  return res.rows;
}

/** An active occurrence of the series overlapping [start, end), wherever it was moved; its id. */
export async function findOccurrenceOverlapping(
  db: Queryable,
  siteId: string,
  seriesId: string,
  start: Date,
  end: Date,
): Promise<string | undefined> {
  const res = await db.query<{ id: string }>(
    `SELECT id FROM bookings
      WHERE site_id = $1 AND series_id = $2 AND status IN ('confirmed', 'checked_in')
        AND start_at < $4::timestamptz AND end_at > $3::timestamptz
      ORDER BY start_at, id LIMIT 1`,
    [siteId, seriesId, iso(start), iso(end)],
  );
  return res.rows[0]?.id;
}

/** Original starts that are taken care of: a booking exists, or an exception was recorded. */
export async function handledStarts(
  db: Queryable,
  siteId: string,
  seriesId: string,
  from: Date,
): Promise<Set<number>> {
  const res = await db.query<{ at: Date }>(
    `SELECT original_start AS at FROM bookings
      WHERE site_id = $1 AND series_id = $2 AND original_start >= $3::timestamptz
     UNION SELECT original_start FROM series_exceptions
      WHERE site_id = $1 AND series_id = $2 AND original_start >= $3::timestamptz`,
    [siteId, seriesId, iso(from)],
  );
  return new Set(res.rows.map((r) => new Date(r.at).getTime()));
}

export async function recordException(
  db: Queryable,
  siteId: string,
  seriesId: string,
  originalStart: Date,
  kind: 'modified' | 'cancelled' | 'skipped',
): Promise<void> {
  await db.query(
    `INSERT INTO series_exceptions (site_id, series_id, original_start, kind) VALUES ($1, $2, $3, $4)
     ON CONFLICT (site_id, series_id, original_start) DO UPDATE SET kind = EXCLUDED.kind`,
    [siteId, seriesId, iso(originalStart), kind],
  );
}

export async function listExceptions(
  db: Queryable,
  siteId: string,
  seriesId: string,
): Promise<{ originalStart: Date; kind: string }[]> {
  const res = await db.query<{ originalStart: Date; kind: string }>(
    `SELECT original_start AS "originalStart", kind FROM series_exceptions
      WHERE site_id = $1 AND series_id = $2 ORDER BY original_start`,
    [siteId, seriesId],
  );
  return res.rows;
}

/**
 * Active series not yet materialised up to their site's horizon from `now`, locked; SKIP LOCKED
 * lets a second server extend others meanwhile.
 */
export async function claimSeriesToExtend(
  db: Queryable,
  now: Date,
  limit: number,
): Promise<{ siteId: string; id: string; horizonDays: number }[]> {
  const res = await db.query<{ siteId: string; id: string; horizonDays: number }>(
    `SELECT s.site_id AS "siteId", s.id, st.horizon_days AS "horizonDays"
       FROM series s JOIN sites st ON st.site_id = s.site_id
      WHERE s.status = 'active'
        AND s.materialized_until < $1::timestamptz + make_interval(days => st.horizon_days)
      ORDER BY s.materialized_until LIMIT $2
      FOR UPDATE OF s SKIP LOCKED`,
    [iso(now), limit],
  );
  return res.rows;
}

/** The earliest instant in (now, until] at which an active series falls due for the horizon job. */
export async function nextHorizonDue(db: Queryable, now: Date, until: Date): Promise<Date | null> {
  const res = await db.query<{ due: Date | null }>(
    `SELECT min(s.materialized_until - make_interval(days => st.horizon_days)) AS due
       FROM series s JOIN sites st ON st.site_id = s.site_id
      WHERE s.status = 'active'
        AND s.materialized_until > $1::timestamptz
        AND s.materialized_until <= $2::timestamptz + interval '1100 days' -- the longest horizon
        AND s.materialized_until - make_interval(days => st.horizon_days) > $1::timestamptz
        AND s.materialized_until - make_interval(days => st.horizon_days) <= $2::timestamptz`,
    [iso(now), iso(until)],
  );
  return res.rows[0]?.due ? new Date(res.rows[0].due) : null;
}

/** Role and squads of a member, to act as them (the horizon job books on the organizer's behalf). */
export async function memberActor(
  db: Queryable,
  siteId: string,
  memberId: string,
): Promise<{ role: 'admin' | 'member'; squadIds: string[]; leaderOf: string[] } | undefined> {
  const res = await db.query<{
    role: 'admin' | 'member';
    squadIds: string[] | null;
    leaderOf: string[] | null;
  }>(
    `SELECT m.role,
            (SELECT array_to_json(array_agg(squad_id)) FROM squad_members
              WHERE site_id = m.site_id AND member_id = m.id) AS "squadIds",
            (SELECT array_to_json(array_agg(squad_id)) FROM squad_members
              WHERE site_id = m.site_id AND member_id = m.id AND is_leader) AS "leaderOf"
       FROM members m WHERE m.site_id = $1 AND m.id = $2`,
    [siteId, memberId],
  );
  const row = res.rows[0];
  return row ? { role: row.role, squadIds: row.squadIds ?? [], leaderOf: row.leaderOf ?? [] } : undefined;
}

export interface OccurrenceInsert {
  start: Date;
  end: Date;
  originalStart: Date;
}

/**
 * Books many occurrences in one statement. A row that would overlap an active booking (the
 * exclusion constraint) or repeat an occurrence (the unique index) is skipped, not an error: the
 * caller compares what came back with what it sent to find the taken slots.
 */
export async function insertOccurrences(
  db: Queryable,
  s: {
    siteId: string;
    spaceId: string;
    organizerId: string;
    title: string;
    headcount: number;
    visibility: 'public' | 'private';
    seriesId: string;
    changeoverMinutes: number;
  },
  occurrences: OccurrenceInsert[],
): Promise<{ id: string; originalStart: Date; createdAt: Date; updatedAt: Date }[]> {
  if (occurrences.length === 0) return [];
  const res = await db.query<{ id: string; originalStart: Date; createdAt: Date; updatedAt: Date }>(
    `INSERT INTO bookings (site_id, space_id, organizer_id, title, start_at, end_at, blocked, headcount, visibility,
                           series_id, original_start)
     SELECT $1, $2, $3, $4, o.s, o.e, tstzrange(o.s, o.e + make_interval(mins => $5::int), '[)'), $6, $7, $8, o.os
       FROM unnest($9::timestamptz[], $10::timestamptz[], $11::timestamptz[]) AS o(s, e, os)
     ON CONFLICT DO NOTHING
     RETURNING id, original_start AS "originalStart", created_at AS "createdAt", updated_at AS "updatedAt"`,
    [
      s.siteId,
      s.spaceId,
      s.organizerId,
      s.title,
      s.changeoverMinutes,
      s.headcount,
      s.visibility,
      s.seriesId,
      occurrences.map((o) => iso(o.start)),
      occurrences.map((o) => iso(o.end)),
      occurrences.map((o) => iso(o.originalStart)),
    ],
  );
  return res.rows;
}

/** Adds the same member and squad participants to many bookings. */
export async function addParticipantsToMany(
  db: Queryable,
  siteId: string,
  bookingIds: string[],
  memberIds: string[],
  squadIds: string[],
): Promise<void> {
  if (bookingIds.length === 0) return;
  if (memberIds.length > 0)
    await db.query(
      `INSERT INTO booking_members (site_id, booking_id, member_id)
       SELECT $1, b, m FROM unnest($2::uuid[]) b CROSS JOIN unnest($3::uuid[]) m ON CONFLICT DO NOTHING`,
      [siteId, bookingIds, memberIds],
    );
  if (squadIds.length > 0)
    await db.query(
      `INSERT INTO booking_squads (site_id, booking_id, squad_id)
       SELECT $1, b, q FROM unnest($2::uuid[]) b CROSS JOIN unnest($3::uuid[]) q ON CONFLICT DO NOTHING`,
      [siteId, bookingIds, squadIds],
    );
}

/** Writes the booking.created events of many bookings at once (the events trigger queues each). */
export async function insertCreatedEvents(
  db: Queryable,
  siteId: string,
  actorId: string,
  items: { id: string; after: unknown }[],
): Promise<void> {
  if (items.length === 0) return;
  await db.query(
    `INSERT INTO events (site_id, actor_id, type, subject_type, subject_id, after)
     SELECT $1, $2, 'booking.created', 'booking', x.id, x.after
       FROM jsonb_to_recordset($3::jsonb) AS x(id uuid, after jsonb)`,
    [siteId, actorId, JSON.stringify(items)],
  );
}

export async function names(
  db: Queryable,
  siteId: string,
  memberIds: string[],
  squadIds: string[],
): Promise<{ members: Map<string, string>; squads: Map<string, string> }> {
  const res = await db.query<{ kind: 'm' | 's'; id: string; name: string }>(
    `SELECT 'm' AS kind, id, display_name AS name FROM members WHERE site_id = $1 AND id = ANY($2::uuid[])
     UNION ALL SELECT 's', id, name FROM squads WHERE site_id = $1 AND id = ANY($3::uuid[])`,
    [siteId, memberIds, squadIds],
  );
  return {
    members: new Map(res.rows.filter((r) => r.kind === 'm').map((r) => [r.id, r.name])),
    squads: new Map(res.rows.filter((r) => r.kind === 's').map((r) => [r.id, r.name])),
  };
}
