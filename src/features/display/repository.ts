import type { Queryable } from '../../db/store.ts';

const iso = (d: Date) => d.toISOString();

export interface DisplayLinkRow {
  id: string;
  siteId: string;
  spaceId: string;
  spaceName: string;
  createdAt: Date;
  revokedAt: Date | null;
}

const linkColumns = `d.id, d.site_id AS "siteId", d.space_id AS "spaceId", s.name AS "spaceName",
  d.created_at AS "createdAt", d.revoked_at AS "revokedAt"`;

export async function insertDisplayLink(
  db: Queryable,
  l: { siteId: string; spaceId: string; tokenHash: string; createdBy: string; at: Date },
): Promise<DisplayLinkRow> {
  const res = await db.query<DisplayLinkRow>(
    `WITH d AS (
       INSERT INTO display_links (site_id, space_id, token_hash, created_by, created_at)
       VALUES ($1, $2, $3, $4, $5) RETURNING *)
     SELECT ${linkColumns} FROM d JOIN spaces s ON s.site_id = d.site_id AND s.id = d.space_id`,
    [l.siteId, l.spaceId, l.tokenHash, l.createdBy, iso(l.at)],
  );
  return res.rows[0]!;
}

export async function spaceExists(db: Queryable, siteId: string, spaceId: string): Promise<boolean> {
  const res = await db.query('SELECT 1 FROM spaces WHERE site_id = $1 AND id = $2', [siteId, spaceId]);
  return res.rows.length > 0;
}

/** The site's links that still work, by space name. */
export async function listDisplayLinks(db: Queryable, siteId: string): Promise<DisplayLinkRow[]> {
  const res = await db.query<DisplayLinkRow>(
    `SELECT ${linkColumns} FROM display_links d JOIN spaces s ON s.site_id = d.site_id AND s.id = d.space_id
      WHERE d.site_id = $1 AND d.revoked_at IS NULL ORDER BY s.name, d.created_at, d.id`,
    [siteId],
  );
  return res.rows;
}

/** Revokes a live link; false when there is none by that id. */
export async function revokeDisplayLink(
  db: Queryable,
  siteId: string,
  id: string,
  at: Date,
): Promise<boolean> {
  const res = await db.query(
    'UPDATE display_links SET revoked_at = $3 WHERE site_id = $1 AND id = $2 AND revoked_at IS NULL RETURNING id',
    [siteId, id, iso(at)],
  );
  return res.rows.length > 0;
}

export interface LiveLink extends DisplayLinkRow {
  timeZone: string;
  checkinOpenMinutes: number;
}

/** The live link of a presented token (found by its hash), with the site's zone. */
export async function findLiveLink(db: Queryable, tokenHash: string): Promise<LiveLink | undefined> {
  const res = await db.query<LiveLink>(
    `SELECT ${linkColumns}, st.time_zone AS "timeZone", s.checkin_open_minutes AS "checkinOpenMinutes"
       FROM display_links d
       JOIN spaces s ON s.site_id = d.site_id AND s.id = d.space_id
       JOIN sites st ON st.site_id = d.site_id
      WHERE d.token_hash = $1 AND d.revoked_at IS NULL`,
    [tokenHash],
  );
  return res.rows[0];
}

export interface DisplayBookingRow {
  id: string;
  title: string;
  visibility: 'public' | 'private';
  status: 'confirmed' | 'checked_in';
  start: Date;
  end: Date;
  blockedEnd: Date;
}

/**
 * The space's active bookings that hold it at some point in [from, until), by start: what the
 * display shows (the current one, the rest of the day) and where a run of back-to-back ones ends.
 */
export async function activeBookings(
  db: Queryable,
  siteId: string,
  spaceId: string,
  from: Date,
  until: Date,
): Promise<DisplayBookingRow[]> {
  const res = await db.query<DisplayBookingRow>(
    `SELECT id, title, visibility, status, start_at AS "start", end_at AS "end", upper(blocked) AS "blockedEnd"
       FROM bookings
      WHERE site_id = $1 AND space_id = $2 AND status IN ('confirmed', 'checked_in')
        AND blocked && tstzrange($3::timestamptz, $4::timestamptz, '[)')
      ORDER BY start_at LIMIT 50`,
    [siteId, spaceId, iso(from), iso(until)],
  );
  return res.rows;
}

/**
 * The confirmed booking of the space with this check-in code whose check-in window is open at
 * `now` (from the space's check-in minutes before its start until its end), with its organizer.
 */
export async function findByCheckinCode(
  db: Queryable,
  siteId: string,
  spaceId: string,
  code: string,
  now: Date,
): Promise<{ id: string; organizerId: string } | undefined> {
  const res = await db.query<{ id: string; organizerId: string }>(
    `SELECT b.id, b.organizer_id AS "organizerId"
       FROM bookings b JOIN spaces s ON s.site_id = b.site_id AND s.id = b.space_id
      WHERE b.site_id = $1 AND b.space_id = $2 AND b.checkin_code = $3 AND b.status = 'confirmed'
        AND b.start_at - make_interval(mins => s.checkin_open_minutes) <= $4::timestamptz
        AND b.end_at > $4::timestamptz
      ORDER BY b.start_at LIMIT 1`,
    [siteId, spaceId, code, iso(now)],
  );
  return res.rows[0];
}

/** A member's code for booking at a display. */
export async function findDisplayCode(
  db: Queryable,
  siteId: string,
  memberId: string,
): Promise<string | undefined> {
  const res = await db.query<{ code: string }>(
    'SELECT display_code AS code FROM members WHERE site_id = $1 AND id = $2',
    [siteId, memberId],
  );
  return res.rows[0]?.code;
}

/** The one member of the site with this display code; undefined when none, or when two share it. */
export async function findMemberByDisplayCode(
  db: Queryable,
  siteId: string,
  code: string,
): Promise<string | undefined> {
  const res = await db.query<{ id: string }>(
    'SELECT id FROM members WHERE site_id = $1 AND display_code = $2 AND deactivated_at IS NULL LIMIT 2',
    [siteId, code],
  );
  return res.rows.length === 1 ? res.rows[0]!.id : undefined;
}
