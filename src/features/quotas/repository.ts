import { PgCode, pgErrorCode, type Queryable } from '../../db/store.ts';
import type { QuotaMetric, QuotaPeriod } from '../../domain/quota.ts';

export interface QuotaRuleRow {
  id: string;
  name: string;
  memberId: string | null;
  squadId: string | null;
  spaceId: string | null;
  spaceKind: string | null;
  metric: QuotaMetric;
  period: QuotaPeriod;
  maximum: number;
  windowStart: number | null;
  windowEnd: number | null;
  countParticipants: boolean;
  version: number;
  createdAt: Date;
}

const ruleColumns = `r.id, r.name, r.member_id AS "memberId", r.squad_id AS "squadId", r.space_id AS "spaceId",
  r.space_kind AS "spaceKind", r.metric, r.period, r.maximum::float8 AS maximum, r.window_start AS "windowStart",
  r.window_end AS "windowEnd", r.count_participants AS "countParticipants", r.version, r.created_at AS "createdAt"`;

const iso = (d: Date) => d.toISOString();

export async function listRules(db: Queryable, siteId: string): Promise<QuotaRuleRow[]> {
  const res = await db.query<QuotaRuleRow>(
    `SELECT ${ruleColumns} FROM quota_rules r WHERE r.site_id = $1 ORDER BY r.name, r.id`,
    [siteId],
  );
  return res.rows;
}

export async function findRule(db: Queryable, siteId: string, id: string): Promise<QuotaRuleRow | undefined> {
  const res = await db.query<QuotaRuleRow>(
    `SELECT ${ruleColumns} FROM quota_rules r WHERE r.site_id = $1 AND r.id = $2`,
    [siteId, id],
  );
  return res.rows[0];
}

export type NewRule = Omit<QuotaRuleRow, 'id' | 'version' | 'createdAt'>;

/** A rule's columns in the order both writes list them, from name to count_participants. */
const ruleValues = (r: NewRule) => [
  r.name,
  r.memberId,
  r.squadId,
  r.spaceId,
  r.spaceKind,
  r.metric,
  r.period,
  r.maximum,
  r.windowStart,
  r.windowEnd,
  r.countParticipants,
];

/** Inserts a rule; undefined when its name is taken. */
export async function insertRule(db: Queryable, siteId: string, r: NewRule): Promise<string | undefined> {
  const res = await db.query<{ id: string }>(
    `INSERT INTO quota_rules (site_id, name, member_id, squad_id, space_id, space_kind, metric, period, maximum,
                              window_start, window_end, count_participants)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
     ON CONFLICT (site_id, name) DO NOTHING RETURNING id`,
    [siteId, ...ruleValues(r)],
  );
  return res.rows[0]?.id;
}

/** Replaces a rule's fields (its version goes up); false when the new name is another rule's. */
export async function updateRule(db: Queryable, siteId: string, id: string, r: NewRule): Promise<boolean> {
  // The name is unique per site: a clash is answered, not thrown (the caller says it in words),
  // also when another admin's rename to the same name commits between the check and the write.
  const res = await db
    .query(
      `UPDATE quota_rules SET name = $3, member_id = $4, squad_id = $5, space_id = $6, space_kind = $7, metric = $8,
            period = $9, maximum = $10, window_start = $11, window_end = $12, count_participants = $13,
            version = version + 1
      WHERE site_id = $1 AND id = $2
        AND NOT EXISTS (SELECT 1 FROM quota_rules o WHERE o.site_id = $1 AND o.name = $3 AND o.id <> $2)
      RETURNING id`,
      [siteId, id, ...ruleValues(r)],
    )
    .catch((err: unknown) => {
      if (pgErrorCode(err) === PgCode.uniqueViolation) return { rows: [] };
      throw err;
    });
  return res.rows.length > 0;
}

export async function deleteRule(db: Queryable, siteId: string, id: string): Promise<boolean> {
  const res = await db.query('DELETE FROM quota_rules WHERE site_id = $1 AND id = $2 RETURNING id', [
    siteId,
    id,
  ]);
  return res.rows.length > 0;
}

/** Which of the given members, spaces and squads exist in the site (a rule must name real ones). */
export async function existing(
  db: Queryable,
  siteId: string,
  ids: { memberId: string | null; squadId: string | null; spaceId: string | null },
): Promise<{ member: boolean; squad: boolean; space: boolean }> {
  const res = await db.query<{ member: boolean; squad: boolean; space: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM members WHERE site_id = $1 AND id = $2::uuid) AS member,
            EXISTS (SELECT 1 FROM squads WHERE site_id = $1 AND id = $3::uuid) AS squad,
            EXISTS (SELECT 1 FROM spaces WHERE site_id = $1 AND id = $4::uuid) AS space`,
    [siteId, ids.memberId, ids.squadId, ids.spaceId],
  );
  return res.rows[0]!;
}

/** A rule as it applies to one member (by name, by squad, or to everyone). */
export interface ApplicableRuleRow extends QuotaRuleRow {
  appliesTo: string;
  appliesToName: string;
}

/**
 * The rules that apply to each of `memberIds`: naming the member, one of their squads, or nobody
 * (everyone); with `spaceId`, only those for that space, its kind, or every space. With the site's
 * zone, in one statement: a booking with no rule in place pays one round trip for quotas.
 */
export async function applicableRules(
  db: Queryable,
  siteId: string,
  memberIds: readonly string[],
  spaceId: string | null,
): Promise<{ timeZone: string; rules: ApplicableRuleRow[] }> {
  const res = await db.query<ApplicableRuleRow & { timeZone: string }>(
    `SELECT st.time_zone AS "timeZone", m.id AS "appliesTo", m.display_name AS "appliesToName", ${ruleColumns}
       FROM sites st
       JOIN members m ON m.site_id = st.site_id AND m.id = ANY($2::uuid[])
       JOIN quota_rules r ON r.site_id = st.site_id
        AND (r.member_id = m.id
             OR (r.member_id IS NULL AND r.squad_id IS NULL)
             OR r.squad_id IN (SELECT sm.squad_id FROM squad_members sm
                                WHERE sm.site_id = st.site_id AND sm.member_id = m.id))
        AND ($3::uuid IS NULL
             OR (r.space_id IS NULL AND r.space_kind IS NULL)
             OR r.space_id = $3::uuid
             OR r.space_kind = (SELECT sp.kind FROM spaces sp WHERE sp.site_id = st.site_id AND sp.id = $3::uuid))
      WHERE st.site_id = $1
      ORDER BY m.id, r.name, r.id`,
    [siteId, [...memberIds], spaceId],
  );
  if (res.rows.length > 0) return { timeZone: res.rows[0]!.timeZone, rules: res.rows };
  return { timeZone: 'UTC', rules: [] };
}

export async function siteZone(db: Queryable, siteId: string): Promise<string> {
  const res = await db.query<{ z: string }>('SELECT time_zone AS z FROM sites WHERE site_id = $1', [siteId]);
  return res.rows[0]?.z ?? 'UTC';
}

/** A session that may count for a member: theirs as organizer, or as a participant. */
export interface CountedRow {
  id: string;
  start: Date;
  end: Date;
  spaceId: string;
  kind: string;
  organizer: boolean;
}

/**
 * The member's sessions starting in [from, to) that count towards quotas: active or completed
 * (cancelled and released sessions were given back), as organizer, named member or squad member.
 */
export async function countedSessions(
  db: Queryable,
  siteId: string,
  memberId: string,
  from: Date,
  to: Date,
  exceptIds: readonly string[],
): Promise<CountedRow[]> {
  const res = await db.query<CountedRow>(
    `SELECT b.id, b.start_at AS "start", b.end_at AS "end", b.space_id AS "spaceId", s.kind,
            b.organizer_id = $2::uuid AS organizer
       FROM bookings b JOIN spaces s ON s.site_id = b.site_id AND s.id = b.space_id
      WHERE b.site_id = $1 AND b.status IN ('confirmed', 'checked_in', 'completed')
        AND b.start_at >= $3::timestamptz AND b.start_at < $4::timestamptz
        AND NOT (b.id = ANY($5::uuid[]))
        AND (b.organizer_id = $2::uuid
             OR EXISTS (SELECT 1 FROM booking_members bm
                         WHERE bm.site_id = b.site_id AND bm.booking_id = b.id AND bm.member_id = $2::uuid)
             OR EXISTS (SELECT 1 FROM booking_squads bq JOIN squad_members sm
                                ON sm.site_id = bq.site_id AND sm.squad_id = bq.squad_id
                         WHERE bq.site_id = b.site_id AND bq.booking_id = b.id AND sm.member_id = $2::uuid))`,
    [siteId, memberId, iso(from), iso(to), [...exceptIds]],
  );
  return res.rows;
}
