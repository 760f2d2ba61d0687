import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Db, Tx } from '../db/store.ts';
import type { Deps } from './deps.ts';
import { AppError } from './errors.ts';

export interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

const maxKeyLength = 200;

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * Runs a POST's use-case so that a retry with the same Idempotency-Key returns the first answer.
 * The key row is inserted first in the same transaction as the change: a concurrent twin waits
 * on the key's unique index and then replays the committed answer, so nothing is done twice.
 * Errors roll the key back with the change, so a failed request may be retried as new.
 */
export async function answerPost(
  request: FastifyRequest,
  reply: FastifyReply,
  deps: Deps,
  run: (tx: Db | Tx) => Promise<Answer>,
  opts: { ownTransaction?: boolean } = {},
): Promise<void> {
  const raw = request.headers['idempotency-key'];
  const key = Array.isArray(raw) ? raw[0] : raw;
  let answer: Answer;
  if (key === undefined || !request.actor) {
    // A use-case that keeps its own atomicity (one statement, or its own transaction) runs on the
    // store directly: no transaction round trips for the common booking without a key.
    answer = opts.ownTransaction ? await run(deps.db) : await deps.db.transaction(run);
  } else {
    if (key.length === 0 || key.length > maxKeyLength || !/^[\x21-\x7e]+$/.test(key))
      throw new AppError(
        'validation',
        `Idempotency-Key must be 1 to ${maxKeyLength} visible ASCII characters`,
        {
          field: 'header.idempotency-key',
        },
      );
    const actor = request.actor;
    const path = request.url.split('?')[0] ?? request.url;
    const requestHash = createHash('sha256')
      .update(`${request.method} ${path}\n${canonical(request.body ?? null)}`)
      .digest('hex');
    answer = await deps.db.transaction(async (tx) => {
      const claimed = await tx.query(
        `INSERT INTO idempotency_keys (site_id, member_id, key, method, path, request_hash, status_code)
         VALUES ($1, $2, $3, $4, $5, $6, 0) ON CONFLICT DO NOTHING RETURNING key`,
        [actor.siteId, actor.memberId, key, request.method, path, requestHash],
      );
      if (claimed.rows.length === 0) {
        const prior = await tx.query<{ requestHash: string; statusCode: number; response: Answer }>(
          `SELECT request_hash AS "requestHash", status_code AS "statusCode", response
             FROM idempotency_keys WHERE site_id = $1 AND member_id = $2 AND key = $3`,
          [actor.siteId, actor.memberId, key],
        );
        const row = prior.rows[0];
        if (!row || row.requestHash !== requestHash)
          throw new AppError('idempotency-key-reused', 'This Idempotency-Key was used for another request', {
            field: 'header.idempotency-key',
          });
        return { ...row.response, headers: { ...row.response.headers, 'idempotent-replayed': 'true' } };
      }
      const fresh = await run(tx);
      await tx.query(
        `UPDATE idempotency_keys SET status_code = $4, response = $5
          WHERE site_id = $1 AND member_id = $2 AND key = $3`,
        [actor.siteId, actor.memberId, key, fresh.status, JSON.stringify(fresh)],
      );
      return fresh;
    });
  }
  for (const [name, value] of Object.entries(answer.headers ?? {})) void reply.header(name, value);
  void reply.status(answer.status).send(answer.body);
}
