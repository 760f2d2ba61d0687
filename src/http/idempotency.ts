import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Db, Tx } from '../db/store.ts';
import { AppError } from '../features/errors.ts';
import * as repo from '../features/idempotency/repository.ts';
import { idempotencyRetentionMs } from '../features/idempotency/service.ts';
import type { Deps } from './deps.ts';
import { toProblem } from './problem.ts';

export interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

const maxKeyLength = 200;

/** Field names that hold a credential shown once (API tokens, one-time links, passwords). */
const secretField = /^(token|secret|password|link)$|(Token|Secret|Password|Link)$/;

/**
 * The request as text for its hash. Fields holding a secret (a password sent to set or check one)
 * are left out: an unsalted hash of a body holding a password would let whoever reads the records
 * guess the password offline.
 */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([k]) => !secretField.test(k))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * The answer as a record may keep it: without any secret. A replay record is readable by whoever
 * reads the database, so a token created once must not be kept there in clear.
 */
function withoutSecrets(value: unknown): { value: unknown; found: boolean } {
  if (Array.isArray(value)) {
    const items = value.map(withoutSecrets);
    return { value: items.map((i) => i.value), found: items.some((i) => i.found) };
  }
  if (value && typeof value === 'object') {
    let found = false;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (secretField.test(k) && typeof v === 'string') {
        found = true;
        continue;
      }
      const inner = withoutSecrets(v);
      found ||= inner.found;
      out[k] = inner.value;
    }
    return { value: out, found };
  }
  return { value, found: false };
}

const problemType = 'application/problem+json; charset=utf-8';

/**
 * Runs a POST's use-case under its Idempotency-Key, by one rule for every POST (README, "Retries"):
 *
 * - A success (2xx) is recorded with its change, in one transaction, and a retry with the same key
 *   and body replays it for 24 hours (then records are purged) and does nothing twice.
 * - A refused request (any 4xx: a thrown AppError, whose change is rolled back, or an answered
 *   refusal such as a check-in 409, whose side effects commit) is not recorded for retries: a retry
 *   sent after the refusal runs afresh (the slot may have freed).
 * - A concurrent twin (same key, sent before the first finished) waits for the first on the key's
 *   primary key and answers the same, refusal included: the refusal is kept with the time it was
 *   given, replayed only to requests that arrived before then, and replaced by the next retry.
 * - An answer that holds a secret (a new API token) is kept without it; a retry answers 409
 *   `secret-not-replayed`, naming what was created, instead of the secret.
 * - An unexpected error (5xx) rolls everything back, key included.
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
    // When the request arrived (before its authentication queued behind other work), in wall time,
    // not the injectable clock: it orders this request against another process's refusal.
    const arrivedAt = Date.now() - reply.elapsedTime;
    const actor = request.actor;
    const path = request.url.split('?')[0] ?? request.url;
    const ref = { siteId: actor.siteId, memberId: actor.memberId, key };
    const hash = createHash('sha256')
      .update(`${request.method} ${path}\n${canonical(request.body ?? null)}`)
      .digest('hex');
    let refusal: AppError | undefined;
    answer = await deps.db.transaction(async (tx) => {
      refusal = undefined;
      let claimed = await repo.claimKey(tx, ref, { method: request.method, path, hash });
      if (!claimed) {
        const prior = await repo.findKey(tx, ref);
        if (!prior || prior.requestHash !== hash)
          throw new AppError('idempotency-key-reused', 'This Idempotency-Key was used for another request', {
            field: 'header.idempotency-key',
          });
        const stored = prior.response;
        const expired = new Date(prior.createdAt).getTime() < arrivedAt - idempotencyRetentionMs;
        // A refusal given before this request arrived is not an answer to it: this is a retry.
        const retryAfterRefusal = stored?.refusedAt !== undefined && stored.refusedAt <= arrivedAt;
        if (stored && !expired && !retryAfterRefusal) {
          const replayed = { 'idempotent-replayed': 'true' };
          if (stored.withheld)
            return {
              status: 409,
              body: toProblem(
                new AppError(
                  'secret-not-replayed',
                  'The first request with this Idempotency-Key succeeded; what it created holds a secret that was shown only once and is not kept, so it cannot be replayed. Revoke it if the answer was lost, and create another.',
                  { field: 'header.idempotency-key', created: stored.body },
                ),
                path,
              ),
              headers: { ...replayed, 'content-type': problemType },
            };
          return { status: stored.status, body: stored.body, headers: { ...stored.headers, ...replayed } };
        }
        await repo.deleteKey(tx, ref);
        claimed = await repo.claimKey(tx, ref, { method: request.method, path, hash });
        if (!claimed) throw new Error('idempotency key vanished while held');
      }
      // The use-case runs under a savepoint, so a refusal rolls back its change but not the key.
      await tx.query('SAVEPOINT idempotent_run');
      let fresh: Answer;
      try {
        fresh = await run(tx);
        await tx.query('RELEASE SAVEPOINT idempotent_run');
      } catch (err) {
        if (!(err instanceof AppError) || err.status >= 500) throw err;
        await tx.query('ROLLBACK TO SAVEPOINT idempotent_run');
        refusal = err;
        fresh = { status: err.status, body: toProblem(err, path), headers: { 'content-type': problemType } };
      }
      if (fresh.status >= 200 && fresh.status < 300) {
        const kept = withoutSecrets(fresh.body);
        await repo.recordAnswer(
          tx,
          ref,
          kept.found
            ? { status: fresh.status, body: kept.value, withheld: true }
            : {
                status: fresh.status,
                body: fresh.body,
                ...(fresh.headers ? { headers: fresh.headers } : {}),
              },
        );
      } else {
        await repo.recordAnswer(tx, ref, {
          status: fresh.status,
          body: fresh.body,
          ...(fresh.headers ? { headers: fresh.headers } : {}),
          refusedAt: Date.now(),
        });
      }
      return fresh;
    });
    // A refusal of this very request goes through the one error mapper, like any other error.
    if (refusal) throw refusal;
  }
  for (const [name, value] of Object.entries(answer.headers ?? {})) void reply.header(name, value);
  void reply.status(answer.status).send(answer.body);
}
