/**
 * What the report's rollups cost a write (issue 12): raw INSERTs into bookings, as bench/run.ts's
 * phase (a) makes them (one statement each, 10 at once, back-to-back half-hour sessions of one space
 * and organizer, so ten concurrent inserts share a local day), then the same number of cancels
 * (an UPDATE of the status each). Prints inserts/s and updates/s per store.
 * Env: BENCH_STORES (pglite,postgres), BENCH_DATABASE_URL, BENCH_N (default 2000), BENCH_ROUNDS
 * (default 1: the store is opened afresh for each round, and every round is printed). Where the rollups
 * take deltas (migration 0021), also how long merging the round's rollup rows takes.
 */
import { migrate } from '../src/db/migrate.ts';
import { createSiteWithAdmin } from '../src/features/sites/service.ts';
import { openBenchStore } from './stores.ts';

const N = Number(process.env.BENCH_N ?? 2000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 1);
const CONCURRENCY = 10;
const stores = (process.env.BENCH_STORES ?? 'pglite,postgres').split(',');
const slotMs = 30 * 60_000;
const base = Date.parse('2027-03-01T00:00:00Z');

async function pool(count: number, workers: number, task: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

async function round(kind: string): Promise<{ inserts: number; updates: number; compactMs: number | null }> {
  const { db, cleanup } = await openBenchStore(kind, 'inserts', CONCURRENCY + 2);
  try {
    await migrate(db);
    const { siteId, adminId } = await createSiteWithAdmin(db, {
      site: { name: 'Bench', timeZone: 'Pacific/Auckland', horizonDays: 1100 },
      admin: { email: 'bench@example.test', displayName: 'Bench', passwordHash: null },
    });
    const space = await db.query<{ id: string }>(
      `INSERT INTO spaces (site_id, name, kind, capacity) VALUES ($1, 'raw', 'training', 10) RETURNING id`,
      [siteId],
    );
    const spaceId = space.rows[0]!.id;
    const ids: string[] = [];
    let t0 = performance.now();
    await pool(N, CONCURRENCY, async (i) => {
      const start = new Date(base + i * slotMs).toISOString();
      const end = new Date(base + (i + 1) * slotMs).toISOString();
      const res = await db.query<{ id: string }>(
        `INSERT INTO bookings (site_id, space_id, organizer_id, title, start_at, end_at, blocked)
         VALUES ($1, $2, $3, $4, $5, $6, tstzrange($5::timestamptz, $6::timestamptz, '[)')) RETURNING id`,
        [siteId, spaceId, adminId, `raw ${i}`, start, end],
      );
      ids[i] = res.rows[0]!.id;
    });
    const inserts = N / ((performance.now() - t0) / 1000);
    t0 = performance.now();
    await pool(N, CONCURRENCY, (i) =>
      db.query(
        `UPDATE bookings SET status = 'cancelled', cancelled_at = start_at - interval '2 hours'
          WHERE site_id = $1 AND id = $2`,
        [siteId, ids[i]],
      ),
    );
    const updates = N / ((performance.now() - t0) / 1000);
    // Where the rollups take deltas (migration 0021), what merging this round's rows costs.
    const compacts = await db.query<{ ok: boolean }>(
      `SELECT to_regproc('compact_report_rollups') IS NOT NULL AS ok`,
    );
    let compactMs: number | null = null;
    if (compacts.rows[0]!.ok) {
      t0 = performance.now();
      await db.query('SELECT compact_report_rollups()');
      compactMs = performance.now() - t0;
    }
    return { inserts, updates, compactMs };
  } finally {
    await cleanup();
  }
}

for (let r = 0; r < ROUNDS; r++)
  for (const kind of stores) {
    const { inserts, updates, compactMs } = await round(kind);
    const compacted = compactMs === null ? '' : `; their rollup rows merged in ${compactMs.toFixed(0)} ms`;
    console.log(
      `${kind}: ${N} raw inserts ${inserts.toFixed(0)}/s, ${N} cancels ${updates.toFixed(0)}/s${compacted}`,
    );
  }
