import type { Queryable } from '../../db/store.ts';
import type { PayloadOf } from './types.ts';

/** An event to write; the payload of a typed event type (types.ts) is checked against its type. */
export type NewEvent<T extends string = string> = {
  siteId: string;
  actorId: string | null;
  type: T;
  subjectType: string;
  subjectId: string | null;
  reason?: string | null;
} & PayloadOf<T>;

/** Writes the event row of a change; call it in the transaction of the change. */
export async function insertEvent<T extends string>(db: Queryable, e: NewEvent<T>): Promise<void> {
  await db.query(
    `INSERT INTO events (site_id, actor_id, type, subject_type, subject_id, before, after, reason)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      e.siteId,
      e.actorId,
      e.type,
      e.subjectType,
      e.subjectId,
      e.before === undefined ? null : JSON.stringify(e.before),
      e.after === undefined ? null : JSON.stringify(e.after),
      e.reason ?? null,
    ],
  );
}

export interface EventRow {
  id: string;
  at: Date;
  actorId: string | null;
  type: string;
  subjectType: string;
  subjectId: string | null;
  before: unknown;
  after: unknown;
  reason: string | null;
}

export async function listEventsForSubject(
  db: Queryable,
  siteId: string,
  subjectId: string,
): Promise<EventRow[]> {
  const res = await db.query<EventRow>(
    `SELECT id::text, at, actor_id AS "actorId", type, subject_type AS "subjectType", subject_id AS "subjectId",
            before, after, reason
       FROM events WHERE site_id = $1 AND subject_id = $2 ORDER BY id`,
    [siteId, subjectId],
  );
  return res.rows;
}
