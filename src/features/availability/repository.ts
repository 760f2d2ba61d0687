import type { Queryable } from '../../db/store.ts';

/**
 * Blocked ranges of active bookings of each space overlapping [from, to + the space's
 * changeover), as epoch ms. One statement; per space it is an index scan of the exclusion
 * constraint's gist index (site_id, space_id, blocked) — its partial predicate is repeated.
 */
export async function blockedRanges(
  db: Queryable,
  siteId: string,
  spaces: { id: string; changeoverMinutes: number }[],
  from: Date,
  to: Date,
): Promise<{ spaceId: string; start: number; end: number }[]> {
  if (spaces.length === 0) return [];
  const res = await db.query<{ spaceId: string; start: number; end: number }>(
    `SELECT sp.id AS "spaceId",
            (extract(epoch FROM lower(b.blocked)) * 1000)::float8 AS start,
            (extract(epoch FROM upper(b.blocked)) * 1000)::float8 AS "end"
       FROM unnest($2::uuid[], $3::int[]) AS sp(id, changeover)
       CROSS JOIN LATERAL (
         SELECT blocked FROM bookings
          WHERE site_id = $1 AND space_id = sp.id AND status IN ('confirmed', 'checked_in')
            AND blocked && tstzrange($4::timestamptz, $5::timestamptz + make_interval(mins => sp.changeover), '[)')
       ) b`,
    [
      siteId,
      spaces.map((s) => s.id),
      spaces.map((s) => s.changeoverMinutes),
      from.toISOString(),
      to.toISOString(),
    ],
  );
  return res.rows.map((r) => ({ spaceId: r.spaceId, start: Number(r.start), end: Number(r.end) }));
}
