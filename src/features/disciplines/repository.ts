import type { Queryable } from '../../db/store.ts';
import type { Level, Rating } from '../../domain/ratings.ts';

export interface DisciplineRow {
  id: string;
  name: string;
  members: number;
}

export async function listDisciplines(db: Queryable, siteId: string): Promise<DisciplineRow[]> {
  const res = await db.query<DisciplineRow>(
    `SELECT d.id, d.name,
            (SELECT count(*)::int FROM member_disciplines md
              WHERE md.site_id = d.site_id AND md.discipline_id = d.id) AS members
       FROM disciplines d WHERE d.site_id = $1 ORDER BY lower(d.name), d.id`,
    [siteId],
  );
  return res.rows;
}

/** A discipline by id or by name (case-insensitive). */
export async function findDiscipline(
  db: Queryable,
  siteId: string,
  idOrName: string,
): Promise<DisciplineRow | undefined> {
  const res = await db.query<DisciplineRow>(
    `SELECT d.id, d.name, 0 AS members FROM disciplines d
      WHERE d.site_id = $1 AND (d.id::text = lower($2) OR lower(d.name) = lower($2))`,
    [siteId, idOrName],
  );
  return res.rows[0];
}

/** Inserts a discipline; undefined when the name is taken. */
export async function insertDiscipline(
  db: Queryable,
  siteId: string,
  name: string,
): Promise<string | undefined> {
  const res = await db.query<{ id: string }>(
    `INSERT INTO disciplines (site_id, name) VALUES ($1, $2)
     ON CONFLICT (site_id, lower(name)) DO NOTHING RETURNING id`,
    [siteId, name],
  );
  return res.rows[0]?.id;
}

export interface MemberDisciplineRow extends Rating {
  memberId: string;
  displayName: string;
  disciplineId: string;
  disciplineName: string;
  level: Level;
  ratedAt: Date | null;
  resultsCounted: number;
}

const mdColumns = `md.member_id AS "memberId", m.display_name AS "displayName", md.discipline_id AS "disciplineId",
  d.name AS "disciplineName", md.level, md.rating, md.rd, md.volatility, md.rated_at AS "ratedAt",
  md.results_counted AS "resultsCounted"`;
const mdFrom = `member_disciplines md
  JOIN members m ON m.site_id = md.site_id AND m.id = md.member_id
  JOIN disciplines d ON d.site_id = md.site_id AND d.id = md.discipline_id`;

export async function memberDisciplines(
  db: Queryable,
  siteId: string,
  memberId: string,
): Promise<MemberDisciplineRow[]> {
  const res = await db.query<MemberDisciplineRow>(
    `SELECT ${mdColumns} FROM ${mdFrom} WHERE md.site_id = $1 AND md.member_id = $2 ORDER BY lower(d.name)`,
    [siteId, memberId],
  );
  return res.rows;
}

/** Everyone who trains a discipline. */
export async function disciplineMembers(
  db: Queryable,
  siteId: string,
  disciplineId: string,
): Promise<MemberDisciplineRow[]> {
  const res = await db.query<MemberDisciplineRow>(
    `SELECT ${mdColumns} FROM ${mdFrom} WHERE md.site_id = $1 AND md.discipline_id = $2
      ORDER BY m.display_name, m.id`,
    [siteId, disciplineId],
  );
  return res.rows;
}

/** Adds the discipline to a member or changes their level; the rating is recomputed by the caller. */
export async function upsertMemberDiscipline(
  db: Queryable,
  siteId: string,
  memberId: string,
  disciplineId: string,
  level: Level,
  start: Rating,
): Promise<void> {
  await db.query(
    `INSERT INTO member_disciplines (site_id, member_id, discipline_id, level, rating, rd, volatility)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (site_id, member_id, discipline_id) DO UPDATE SET level = EXCLUDED.level`,
    [siteId, memberId, disciplineId, level, start.rating, start.rd, start.volatility],
  );
}

export async function deleteMemberDiscipline(
  db: Queryable,
  siteId: string,
  memberId: string,
  disciplineId: string,
): Promise<boolean> {
  const res = await db.query<{ x: number }>(
    `DELETE FROM member_disciplines WHERE site_id = $1 AND member_id = $2 AND discipline_id = $3 RETURNING 1 AS x`,
    [siteId, memberId, disciplineId],
  );
  return res.rows.length > 0;
}

/** Writes recomputed ratings of a discipline, all in one statement. */
export async function writeRatings(
  db: Queryable,
  siteId: string,
  disciplineId: string,
  rows: { memberId: string; rating: Rating; ratedAt: Date | null; counted: number }[],
): Promise<void> {
  if (rows.length === 0) return;
  await db.query(
    `UPDATE member_disciplines md
        SET rating = x.rating, rd = x.rd, volatility = x.volatility, rated_at = x.rated_at,
            results_counted = x.counted
       FROM unnest($3::uuid[], $4::float8[], $5::float8[], $6::float8[], $7::timestamptz[], $8::int[])
            AS x(member_id, rating, rd, volatility, rated_at, counted)
      WHERE md.site_id = $1 AND md.discipline_id = $2 AND md.member_id = x.member_id`,
    [
      siteId,
      disciplineId,
      rows.map((r) => r.memberId),
      rows.map((r) => r.rating.rating),
      rows.map((r) => r.rating.rd),
      rows.map((r) => r.rating.volatility),
      rows.map((r) => (r.ratedAt ? r.ratedAt.toISOString() : null)),
      rows.map((r) => r.counted),
    ],
  );
}

export interface PartnerSettings {
  hidden: boolean;
  nightTraining: boolean;
}

export async function findPartnerSettings(
  db: Queryable,
  siteId: string,
  memberId: string,
): Promise<PartnerSettings> {
  const res = await db.query<PartnerSettings>(
    `SELECT hidden, night_training AS "nightTraining" FROM partner_settings WHERE site_id = $1 AND member_id = $2`,
    [siteId, memberId],
  );
  return res.rows[0] ?? { hidden: false, nightTraining: false };
}

export async function savePartnerSettings(
  db: Queryable,
  siteId: string,
  memberId: string,
  s: PartnerSettings,
): Promise<void> {
  await db.query(
    `INSERT INTO partner_settings (site_id, member_id, hidden, night_training) VALUES ($1, $2, $3, $4)
     ON CONFLICT (site_id, member_id) DO UPDATE SET hidden = $3, night_training = $4`,
    [siteId, memberId, s.hidden, s.nightTraining],
  );
}

export type Outcome = 'win' | 'loss' | 'draw';

export interface ResultRow {
  id: string;
  disciplineId: string;
  disciplineName: string;
  bookingId: string;
  memberA: { id: string; displayName: string };
  memberB: { id: string; displayName: string };
  outcome: Outcome;
  playedAt: Date;
  recordedBy: string;
  recordedAt: Date;
  disputedBy: string | null;
  disputedAt: Date | null;
  disputeReason: string | null;
}

const resultColumns = `r.id, r.discipline_id AS "disciplineId", d.name AS "disciplineName", r.booking_id AS "bookingId",
  json_build_object('id', a.id, 'displayName', a.display_name) AS "memberA",
  json_build_object('id', b.id, 'displayName', b.display_name) AS "memberB",
  r.outcome, r.played_at AS "playedAt", r.recorded_by AS "recordedBy", r.recorded_at AS "recordedAt",
  r.disputed_by AS "disputedBy", r.disputed_at AS "disputedAt", r.dispute_reason AS "disputeReason"`;
const resultFrom = `results r
  JOIN disciplines d ON d.site_id = r.site_id AND d.id = r.discipline_id
  JOIN members a ON a.site_id = r.site_id AND a.id = r.member_a
  JOIN members b ON b.site_id = r.site_id AND b.id = r.member_b`;

export async function findResult(db: Queryable, siteId: string, id: string): Promise<ResultRow | undefined> {
  const res = await db.query<ResultRow>(
    `SELECT ${resultColumns} FROM ${resultFrom} WHERE r.site_id = $1 AND r.id = $2`,
    [siteId, id],
  );
  return res.rows[0];
}

/** Results one member took part in, newest first; optionally of one discipline. */
export async function listResultsOf(
  db: Queryable,
  siteId: string,
  memberId: string,
  disciplineId: string | undefined,
  limit: number,
): Promise<ResultRow[]> {
  const res = await db.query<ResultRow>(
    `SELECT ${resultColumns} FROM ${resultFrom}
      WHERE r.site_id = $1 AND (r.member_a = $2 OR r.member_b = $2) AND ($3::uuid IS NULL OR r.discipline_id = $3)
      ORDER BY r.played_at DESC, r.id LIMIT $4`,
    [siteId, memberId, disciplineId ?? null, limit],
  );
  return res.rows;
}

/** Inserts a result; undefined when this pair already has one for the session and discipline. */
export async function insertResult(
  db: Queryable,
  r: {
    siteId: string;
    disciplineId: string;
    bookingId: string;
    memberA: string;
    memberB: string;
    outcome: Outcome;
    playedAt: Date;
    recordedBy: string;
    now: Date;
  },
): Promise<string | undefined> {
  const res = await db.query<{ id: string }>(
    `INSERT INTO results (site_id, discipline_id, booking_id, member_a, member_b, outcome, played_at, recorded_by, recorded_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT DO NOTHING RETURNING id`,
    [
      r.siteId,
      r.disciplineId,
      r.bookingId,
      r.memberA,
      r.memberB,
      r.outcome,
      r.playedAt.toISOString(),
      r.recordedBy,
      r.now.toISOString(),
    ],
  );
  return res.rows[0]?.id;
}

/** Marks a result disputed; false when it already was (or does not exist). */
export async function disputeResult(
  db: Queryable,
  siteId: string,
  id: string,
  by: string,
  reason: string,
  now: Date,
): Promise<boolean> {
  const res = await db.query<{ x: number }>(
    `UPDATE results SET disputed_by = $3, disputed_at = $5, dispute_reason = $4
      WHERE site_id = $1 AND id = $2 AND disputed_by IS NULL RETURNING 1 AS x`,
    [siteId, id, by, reason, now.toISOString()],
  );
  return res.rows.length > 0;
}

/** The counted (undisputed) results of a discipline in the order they are rated. */
export async function countedResults(
  db: Queryable,
  siteId: string,
  disciplineId: string,
): Promise<{ memberA: string; memberB: string; outcome: Outcome; playedAt: Date }[]> {
  const res = await db.query<{ memberA: string; memberB: string; outcome: Outcome; playedAt: Date }>(
    `SELECT member_a AS "memberA", member_b AS "memberB", outcome, played_at AS "playedAt"
       FROM results WHERE site_id = $1 AND discipline_id = $2 AND disputed_by IS NULL
      ORDER BY played_at, id`,
    [siteId, disciplineId],
  );
  return res.rows;
}

/** Locks a discipline's ratings while they are recomputed, so two recomputations do not interleave. */
export async function lockDiscipline(db: Queryable, siteId: string, disciplineId: string): Promise<boolean> {
  const res = await db.query<{ x: number }>(
    'SELECT 1 AS x FROM disciplines WHERE site_id = $1 AND id = $2 FOR UPDATE',
    [siteId, disciplineId],
  );
  return res.rows.length > 0;
}

export interface SessionPeople {
  id: string;
  status: string;
  start: Date;
  end: Date;
  /** Organizer, named members and members of named squads. */
  people: string[];
}

/** A booking's time, status and everyone in it. */
export async function sessionPeople(
  db: Queryable,
  siteId: string,
  bookingId: string,
): Promise<SessionPeople | undefined> {
  const res = await db.query<SessionPeople>(
    `SELECT b.id, b.status, b.start_at AS "start", b.end_at AS "end",
            ARRAY(SELECT b.organizer_id
                  UNION SELECT bm.member_id FROM booking_members bm WHERE bm.site_id = b.site_id AND bm.booking_id = b.id
                  UNION SELECT sm.member_id FROM booking_squads bq
                          JOIN squad_members sm ON sm.site_id = bq.site_id AND sm.squad_id = bq.squad_id
                         WHERE bq.site_id = b.site_id AND bq.booking_id = b.id)::text[] AS people
       FROM bookings b WHERE b.site_id = $1 AND b.id = $2`,
    [siteId, bookingId],
  );
  return res.rows[0];
}
