import type { Db } from '../../db/store.ts';
import * as repo from './repository.ts';

/** How long a retry may replay the first answer; older records are purged. */
export const idempotencyRetentionMs = 24 * 3_600_000;

/**
 * Purges idempotency records older than 24 hours (a retry after that is a new request). They are a
 * retry cache, not site data: no event is written for their removal, as none is for their creation.
 */
export async function purgeIdempotencyKeys(db: Db, now: Date): Promise<number> {
  const before = new Date(now.getTime() - idempotencyRetentionMs);
  let total = 0;
  for (;;) {
    const n = await repo.purgeKeysBefore(db, before, 1000);
    total += n;
    if (n < 1000) return total;
  }
}
