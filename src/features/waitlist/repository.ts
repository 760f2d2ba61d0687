import type { Queryable } from '../../db/store.ts';

export type EntryStatus = 'waiting' | 'offered' | 'booked' | 'left' | 'expired' | 'declined';

export interface EntryRow {
  id: string;
  siteId: string;
  spaceId: string;
  memberId: string;
  squadId: string | null;
  title: string;
  start: Date;
  end: Date;
  lengthMinutes: number | null;
  autoBook: boolean;
  status: EntryStatus;
  bookingId: string | null;
  offerExpiresAt: Date | null;
  createdAt: Date;
  /** Place in line among the waiting entries of the space whose times overlap it (1 = next). */
  position: number | null;
}

const iso = (d: Date) => d.toISOString();

const entryColumns = `w.id, w.site_id AS "siteId", w.space_id AS "spaceId", w.member_id AS "memberId",
  w.squad_id AS "squadId", w.title, w.start_at AS "start", w.end_at AS "end", w.length_minutes AS "lengthMinutes",
  w.auto_book AS "autoBook", w.status, w.booking_id AS "bookingId", w.offer_expires_at AS "offerExpiresAt",
  w.created_at AS "createdAt",
  CASE WHEN w.status = 'waiting' THEN
    (SELECT count(*)::int FROM waitlist_entries o
      WHERE o.site_id = w.site_id AND o.space_id = w.space_id AND o.status = 'waiting' AND o.seq <= w.seq
        AND o.start_at < w.end_at AND o.end_at > w.start_at)
  END AS position`;

export async function insertEntry(
  db: Queryable,
  e: Omit<EntryRow, 'id' | 'status' | 'bookingId' | 'offerExpiresAt' | 'createdAt' | 'position'>,
): Promise<string> {
  const res = await db.query<{ id: string }>(
    `INSERT INTO waitlist_entries (site_id, space_id, member_id, squad_id, title, start_at, end_at, length_minutes, auto_book)
     VALUES ($1, $2, $3, $4, $5, $6::timestamptz, $7::timestamptz, $8, $9) RETURNING id`,
    [
      e.siteId,
      e.spaceId,
      e.memberId,
      e.squadId,
      e.title,
      iso(e.start),
      iso(e.end),
      e.lengthMinutes,
      e.autoBook,
    ],
  );
  return res.rows[0]!.id;
}

export async function findEntry(
  db: Queryable,
  siteId: string,
  id: string,
  opts: { lock?: boolean } = {},
): Promise<EntryRow | undefined> {
  if (opts.lock)
    await db.query('SELECT 1 FROM waitlist_entries WHERE site_id = $1 AND id = $2 FOR UPDATE', [siteId, id]);
  const res = await db.query<EntryRow>(
    `SELECT ${entryColumns} FROM waitlist_entries w WHERE w.site_id = $1 AND w.id = $2`,
    [siteId, id],
  );
  return res.rows[0];
}

/** The member's entries that are still open (waiting or offered), then the last 50 closed ones. */
export async function listEntries(db: Queryable, siteId: string, memberId: string): Promise<EntryRow[]> {
  const res = await db.query<EntryRow>(
    `SELECT ${entryColumns} FROM waitlist_entries w
      WHERE w.site_id = $1 AND w.member_id = $2
      ORDER BY (w.status IN ('waiting', 'offered')) DESC, w.seq DESC LIMIT 100`,
    [siteId, memberId],
  );
  return res.rows;
}

export async function setEntryStatus(
  db: Queryable,
  siteId: string,
  id: string,
  status: EntryStatus,
  booking: { bookingId: string; offerExpiresAt: Date | null } | null = null,
): Promise<void> {
  await db.query(
    `UPDATE waitlist_entries SET status = $3,
            booking_id = COALESCE($4::uuid, booking_id), offer_expires_at = $5::timestamptz
      WHERE site_id = $1 AND id = $2`,
    [
      siteId,
      id,
      status,
      booking?.bookingId ?? null,
      booking?.offerExpiresAt ? iso(booking.offerExpiresAt) : null,
    ],
  );
}

/**
 * Claims one space whose waitlist must be looked at (a slot of it freed): the wakeup row is locked
 * (SKIP LOCKED: two servers serve different spaces) and deleted in the caller's transaction.
 */
export async function claimWakeup(db: Queryable): Promise<{ siteId: string; spaceId: string } | undefined> {
  const res = await db.query<{ siteId: string; spaceId: string }>(
    `DELETE FROM waitlist_wakeups WHERE (site_id, space_id) =
       (SELECT site_id, space_id FROM waitlist_wakeups ORDER BY at LIMIT 1 FOR UPDATE SKIP LOCKED)
     RETURNING site_id AS "siteId", space_id AS "spaceId"`,
  );
  return res.rows[0];
}

/** The waiting entries of a space, first in line first, locked for the serving transaction. */
export async function waitingLine(db: Queryable, siteId: string, spaceId: string): Promise<EntryRow[]> {
  const res = await db.query<EntryRow>(
    `SELECT ${entryColumns} FROM waitlist_entries w
      WHERE w.site_id = $1 AND w.space_id = $2 AND w.status = 'waiting'
      ORDER BY w.seq FOR UPDATE`,
    [siteId, spaceId],
  );
  return res.rows;
}

/** Offers whose hold ran out by `now`, locked (SKIP LOCKED) for the expiring transaction. */
export async function claimExpiredOffers(db: Queryable, now: Date, limit: number): Promise<EntryRow[]> {
  const res = await db.query<EntryRow>(
    `SELECT ${entryColumns} FROM waitlist_entries w
      WHERE w.status = 'offered' AND w.offer_expires_at <= $1::timestamptz
      ORDER BY w.offer_expires_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
    [iso(now), limit],
  );
  return res.rows;
}

/** Waiting entries whose time has passed by `now` leave the line as expired; returns how many. */
export async function expirePastEntries(db: Queryable, now: Date): Promise<number> {
  const res = await db.query(
    `UPDATE waitlist_entries SET status = 'expired'
      WHERE status = 'waiting' AND end_at <= $1::timestamptz RETURNING id`,
    [iso(now)],
  );
  return res.rows.length;
}

/** When the waitlist task next has work: now when a space waits to be served, else the next offer's expiry. */
export async function nextWaitlistDue(db: Queryable, now: Date, until: Date): Promise<Date | null> {
  const res = await db.query<{ wake: boolean; next: Date | null }>(
    `SELECT EXISTS (SELECT 1 FROM waitlist_wakeups) AS wake,
            LEAST((SELECT min(offer_expires_at) FROM waitlist_entries
                    WHERE status = 'offered' AND offer_expires_at <= $1::timestamptz),
                  (SELECT min(end_at) FROM waitlist_entries
                    WHERE status = 'waiting' AND end_at <= $1::timestamptz)) AS next`,
    [iso(until)],
  );
  const row = res.rows[0]!;
  if (row.wake) return now;
  return row.next ? new Date(Math.max(now.getTime(), new Date(row.next).getTime())) : null;
}

/** The blocked ranges of active bookings of a space overlapping [from, to), in order. */
export async function blockedRanges(
  db: Queryable,
  siteId: string,
  spaceId: string,
  from: Date,
  to: Date,
): Promise<{ start: Date; end: Date }[]> {
  const res = await db.query<{ start: Date; end: Date }>(
    `SELECT lower(blocked) AS "start", upper(blocked) AS "end" FROM bookings
      WHERE site_id = $1 AND space_id = $2 AND status IN ('confirmed', 'checked_in')
        AND blocked && tstzrange($3::timestamptz, $4::timestamptz, '[)')
      ORDER BY lower(blocked)`,
    [siteId, spaceId, iso(from), iso(to)],
  );
  return res.rows.map((r) => ({ start: new Date(r.start), end: new Date(r.end) }));
}

/** What a member is, as the booking path needs it to book for them: role and squads. */
export async function memberActor(
  db: Queryable,
  siteId: string,
  memberId: string,
): Promise<{ role: 'admin' | 'member'; squadIds: string[]; leaderOf: string[] } | undefined> {
  const res = await db.query<{ role: 'admin' | 'member'; squadIds: string[]; leaderOf: string[] }>(
    `SELECT m.role,
            COALESCE((SELECT array_agg(sm.squad_id::text) FROM squad_members sm
                       WHERE sm.site_id = m.site_id AND sm.member_id = m.id), '{}') AS "squadIds",
            COALESCE((SELECT array_agg(sm.squad_id::text) FROM squad_members sm
                       WHERE sm.site_id = m.site_id AND sm.member_id = m.id AND sm.is_leader), '{}') AS "leaderOf"
       FROM members m WHERE m.site_id = $1 AND m.id = $2`,
    [siteId, memberId],
  );
  return res.rows[0];
}

export async function holdMinutes(db: Queryable, siteId: string): Promise<number> {
  const res = await db.query<{ n: number }>(
    'SELECT waitlist_hold_minutes AS n FROM sites WHERE site_id = $1',
    [siteId],
  );
  return res.rows[0]?.n ?? 15;
}
