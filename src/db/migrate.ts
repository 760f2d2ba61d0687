import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../paths.ts';
import type { Db } from './store.ts';

const migrationsDir = join(projectRoot, 'src', 'db', 'migrations');

/** Forward-only migrations: files NNNN-name.sql, applied in order, each in its own transaction. */
export function listMigrations(): { version: number; name: string; sql: string }[] {
  return readdirSync(migrationsDir)
    .filter((f) => /^\d{4}-[a-z0-9-]+\.sql$/.test(f))
    .sort()
    .map((f) => ({
      version: Number(f.slice(0, 4)),
      name: f.slice(5, -4),
      sql: readFileSync(join(migrationsDir, f), 'utf8'),
    }));
}

/**
 * Applies pending migrations; returns the versions applied. Safe to run from two processes at once:
 * each migration's transaction takes the migration lock before anything else, even before creating
 * `schema_migrations` (two servers creating it at once on an empty database collide on the catalog's
 * unique index of type names, so that too must happen under the lock).
 */
export async function migrate(db: Db): Promise<number[]> {
  const applied: number[] = [];
  for (const m of listMigrations()) {
    const done = await db.transaction(async (tx) => {
      // One migrator at a time on a shared server; PGlite serializes anyway.
      await tx.query('SELECT pg_advisory_xact_lock(7320551)');
      await tx.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer PRIMARY KEY,
        name text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now())`);
      const seen = await tx.query('SELECT 1 FROM schema_migrations WHERE version = $1', [m.version]);
      if (seen.rows.length > 0) return false;
      await tx.exec(m.sql);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      return true;
    });
    if (done) applied.push(m.version);
  }
  return applied;
}
