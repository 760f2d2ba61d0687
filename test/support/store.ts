import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { listMigrations, migrate } from '../../src/db/migrate.ts';
import { type Db, openPglite, openPostgres, type StoreLimits } from '../../src/db/store.ts';

export type StoreKind = 'pglite' | 'postgres';

/** PGlite always; the PostgreSQL server too when TEST_DATABASE_URL is set (as in CI). */
export function storeKinds(): StoreKind[] {
  return process.env.TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];
}

function templatePath(): string {
  const digest = createHash('sha256');
  for (const m of listMigrations()) digest.update(m.name).update(m.sql);
  return join(tmpdir(), `shipshape-template-${digest.digest('hex').slice(0, 16)}.tar.gz`);
}

/**
 * A fresh, migrated PGlite, loaded from a template dump shared by the test files of one
 * schema version (about 1 s, against 2.5 s+ for initdb and migrations).
 */
async function openFreshPglite(limits?: StoreLimits): Promise<Db> {
  const path = templatePath();
  if (!existsSync(path)) {
    const db = await openPglite(undefined);
    await migrate(db);
    const dump = await db.pglite.dumpDataDir('gzip');
    await db.close();
    const tmp = `${path}.${randomBytes(4).toString('hex')}`;
    writeFileSync(tmp, Buffer.from(await dump.arrayBuffer()));
    renameSync(tmp, path);
  }
  const db = await openPglite(undefined, new Blob([readFileSync(path)]), limits);
  await migrate(db);
  return db;
}

/** A new database on the test server, migrated; dropped again by the returned close(). */
async function openFreshPostgres(opts: TestStoreOptions = {}): Promise<Db> {
  const base = process.env.TEST_DATABASE_URL!;
  const name = `shipshape_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  const db = openPostgres(url.toString(), opts.max ?? 20, opts.limits);
  await migrate(db);
  const close = db.close;
  return {
    ...db,
    close: async () => {
      await close();
      const again = new pg.Client({ connectionString: base });
      await again.connect();
      await again.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await again.end();
    },
  };
}

/** Bounds on the store's waits (default: the server's), and the pool size on PostgreSQL (20). */
export interface TestStoreOptions {
  limits?: StoreLimits;
  max?: number;
}

export async function openTestStore(kind: StoreKind, opts: TestStoreOptions = {}): Promise<Db> {
  return kind === 'pglite' ? openFreshPglite(opts.limits) : openFreshPostgres(opts);
}
