import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { type Db, openPglite, openPostgres, type StoreLimits } from '../src/db/store.ts';

export const benchServerUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function onServer(sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: benchServerUrl });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

/** A fresh database `shipshape_bench_<label>_<pid>` beside BENCH_DATABASE_URL: its URL and its drop. */
async function freshDatabase(label: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `shipshape_bench_${label}_${process.pid}`;
  await onServer(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await onServer(`CREATE DATABASE ${name}`);
  const url = new URL(benchServerUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => onServer(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/**
 * An empty, opened store for one bench: PGlite in a temp folder, or a fresh database beside
 * BENCH_DATABASE_URL (its `url`, for servers in other processes); cleanup closes and removes it.
 */
export async function openBenchStore(
  kind: string,
  label: string,
  poolMax = 10,
  limits?: StoreLimits,
): Promise<{ db: Db; cleanup: () => Promise<void>; url?: string }> {
  if (kind === 'pglite') {
    const dir = mkdtempSync(join(tmpdir(), `shipshape-bench-${label}-`));
    const db = await openPglite(dir, undefined, limits);
    return {
      db,
      cleanup: async () => {
        await db.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const { url, drop } = await freshDatabase(label);
  const db = openPostgres(url, poolMax, limits);
  return {
    db,
    url,
    cleanup: async () => {
      await db.close();
      await drop();
    },
  };
}

/**
 * An empty store for a server the bench starts itself: the environment that points `startServer`
 * at it (a PGlite data folder, or DATABASE_URL), and its removal.
 */
export async function emptyBenchStore(
  kind: string,
  label: string,
): Promise<{ env: Record<string, string>; drop: () => Promise<void> }> {
  if (kind === 'pglite') {
    const dir = mkdtempSync(join(tmpdir(), `shipshape-bench-${label}-`));
    return {
      env: { SHIPSHAPE_DATA_DIR: join(dir, 'data') },
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const { url, drop } = await freshDatabase(label);
  return { env: { DATABASE_URL: url }, drop };
}

/**
 * A port free at this moment, for a server the bench starts in another process. A fixed port can
 * be taken: the ports benches like best lie in the range the system gives outgoing connections.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}
