import type { Db } from './store.ts';

/**
 * Housekeeping the embedded store needs and a server does for itself: PGlite runs PostgreSQL in
 * single-user mode, where autovacuum never runs, so dead rows of updated and deleted bookings,
 * notices and outbox entries would pile up and the planner would have no statistics (planning every
 * query as if its tables were empty). One VACUUM (ANALYZE) an hour keeps both in hand; with the
 * visibility map, pages left untouched since the last run are skipped. Nothing to do on a server.
 */
export async function maintainEmbeddedStore(db: Db): Promise<void> {
  if (db.kind !== 'pglite') return;
  await db.exec('VACUUM (ANALYZE)');
}
