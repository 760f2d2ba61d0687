import type { Queryable } from '../../db/store.ts';

const iso = (d: Date) => d.toISOString();

export async function listEmailPreferences(
  db: Queryable,
  siteId: string,
  memberId: string,
): Promise<{ kind: string; enabled: boolean }[]> {
  const res = await db.query<{ kind: string; enabled: boolean }>(
    'SELECT kind, enabled FROM email_preferences WHERE site_id = $1 AND member_id = $2',
    [siteId, memberId],
  );
  return res.rows;
}

export async function setEmailPreference(
  db: Queryable,
  siteId: string,
  memberId: string,
  kind: string,
  enabled: boolean,
): Promise<void> {
  await db.query(
    `INSERT INTO email_preferences (site_id, member_id, kind, enabled) VALUES ($1, $2, $3, $4)
     ON CONFLICT (site_id, member_id, kind) DO UPDATE SET enabled = EXCLUDED.enabled`,
    [siteId, memberId, kind, enabled],
  );
}

export interface DueMail {
  siteId: string;
  notificationId: string;
  memberId: string;
  attempts: number;
  email: string;
  displayName: string;
  kind: string;
  title: string;
  body: string;
  bookingId: string | null;
  data: Record<string, unknown>;
  createdAt: Date;
  siteName: string;
  timeZone: string;
  quietStart: string | null;
  quietEnd: string | null;
}

/**
 * Leases up to `limit` unsent messages that are due (SKIP LOCKED: a second server takes others,
 * and the lease keeps them from it while they are being sent), with what composing them needs.
 */
export async function leaseDueMail(
  db: Queryable,
  now: Date,
  leaseMs: number,
  limit: number,
): Promise<DueMail[]> {
  const res = await db.query<DueMail>(
    `WITH due AS (
       SELECT site_id, notification_id FROM email_outbox
        WHERE sent_at IS NULL AND next_attempt_at <= $1::timestamptz
          AND (leased_until IS NULL OR leased_until < $1::timestamptz)
        ORDER BY member_id, notification_id LIMIT $3 FOR UPDATE SKIP LOCKED),
     leased AS (
       UPDATE email_outbox o SET leased_until = $1::timestamptz + make_interval(secs => $2::double precision / 1000)
         FROM due WHERE o.site_id = due.site_id AND o.notification_id = due.notification_id
       RETURNING o.site_id, o.notification_id, o.member_id, o.attempts)
     SELECT l.site_id AS "siteId", l.notification_id::text AS "notificationId", l.member_id AS "memberId", l.attempts,
            m.email, m.display_name AS "displayName", n.kind, n.title, n.body, n.booking_id AS "bookingId", n.data,
            n.created_at AS "createdAt", s.name AS "siteName", s.time_zone AS "timeZone",
            to_char(s.quiet_start, 'HH24:MI') AS "quietStart", to_char(s.quiet_end, 'HH24:MI') AS "quietEnd"
       FROM leased l
       JOIN notifications n ON n.site_id = l.site_id AND n.id = l.notification_id
       JOIN members m ON m.site_id = l.site_id AND m.id = l.member_id
       JOIN sites s ON s.site_id = l.site_id
      ORDER BY l.member_id, l.notification_id`,
    [iso(now), leaseMs, limit],
  );
  return res.rows;
}

/** Marks messages sent (one SMTP message may carry several notices: a digest). */
export async function markSent(
  db: Queryable,
  siteId: string,
  ids: string[],
  messageId: string,
  at: Date,
): Promise<void> {
  await db.query(
    `UPDATE email_outbox SET sent_at = $4::timestamptz, message_id = $3, leased_until = NULL, attempts = attempts + 1
      WHERE site_id = $1 AND notification_id = ANY($2::bigint[])`,
    [siteId, ids, messageId, iso(at)],
  );
}

/** A failed attempt: try again at `next`. */
export async function markFailed(
  db: Queryable,
  siteId: string,
  ids: string[],
  error: string,
  next: Date,
): Promise<void> {
  await db.query(
    `UPDATE email_outbox SET attempts = attempts + 1, last_error = $3, next_attempt_at = $4::timestamptz, leased_until = NULL
      WHERE site_id = $1 AND notification_id = ANY($2::bigint[])`,
    [siteId, ids, error.slice(0, 500), iso(next)],
  );
}

/** Holds messages until `until` (the end of quiet hours) without counting an attempt. */
export async function holdUntil(db: Queryable, siteId: string, ids: string[], until: Date): Promise<void> {
  await db.query(
    `UPDATE email_outbox SET next_attempt_at = $3::timestamptz, leased_until = NULL
      WHERE site_id = $1 AND notification_id = ANY($2::bigint[])`,
    [siteId, ids, iso(until)],
  );
}

export interface MailBooking {
  id: string;
  title: string;
  start: Date;
  end: Date;
  status: string;
  version: number;
  spaceName: string;
  organizerName: string;
  organizerEmail: string;
  updatedAt: Date;
}

/** The booking a notice is about, as it is now (for the .ics attachment). */
export async function mailBooking(
  db: Queryable,
  siteId: string,
  id: string,
): Promise<MailBooking | undefined> {
  const res = await db.query<MailBooking>(
    `SELECT b.id, b.title, b.start_at AS start, b.end_at AS "end", b.status, b.version, sp.name AS "spaceName",
            o.display_name AS "organizerName", o.email AS "organizerEmail", b.updated_at AS "updatedAt"
       FROM bookings b
       JOIN spaces sp ON sp.site_id = b.site_id AND sp.id = b.space_id
       JOIN members o ON o.site_id = b.site_id AND o.id = b.organizer_id
      WHERE b.site_id = $1 AND b.id = $2`,
    [siteId, id],
  );
  return res.rows[0];
}
