import type { Db } from '../../db/store.ts';
import type { Clock } from '../../domain/clock.ts';
import { hubFor } from '../notifications/live.ts';
import { outboxLag, outboxPending, registry, sseConnections, storePool } from './registry.ts';
import { outboxStates } from './repository.ts';

/** The Prometheus text of this process, with the store-derived gauges read now. */
export async function scrapeMetrics(db: Db, clock: Clock): Promise<{ contentType: string; body: string }> {
  for (const s of await outboxStates(db, clock.now())) {
    outboxLag.set({ outbox: s.outbox }, s.lagSeconds);
    outboxPending.set({ outbox: s.outbox }, s.pending);
  }
  sseConnections.set(hubFor(db).listenerCount);
  const pool = db.poolStats?.() ?? { total: 1, idle: 0, waiting: 0 };
  storePool.set({ state: 'total' }, pool.total);
  storePool.set({ state: 'idle' }, pool.idle);
  storePool.set({ state: 'waiting' }, pool.waiting);
  return { contentType: registry.contentType, body: await registry.metrics() };
}
