import type { Queryable } from '../../db/store.ts';

export type FeedScope = 'member' | 'space' | 'squad';

export interface FeedTokenRow {
  id: string;
  siteId: string;
  ownerId: string;
  scope: FeedScope;
  subjectId: string;
  createdAt: Date;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

const tokenColumns = `id, site_id AS "siteId", owner_id AS "ownerId", scope, subject_id AS "subjectId",
  created_at AS "createdAt", revoked_at AS "revokedAt", last_used_at AS "lastUsedAt"`;

export async function insertFeedToken(
  db: Queryable,
  t: { siteId: string; ownerId: string; scope: FeedScope; subjectId: string; tokenHash: string; at: Date },
): Promise<FeedTokenRow> {
  const res = await db.query<FeedTokenRow>(
    `INSERT INTO feed_tokens (site_id, owner_id, scope, subject_id, token_hash, created_at)
     VALUES ($1, $2, $3, $4, $5, $6::timestamptz) RETURNING ${tokenColumns}`,
    [t.siteId, t.ownerId, t.scope, t.subjectId, t.tokenHash, t.at.toISOString()],
  );
  return res.rows[0]!;
}

/** The live (not revoked) feeds a member made, newest first. */
export async function listFeedTokens(
  db: Queryable,
  siteId: string,
  ownerId: string,
): Promise<FeedTokenRow[]> {
  const res = await db.query<FeedTokenRow>(
    `SELECT ${tokenColumns} FROM feed_tokens WHERE site_id = $1 AND owner_id = $2 AND revoked_at IS NULL
      ORDER BY created_at DESC, id`,
    [siteId, ownerId],
  );
  return res.rows;
}

export async function findFeedToken(
  db: Queryable,
  siteId: string,
  id: string,
): Promise<FeedTokenRow | undefined> {
  const res = await db.query<FeedTokenRow>(
    `SELECT ${tokenColumns} FROM feed_tokens WHERE site_id = $1 AND id = $2 FOR UPDATE`,
    [siteId, id],
  );
  return res.rows[0];
}

/** A live feed by its token's hash; any site (the token is the credential). */
export async function findFeedByHash(db: Queryable, tokenHash: string): Promise<FeedTokenRow | undefined> {
  const res = await db.query<FeedTokenRow>(
    `SELECT ${tokenColumns} FROM feed_tokens WHERE token_hash = $1 AND revoked_at IS NULL`,
    [tokenHash],
  );
  return res.rows[0];
}

export async function revokeFeedToken(db: Queryable, siteId: string, id: string, at: Date): Promise<void> {
  await db.query('UPDATE feed_tokens SET revoked_at = $3::timestamptz WHERE site_id = $1 AND id = $2', [
    siteId,
    id,
    at.toISOString(),
  ]);
}

/** Records a fetch; at most once a minute per feed, so a polling calendar does not write on every read. */
export async function touchFeedToken(db: Queryable, siteId: string, id: string, at: Date): Promise<void> {
  await db.query(
    `UPDATE feed_tokens SET last_used_at = $3::timestamptz
      WHERE site_id = $1 AND id = $2 AND (last_used_at IS NULL OR last_used_at < $3::timestamptz - interval '1 minute')`,
    [siteId, id, at.toISOString()],
  );
}

/** Whether the subject of a feed exists in the site: a member, a space or a squad. */
export async function subjectExists(
  db: Queryable,
  siteId: string,
  scope: FeedScope,
  subjectId: string,
): Promise<boolean> {
  const table = scope === 'member' ? 'members' : scope === 'space' ? 'spaces' : 'squads';
  const res = await db.query(`SELECT 1 FROM ${table} WHERE site_id = $1 AND id = $2`, [siteId, subjectId]);
  return res.rows.length > 0;
}

export interface FeedSite {
  name: string;
  timeZone: string;
  subjectName: string;
}

export async function feedSite(
  db: Queryable,
  siteId: string,
  scope: FeedScope,
  subjectId: string,
): Promise<FeedSite | undefined> {
  const name =
    scope === 'member'
      ? '(SELECT display_name FROM members WHERE site_id = $1 AND id = $2)'
      : scope === 'space'
        ? '(SELECT name FROM spaces WHERE site_id = $1 AND id = $2)'
        : '(SELECT name FROM squads WHERE site_id = $1 AND id = $2)';
  const res = await db.query<FeedSite>(
    `SELECT name, time_zone AS "timeZone", ${name} AS "subjectName" FROM sites WHERE site_id = $1`,
    [siteId, subjectId],
  );
  return res.rows[0];
}

export interface FeedBookingRow {
  id: string;
  spaceName: string;
  title: string;
  start: Date;
  end: Date;
  visibility: 'public' | 'private';
  status: string;
  organizerName: string;
  seriesId: string | null;
  originalStart: Date | null;
  version: number;
  updatedAt: Date;
  createdAt: Date;
  /** Whether the feed's owner is organizer, participant or in a squad of the booking. */
  involved: boolean;
}

/** The scope's condition on bookings `b`; $2 is the subject. */
function bookingScope(scope: FeedScope): string {
  switch (scope) {
    case 'member':
      // The member's bookings by three indexed lookups, not a scan of the site's bookings. An
      // ARRAY(...) is computed once, whatever the planner believes of the tables (PGlite runs no
      // autovacuum, so its statistics may say every table is empty): as `IN (...)` it was planned
      // as a nested loop re-running the three lookups for every booking of the site.
      return `b.id = ANY(ARRAY(SELECT id FROM bookings WHERE site_id = $1 AND organizer_id = $2
        UNION SELECT booking_id FROM booking_members WHERE site_id = $1 AND member_id = $2
        UNION SELECT bq.booking_id FROM booking_squads bq JOIN squad_members sm ON sm.site_id = bq.site_id AND sm.squad_id = bq.squad_id
               WHERE sm.site_id = $1 AND sm.member_id = $2))`;
    case 'space':
      return 'b.space_id = $2';
    case 'squad':
      return 'EXISTS (SELECT 1 FROM booking_squads bq WHERE bq.site_id = b.site_id AND bq.booking_id = b.id AND bq.squad_id = $2)';
  }
}

/**
 * The bookings a feed holds: those of the scope that took or take place (confirmed, checked in or
 * completed; cancelled and released ones are left out), with the owner's involvement ($3).
 */
export async function feedBookings(
  db: Queryable,
  siteId: string,
  scope: FeedScope,
  subjectId: string,
  ownerId: string,
  limit: number,
): Promise<FeedBookingRow[]> {
  // A member's own feed holds only bookings they are in: no need to ask three times per row.
  const ownFeed = scope === 'member' && subjectId === ownerId;
  const involvedIn = `(b.organizer_id = $3
      OR EXISTS (SELECT 1 FROM booking_members bm WHERE bm.site_id = b.site_id AND bm.booking_id = b.id AND bm.member_id = $3)
      OR EXISTS (SELECT 1 FROM booking_squads bq JOIN squad_members sm ON sm.site_id = bq.site_id AND sm.squad_id = bq.squad_id
                  WHERE bq.site_id = b.site_id AND bq.booking_id = b.id AND sm.member_id = $3))`;
  const res = await db.query<FeedBookingRow>(
    `SELECT b.id, sp.name AS "spaceName", b.title, b.start_at AS start, b.end_at AS "end", b.visibility, b.status,
            o.display_name AS "organizerName", b.series_id AS "seriesId", b.original_start AS "originalStart",
            b.version, b.updated_at AS "updatedAt", b.created_at AS "createdAt",
            ${ownFeed ? '$3::uuid IS NOT NULL' : involvedIn} AS involved
       FROM bookings b
       JOIN spaces sp ON sp.site_id = b.site_id AND sp.id = b.space_id
       JOIN members o ON o.site_id = b.site_id AND o.id = b.organizer_id
      WHERE b.site_id = $1 AND b.status IN ('confirmed', 'checked_in', 'completed') AND ${bookingScope(scope)}
      ORDER BY b.start_at, b.id LIMIT $4`,
    [siteId, subjectId, ownerId, limit],
  );
  return res.rows;
}

export interface FeedSeriesRow {
  id: string;
  spaceName: string;
  title: string;
  rrule: string;
  startDate: string;
  startTime: string;
  durationMinutes: number;
  timeZone: string;
  visibility: 'public' | 'private';
  status: string;
  organizerName: string;
  materializedUntil: Date;
  version: number;
  createdAt: Date;
  updatedAt: Date;
  involved: boolean;
}

/** The scope's series, with the owner's involvement ($3). */
export async function feedSeries(
  db: Queryable,
  siteId: string,
  scope: FeedScope,
  subjectId: string,
  ownerId: string,
): Promise<FeedSeriesRow[]> {
  const ownerSquads = 'SELECT squad_id FROM squad_members WHERE site_id = s.site_id AND member_id = $3';
  const where =
    scope === 'member'
      ? `(s.organizer_id = $2 OR $2 = ANY(s.member_ids)
          OR s.squad_ids && ARRAY(SELECT squad_id FROM squad_members WHERE site_id = s.site_id AND member_id = $2))`
      : scope === 'space'
        ? 's.space_id = $2'
        : '$2 = ANY(s.squad_ids)';
  const res = await db.query<FeedSeriesRow>(
    `SELECT s.id, sp.name AS "spaceName", s.title, s.rrule, to_char(s.start_date, 'YYYY-MM-DD') AS "startDate",
            s.start_time AS "startTime", s.duration_minutes AS "durationMinutes", s.time_zone AS "timeZone",
            s.visibility, s.status, o.display_name AS "organizerName", s.materialized_until AS "materializedUntil",
            s.version, s.created_at AS "createdAt", s.updated_at AS "updatedAt",
            (s.organizer_id = $3 OR $3 = ANY(s.member_ids) OR s.squad_ids && ARRAY(${ownerSquads})) AS involved
       FROM series s
       JOIN spaces sp ON sp.site_id = s.site_id AND sp.id = s.space_id
       JOIN members o ON o.site_id = s.site_id AND o.id = s.organizer_id
      WHERE s.site_id = $1 AND ${where}
      ORDER BY s.created_at, s.id`,
    [siteId, subjectId, ownerId],
  );
  return res.rows;
}
