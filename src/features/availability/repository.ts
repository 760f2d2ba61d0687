import type { Queryable } from '../../db/store.ts';
import { type SpaceRules, spaceRuleColumns } from '../bookings/repository.ts';

export interface SpaceWithBlocked extends SpaceRules {
  /** Blocked ranges as epoch ms, flattened: [start0, end0, start1, end1, …], by start. */
  blocked: number[];
}

/**
 * The rules of each space and the blocked ranges of its active bookings that overlap
 * [from, to + the space's changeover), in one statement. Per space the ranges come from an
 * index scan of the exclusion constraint's gist index (site_id, space_id, blocked); the
 * constraint's partial predicate is repeated so the planner may use it.
 */
export async function spacesWithBlocked(
  db: Queryable,
  siteId: string,
  spaceIds: string[],
  from: Date,
  to: Date,
): Promise<SpaceWithBlocked[]> {
  const res = await db.query<SpaceWithBlocked>(
    `SELECT ${spaceRuleColumns},
            ARRAY(SELECT x.v
                    FROM bookings b,
                         LATERAL (VALUES (0, extract(epoch FROM lower(b.blocked)) * 1000),
                                         (1, extract(epoch FROM upper(b.blocked)) * 1000)) AS x(k, v)
                   WHERE b.site_id = s.site_id AND b.space_id = s.id AND b.status IN ('confirmed', 'checked_in')
                     AND b.blocked && tstzrange($3::timestamptz,
                                                $4::timestamptz + make_interval(mins => s.changeover_minutes), '[)')
                   ORDER BY lower(b.blocked), x.k)::float8[] AS blocked
       FROM spaces s JOIN sites st ON st.site_id = s.site_id
      WHERE s.site_id = $1 AND s.id = ANY($2::uuid[])`,
    [siteId, spaceIds, from.toISOString(), to.toISOString()],
  );
  return res.rows;
}
