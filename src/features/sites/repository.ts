import type { Queryable } from '../../db/store.ts';

export interface SiteRow {
  siteId: string;
  name: string;
  timeZone: string;
  quietStart: string | null;
  quietEnd: string | null;
  horizonDays: number;
  adjacencyMinutes: number;
  headsUpMinutes: number;
  waitlistHoldMinutes: number;
  createdAt: Date;
}

const siteColumns = `site_id AS "siteId", name, time_zone AS "timeZone",
  to_char(quiet_start, 'HH24:MI') AS "quietStart", to_char(quiet_end, 'HH24:MI') AS "quietEnd",
  horizon_days AS "horizonDays", adjacency_minutes AS "adjacencyMinutes",
  heads_up_minutes AS "headsUpMinutes", waitlist_hold_minutes AS "waitlistHoldMinutes", created_at AS "createdAt"`;

export async function findSite(db: Queryable, siteId: string): Promise<SiteRow | undefined> {
  const res = await db.query<SiteRow>(`SELECT ${siteColumns} FROM sites WHERE site_id = $1`, [siteId]);
  return res.rows[0];
}

export async function listSites(db: Queryable): Promise<SiteRow[]> {
  const res = await db.query<SiteRow>(`SELECT ${siteColumns} FROM sites ORDER BY created_at, site_id`);
  return res.rows;
}

export interface SiteFields {
  name: string;
  timeZone: string;
  quietStart: string | null;
  quietEnd: string | null;
  horizonDays: number;
  adjacencyMinutes: number;
  headsUpMinutes: number;
  waitlistHoldMinutes: number;
}

export async function insertSite(db: Queryable, s: SiteFields & { siteId?: string }): Promise<string> {
  const res = await db.query<{ siteId: string }>(
    `INSERT INTO sites (site_id, name, time_zone, quiet_start, quiet_end, horizon_days, adjacency_minutes,
                        heads_up_minutes, waitlist_hold_minutes)
     VALUES (COALESCE($1::uuid, gen_random_uuid()), $2, $3, $4, $5, $6, $7, $8, $9) RETURNING site_id AS "siteId"`,
    [
      s.siteId ?? null,
      s.name,
      s.timeZone,
      s.quietStart,
      s.quietEnd,
      s.horizonDays,
      s.adjacencyMinutes,
      s.headsUpMinutes,
      s.waitlistHoldMinutes,
    ],
  );
  return res.rows[0]!.siteId;
}

export async function updateSite(db: Queryable, siteId: string, s: SiteFields): Promise<void> {
  await db.query(
    `UPDATE sites SET name = $2, time_zone = $3, quiet_start = $4, quiet_end = $5, horizon_days = $6,
            adjacency_minutes = $7, heads_up_minutes = $8, waitlist_hold_minutes = $9
      WHERE site_id = $1`,
    [
      siteId,
      s.name,
      s.timeZone,
      s.quietStart,
      s.quietEnd,
      s.horizonDays,
      s.adjacencyMinutes,
      s.headsUpMinutes,
      s.waitlistHoldMinutes,
    ],
  );
}

export async function countSites(db: Queryable): Promise<number> {
  const res = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM sites');
  return res.rows[0]!.n;
}

/** Serializes first starts: held until the caller's transaction ends. */
export async function lockFirstStart(db: Queryable): Promise<void> {
  await db.query('SELECT pg_advisory_xact_lock(7320552)');
}
