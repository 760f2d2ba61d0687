import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { type Db, openPglite, openPostgres } from '../src/db/store.ts';

export const benchServerUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * An empty, opened store for one bench: PGlite in a temp folder, or a fresh database named
 * `shipshape_bench_<label>_<pid>` beside BENCH_DATABASE_URL (its `url`, for servers in other
 * processes); cleanup closes and removes it.
 */
export async function openBenchStore(
  kind: string,
  label: string,
  poolMax = 10,
): Promise<{ db: Db; cleanup: () => Promise<void>; url?: string }> {
  if (kind === 'pglite') {
    const dir = mkdtempSync(join(tmpdir(), `shipshape-bench-${label}-`));
    const db = await openPglite(dir);
    return {
      db,
      cleanup: async () => {
        await db.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const name = `shipshape_bench_${label}_${process.pid}`;
  const admin = new pg.Client({ connectionString: benchServerUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(benchServerUrl);
  url.pathname = `/${name}`;
  const db = openPostgres(url.toString(), poolMax);
  return {
    db,
    url: url.toString(),
    cleanup: async () => {
      await db.close();
      const again = new pg.Client({ connectionString: benchServerUrl });
      await again.connect();
      await again.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await again.end();
    },
  };
}
