import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { projectRoot } from '../paths.ts';
import { listMigrations, migrate } from './migrate.ts';
import { openPglite } from './store.ts';

/**
 * A migrated, empty embedded store as a gzip dump of its data folder. A new data folder starts from
 * it instead of from initdb and every migration: about a third of the CPU of a first start. It is
 * built once per schema and PGlite version (the name carries a digest of both, so a stale template
 * is never used), by `npm start`'s prestart into dist/, and by the tests into the temp folder.
 */
export function storeTemplatePath(dir = join(projectRoot, 'dist')): string {
  const digest = createHash('sha256');
  digest.update(pgliteVersion());
  for (const m of listMigrations()) digest.update(m.name).update(m.sql);
  return join(dir, `store-template-${digest.digest('hex').slice(0, 16)}.tar.gz`);
}

function pgliteVersion(): string {
  try {
    const pkg = join(projectRoot, 'node_modules', '@electric-sql', 'pglite', 'package.json');
    return String(JSON.parse(readFileSync(pkg, 'utf8')).version);
  } catch {
    return 'unknown';
  }
}

/** Builds the template at `path` unless it is there; true when it built one. */
export async function buildStoreTemplate(path = storeTemplatePath()): Promise<boolean> {
  if (existsSync(path)) return false;
  const db = await openPglite(undefined);
  try {
    await migrate(db);
    const dump = await db.pglite.dumpDataDir('gzip');
    mkdirSync(dirname(path), { recursive: true });
    // Written aside and renamed: a process reading meanwhile sees no template or a whole one.
    const tmp = `${path}.${randomBytes(4).toString('hex')}`;
    writeFileSync(tmp, Buffer.from(await dump.arrayBuffer()));
    renameSync(tmp, path);
  } finally {
    await db.close();
  }
  return true;
}

/** The template for the current schema, when one has been built. */
export function readStoreTemplate(path = storeTemplatePath()): Blob | undefined {
  return existsSync(path) ? new Blob([readFileSync(path)]) : undefined;
}

/** Whether `dataDir` holds no store yet (PostgreSQL writes PG_VERSION first into a new cluster). */
export function isNewDataDir(dataDir: string): boolean {
  return !existsSync(join(dataDir, 'PG_VERSION'));
}
