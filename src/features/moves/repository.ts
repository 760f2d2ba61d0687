import { PgCode, pgErrorCode, type Queryable } from '../../db/store.ts';

const iso = (d: Date) => d.toISOString();

/**
 * Moves a booking to another space and/or time in one statement: the old slot frees as the new one
 * is taken, and the exclusion constraint decides whether the new one is free. Runs in a savepoint
 * so a conflict leaves the transaction usable. The caller says the status (a session that is under
 * way stays checked in) and the visibility (a move into a private cabin makes it private).
 */
export async function relocate(
  db: Queryable,
  siteId: string,
  id: string,
  to: {
    spaceId: string;
    start: Date;
    end: Date;
    changeoverMinutes: number;
    visibility: 'public' | 'private';
    status: 'confirmed' | 'checked_in';
  },
): Promise<'ok' | 'conflict'> {
  await db.query('SAVEPOINT booking_move');
  try {
    await db.query(
      `UPDATE bookings
          SET space_id = $3, start_at = $4::timestamptz, end_at = $5::timestamptz,
              blocked = tstzrange($4::timestamptz, $5::timestamptz + make_interval(mins => $6::int), '[)'),
              visibility = $7, status = $8, version = version + 1, updated_at = now()
        WHERE site_id = $1 AND id = $2`,
      [siteId, id, to.spaceId, iso(to.start), iso(to.end), to.changeoverMinutes, to.visibility, to.status],
    );
    await db.query('RELEASE SAVEPOINT booking_move');
    return 'ok';
  } catch (err) {
    await db.query('ROLLBACK TO SAVEPOINT booking_move');
    if (pgErrorCode(err) === PgCode.exclusionViolation) return 'conflict';
    throw err;
  }
}
