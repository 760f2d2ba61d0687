import type { Queryable } from '../../db/store.ts';
import { type SpaceRules, spaceRuleColumns } from '../bookings/repository.ts';

export interface SiteClock {
  timeZone: string;
  quietStart: string | null;
  quietEnd: string | null;
  horizonDays: number;
}

export async function siteClock(db: Queryable, siteId: string): Promise<SiteClock> {
  const res = await db.query<SiteClock>(
    `SELECT time_zone AS "timeZone", to_char(quiet_start, 'HH24:MI') AS "quietStart",
            to_char(quiet_end, 'HH24:MI') AS "quietEnd", horizon_days AS "horizonDays"
       FROM sites WHERE site_id = $1`,
    [siteId],
  );
  return res.rows[0]!;
}

/** What partner matching and find-time need to know about a person. */
export interface PersonRow {
  id: string;
  displayName: string;
  email: string;
  role: 'admin' | 'member';
  squadIds: string[];
  leaderOf: string[];
  hidden: boolean;
  nightTraining: boolean;
  /** Deactivated by an admin: never suggested or proposed to. */
  inactive: boolean;
  /** The version of the member's duty roster (migration 0018), for the roster cache. */
  rosterVersion: number;
}

const personColumns = `m.id, m.display_name AS "displayName", m.email, m.role,
  ARRAY(SELECT sm.squad_id::text FROM squad_members sm WHERE sm.site_id = m.site_id AND sm.member_id = m.id) AS "squadIds",
  ARRAY(SELECT sm.squad_id::text FROM squad_members sm
         WHERE sm.site_id = m.site_id AND sm.member_id = m.id AND sm.is_leader) AS "leaderOf",
  COALESCE(ps.hidden, false) AS hidden, COALESCE(ps.night_training, false) AS "nightTraining",
  m.deactivated_at IS NOT NULL AS inactive,
  COALESCE((SELECT rv.version FROM roster_versions rv WHERE rv.site_id = m.site_id AND rv.member_id = m.id), 0)::float8
    AS "rosterVersion"`;
const personFrom = `members m LEFT JOIN partner_settings ps ON ps.site_id = m.site_id AND ps.member_id = m.id`;

export async function peopleByIds(db: Queryable, siteId: string, ids: string[]): Promise<PersonRow[]> {
  const res = await db.query<PersonRow>(
    `SELECT ${personColumns} FROM ${personFrom} WHERE m.site_id = $1 AND m.id = ANY($2::uuid[])
      ORDER BY m.display_name, m.id`,
    [siteId, ids],
  );
  return res.rows;
}

/**
 * The members training a discipline who may be suggested as partners (active, not hidden), with
 * their names: a light read of everyone, before details and free time are read for the fairest few.
 */
export async function suggestable(
  db: Queryable,
  siteId: string,
  disciplineId: string,
): Promise<Map<string, string>> {
  const res = await db.query<{ id: string; displayName: string }>(
    `SELECT m.id, m.display_name AS "displayName"
       FROM member_disciplines md JOIN ${personFrom} ON m.site_id = md.site_id AND m.id = md.member_id
      WHERE md.site_id = $1 AND md.discipline_id = $2 AND m.deactivated_at IS NULL AND NOT COALESCE(ps.hidden, false)`,
    [siteId, disciplineId],
  );
  return new Map(res.rows.map((r) => [r.id, r.displayName]));
}

/** Members of the squads, and which of the squads exist. */
export async function squadsWithMembers(
  db: Queryable,
  siteId: string,
  squadIds: string[],
): Promise<{ id: string; name: string; memberIds: string[] }[]> {
  const res = await db.query<{ id: string; name: string; memberIds: string[] }>(
    `SELECT q.id, q.name,
            ARRAY(SELECT sm.member_id::text FROM squad_members sm WHERE sm.site_id = q.site_id AND sm.squad_id = q.id
                   ORDER BY sm.member_id) AS "memberIds"
       FROM squads q WHERE q.site_id = $1 AND q.id = ANY($2::uuid[])`,
    [siteId, squadIds],
  );
  return res.rows;
}

/**
 * The active sessions (confirmed or checked in) of each member that overlap [from, to): as
 * organizer, named member, or member of a named squad. The window's active bookings are read once,
 * space by space through the exclusion constraint's gist index on (site_id, space_id, blocked)
 * (`blocked` contains [start, end)), then matched to the members by the three paths; reading by
 * member first would walk each member's bookings of all time, and a range test on start or end
 * alone walks every booking before or after the window. The planner would do just that (it flattens
 * the subquery and takes the index on end_at: 15 times the pages on a year of bookings), so
 * `OFFSET 0` keeps the subquery whole and the exact start/end test stays outside it. One row per
 * member keeps the answer small.
 * Times are epoch ms, flattened per member as [start0, end0, …] by start; only times leave this
 * query, never details.
 */
export async function sessionsOf(
  db: Queryable,
  siteId: string,
  memberIds: string[],
  from: Date,
  to: Date,
): Promise<Map<string, number[]>> {
  // One row per member with two arrays in the same order (rows that tie on both keys are equal).
  const res = await db.query<{ memberId: string; starts: number[]; ends: number[] }>(
    `WITH w AS MATERIALIZED (
       SELECT b.id, b.organizer_id, b.start_at, b.end_at
         FROM spaces s
         JOIN LATERAL (
           SELECT b.id, b.organizer_id, b.start_at, b.end_at FROM bookings b
            WHERE b.site_id = s.site_id AND b.space_id = s.id AND b.status IN ('confirmed', 'checked_in')
              AND b.blocked && tstzrange($3, $4)
           OFFSET 0
         ) b ON true
        WHERE s.site_id = $1 AND b.start_at < $4 AND b.end_at > $3
     ), x AS (
       SELECT w.organizer_id AS member_id, w.start_at, w.end_at FROM w WHERE w.organizer_id = ANY($2::uuid[])
       UNION ALL
       SELECT bm.member_id, w.start_at, w.end_at
         FROM w JOIN booking_members bm ON bm.site_id = $1 AND bm.booking_id = w.id
        WHERE bm.member_id = ANY($2::uuid[])
       UNION ALL
       SELECT sm.member_id, w.start_at, w.end_at
         FROM w JOIN booking_squads bq ON bq.site_id = $1 AND bq.booking_id = w.id
         JOIN squad_members sm ON sm.site_id = $1 AND sm.squad_id = bq.squad_id
        WHERE sm.member_id = ANY($2::uuid[])
     )
     SELECT x.member_id AS "memberId",
            array_agg((extract(epoch FROM x.start_at) * 1000)::float8 ORDER BY x.start_at, x.end_at) AS starts,
            array_agg((extract(epoch FROM x.end_at) * 1000)::float8 ORDER BY x.start_at, x.end_at) AS ends
       FROM x GROUP BY x.member_id`,
    [siteId, memberIds, from.toISOString(), to.toISOString()],
  );
  return new Map(
    res.rows.map((r) => [r.memberId, r.starts.flatMap((s, i) => [Number(s), Number(r.ends[i])])]),
  );
}

export interface SpaceForFinding extends SpaceRules {
  name: string;
  kind: 'training' | 'sparring' | 'briefing' | 'cabin' | 'other';
  /** Blocked ranges as epoch ms, flattened: [start0, end0, …], by start. */
  blocked: number[];
}

/**
 * Every space of the site with its rules and the blocked ranges of its active bookings that
 * overlap [from, to + changeover), in one statement (the same shape as availability's query,
 * over all spaces; each per-space subquery uses the exclusion constraint's gist index).
 */
export async function spacesForFinding(
  db: Queryable,
  siteId: string,
  from: Date,
  to: Date,
): Promise<SpaceForFinding[]> {
  const res = await db.query<SpaceForFinding>(
    `SELECT ${spaceRuleColumns}, s.name, s.kind,
            ARRAY(SELECT x.v
                    FROM bookings b,
                         LATERAL (VALUES (0, extract(epoch FROM lower(b.blocked)) * 1000),
                                         (1, extract(epoch FROM upper(b.blocked)) * 1000)) AS x(k, v)
                   WHERE b.site_id = s.site_id AND b.space_id = s.id AND b.status IN ('confirmed', 'checked_in')
                     AND b.blocked && tstzrange($2::timestamptz,
                                                $3::timestamptz + make_interval(mins => s.changeover_minutes), '[)')
                   ORDER BY lower(b.blocked), x.k)::float8[] AS blocked
       FROM spaces s JOIN sites st ON st.site_id = s.site_id
      WHERE s.site_id = $1
      ORDER BY s.name, s.id`,
    [siteId, from.toISOString(), to.toISOString()],
  );
  return res.rows;
}

export interface ProposalRow {
  id: string;
  fromMember: { id: string; displayName: string };
  toMember: { id: string; displayName: string };
  disciplineId: string;
  discipline: string;
  spaceId: string;
  spaceName: string;
  start: Date;
  end: Date;
  status: 'pending' | 'accepted' | 'declined';
  bookingId: string | null;
  createdAt: Date;
}

const proposalColumns = `p.id, json_build_object('id', f.id, 'displayName', f.display_name) AS "fromMember",
  json_build_object('id', t.id, 'displayName', t.display_name) AS "toMember",
  p.discipline_id AS "disciplineId", d.name AS discipline, p.space_id AS "spaceId", s.name AS "spaceName",
  p.start_at AS "start", p.end_at AS "end", p.status, p.booking_id AS "bookingId", p.created_at AS "createdAt"`;
const proposalFrom = `partner_proposals p
  JOIN members f ON f.site_id = p.site_id AND f.id = p.from_member
  JOIN members t ON t.site_id = p.site_id AND t.id = p.to_member
  JOIN disciplines d ON d.site_id = p.site_id AND d.id = p.discipline_id
  JOIN spaces s ON s.site_id = p.site_id AND s.id = p.space_id`;

export async function findProposal(
  db: Queryable,
  siteId: string,
  id: string,
  lock = false,
): Promise<ProposalRow | undefined> {
  const res = await db.query<ProposalRow>(
    `SELECT ${proposalColumns} FROM ${proposalFrom} WHERE p.site_id = $1 AND p.id = $2${lock ? ' FOR UPDATE OF p' : ''}`,
    [siteId, id],
  );
  return res.rows[0];
}

/** Proposals a member sent or received, newest first. */
export async function listProposals(
  db: Queryable,
  siteId: string,
  memberId: string,
  limit: number,
): Promise<ProposalRow[]> {
  const res = await db.query<ProposalRow>(
    `SELECT ${proposalColumns} FROM ${proposalFrom}
      WHERE p.site_id = $1 AND (p.from_member = $2 OR p.to_member = $2)
      ORDER BY p.created_at DESC, p.id LIMIT $3`,
    [siteId, memberId, limit],
  );
  return res.rows;
}

export async function insertProposal(
  db: Queryable,
  siteId: string,
  p: { from: string; to: string; disciplineId: string; spaceId: string; start: Date; end: Date; now: Date },
): Promise<string> {
  const res = await db.query<{ id: string }>(
    `INSERT INTO partner_proposals (site_id, from_member, to_member, discipline_id, space_id, start_at, end_at, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
    [
      siteId,
      p.from,
      p.to,
      p.disciplineId,
      p.spaceId,
      p.start.toISOString(),
      p.end.toISOString(),
      p.now.toISOString(),
    ],
  );
  return res.rows[0]!.id;
}

export async function answerProposal(
  db: Queryable,
  siteId: string,
  id: string,
  status: 'accepted' | 'declined',
  bookingId: string | null,
): Promise<void> {
  await db.query('UPDATE partner_proposals SET status = $3, booking_id = $4 WHERE site_id = $1 AND id = $2', [
    siteId,
    id,
    status,
    bookingId,
  ]);
}
