import type { Queryable } from '../../db/store.ts';

export interface OutboxEvent {
  siteId: string;
  id: string;
  at: Date;
  actorId: string | null;
  type: string;
  subjectType: string;
  subjectId: string | null;
  before: unknown;
  after: unknown;
  reason: string | null;
}

/**
 * Claims up to `limit` undelivered events, oldest first, and removes them from the outbox; the
 * caller writes their notices in the same transaction, so a failure puts them back. SKIP LOCKED
 * lets a second server take other rows instead of waiting for these.
 */
export async function claimOutbox(db: Queryable, limit: number): Promise<OutboxEvent[]> {
  const res = await db.query<OutboxEvent>(
    `WITH claimed AS (
       SELECT site_id, event_id FROM notification_outbox ORDER BY event_id LIMIT $1 FOR UPDATE SKIP LOCKED),
     gone AS (
       DELETE FROM notification_outbox o USING claimed c
        WHERE o.site_id = c.site_id AND o.event_id = c.event_id
        RETURNING o.site_id, o.event_id)
     SELECT e.site_id AS "siteId", e.id::text AS id, e.at, e.actor_id AS "actorId", e.type,
            e.subject_type AS "subjectType", e.subject_id AS "subjectId", e.before, e.after, e.reason
       FROM gone g JOIN events e ON e.site_id = g.site_id AND e.id = g.event_id
      ORDER BY e.id`,
    [limit],
  );
  return res.rows;
}

export interface NewNotice {
  siteId: string;
  memberId: string;
  kind: string;
  eventId: string;
  bookingId: string | null;
  title: string;
  body: string;
  data: Record<string, unknown>;
  createdAt: Date;
}

export interface NoticeRow {
  id: string;
  siteId: string;
  memberId: string;
  kind: string;
  eventId: string;
  bookingId: string | null;
  title: string;
  body: string;
  data: Record<string, unknown>;
  createdAt: Date;
  readAt: Date | null;
}

const noticeColumns = `id::text AS id, site_id AS "siteId", member_id AS "memberId", kind, event_id::text AS "eventId",
  booking_id AS "bookingId", title, body, data, created_at AS "createdAt", read_at AS "readAt"`;

/**
 * Inserts notices, skipping those the member has turned off and any already written for the same
 * event, member and kind; returns the rows actually inserted.
 */
export async function insertNotices(db: Queryable, notices: NewNotice[]): Promise<NoticeRow[]> {
  if (notices.length === 0) return [];
  const res = await db.query<NoticeRow>(
    `INSERT INTO notifications (site_id, member_id, kind, event_id, booking_id, title, body, data, created_at)
     SELECT n.site_id, n.member_id, n.kind, n.event_id, n.booking_id, n.title, n.body, n.data, n.created_at
       FROM jsonb_to_recordset($1::jsonb) AS n(site_id uuid, member_id uuid, kind text, event_id bigint,
            booking_id uuid, title text, body text, data jsonb, created_at timestamptz)
      WHERE NOT EXISTS (SELECT 1 FROM notification_preferences p
                         WHERE p.site_id = n.site_id AND p.member_id = n.member_id AND p.kind = n.kind
                           AND NOT p.enabled)
     ON CONFLICT DO NOTHING
     RETURNING ${noticeColumns}`,
    [
      JSON.stringify(
        notices.map((n) => ({
          site_id: n.siteId,
          member_id: n.memberId,
          kind: n.kind,
          event_id: n.eventId,
          booking_id: n.bookingId,
          title: n.title,
          body: n.body,
          data: n.data,
          created_at: n.createdAt.toISOString(),
        })),
      ),
    ],
  );
  return res.rows;
}

/**
 * A member's notices, newest first by creation (the time of the change behind them), after the
 * notice `before` in that order when given. Ids alone are not that order: an event committed late
 * (its transaction began earlier) is delivered after newer ones and gets a higher id.
 */
export async function listNotices(
  db: Queryable,
  siteId: string,
  memberId: string,
  opts: { before?: string | undefined; unreadOnly: boolean; limit: number },
): Promise<NoticeRow[]> {
  const res = await db.query<NoticeRow>(
    `SELECT ${noticeColumns} FROM notifications
      WHERE site_id = $1 AND member_id = $2
        AND ($3::bigint IS NULL OR (created_at, id) < (SELECT c.created_at, c.id FROM notifications c
                                                        WHERE c.site_id = $1 AND c.member_id = $2 AND c.id = $3::bigint))
        AND (NOT $4::boolean OR read_at IS NULL)
      ORDER BY created_at DESC, id DESC LIMIT $5`,
    [siteId, memberId, opts.before ?? null, opts.unreadOnly, opts.limit],
  );
  return res.rows;
}

/** A member's notices after the id `after`, oldest first (SSE replay after a reconnect). */
export async function listNoticesAfter(
  db: Queryable,
  siteId: string,
  memberId: string,
  after: string,
  limit: number,
): Promise<NoticeRow[]> {
  const res = await db.query<NoticeRow>(
    `SELECT ${noticeColumns} FROM notifications
      WHERE site_id = $1 AND member_id = $2 AND id > $3::bigint ORDER BY id LIMIT $4`,
    [siteId, memberId, after, limit],
  );
  return res.rows;
}

/** Notices of any site with an id above `afterId`, for live delivery written by another process. */
export async function listRecentNotices(db: Queryable, afterId: string, limit: number): Promise<NoticeRow[]> {
  const res = await db.query<NoticeRow>(
    `SELECT ${noticeColumns} FROM notifications WHERE id > $1::bigint ORDER BY id LIMIT $2`,
    [afterId, limit],
  );
  return res.rows;
}

export async function maxNoticeId(db: Queryable): Promise<string> {
  const res = await db.query<{ max: string | null }>('SELECT max(id)::text AS max FROM notifications');
  return res.rows[0]?.max ?? '0';
}

export async function countUnread(db: Queryable, siteId: string, memberId: string): Promise<number> {
  const res = await db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM notifications WHERE site_id = $1 AND member_id = $2 AND read_at IS NULL',
    [siteId, memberId],
  );
  return res.rows[0]?.n ?? 0;
}

/** Marks the given notices (or all, when `ids` is undefined) of a member read; returns how many changed. */
export async function markRead(
  db: Queryable,
  siteId: string,
  memberId: string,
  ids: string[] | undefined,
  at: Date,
): Promise<number> {
  const res = await db.query(
    `UPDATE notifications SET read_at = $4
      WHERE site_id = $1 AND member_id = $2 AND read_at IS NULL AND ($3::bigint[] IS NULL OR id = ANY($3::bigint[]))`,
    [siteId, memberId, ids ?? null, at.toISOString()],
  );
  return res.affectedRows;
}

export async function listPreferences(
  db: Queryable,
  siteId: string,
  memberId: string,
): Promise<{ kind: string; enabled: boolean }[]> {
  const res = await db.query<{ kind: string; enabled: boolean }>(
    'SELECT kind, enabled FROM notification_preferences WHERE site_id = $1 AND member_id = $2',
    [siteId, memberId],
  );
  return res.rows;
}

export async function setPreference(
  db: Queryable,
  siteId: string,
  memberId: string,
  kind: string,
  enabled: boolean,
): Promise<void> {
  await db.query(
    `INSERT INTO notification_preferences (site_id, member_id, kind, enabled) VALUES ($1, $2, $3, $4)
     ON CONFLICT (site_id, member_id, kind) DO UPDATE SET enabled = EXCLUDED.enabled`,
    [siteId, memberId, kind, enabled],
  );
}

/** The member ids behind each booking: organizer, member participants and members of its squads. */
export async function bookingAudiences(
  db: Queryable,
  siteId: string,
  bookingIds: string[],
): Promise<Map<string, string[]>> {
  const res = await db.query<{ booking: string; member: string }>(
    `SELECT id AS booking, organizer_id AS member FROM bookings WHERE site_id = $1 AND id = ANY($2::uuid[])
     UNION SELECT booking_id, member_id FROM booking_members WHERE site_id = $1 AND booking_id = ANY($2::uuid[])
     UNION SELECT bq.booking_id, sm.member_id FROM booking_squads bq
             JOIN squad_members sm ON sm.site_id = bq.site_id AND sm.squad_id = bq.squad_id
            WHERE bq.site_id = $1 AND bq.booking_id = ANY($2::uuid[])`,
    [siteId, bookingIds],
  );
  const out = new Map<string, string[]>(bookingIds.map((id) => [id, []]));
  for (const r of res.rows) out.get(r.booking)?.push(r.member);
  return out;
}

/** Members of the given squads. */
export async function squadMembers(db: Queryable, siteId: string, squadIds: string[]): Promise<string[]> {
  if (squadIds.length === 0) return [];
  const res = await db.query<{ id: string }>(
    'SELECT DISTINCT member_id AS id FROM squad_members WHERE site_id = $1 AND squad_id = ANY($2::uuid[])',
    [siteId, squadIds],
  );
  return res.rows.map((r) => r.id);
}

export async function bookingAudience(db: Queryable, siteId: string, bookingId: string): Promise<string[]> {
  return (await bookingAudiences(db, siteId, [bookingId])).get(bookingId) ?? [];
}

export interface NeighbourRow {
  id: string;
  title: string;
  start: Date;
  end: Date;
  headcount: number;
  visibility: 'public' | 'private';
  status: string;
  organizerId: string;
  organizerName: string;
}

/**
 * Active bookings of a space that end within `windowMinutes` before `start` or begin within
 * `windowMinutes` after `end` (touching included), except `exceptId`.
 */
export async function findAdjacent(
  db: Queryable,
  siteId: string,
  spaceId: string,
  start: Date,
  end: Date,
  windowMinutes: number,
  exceptId: string,
): Promise<NeighbourRow[]> {
  const res = await db.query<NeighbourRow>(
    `SELECT b.id, b.title, b.start_at AS start, b.end_at AS "end", b.headcount, b.visibility, b.status,
            b.organizer_id AS "organizerId", m.display_name AS "organizerName"
       FROM bookings b JOIN members m ON m.site_id = b.site_id AND m.id = b.organizer_id
      WHERE b.site_id = $1 AND b.space_id = $2 AND b.id <> $6 AND b.status IN ('confirmed', 'checked_in')
        AND ((b.end_at <= $3::timestamptz AND b.end_at >= $3::timestamptz - make_interval(mins => $5::int))
          OR (b.start_at >= $4::timestamptz AND b.start_at <= $4::timestamptz + make_interval(mins => $5::int)))
      ORDER BY b.start_at`,
    [siteId, spaceId, start.toISOString(), end.toISOString(), windowMinutes, exceptId],
  );
  return res.rows;
}

export interface PlaceRow {
  spaceName: string;
  timeZone: string;
  adjacencyMinutes: number;
}

export async function findPlace(
  db: Queryable,
  siteId: string,
  spaceId: string,
): Promise<PlaceRow | undefined> {
  const res = await db.query<PlaceRow>(
    `SELECT sp.name AS "spaceName", s.time_zone AS "timeZone", s.adjacency_minutes AS "adjacencyMinutes"
       FROM spaces sp JOIN sites s ON s.site_id = sp.site_id WHERE sp.site_id = $1 AND sp.id = $2`,
    [siteId, spaceId],
  );
  return res.rows[0];
}

export async function memberName(db: Queryable, siteId: string, memberId: string): Promise<string> {
  const res = await db.query<{ name: string }>(
    'SELECT display_name AS name FROM members WHERE site_id = $1 AND id = $2',
    [siteId, memberId],
  );
  return res.rows[0]?.name ?? 'Someone';
}
