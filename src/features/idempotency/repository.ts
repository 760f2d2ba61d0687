import type { Queryable } from '../../db/store.ts';

/** The key of one idempotency record: per site and member, so members cannot see each other's. */
export interface KeyRef {
  siteId: string;
  memberId: string;
  key: string;
}

/** What a record keeps of the first answer (never a secret: see http/idempotency.ts). */
export interface StoredAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** Set when the answer was a refusal: when it was given (ms since the epoch). */
  refusedAt?: number;
  /** Set when the answer held a secret shown once: the secret was not kept, so it is not replayed. */
  withheld?: true;
}

/**
 * Claims a key for a request; false when a record exists. A concurrent twin's insert waits on the
 * primary key until the claimer commits (then finds its record) or rolls back (then claims).
 */
export async function claimKey(
  db: Queryable,
  ref: KeyRef,
  request: { method: string; path: string; hash: string },
): Promise<boolean> {
  const res = await db.query(
    `INSERT INTO idempotency_keys (site_id, member_id, key, method, path, request_hash, status_code)
     VALUES ($1, $2, $3, $4, $5, $6, 0) ON CONFLICT DO NOTHING RETURNING key`,
    [ref.siteId, ref.memberId, ref.key, request.method, request.path, request.hash],
  );
  return res.rows.length > 0;
}

export interface StoredKey {
  requestHash: string;
  statusCode: number;
  response: StoredAnswer | null;
  createdAt: Date;
}

export async function findKey(db: Queryable, ref: KeyRef): Promise<StoredKey | undefined> {
  const res = await db.query<StoredKey>(
    `SELECT request_hash AS "requestHash", status_code AS "statusCode", response, created_at AS "createdAt"
       FROM idempotency_keys WHERE site_id = $1 AND member_id = $2 AND key = $3`,
    [ref.siteId, ref.memberId, ref.key],
  );
  return res.rows[0];
}

export async function recordAnswer(db: Queryable, ref: KeyRef, answer: StoredAnswer): Promise<void> {
  await db.query(
    `UPDATE idempotency_keys SET status_code = $4, response = $5
      WHERE site_id = $1 AND member_id = $2 AND key = $3`,
    [ref.siteId, ref.memberId, ref.key, answer.status, JSON.stringify(answer)],
  );
}

export async function deleteKey(db: Queryable, ref: KeyRef): Promise<void> {
  await db.query('DELETE FROM idempotency_keys WHERE site_id = $1 AND member_id = $2 AND key = $3', [
    ref.siteId,
    ref.memberId,
    ref.key,
  ]);
}

/** Deletes records created before `before`, at most `limit` at a time; answers how many. */
export async function purgeKeysBefore(db: Queryable, before: Date, limit: number): Promise<number> {
  // ctid batches keep one purge from holding many row locks in one statement.
  const res = await db.query(
    `DELETE FROM idempotency_keys WHERE ctid IN (
       SELECT ctid FROM idempotency_keys WHERE created_at < $1 LIMIT $2)`,
    [before, limit],
  );
  return res.affectedRows;
}
