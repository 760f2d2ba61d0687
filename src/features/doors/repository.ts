import type { Queryable } from '../../db/store.ts';

export type LockState = 'locked' | 'unlocked' | 'not_fully_locked';
export type DoorAction = 'lock' | 'unlock';
export type AlarmKind = 'left-unlocked' | 'held-open' | 'forced-open';

export interface DoorRow {
  siteId: string;
  id: string;
  spaceId: string;
  spaceName: string;
  spaceKind: string;
  spaceAccess: 'everyone' | 'restricted' | 'owner';
  ownerId: string | null;
  name: string;
  topic: string;
  hasContact: boolean;
  failMode: 'safe' | 'secure';
  relockSeconds: number;
  alarmSeconds: number | null;
  siteAlarmSeconds: number;
  timeZone: string;
  lockState: LockState | null;
  contact: boolean | null;
  online: boolean | null;
  unlockedSince: Date | null;
  openSince: Date | null;
  seenAt: Date | null;
  relockAt: Date | null;
  version: number;
}

const doorColumns = `d.site_id AS "siteId", d.id, d.space_id AS "spaceId", s.name AS "spaceName", s.kind AS "spaceKind",
  s.access AS "spaceAccess", s.owner_id AS "ownerId", d.name, d.topic, d.has_contact AS "hasContact",
  d.fail_mode AS "failMode", d.relock_seconds AS "relockSeconds", d.alarm_seconds AS "alarmSeconds",
  st.door_alarm_seconds AS "siteAlarmSeconds", st.time_zone AS "timeZone", d.lock_state AS "lockState", d.contact, d.online,
  d.unlocked_since AS "unlockedSince", d.open_since AS "openSince", d.seen_at AS "seenAt",
  d.relock_at AS "relockAt", d.version`;
const doorFrom = `doors d JOIN spaces s ON s.site_id = d.site_id AND s.id = d.space_id
  JOIN sites st ON st.site_id = d.site_id`;

export async function findDoor(
  db: Queryable,
  siteId: string,
  id: string,
  forUpdate = false,
): Promise<DoorRow | undefined> {
  const res = await db.query<DoorRow>(
    `SELECT ${doorColumns} FROM ${doorFrom} WHERE d.site_id = $1 AND d.id = $2${forUpdate ? ' FOR UPDATE OF d' : ''}`,
    [siteId, id],
  );
  return res.rows[0];
}

/** The door of a space, if it has one. */
export async function findDoorOfSpace(
  db: Queryable,
  siteId: string,
  spaceId: string,
): Promise<DoorRow | undefined> {
  const res = await db.query<DoorRow>(
    `SELECT ${doorColumns} FROM ${doorFrom} WHERE d.site_id = $1 AND d.space_id = $2`,
    [siteId, spaceId],
  );
  return res.rows[0];
}

/** A site's doors by space name (tens per vessel: no paging). */
export async function listDoors(db: Queryable, siteId: string): Promise<DoorRow[]> {
  const res = await db.query<DoorRow>(
    `SELECT ${doorColumns} FROM ${doorFrom} WHERE d.site_id = $1 ORDER BY s.name, d.id`,
    [siteId],
  );
  return res.rows;
}

/** Every door of every site with its topic: what this process subscribes to. */
export async function listDoorTopics(
  db: Queryable,
): Promise<{ siteId: string; id: string; topic: string }[]> {
  const res = await db.query<{ siteId: string; id: string; topic: string }>(
    'SELECT site_id AS "siteId", id, topic FROM doors ORDER BY topic',
  );
  return res.rows;
}

export interface DoorFields {
  spaceId: string;
  name: string;
  topic: string;
  hasContact: boolean;
  failMode: 'safe' | 'secure';
  relockSeconds: number;
  alarmSeconds: number | null;
}

export async function insertDoor(db: Queryable, siteId: string, f: DoorFields): Promise<string> {
  const res = await db.query<{ id: string }>(
    `INSERT INTO doors (site_id, space_id, name, topic, has_contact, fail_mode, relock_seconds, alarm_seconds)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
    [siteId, f.spaceId, f.name, f.topic, f.hasContact, f.failMode, f.relockSeconds, f.alarmSeconds],
  );
  // The space says it has a door, for the screens that only read spaces.
  await db.query('UPDATE spaces SET has_door = true WHERE site_id = $1 AND id = $2', [siteId, f.spaceId]);
  return res.rows[0]!.id;
}

export async function updateDoor(
  db: Queryable,
  siteId: string,
  id: string,
  f: Omit<DoorFields, 'spaceId'>,
): Promise<void> {
  await db.query(
    `UPDATE doors SET name = $3, topic = $4, has_contact = $5, fail_mode = $6, relock_seconds = $7,
            alarm_seconds = $8, version = version + 1
      WHERE site_id = $1 AND id = $2`,
    [siteId, id, f.name, f.topic, f.hasContact, f.failMode, f.relockSeconds, f.alarmSeconds],
  );
}

/** The facts that decide whether a member may open a door now (see policy.ts). */
export interface AccessFacts {
  /** An active booking of the space the member is in (organizer, participant or through a squad) whose check-in window is open. */
  inBooking: boolean;
  /** When the member's next booking of the space opens its check-in window, if one is later. */
  nextWindow: Date | null;
  /** The member's guest pass for this door, if any. */
  guest: { from: Date | null; until: Date | null } | null;
  /** Whether the owner is in an active booking of the space whose window is open. */
  ownerInBooking: boolean;
}

/**
 * Reads the access facts from the bookings as they are at `now`, so a cancel, move, release or
 * check-out is seen by the very next request. Squad membership is read here, not from the
 * caller's cached token, for the same reason.
 */
export async function accessFacts(
  db: Queryable,
  door: DoorRow,
  memberId: string,
  now: Date,
): Promise<AccessFacts> {
  const res = await db.query<{
    inBooking: boolean;
    nextWindow: Date | null;
    guestFrom: Date | null;
    guestUntil: Date | null;
    isGuest: boolean;
    ownerInBooking: boolean;
  }>(
    `WITH involved AS (
       SELECT b.id, b.start_at - make_interval(mins => s.checkin_open_minutes) AS opens, b.end_at, b.organizer_id
         FROM bookings b JOIN spaces s ON s.site_id = b.site_id AND s.id = b.space_id
        WHERE b.site_id = $1 AND b.space_id = $2 AND b.status IN ('confirmed', 'checked_in') AND b.end_at > $4
          AND b.start_at < $4 + interval '2 days'
          AND (b.organizer_id = $3
               OR EXISTS (SELECT 1 FROM booking_members bm
                           WHERE bm.site_id = b.site_id AND bm.booking_id = b.id AND bm.member_id = $3)
               OR EXISTS (SELECT 1 FROM booking_squads bq
                            JOIN squad_members sm ON sm.site_id = bq.site_id AND sm.squad_id = bq.squad_id
                           WHERE bq.site_id = b.site_id AND bq.booking_id = b.id AND sm.member_id = $3)))
     SELECT EXISTS (SELECT 1 FROM involved WHERE opens <= $4) AS "inBooking",
            (SELECT min(opens) FROM involved WHERE opens > $4) AS "nextWindow",
            g.from_at AS "guestFrom", g.until_at AS "guestUntil", g.member_id IS NOT NULL AS "isGuest",
            EXISTS (SELECT 1 FROM bookings b JOIN spaces s ON s.site_id = b.site_id AND s.id = b.space_id
                     WHERE b.site_id = $1 AND b.space_id = $2 AND b.status IN ('confirmed', 'checked_in')
                       AND b.end_at > $4 AND b.start_at - make_interval(mins => s.checkin_open_minutes) <= $4
                       AND (b.organizer_id = s.owner_id
                            OR EXISTS (SELECT 1 FROM booking_members bm WHERE bm.site_id = b.site_id
                                         AND bm.booking_id = b.id AND bm.member_id = s.owner_id))) AS "ownerInBooking"
       FROM (SELECT 1) one
       LEFT JOIN door_guests g ON g.site_id = $1 AND g.door_id = $5 AND g.member_id = $3`,
    [door.siteId, door.spaceId, memberId, now, door.id],
  );
  const r = res.rows[0]!;
  return {
    inBooking: r.inBooking,
    nextWindow: r.nextWindow,
    guest: r.isGuest ? { from: r.guestFrom, until: r.guestUntil } : null,
    ownerInBooking: r.ownerInBooking,
  };
}

export interface RequestRow {
  id: string;
  doorId: string;
  actorId: string | null;
  action: DoorAction;
  status: 'pending' | 'confirmed' | 'timed_out';
  reason: string | null;
  requestedAt: Date;
  deadlineAt: Date;
  settledAt: Date | null;
}

const requestColumns = `id, door_id AS "doorId", actor_id AS "actorId", action, status, reason,
  requested_at AS "requestedAt", deadline_at AS "deadlineAt", settled_at AS "settledAt"`;

export async function insertRequest(
  db: Queryable,
  r: {
    siteId: string;
    doorId: string;
    actorId: string | null;
    action: DoorAction;
    reason: string | null;
    at: Date;
    deadline: Date;
  },
): Promise<RequestRow> {
  const res = await db.query<RequestRow>(
    `INSERT INTO door_requests (site_id, door_id, actor_id, action, status, reason, requested_at, deadline_at)
     VALUES ($1, $2, $3, $4, 'pending', $5, $6, $7) RETURNING ${requestColumns}`,
    [r.siteId, r.doorId, r.actorId, r.action, r.reason, r.at, r.deadline],
  );
  return res.rows[0]!;
}

/** Recent requests of a door, newest first; only the member's own when `memberId` is given. */
export async function listRequests(
  db: Queryable,
  siteId: string,
  doorId: string,
  opts: { memberId?: string | undefined; limit: number },
): Promise<RequestRow[]> {
  const params: unknown[] = [siteId, doorId, opts.limit];
  let own = '';
  if (opts.memberId) {
    params.push(opts.memberId);
    own = ' AND actor_id = $4';
  }
  const res = await db.query<RequestRow>(
    `SELECT ${requestColumns} FROM door_requests WHERE site_id = $1 AND door_id = $2${own}
      ORDER BY requested_at DESC, id LIMIT $3`,
    params,
  );
  return res.rows;
}

/**
 * Settles the pending requests of a door that a reported state fulfils. The status condition makes
 * each request settle once, whichever server process sees the report first.
 */
export async function confirmRequests(
  db: Queryable,
  siteId: string,
  doorId: string,
  action: DoorAction,
  at: Date,
): Promise<RequestRow[]> {
  const res = await db.query<RequestRow>(
    `UPDATE door_requests SET status = 'confirmed', settled_at = $4
      WHERE site_id = $1 AND door_id = $2 AND action = $3 AND status = 'pending'
      RETURNING ${requestColumns}`,
    [siteId, doorId, action, at],
  );
  return res.rows;
}

/** Times out the pending requests whose deadline has passed, each once. */
export async function expireRequests(db: Queryable, now: Date): Promise<(RequestRow & { siteId: string })[]> {
  const res = await db.query<RequestRow & { siteId: string }>(
    `UPDATE door_requests SET status = 'timed_out', settled_at = $1
      WHERE status = 'pending' AND deadline_at <= $1
      RETURNING site_id AS "siteId", ${requestColumns}`,
    [now],
  );
  return res.rows;
}

/** What a report changes, written in the transaction that read the door FOR UPDATE. */
export async function saveDeviceState(
  db: Queryable,
  d: Pick<
    DoorRow,
    | 'siteId'
    | 'id'
    | 'lockState'
    | 'contact'
    | 'online'
    | 'unlockedSince'
    | 'openSince'
    | 'seenAt'
    | 'relockAt'
  >,
): Promise<void> {
  await db.query(
    `UPDATE doors SET lock_state = $3, contact = $4, online = $5, unlocked_since = $6, open_since = $7,
            seen_at = $8, relock_at = $9
      WHERE site_id = $1 AND id = $2`,
    [d.siteId, d.id, d.lockState, d.contact, d.online, d.unlockedSince, d.openSince, d.seenAt, d.relockAt],
  );
}

/** Records that the device was heard from, unless that was written less than `everyMs` ago. */
export async function touchSeen(
  db: Queryable,
  siteId: string,
  id: string,
  at: Date,
  everyMs: number,
): Promise<void> {
  await db.query(
    `UPDATE doors SET seen_at = $3 WHERE site_id = $1 AND id = $2
        AND (seen_at IS NULL OR seen_at < $3::timestamptz - make_interval(secs => $4))`,
    [siteId, id, at, everyMs / 1000],
  );
}

/** Claims the doors due to be locked again; each row is claimed by one process only. */
/** The first relock due after `now`, up to `until` (the doors-relocks task's timer). */
export async function nextRelockDue(db: Queryable, now: Date, until: Date): Promise<Date | null> {
  const res = await db.query<{ due: Date | null }>(
    'SELECT min(relock_at) AS due FROM doors WHERE relock_at > $1 AND relock_at <= $2',
    [now, until],
  );
  return res.rows[0]?.due ? new Date(res.rows[0].due) : null;
}

export async function claimRelocks(db: Queryable, now: Date): Promise<{ siteId: string; id: string }[]> {
  const res = await db.query<{ siteId: string; id: string }>(
    `UPDATE doors SET relock_at = NULL WHERE relock_at IS NOT NULL AND relock_at <= $1
      RETURNING site_id AS "siteId", id`,
    [now],
  );
  return res.rows;
}

export interface GuestRow {
  memberId: string;
  displayName: string;
  from: Date | null;
  until: Date | null;
}

export async function listGuests(db: Queryable, siteId: string, doorId: string): Promise<GuestRow[]> {
  const res = await db.query<GuestRow>(
    `SELECT g.member_id AS "memberId", m.display_name AS "displayName", g.from_at AS "from", g.until_at AS "until"
       FROM door_guests g JOIN members m ON m.site_id = g.site_id AND m.id = g.member_id
      WHERE g.site_id = $1 AND g.door_id = $2 ORDER BY m.display_name, g.member_id`,
    [siteId, doorId],
  );
  return res.rows;
}

/** Adds a guest or replaces their window; answers the previous window when there was one. */
export async function upsertGuest(
  db: Queryable,
  g: { siteId: string; doorId: string; memberId: string; from: Date | null; until: Date | null; by: string },
): Promise<void> {
  await db.query(
    `INSERT INTO door_guests (site_id, door_id, member_id, from_at, until_at, added_by)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (site_id, door_id, member_id) DO UPDATE SET from_at = $4, until_at = $5, added_by = $6`,
    [g.siteId, g.doorId, g.memberId, g.from, g.until, g.by],
  );
}

export async function deleteGuest(
  db: Queryable,
  siteId: string,
  doorId: string,
  memberId: string,
): Promise<boolean> {
  const res = await db.query(
    'DELETE FROM door_guests WHERE site_id = $1 AND door_id = $2 AND member_id = $3',
    [siteId, doorId, memberId],
  );
  return res.affectedRows > 0;
}

/** A member's display name, or undefined when there is no such member in the site. */
export async function memberName(
  db: Queryable,
  siteId: string,
  memberId: string,
): Promise<string | undefined> {
  const res = await db.query<{ displayName: string }>(
    'SELECT display_name AS "displayName" FROM members WHERE site_id = $1 AND id = $2',
    [siteId, memberId],
  );
  return res.rows[0]?.displayName;
}

export interface AlarmCandidate {
  door: DoorRow;
  /** A checked-in booking of the space is running now. */
  inUse: boolean;
  /** The next instant after now a checked-in booking of the space starts or ends (in use changes). */
  useChangesAt: Date | null;
  open: { id: string; kind: AlarmKind; startedAt: Date; notifiedAt: Date }[];
}

/**
 * Doors that may need an alarm raised, repeated or cleared: those (not fully) unlocked or open,
 * and those with an open episode. "In use" is a checked-in booking running now.
 */
export async function listAlarmCandidates(db: Queryable, now: Date): Promise<AlarmCandidate[]> {
  const res = await db.query<
    DoorRow & { inUse: boolean; useChangesAt: Date | null; open: AlarmCandidate['open'] | null }
  >(
    `SELECT ${doorColumns},
            EXISTS (SELECT 1 FROM bookings b WHERE b.site_id = d.site_id AND b.space_id = d.space_id
                       AND b.status = 'checked_in' AND b.start_at <= $1 AND b.end_at > $1) AS "inUse",
            (SELECT min(CASE WHEN b.start_at > $1 THEN b.start_at ELSE b.end_at END)
               FROM bookings b WHERE b.site_id = d.site_id AND b.space_id = d.space_id
                AND b.status = 'checked_in' AND b.end_at > $1) AS "useChangesAt",
            (SELECT json_agg(json_build_object('id', a.id, 'kind', a.kind, 'startedAt', a.started_at,
                                               'notifiedAt', a.notified_at))
               FROM door_alarms a WHERE a.site_id = d.site_id AND a.door_id = d.id AND a.ended_at IS NULL) AS open
       FROM ${doorFrom}
      WHERE (d.site_id, d.id) IN (
              -- Each side through its partial index (doors_unsettled, door_alarms_open): the doors
              -- with something to watch, not every door of the fleet.
              SELECT site_id, id FROM doors WHERE unlocked_since IS NOT NULL OR open_since IS NOT NULL
              UNION ALL
              SELECT site_id, door_id FROM door_alarms WHERE ended_at IS NULL)`,
    [now],
  );
  return res.rows.map(({ inUse, useChangesAt, open, ...door }) => ({
    door,
    inUse,
    useChangesAt: useChangesAt ? new Date(useChangesAt) : null,
    open: (open ?? []).map((a) => ({
      ...a,
      startedAt: new Date(a.startedAt),
      notifiedAt: new Date(a.notifiedAt),
    })),
  }));
}

/** Opens an alarm episode unless one of the kind is open; answers its id when this call opened it. */
export async function openAlarm(
  db: Queryable,
  siteId: string,
  doorId: string,
  kind: AlarmKind,
  at: Date,
): Promise<string | undefined> {
  const res = await db.query<{ id: string }>(
    `INSERT INTO door_alarms (site_id, door_id, kind, started_at, notified_at) VALUES ($1, $2, $3, $4, $4)
     ON CONFLICT (site_id, door_id, kind) WHERE ended_at IS NULL DO NOTHING RETURNING id`,
    [siteId, doorId, kind, at],
  );
  return res.rows[0]?.id;
}

/** Moves an episode's reminder time if it is still due; true when this call did it. */
export async function remindAlarm(
  db: Queryable,
  siteId: string,
  id: string,
  dueBefore: Date,
  at: Date,
): Promise<boolean> {
  const res = await db.query(
    `UPDATE door_alarms SET notified_at = $4
      WHERE site_id = $1 AND id = $2 AND ended_at IS NULL AND notified_at <= $3`,
    [siteId, id, dueBefore, at],
  );
  return res.affectedRows > 0;
}

/** Ends an episode; true when this call ended it. */
export async function endAlarm(db: Queryable, siteId: string, id: string, at: Date): Promise<boolean> {
  const res = await db.query(
    'UPDATE door_alarms SET ended_at = $3 WHERE site_id = $1 AND id = $2 AND ended_at IS NULL',
    [siteId, id, at],
  );
  return res.affectedRows > 0;
}

/** Ends a door's open alarms of the given kinds; answers the ids and kinds this call ended. */
export async function endAlarmsOfKinds(
  db: Queryable,
  siteId: string,
  doorId: string,
  kinds: AlarmKind[],
  at: Date,
): Promise<{ id: string; kind: AlarmKind }[]> {
  const res = await db.query<{ id: string; kind: AlarmKind }>(
    `UPDATE door_alarms SET ended_at = $4
      WHERE site_id = $1 AND door_id = $2 AND kind = ANY($3::text[]) AND ended_at IS NULL
      RETURNING id, kind`,
    [siteId, doorId, kinds, at],
  );
  return res.rows;
}

/** The open alarms of a site's doors. */
export async function listOpenAlarms(
  db: Queryable,
  siteId: string,
): Promise<{ doorId: string; kind: AlarmKind; startedAt: Date }[]> {
  const res = await db.query<{ doorId: string; kind: AlarmKind; startedAt: Date }>(
    `SELECT door_id AS "doorId", kind, started_at AS "startedAt" FROM door_alarms
      WHERE site_id = $1 AND ended_at IS NULL ORDER BY started_at`,
    [siteId],
  );
  return res.rows;
}

/** Who hears of a door's alarms: its space's owner, and the admins for a shared space (or one without owner). */
export async function alarmAudience(db: Queryable, siteId: string, doorId: string): Promise<string[]> {
  const res = await db.query<{ id: string }>(
    `SELECT s.owner_id AS id FROM doors d JOIN spaces s ON s.site_id = d.site_id AND s.id = d.space_id
      WHERE d.site_id = $1 AND d.id = $2 AND s.owner_id IS NOT NULL
     UNION
     SELECT m.id FROM doors d JOIN spaces s ON s.site_id = d.site_id AND s.id = d.space_id
       JOIN members m ON m.site_id = d.site_id AND m.role = 'admin'
      WHERE d.site_id = $1 AND d.id = $2 AND (s.access <> 'owner' OR s.owner_id IS NULL)`,
    [siteId, doorId],
  );
  return res.rows.map((r) => r.id);
}

export interface DoorEventRow {
  id: string;
  at: Date;
  actorId: string | null;
  actorName: string | null;
  type: string;
  before: unknown;
  after: unknown;
  reason: string | null;
}

/** A door's events, newest first; only those the member made when `memberId` is given. */
export async function listDoorEvents(
  db: Queryable,
  siteId: string,
  doorId: string,
  opts: { memberId?: string | undefined; beforeId?: string | undefined; limit: number },
): Promise<DoorEventRow[]> {
  const params: unknown[] = [siteId, doorId, opts.limit];
  let where = '';
  if (opts.memberId) {
    params.push(opts.memberId);
    where += ` AND e.actor_id = $${params.length}`;
  }
  if (opts.beforeId) {
    params.push(opts.beforeId);
    where += ` AND e.id < $${params.length}::bigint`;
  }
  const res = await db.query<DoorEventRow>(
    `SELECT e.id::text AS id, e.at, e.actor_id AS "actorId", m.display_name AS "actorName", e.type, e.before,
            e.after, e.reason
       FROM events e LEFT JOIN members m ON m.site_id = e.site_id AND m.id = e.actor_id
      WHERE e.site_id = $1 AND e.subject_type = 'door' AND e.subject_id = $2${where}
      ORDER BY e.id DESC LIMIT $3`,
    params,
  );
  return res.rows;
}

export async function spaceExists(db: Queryable, siteId: string, spaceId: string): Promise<boolean> {
  const res = await db.query('SELECT 1 FROM spaces WHERE site_id = $1 AND id = $2', [siteId, spaceId]);
  return res.rows.length > 0;
}

export async function topicTaken(db: Queryable, siteId: string, topic: string): Promise<boolean> {
  const res = await db.query('SELECT 1 FROM doors WHERE site_id = $1 AND topic = $2', [siteId, topic]);
  return res.rows.length > 0;
}
