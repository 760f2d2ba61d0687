import type { Queryable } from '../../db/store.ts';

const iso = (d: Date) => d.toISOString();

export interface CheckinRules {
  checkinOpenMinutes: number;
  releaseAfterMinutes: number;
  /** The site's zone: times in answers are shown in it. */
  timeZone: string;
}

export async function findCheckinRules(
  db: Queryable,
  siteId: string,
  spaceId: string,
): Promise<CheckinRules | undefined> {
  const res = await db.query<CheckinRules>(
    `SELECT sp.checkin_open_minutes AS "checkinOpenMinutes", sp.release_after_minutes AS "releaseAfterMinutes",
            st.time_zone AS "timeZone"
       FROM spaces sp JOIN sites st ON st.site_id = sp.site_id WHERE sp.site_id = $1 AND sp.id = $2`,
    [siteId, spaceId],
  );
  return res.rows[0];
}

/**
 * Other active bookings of the space that hold it at some point in [from, until): the ones in the
 * way of an early check-in. `freeAt` is the end of the latest one's blocked range (changeover included);
 * `holdsAtFrom` says whether it holds the space at `from` itself (it is in the way now).
 */
export async function findHolders(
  db: Queryable,
  siteId: string,
  spaceId: string,
  from: Date,
  until: Date,
  exceptId: string,
): Promise<{ id: string; freeAt: Date; holdsAtFrom: boolean }[]> {
  const res = await db.query<{ id: string; freeAt: Date; holdsAtFrom: boolean }>(
    `SELECT id, upper(blocked) AS "freeAt", blocked @> $3::timestamptz AS "holdsAtFrom" FROM bookings
      WHERE site_id = $1 AND space_id = $2 AND id <> $5 AND status IN ('confirmed', 'checked_in')
        AND blocked && tstzrange($3::timestamptz, $4::timestamptz, '[)')
      ORDER BY upper(blocked)`,
    [siteId, spaceId, iso(from), iso(until), exceptId],
  );
  return res.rows;
}

/** Marks a booking checked in at `at` (the use-case's clock: hours used count from it). */
export async function markCheckedIn(db: Queryable, siteId: string, id: string, at: Date): Promise<void> {
  await db.query(
    `UPDATE bookings SET status = 'checked_in', checked_in_at = $3, version = version + 1, updated_at = now()
      WHERE site_id = $1 AND id = $2`,
    [siteId, id, iso(at)],
  );
}

/**
 * Ends a booking at `at` (when that is before its end) and marks it completed. The changeover
 * still follows the new end, so the rest of the slot is free at once.
 */
export async function markCheckedOut(db: Queryable, siteId: string, id: string, at: Date): Promise<void> {
  await db.query(
    `UPDATE bookings
        SET end_at = LEAST(end_at, GREATEST($3::timestamptz, start_at + interval '1 minute')),
            blocked = tstzrange(start_at,
                                LEAST(end_at, GREATEST($3::timestamptz, start_at + interval '1 minute'))
                                  + (upper(blocked) - end_at), '[)'),
            status = 'completed', version = version + 1, updated_at = now()
      WHERE site_id = $1 AND id = $2`,
    [siteId, id, iso(at)],
  );
}

/**
 * Confirmed bookings nobody checked in to by their space's release delay, locked for release.
 * SKIP LOCKED: a second server releases others instead of waiting for these.
 */
export async function claimNoShows(
  db: Queryable,
  now: Date,
  limit: number,
): Promise<{ siteId: string; id: string }[]> {
  const res = await db.query<{ siteId: string; id: string }>(
    `SELECT b.site_id AS "siteId", b.id FROM bookings b
       JOIN spaces s ON s.site_id = b.site_id AND s.id = b.space_id
      WHERE b.status = 'confirmed'
        AND b.start_at <= $1::timestamptz -- bounds the scan on bookings_confirmed_start
        AND b.start_at + make_interval(mins => s.release_after_minutes) <= $1::timestamptz
      ORDER BY b.start_at LIMIT $2
      FOR UPDATE OF b SKIP LOCKED`,
    [iso(now), limit],
  );
  return res.rows;
}

/** Checked-in bookings whose end has passed, locked to be marked completed. */
export async function claimFinished(
  db: Queryable,
  now: Date,
  limit: number,
): Promise<{ siteId: string; id: string }[]> {
  const res = await db.query<{ siteId: string; id: string }>(
    `SELECT site_id AS "siteId", id FROM bookings
      WHERE status = 'checked_in' AND end_at <= $1::timestamptz
      ORDER BY end_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
    [iso(now), limit],
  );
  return res.rows;
}

/**
 * Active bookings ending within (now, now + the site's heads-up minutes] that have a next active
 * booking in the same space starting within the site's adjacency window after their end, and no
 * heads-up yet. A site with 0 heads-up minutes gets none.
 */
export async function findHeadsUpDue(
  db: Queryable,
  now: Date,
  limit: number,
): Promise<{ siteId: string; id: string; nextId: string }[]> {
  const res = await db.query<{ siteId: string; id: string; nextId: string }>(
    `SELECT b.site_id AS "siteId", b.id, nx.id AS "nextId"
       FROM bookings b
       JOIN sites st ON st.site_id = b.site_id
       CROSS JOIN LATERAL (
         SELECT n.id FROM bookings n
          WHERE n.site_id = b.site_id AND n.space_id = b.space_id AND n.id <> b.id
            AND n.status IN ('confirmed', 'checked_in')
            AND n.start_at >= b.end_at
            AND n.start_at <= b.end_at + make_interval(mins => st.adjacency_minutes)
          ORDER BY n.start_at LIMIT 1) nx
      WHERE b.status IN ('confirmed', 'checked_in') AND st.heads_up_minutes > 0
        AND b.end_at > $1::timestamptz
        -- 240 minutes is the largest heads-up a site may set: a bound the index can use.
        AND b.end_at <= $1::timestamptz + interval '240 minutes'
        AND b.end_at <= $1::timestamptz + make_interval(mins => st.heads_up_minutes)
        AND NOT EXISTS (SELECT 1 FROM booking_jobs j
                         WHERE j.site_id = b.site_id AND j.booking_id = b.id AND j.job = 'heads-up')
      ORDER BY b.end_at LIMIT $2`,
    [iso(now), limit],
  );
  return res.rows;
}

/*
 * When each timed job next falls due, after `now` and up to `until` (the scheduler's next poll), so
 * it runs on the instant. Each looks only at bookings in that window, through the partial indexes of
 * migration 0011, so the cost follows the work due and not the size of the fleet.
 */

/** The next no-show release: a confirmed booking's start plus its space's release delay. */
export async function nextNoShowDue(db: Queryable, now: Date, until: Date): Promise<Date | null> {
  const res = await db.query<{ due: Date | null }>(
    `SELECT min(b.start_at + make_interval(mins => s.release_after_minutes)) AS due
       FROM bookings b JOIN spaces s ON s.site_id = b.site_id AND s.id = b.space_id
      WHERE b.status = 'confirmed'
        AND b.start_at > $1::timestamptz - interval '1440 minutes' -- the longest release delay
        AND b.start_at <= $2::timestamptz
        AND b.start_at + make_interval(mins => s.release_after_minutes) > $1::timestamptz`,
    [iso(now), iso(until)],
  );
  return res.rows[0]?.due ? new Date(res.rows[0].due) : null;
}

/** The next end of a checked-in session, when it is marked completed. */
export async function nextFinishDue(db: Queryable, now: Date, until: Date): Promise<Date | null> {
  const res = await db.query<{ due: Date | null }>(
    `SELECT min(end_at) AS due FROM bookings
      WHERE status = 'checked_in' AND end_at > $1::timestamptz AND end_at <= $2::timestamptz`,
    [iso(now), iso(until)],
  );
  return res.rows[0]?.due ? new Date(res.rows[0].due) : null;
}

/**
 * The next heads-up: an active booking's end less its site's heads-up minutes, for bookings with no
 * heads-up yet. Whether a next booking follows is left to the job: a look too early costs one run,
 * and a next booking made later wakes the scheduler anyway.
 */
export async function nextHeadsUpDue(db: Queryable, now: Date, until: Date): Promise<Date | null> {
  const res = await db.query<{ due: Date | null }>(
    `SELECT min(b.end_at - make_interval(mins => st.heads_up_minutes)) AS due
       FROM bookings b JOIN sites st ON st.site_id = b.site_id
      WHERE b.status IN ('confirmed', 'checked_in') AND st.heads_up_minutes > 0
        AND b.end_at > $1::timestamptz
        AND b.end_at <= $2::timestamptz + interval '240 minutes' -- the largest heads-up
        AND b.end_at - make_interval(mins => st.heads_up_minutes) > $1::timestamptz
        AND b.end_at - make_interval(mins => st.heads_up_minutes) <= $2::timestamptz
        AND NOT EXISTS (SELECT 1 FROM booking_jobs j
                         WHERE j.site_id = b.site_id AND j.booking_id = b.id AND j.job = 'heads-up')`,
    [iso(now), iso(until)],
  );
  return res.rows[0]?.due ? new Date(res.rows[0].due) : null;
}

/**
 * Records that a job ran for a booking; false when it was already recorded (by this or another
 * server), so the caller does nothing more.
 */
export async function recordBookingJob(
  db: Queryable,
  siteId: string,
  bookingId: string,
  job: string,
  at: Date,
): Promise<boolean> {
  const res = await db.query(
    `INSERT INTO booking_jobs (site_id, booking_id, job, done_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT DO NOTHING RETURNING booking_id`,
    [siteId, bookingId, job, iso(at)],
  );
  return res.rows.length > 0;
}

/** The job name that records "next group waiting" sent to a holder for one waiting booking. */
const waitingJob = (waitingId: string) => `next-group-waiting:${waitingId}`;

/**
 * Records that the holders of `holderId` were told `waitingId` is waiting; false when they already
 * were (at most one such notice per pair of bookings).
 */
export async function recordWaiting(
  db: Queryable,
  siteId: string,
  holderId: string,
  waitingId: string,
  at: Date,
): Promise<boolean> {
  return recordBookingJob(db, siteId, holderId, waitingJob(waitingId), at);
}

/** The bookings whose people were told they wait for `holderId` (see recordWaiting). */
export async function findWaitingFor(db: Queryable, siteId: string, holderId: string): Promise<string[]> {
  const res = await db.query<{ job: string }>(
    `SELECT job FROM booking_jobs WHERE site_id = $1 AND booking_id = $2 AND job LIKE 'next-group-waiting:%'
      ORDER BY done_at, job`,
    [siteId, holderId],
  );
  return res.rows.map((r) => r.job.slice('next-group-waiting:'.length));
}

/**
 * The sessions of a space whose check-in window is open at `now` or that are checked in and not
 * over, first by start: where a member who scans the space's code at the door may be checking in.
 */
export async function findSessionsOpenForCheckIn(
  db: Queryable,
  siteId: string,
  spaceId: string,
  now: Date,
): Promise<string[]> {
  const res = await db.query<{ id: string }>(
    `SELECT b.id FROM bookings b JOIN spaces sp ON sp.site_id = b.site_id AND sp.id = b.space_id
      WHERE b.site_id = $1 AND b.space_id = $2 AND b.status IN ('confirmed', 'checked_in')
        AND b.end_at > $3::timestamptz
        AND b.start_at - make_interval(mins => sp.checkin_open_minutes) <= $3::timestamptz
      ORDER BY b.start_at, b.id`,
    [siteId, spaceId, iso(now)],
  );
  return res.rows.map((r) => r.id);
}
