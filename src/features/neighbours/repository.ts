import type { Queryable } from '../../db/store.ts';

/**
 * The ids of the nearest active bookings of the same space before (ending at or before `start`)
 * and after (starting at or after `end`) a booking.
 */
export async function findNeighbourIds(
  db: Queryable,
  siteId: string,
  spaceId: string,
  id: string,
  start: Date,
  end: Date,
): Promise<{ before: string | null; after: string | null }> {
  const res = await db.query<{ before: string | null; after: string | null }>(
    `SELECT
       (SELECT b.id FROM bookings b
         WHERE b.site_id = $1 AND b.space_id = $2 AND b.id <> $3 AND b.status IN ('confirmed', 'checked_in')
           AND b.end_at <= $4::timestamptz ORDER BY b.end_at DESC, b.id LIMIT 1) AS before,
       (SELECT b.id FROM bookings b
         WHERE b.site_id = $1 AND b.space_id = $2 AND b.id <> $3 AND b.status IN ('confirmed', 'checked_in')
           AND b.start_at >= $5::timestamptz ORDER BY b.start_at, b.id LIMIT 1) AS after`,
    [siteId, spaceId, id, start.toISOString(), end.toISOString()],
  );
  return res.rows[0] ?? { before: null, after: null };
}

export async function adjacencyMinutes(db: Queryable, siteId: string): Promise<number> {
  const res = await db.query<{ m: number }>('SELECT adjacency_minutes AS m FROM sites WHERE site_id = $1', [
    siteId,
  ]);
  return res.rows[0]?.m ?? 30;
}
