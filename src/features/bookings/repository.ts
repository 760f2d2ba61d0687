import { createHash } from 'node:crypto';
import { isTransaction, PgCode, pgErrorCode, type Queryable } from '../../db/store.ts';
import type { OpeningHours } from '../../domain/opening-hours.ts';

export type BookingStatus = 'confirmed' | 'checked_in' | 'completed' | 'cancelled' | 'released';
export const activeStatuses: readonly BookingStatus[] = ['confirmed', 'checked_in'];

export interface BookingRow {
  id: string;
  siteId: string;
  spaceId: string;
  organizerId: string;
  organizerName: string;
  title: string;
  start: Date;
  end: Date;
  blockedEnd: Date;
  headcount: number;
  visibility: 'public' | 'private';
  status: BookingStatus;
  seriesId: string | null;
  originalStart: Date | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
  members: { id: string; displayName: string }[];
  squads: { id: string; name: string }[];
  /** The owner of the booking's space (a cabin's), who sees its private bookings; null when none. */
  spaceOwnerId: string | null;
  /** How long before the start check-in opens (the space's rule), for the answer's `can.checkIn`. */
  checkinOpenMinutes: number;
  /** The code its people enter at the room display to check in (features/display). */
  checkinCode?: string;
}

const bookingColumns = `b.id, b.site_id AS "siteId", b.space_id AS "spaceId", b.organizer_id AS "organizerId",
  o.display_name AS "organizerName", b.title, b.start_at AS "start", b.end_at AS "end",
  upper(b.blocked) AS "blockedEnd", b.headcount, b.visibility, b.status, b.series_id AS "seriesId",
  b.original_start AS "originalStart", b.checkin_code AS "checkinCode", b.version, b.created_at AS "createdAt", b.updated_at AS "updatedAt",
  COALESCE((SELECT json_agg(json_build_object('id', m.id, 'displayName', m.display_name) ORDER BY m.display_name, m.id)
     FROM booking_members bm JOIN members m ON m.site_id = bm.site_id AND m.id = bm.member_id
    WHERE bm.site_id = b.site_id AND bm.booking_id = b.id), '[]'::json) AS members,
  COALESCE((SELECT json_agg(json_build_object('id', q.id, 'name', q.name) ORDER BY q.name, q.id)
     FROM booking_squads bq JOIN squads q ON q.site_id = bq.site_id AND q.id = bq.squad_id
    WHERE bq.site_id = b.site_id AND bq.booking_id = b.id), '[]'::json) AS squads,
  (SELECT sp.owner_id FROM spaces sp WHERE sp.site_id = b.site_id AND sp.id = b.space_id) AS "spaceOwnerId",
  (SELECT sp.checkin_open_minutes FROM spaces sp WHERE sp.site_id = b.site_id AND sp.id = b.space_id)
    AS "checkinOpenMinutes"`;

const bookingFrom = 'bookings b JOIN members o ON o.site_id = b.site_id AND o.id = b.organizer_id';

// Dates go to the driver as ISO strings: both drivers then send the same text.
const iso = (d: Date) => d.toISOString();

export async function findBooking(
  db: Queryable,
  siteId: string,
  id: string,
): Promise<BookingRow | undefined> {
  const res = await db.query<BookingRow>(
    `SELECT ${bookingColumns} FROM ${bookingFrom} WHERE b.site_id = $1 AND b.id = $2`,
    [siteId, id],
  );
  return res.rows[0];
}

/** Locks the booking row for the rest of the transaction; false when it does not exist. */
export async function lockBooking(db: Queryable, siteId: string, id: string): Promise<boolean> {
  const res = await db.query('SELECT 1 FROM bookings WHERE site_id = $1 AND id = $2 FOR UPDATE', [
    siteId,
    id,
  ]);
  return res.rows.length > 0;
}

/** What the booking rules need to know about a space and its site. */
export interface SpaceRules {
  id: string;
  capacity: number;
  changeoverMinutes: number;
  openingHours: OpeningHours | null;
  minMinutes: number;
  maxMinutes: number;
  access: 'everyone' | 'restricted' | 'owner';
  allowedRoles: string[];
  allowedSquads: string[];
  ownerId: string | null;
  /** What a booking in the space is unless it says otherwise. */
  defaultVisibility: 'public' | 'private';
  timeZone: string;
  horizonDays: number;
  /** How long before a booking's start check-in opens. */
  checkinOpenMinutes: number;
}

/** Columns of SpaceRules over `spaces s JOIN sites st`. */
export const spaceRuleColumns = `s.id, s.capacity, s.changeover_minutes AS "changeoverMinutes", s.opening_hours AS "openingHours",
  s.min_minutes AS "minMinutes", s.max_minutes AS "maxMinutes", s.access,
  array_to_json(s.allowed_roles) AS "allowedRoles", array_to_json(s.allowed_squads) AS "allowedSquads",
  s.owner_id AS "ownerId", s.default_visibility AS "defaultVisibility", st.time_zone AS "timeZone", st.horizon_days AS "horizonDays",
  s.checkin_open_minutes AS "checkinOpenMinutes"`;

export async function findSpaceRules(
  db: Queryable,
  siteId: string,
  spaceId: string,
): Promise<SpaceRules | undefined> {
  const res = await db.query<SpaceRules>(
    `SELECT ${spaceRuleColumns} FROM spaces s JOIN sites st ON st.site_id = s.site_id
      WHERE s.site_id = $1 AND s.id = $2`,
    [siteId, spaceId],
  );
  return res.rows[0];
}

/** Which of the given member and squad ids exist in the site. */
export async function existingParticipants(
  db: Queryable,
  siteId: string,
  memberIds: string[],
  squadIds: string[],
): Promise<{ members: Set<string>; squads: Set<string> }> {
  const res = await db.query<{ kind: 'm' | 's'; id: string }>(
    `SELECT 'm' AS kind, id FROM members WHERE site_id = $1 AND id = ANY($2::uuid[])
     UNION ALL
     SELECT 's' AS kind, id FROM squads WHERE site_id = $1 AND id = ANY($3::uuid[])`,
    [siteId, memberIds, squadIds],
  );
  return {
    members: new Set(res.rows.filter((r) => r.kind === 'm').map((r) => r.id)),
    squads: new Set(res.rows.filter((r) => r.kind === 's').map((r) => r.id)),
  };
}

/** Everything creating a booking needs to read, in one round trip. */
export interface BookingContext {
  space: SpaceRules | undefined;
  /** The fingerprint of the space's rules as read (shipshape_space_rules_key, migration 0022). */
  rulesKey: string | undefined;
  organizerName: string | undefined;
  members: { id: string; displayName: string }[];
  squads: { id: string; name: string }[];
  /** The current members of those squads: they take part too (one person, one place). */
  squadMemberIds: string[];
}

/**
 * The space's rules, the organizer's name and the named participants that exist in the site, in
 * one statement: a booking is created in two round trips (this and the insert).
 */
export async function loadBookingContext(
  db: Queryable,
  siteId: string,
  spaceId: string,
  organizerId: string,
  memberIds: string[],
  squadIds: string[],
): Promise<BookingContext> {
  // A flat join plans and runs several times faster (on PGlite) than one statement of json
  // subqueries; participants, when there are any, cost a second statement.
  const res = await db.query<SpaceRules & { organizerName: string | null; rulesKey: string }>(
    `SELECT ${spaceRuleColumns}, o.display_name AS "organizerName", shipshape_space_rules_key(s, st) AS "rulesKey"
       FROM spaces s JOIN sites st ON st.site_id = s.site_id
       LEFT JOIN members o ON o.site_id = s.site_id AND o.id = $3
      WHERE s.site_id = $1 AND s.id = $2`,
    [siteId, spaceId, organizerId],
  );
  const row = res.rows[0];
  let members: { id: string; displayName: string }[] = [];
  let squads: { id: string; name: string }[] = [];
  let squadMemberIds: string[] = [];
  if (row && (memberIds.length > 0 || squadIds.length > 0)) {
    const named = await db.query<{ kind: 'm' | 's' | 'x'; id: string; name: string }>(
      `SELECT 'm' AS kind, id, display_name AS name FROM members WHERE site_id = $1 AND id = ANY($2::uuid[])
       UNION ALL
       SELECT 's' AS kind, id, name FROM squads WHERE site_id = $1 AND id = ANY($3::uuid[])
       UNION ALL
       SELECT DISTINCT 'x' AS kind, member_id, '' FROM squad_members WHERE site_id = $1 AND squad_id = ANY($3::uuid[])
       ORDER BY name, id`,
      [siteId, memberIds, squadIds],
    );
    members = named.rows.filter((r) => r.kind === 'm').map((r) => ({ id: r.id, displayName: r.name }));
    squads = named.rows.filter((r) => r.kind === 's').map((r) => ({ id: r.id, name: r.name }));
    squadMemberIds = named.rows.filter((r) => r.kind === 'x').map((r) => r.id);
  }
  if (!row)
    return {
      space: undefined,
      rulesKey: undefined,
      organizerName: undefined,
      members,
      squads,
      squadMemberIds,
    };
  const { organizerName, rulesKey, ...space } = row;
  return { space, rulesKey, organizerName: organizerName ?? undefined, members, squads, squadMemberIds };
}

/**
 * Inserts a booking, its participants and its event in one statement, so it is atomic without a
 * transaction of its own; inside a caller's transaction it runs under a savepoint. The exclusion
 * constraint decides whether the slot is free: 'conflict' when it is not, and nothing is written.
 */
export async function insertBookingWithEvent(
  db: Queryable,
  b: NewBooking & { id: string; now: Date; memberIds: string[]; squadIds: string[] },
  event: { actorId: string; after: unknown },
  opts: { locked?: boolean } = {},
): Promise<'ok' | 'conflict'> {
  const write = async () => {
    await db.query(
      `WITH b AS (
         INSERT INTO bookings (site_id, id, space_id, organizer_id, title, start_at, end_at, blocked, headcount,
                               visibility, series_id, original_start, created_at, updated_at, checkin_code)
         VALUES ($1, $2, $3, $4, $5, $6::timestamptz, $7::timestamptz,
                 tstzrange($6::timestamptz, $7::timestamptz + make_interval(mins => $8::int), '[)'),
                 $9, $10, $11, $12, $13, $13,
                 COALESCE($18::text, lpad(floor(random() * 1000000)::int::text, 6, '0')))
         RETURNING site_id, id),
       m AS (INSERT INTO booking_members (site_id, booking_id, member_id)
             SELECT b.site_id, b.id, unnest($14::uuid[]) FROM b WHERE cardinality($14::uuid[]) > 0),
       q AS (INSERT INTO booking_squads (site_id, booking_id, squad_id)
             SELECT b.site_id, b.id, unnest($15::uuid[]) FROM b WHERE cardinality($15::uuid[]) > 0)
       INSERT INTO events (site_id, actor_id, type, subject_type, subject_id, after)
       SELECT b.site_id, $16, 'booking.created', 'booking', b.id, $17::jsonb FROM b`,
      [
        b.siteId,
        b.id,
        b.spaceId,
        b.organizerId,
        b.title,
        iso(b.start),
        iso(b.end),
        b.changeoverMinutes,
        b.headcount,
        b.visibility,
        b.seriesId,
        b.originalStart ? iso(b.originalStart) : null,
        iso(b.now),
        b.memberIds,
        b.squadIds,
        event.actorId,
        JSON.stringify(event.after),
        b.checkinCode ?? null,
      ],
    );
    return 'ok' as const;
  };
  // `locked`: the caller holds the space's write lock and found the slot free under it, so the
  // constraint cannot refuse; a savepoint would cost two round trips for nothing.
  if (opts.locked) return write();
  if (isTransaction(db)) return underSavepoint(db, write);
  try {
    return await write();
  } catch (err) {
    if (pgErrorCode(err) === PgCode.exclusionViolation) return 'conflict';
    throw err;
  }
}

export interface NewBooking {
  siteId: string;
  spaceId: string;
  organizerId: string;
  title: string;
  start: Date;
  end: Date;
  changeoverMinutes: number;
  headcount: number;
  visibility: 'public' | 'private';
  seriesId: string | null;
  originalStart: Date | null;
  /** The room display's check-in code; without one the column's random default applies. */
  checkinCode?: string | undefined;
}

export interface BookingChange {
  title: string;
  start: Date;
  end: Date;
  /** The new changeover when the time changes; null keeps the blocked range's current changeover. */
  changeoverMinutes: number | null;
  headcount: number;
  visibility: 'public' | 'private';
}

/**
 * The locks a booking write takes, so that writers queue instead of deadlocking.
 *
 * Every path that puts a booking into a space's timeline (create with or without an
 * Idempotency-Key, PATCH, move, repeat, series materialisation, check-in and check-out) first takes
 * transaction-scoped advisory locks: one per space it writes into, then one per member it seats.
 * Two inserts racing on the exclusion constraint would each place their index entry and then wait
 * on the other's (40P01); holding the space's lock, only one writer of a space is at its insert at a
 * time, and the others wait in the lock queue. The member locks make the one-person-one-place check
 * (findMemberConflicts) and the write that follows it atomic against writers in other spaces.
 *
 * Lock order, the same for every transaction so that no two wait on each other: row locks on the
 * booking or series being changed first (FOR UPDATE), then these advisory locks, all taken in one
 * statement in ascending key order, and each space key is below every member key (the class in
 * the top byte: 1 space, 2 member). A transaction takes its advisory locks once; one that writes
 * for several series (the horizon job) takes all of theirs in that one statement, up front.
 */
export function writeLockKeys(
  siteId: string,
  spaceIds: readonly string[],
  memberIds: readonly string[],
): bigint[] {
  const key = (kind: 1n | 2n, id: string) => {
    // 56 bits of a hash of (site, id) under an 8-bit class: far from the migration lock's small key.
    const digest = createHash('sha256').update(`${siteId}/${id.toLowerCase()}`).digest();
    return (kind << 56n) | (digest.readBigUInt64BE(0) >> 8n);
  };
  const keys = new Set([...spaceIds.map((id) => key(1n, id)), ...memberIds.map((id) => key(2n, id))]);
  return [...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Takes the write locks of the given spaces and members until the end of the transaction `db`
 * (lock order: see writeLockKeys). Waits at most lock_timeout for them (55P03 after that).
 */
export async function lockForBookingWrite(
  db: Queryable,
  siteId: string,
  spaceIds: readonly string[],
  memberIds: readonly string[],
): Promise<void> {
  await takeWriteLocks(db, writeLockKeys(siteId, spaceIds, memberIds));
}

/** Takes write locks by key (writeLockKeys; several sites' keys merged and sorted) until commit. */
export async function takeWriteLocks(db: Queryable, keys: readonly bigint[]): Promise<void> {
  if (!isTransaction(db)) throw new Error('Write locks need a transaction: they last until it commits');
  // One transaction at a time (PGlite): nobody else can write in between, so a lock would only cost
  // a statement.
  if (keys.length === 0 || db.serial) return;
  if (keys.some((k, i) => i > 0 && k <= keys[i - 1]!))
    throw new Error('Write lock keys must be sorted and distinct');
  // unnest yields the keys in array order and the aggregate consumes them in that order, so the
  // locks are taken in the sorted order writeLockKeys gives: one round trip for all of them.
  await db.query('SELECT count(pg_advisory_xact_lock(k)) FROM unnest($1::bigint[]) AS k', [keys.map(String)]);
}

/** Everyone taking part in a booking: organizer, named members and the members of its squads. */
export async function participantIds(db: Queryable, siteId: string, bookingId: string): Promise<string[]> {
  const res = await db.query<{ id: string }>(
    `SELECT organizer_id AS id FROM bookings WHERE site_id = $1 AND id = $2
     UNION SELECT member_id FROM booking_members WHERE site_id = $1 AND booking_id = $2
     UNION SELECT sm.member_id FROM booking_squads bq
             JOIN squad_members sm ON sm.site_id = bq.site_id AND sm.squad_id = bq.squad_id
            WHERE bq.site_id = $1 AND bq.booking_id = $2`,
    [siteId, bookingId],
  );
  return res.rows.map((r) => r.id);
}

/** The current members of the given squads. */
export async function squadMemberIds(
  db: Queryable,
  siteId: string,
  squadIds: readonly string[],
): Promise<string[]> {
  if (squadIds.length === 0) return [];
  const res = await db.query<{ id: string }>(
    'SELECT DISTINCT member_id AS id FROM squad_members WHERE site_id = $1 AND squad_id = ANY($2::uuid[])',
    [siteId, [...squadIds]],
  );
  return res.rows.map((r) => r.id);
}

/** An active booking that already holds one of the members during one of the asked slots. */
export interface MemberConflictRow extends BookingRow {
  /** Index of the slot in the list asked about. */
  slot: number;
  memberId: string;
  memberName: string;
}

/**
 * Active bookings, other than `exceptIds`, that overlap one of `slots` (the sessions themselves,
 * without changeover: a person can leave while the room is readied) and in which one of
 * `memberIds` takes part, as organizer, named member or member of a named squad. One row per
 * (slot, booking, member), by slot, start and member name.
 */
export async function findMemberConflicts(
  db: Queryable,
  siteId: string,
  memberIds: readonly string[],
  slots: readonly { start: Date; end: Date }[],
  exceptIds: readonly string[],
): Promise<MemberConflictRow[]> {
  if (memberIds.length === 0 || slots.length === 0) return [];
  // Candidates come from the exclusion constraint's gist index (active bookings by site and
  // blocked range, which covers the session), so this reads only what overlaps in time.
  const res = await db.query<MemberConflictRow>(
    `WITH slot AS (
       SELECT (i - 1)::int AS i, s, e FROM unnest($3::timestamptz[], $4::timestamptz[]) WITH ORDINALITY AS u(s, e, i)),
     cand AS (
       SELECT slot.i, b.site_id, b.id, b.organizer_id FROM slot JOIN bookings b
           ON b.site_id = $1 AND b.status IN ('confirmed', 'checked_in')
          AND b.blocked && tstzrange(slot.s, slot.e, '[)')
          AND b.start_at < slot.e AND b.end_at > slot.s
        WHERE NOT (b.id = ANY($5::uuid[]))),
     hit AS (
       SELECT c.i, c.id, c.organizer_id AS member_id FROM cand c WHERE c.organizer_id = ANY($2::uuid[])
       UNION
       SELECT c.i, c.id, bm.member_id FROM cand c
         JOIN booking_members bm ON bm.site_id = c.site_id AND bm.booking_id = c.id
        WHERE bm.member_id = ANY($2::uuid[])
       UNION
       SELECT c.i, c.id, sm.member_id FROM cand c
         JOIN booking_squads bq ON bq.site_id = c.site_id AND bq.booking_id = c.id
         JOIN squad_members sm ON sm.site_id = bq.site_id AND sm.squad_id = bq.squad_id
        WHERE sm.member_id = ANY($2::uuid[]))
     SELECT hit.i AS slot, hit.member_id AS "memberId", pm.display_name AS "memberName", ${bookingColumns}
       FROM hit JOIN bookings b ON b.site_id = $1 AND b.id = hit.id
       JOIN members o ON o.site_id = b.site_id AND o.id = b.organizer_id
       JOIN members pm ON pm.site_id = b.site_id AND pm.id = hit.member_id
      ORDER BY hit.i, b.start_at, b.id, pm.display_name, pm.id`,
    [siteId, [...memberIds], slots.map((x) => iso(x.start)), slots.map((x) => iso(x.end)), [...exceptIds]],
  );
  return res.rows;
}

/** Applies a change and bumps the version, inside a savepoint: a conflict leaves the transaction usable. */
export async function updateBooking(
  db: Queryable,
  siteId: string,
  id: string,
  c: BookingChange,
): Promise<'ok' | 'conflict'> {
  return underSavepoint(db, async () => {
    await db.query(
      `UPDATE bookings
          SET title = $3, start_at = $4::timestamptz, end_at = $5::timestamptz,
              blocked = tstzrange($4::timestamptz,
                                  $5::timestamptz + COALESCE(make_interval(mins => $6::int), upper(blocked) - end_at),
                                  '[)'),
              headcount = $7, visibility = $8, version = version + 1, updated_at = now()
        WHERE site_id = $1 AND id = $2`,
      [siteId, id, c.title, iso(c.start), iso(c.end), c.changeoverMinutes, c.headcount, c.visibility],
    );
    return 'ok' as const;
  });
}

export async function setStatus(
  db: Queryable,
  siteId: string,
  id: string,
  status: BookingStatus,
  /** The use-case's clock, recorded as `cancelled_at` when cancelling (the report's late cancellations). */
  at?: Date,
): Promise<void> {
  await db.query(
    `UPDATE bookings SET status = $3, version = version + 1, updated_at = now(),
            cancelled_at = CASE WHEN $3 = 'cancelled' THEN COALESCE($4::timestamptz, now()) ELSE cancelled_at END
      WHERE site_id = $1 AND id = $2`,
    [siteId, id, status, at ? at.toISOString() : null],
  );
}

/** Replaces the member and/or squad participants of a booking (undefined leaves a list as it is). */
export async function setParticipants(
  db: Queryable,
  siteId: string,
  bookingId: string,
  p: { members?: string[] | undefined; squads?: string[] | undefined },
): Promise<void> {
  if (p.members) {
    await db.query('DELETE FROM booking_members WHERE site_id = $1 AND booking_id = $2', [siteId, bookingId]);
    if (p.members.length > 0)
      await db.query(
        `INSERT INTO booking_members (site_id, booking_id, member_id)
         SELECT $1, $2, unnest($3::uuid[]) ON CONFLICT DO NOTHING`,
        [siteId, bookingId, p.members],
      );
  }
  if (p.squads) {
    await db.query('DELETE FROM booking_squads WHERE site_id = $1 AND booking_id = $2', [siteId, bookingId]);
    if (p.squads.length > 0)
      await db.query(
        `INSERT INTO booking_squads (site_id, booking_id, squad_id)
         SELECT $1, $2, unnest($3::uuid[]) ON CONFLICT DO NOTHING`,
        [siteId, bookingId, p.squads],
      );
  }
}

/** Active bookings of a space whose blocked range overlaps [start, end), except `exceptId`. */
export async function findOverlapping(
  db: Queryable,
  siteId: string,
  spaceId: string,
  start: Date,
  end: Date,
  exceptId: string | null,
): Promise<BookingRow[]> {
  const res = await db.query<BookingRow>(
    `SELECT ${bookingColumns} FROM ${bookingFrom}
      WHERE b.site_id = $1 AND b.space_id = $2 AND b.status IN ('confirmed', 'checked_in')
        AND b.blocked && tstzrange($3::timestamptz, $4::timestamptz, '[)')
        AND ($5::uuid IS NULL OR b.id <> $5::uuid)
      ORDER BY b.start_at, b.id`,
    [siteId, spaceId, iso(start), iso(end), exceptId],
  );
  return res.rows;
}

/** What a new session's slot runs into, as yes/no: the details are read only when one is yes. */
export interface NewSessionProbe {
  /** An active booking of the space whose blocked time overlaps (what the exclusion constraint refuses). */
  spaceTaken: boolean;
  /** One of `memberIds` is in an active session overlapping [start, end) (as findMemberConflicts finds). */
  memberBusy: boolean;
  /** The site has fair-use quota rules, so the quota check must run. */
  quotaRules: boolean;
}

/**
 * One statement for the three checks a new session needs before its insert, so that the usual
 * case (nothing in the way, no quotas) costs one round trip instead of three. Each part asks exactly
 * what findOverlapping, findMemberConflicts and the quota rules ask; a yes is followed by those
 * queries for the answer's details. Runs under the caller's write locks.
 */
export async function probeNewSession(
  db: Queryable,
  siteId: string,
  spaceId: string,
  slot: { start: Date; end: Date; blockedEnd: Date },
  memberIds: readonly string[],
): Promise<NewSessionProbe> {
  const res = await db.query<NewSessionProbe>(
    `SELECT EXISTS (
              SELECT 1 FROM bookings b
               WHERE b.site_id = $1 AND b.space_id = $2 AND b.status IN ('confirmed', 'checked_in')
                 AND b.blocked && tstzrange($3::timestamptz, $5::timestamptz, '[)')) AS "spaceTaken",
            (cardinality($6::uuid[]) > 0 AND EXISTS (
              SELECT 1 FROM bookings b
               WHERE b.site_id = $1 AND b.status IN ('confirmed', 'checked_in')
                 AND b.blocked && tstzrange($3::timestamptz, $4::timestamptz, '[)')
                 AND b.start_at < $4::timestamptz AND b.end_at > $3::timestamptz
                 AND (b.organizer_id = ANY($6::uuid[])
                      OR EXISTS (SELECT 1 FROM booking_members bm
                                  WHERE bm.site_id = b.site_id AND bm.booking_id = b.id
                                    AND bm.member_id = ANY($6::uuid[]))
                      OR EXISTS (SELECT 1 FROM booking_squads bq
                                   JOIN squad_members sm ON sm.site_id = bq.site_id AND sm.squad_id = bq.squad_id
                                  WHERE bq.site_id = b.site_id AND bq.booking_id = b.id
                                    AND sm.member_id = ANY($6::uuid[]))))) AS "memberBusy",
            EXISTS (SELECT 1 FROM quota_rules q WHERE q.site_id = $1) AS "quotaRules"`,
    [siteId, spaceId, iso(slot.start), iso(slot.end), iso(slot.blockedEnd), [...new Set(memberIds)]],
  );
  return res.rows[0]!;
}

/**
 * The rules of spaces as this process last read them, each with its fingerprint
 * (shipshape_space_rules_key). Only bookSession uses them, and it books only while the stored rules
 * still have that fingerprint, so a stale entry costs a fallback, never a wrong answer; and since
 * the fingerprint covers every rule and the ids, an entry is right for whichever store holds a
 * space with that fingerprint.
 */
const rulesBySpace = new Map<string, { rules: SpaceRules; key: string }>();
const maxCachedSpaces = 10_000;

export function cachedSpaceRules(
  siteId: string,
  spaceId: string,
): { rules: SpaceRules; key: string } | undefined {
  return rulesBySpace.get(`${siteId}/${spaceId}`);
}

export function cacheSpaceRules(siteId: string, spaceId: string, rules: SpaceRules, key: string): void {
  if (rulesBySpace.size >= maxCachedSpaces) rulesBySpace.clear();
  rulesBySpace.set(`${siteId}/${spaceId}`, { rules, key });
}

export function forgetSpaceRules(siteId: string, spaceId: string): void {
  rulesBySpace.delete(`${siteId}/${spaceId}`);
}

/** What bookSession did: booked, or why it wrote nothing (migration 0022 shipshape_book_session). */
export type BookSessionOutcome = 'ok' | 'stale' | 'quota' | 'taken' | 'busy';

/**
 * Books a session of the organizer alone in one statement when nothing is in the way
 * (shipshape_book_session: the write locks `lockKeys`, the rules' fingerprint, the checks of
 * probeNewSession, the insert of the booking and its event). On 'ok' it answers the organizer's
 * name as stored, which the event's booking carries too; on anything else nothing was written.
 */
export async function bookSession(
  db: Queryable,
  b: Omit<NewBooking, 'checkinCode'> & { id: string; now: Date; checkinCode: string },
  check: { rulesKey: string; lockKeys: readonly bigint[]; memberIds: readonly string[] },
  after: unknown,
): Promise<{ outcome: BookSessionOutcome; organizerName: string | null }> {
  const res = await db.query<{ outcome: BookSessionOutcome; organizerName: string | null }>(
    `SELECT outcome, organizer_name AS "organizerName"
       FROM shipshape_book_session($1::uuid, $2::uuid, $3::text, $4::bigint[], $5::uuid[], $6::uuid,
              $7::uuid, $8::text, $9::timestamptz, $10::timestamptz, $11::int, $12::int, $13::text,
              $14::uuid, $15::timestamptz, $16::timestamptz, $17::text, $18::jsonb)`,
    [
      b.siteId,
      b.spaceId,
      check.rulesKey,
      check.lockKeys.map(String),
      [...new Set(check.memberIds)],
      b.id,
      b.organizerId,
      b.title,
      iso(b.start),
      iso(b.end),
      b.changeoverMinutes,
      b.headcount,
      b.visibility,
      b.seriesId,
      b.originalStart ? iso(b.originalStart) : null,
      iso(b.now),
      b.checkinCode,
      JSON.stringify(after),
    ],
  );
  return res.rows[0]!;
}

/** Who is asking: a filter on people never matches a private booking this viewer may not see. */
export interface Viewer {
  memberId: string;
  admin: boolean;
  /** Squads the viewer is in or leads. */
  squadIds: string[];
}

export interface ListFilter {
  spaceId?: string | undefined;
  memberId?: string | undefined;
  squadId?: string | undefined;
  viewer: Viewer;
  from?: Date | undefined;
  to?: Date | undefined;
  status?: BookingStatus | undefined;
  after?: { start: Date; id: string } | undefined;
  limit: number;
}

/** Keyset page ordered by (start, id); a booking is in [from, to) when it overlaps it. */
export async function listBookings(db: Queryable, siteId: string, f: ListFilter): Promise<BookingRow[]> {
  const params: unknown[] = [siteId, f.limit];
  const where = ['b.site_id = $1'];
  const add = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  if (f.spaceId) where.push(`b.space_id = ${add(f.spaceId)}::uuid`);
  if (f.memberId) {
    const m = add(f.memberId);
    where.push(`(b.organizer_id = ${m}::uuid
      OR EXISTS (SELECT 1 FROM booking_members bm
                  WHERE bm.site_id = b.site_id AND bm.booking_id = b.id AND bm.member_id = ${m}::uuid)
      OR EXISTS (SELECT 1 FROM booking_squads bq JOIN squad_members sm
                         ON sm.site_id = bq.site_id AND sm.squad_id = bq.squad_id
                  WHERE bq.site_id = b.site_id AND bq.booking_id = b.id AND sm.member_id = ${m}::uuid))`);
  }
  if (f.squadId)
    where.push(`EXISTS (SELECT 1 FROM booking_squads bq
                         WHERE bq.site_id = b.site_id AND bq.booking_id = b.id AND bq.squad_id = ${add(f.squadId)}::uuid)`);
  if ((f.memberId || f.squadId) && !f.viewer.admin) {
    // A filter on people must not match on what the viewer may not see: a private booking matches
    // only when the viewer could read its details (bookings/policy.ts canSeeDetails, in SQL).
    const v = add(f.viewer.memberId);
    const vs = add(f.viewer.squadIds);
    where.push(`(b.visibility = 'public' OR b.organizer_id = ${v}::uuid
      OR EXISTS (SELECT 1 FROM booking_members bm
                  WHERE bm.site_id = b.site_id AND bm.booking_id = b.id AND bm.member_id = ${v}::uuid)
      OR EXISTS (SELECT 1 FROM booking_squads bq
                  WHERE bq.site_id = b.site_id AND bq.booking_id = b.id AND bq.squad_id = ANY(${vs}::uuid[]))
      OR EXISTS (SELECT 1 FROM spaces sp
                  WHERE sp.site_id = b.site_id AND sp.id = b.space_id AND sp.owner_id = ${v}::uuid))`);
  }
  if (f.from) where.push(`b.end_at > ${add(iso(f.from))}::timestamptz`);
  if (f.to) where.push(`b.start_at < ${add(iso(f.to))}::timestamptz`);
  if (f.status) where.push(`b.status = ${add(f.status)}`);
  if (f.after) {
    const s = add(iso(f.after.start));
    const i = add(f.after.id);
    where.push(`(b.start_at, b.id) > (${s}::timestamptz, ${i}::uuid)`);
  }
  const res = await db.query<BookingRow>(
    `SELECT ${bookingColumns} FROM ${bookingFrom} WHERE ${where.join(' AND ')}
      ORDER BY b.start_at, b.id LIMIT $2`,
    params,
  );
  return res.rows;
}

async function underSavepoint<T>(db: Queryable, run: () => Promise<T>): Promise<T | 'conflict'> {
  await db.query('SAVEPOINT booking_write');
  try {
    const result = await run();
    await db.query('RELEASE SAVEPOINT booking_write');
    return result;
  } catch (err) {
    await db.query('ROLLBACK TO SAVEPOINT booking_write');
    if (pgErrorCode(err) === PgCode.exclusionViolation) return 'conflict';
    throw err;
  }
}
