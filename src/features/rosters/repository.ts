import type { Queryable } from '../../db/store.ts';

export interface DutyShiftRow {
  id: string;
  memberId: string;
  title: string;
  rrule: string;
  startDate: string;
  startTime: string;
  durationMinutes: number;
  timeZone: string;
  createdBy: string;
  createdAt: Date;
}

const shiftColumns = `id, member_id AS "memberId", title, rrule, to_char(start_date, 'YYYY-MM-DD') AS "startDate",
  start_time AS "startTime", duration_minutes AS "durationMinutes", time_zone AS "timeZone",
  created_by AS "createdBy", created_at AS "createdAt"`;

export async function listDutyShifts(
  db: Queryable,
  siteId: string,
  memberIds: string[],
): Promise<DutyShiftRow[]> {
  const res = await db.query<DutyShiftRow>(
    `SELECT ${shiftColumns} FROM duty_shifts WHERE site_id = $1 AND member_id = ANY($2::uuid[])
      ORDER BY member_id, start_date, start_time, id`,
    [siteId, memberIds],
  );
  return res.rows;
}

export async function findDutyShift(
  db: Queryable,
  siteId: string,
  id: string,
): Promise<DutyShiftRow | undefined> {
  const res = await db.query<DutyShiftRow>(
    `SELECT ${shiftColumns} FROM duty_shifts WHERE site_id = $1 AND id = $2`,
    [siteId, id],
  );
  return res.rows[0];
}

export async function insertDutyShift(
  db: Queryable,
  siteId: string,
  s: Omit<DutyShiftRow, 'id' | 'createdAt'>,
): Promise<string> {
  const res = await db.query<{ id: string }>(
    `INSERT INTO duty_shifts (site_id, member_id, title, rrule, start_date, start_time, duration_minutes, time_zone, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
    [
      siteId,
      s.memberId,
      s.title,
      s.rrule,
      s.startDate,
      s.startTime,
      s.durationMinutes,
      s.timeZone,
      s.createdBy,
    ],
  );
  return res.rows[0]!.id;
}

export async function deleteDutyShift(db: Queryable, siteId: string, id: string): Promise<void> {
  await db.query('DELETE FROM duty_shifts WHERE site_id = $1 AND id = $2', [siteId, id]);
}

export interface LeaveRow {
  id: string;
  memberId: string;
  start: Date;
  end: Date;
  reason: string;
  createdBy: string;
}

const leaveColumns = `id, member_id AS "memberId", start_at AS "start", end_at AS "end", reason, created_by AS "createdBy"`;

/** Leave of the members; with a range, only what overlaps it. */
export async function listLeave(
  db: Queryable,
  siteId: string,
  memberIds: string[],
  range?: { from: Date; to: Date },
): Promise<LeaveRow[]> {
  const res = await db.query<LeaveRow>(
    `SELECT ${leaveColumns} FROM member_leave
      WHERE site_id = $1 AND member_id = ANY($2::uuid[])
        AND ($3::timestamptz IS NULL OR (end_at > $3 AND start_at < $4))
      ORDER BY member_id, start_at, id`,
    [siteId, memberIds, range?.from.toISOString() ?? null, range?.to.toISOString() ?? null],
  );
  return res.rows;
}

export async function findLeave(db: Queryable, siteId: string, id: string): Promise<LeaveRow | undefined> {
  const res = await db.query<LeaveRow>(
    `SELECT ${leaveColumns} FROM member_leave WHERE site_id = $1 AND id = $2`,
    [siteId, id],
  );
  return res.rows[0];
}

export async function insertLeave(db: Queryable, siteId: string, l: Omit<LeaveRow, 'id'>): Promise<string> {
  const res = await db.query<{ id: string }>(
    `INSERT INTO member_leave (site_id, member_id, start_at, end_at, reason, created_by)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
    [siteId, l.memberId, l.start.toISOString(), l.end.toISOString(), l.reason, l.createdBy],
  );
  return res.rows[0]!.id;
}

export async function deleteLeave(db: Queryable, siteId: string, id: string): Promise<void> {
  await db.query('DELETE FROM member_leave WHERE site_id = $1 AND id = $2', [siteId, id]);
}

/** The site's zone. */
export async function siteZone(db: Queryable, siteId: string): Promise<string> {
  const res = await db.query<{ zone: string }>('SELECT time_zone AS zone FROM sites WHERE site_id = $1', [
    siteId,
  ]);
  return res.rows[0]!.zone;
}
