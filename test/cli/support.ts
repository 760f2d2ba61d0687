import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { CliIo } from '../../src/cli/io.ts';
import { runCli } from '../../src/cli/program.ts';
import { openPglite } from '../../src/db/store.ts';
import { buildStoreTemplate, readStoreTemplate, storeTemplatePath } from '../../src/db/template.ts';
import type { StoreKind } from '../support/store.ts';

/** The environment that points Shipshape at a new, empty store of one kind; `drop` removes it. */
export interface StoreEnv {
  env: Record<string, string>;
  drop(): Promise<void>;
}

/** An empty PGlite data dir, or a new database on the test server. Not migrated: the CLI does that. */
export async function emptyStore(kind: StoreKind): Promise<StoreEnv> {
  if (kind === 'pglite') {
    const dir = mkdtempSync(join(tmpdir(), 'shipshape-cli-'));
    return {
      env: { SHIPSHAPE_DATA_DIR: join(dir, 'data') },
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const base = process.env.TEST_DATABASE_URL!;
  const name = `shipshape_c_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    env: { DATABASE_URL: url.toString() },
    drop: async () => {
      const again = new pg.Client({ connectionString: base });
      await again.connect();
      await again.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await again.end();
    },
  };
}

/** The migrated, empty store's dump (db/template.ts), shared with the other test stores. */
async function dumpOfMigrated(): Promise<Blob> {
  const path = storeTemplatePath(tmpdir());
  await buildStoreTemplate(path);
  return readStoreTemplate(path)!;
}

/**
 * A store of one kind that is migrated and holds nothing yet, as the CLI finds it after `migrate`:
 * a PGlite data folder loaded from the migrated template instead of running initdb and every
 * migration again, or a new database on the test server.
 */
export async function migratedStore(kind: StoreKind): Promise<StoreEnv> {
  const store = await emptyStore(kind);
  if (store.env.SHIPSHAPE_DATA_DIR) {
    const db = await openPglite(store.env.SHIPSHAPE_DATA_DIR, await dumpOfMigrated());
    await db.close();
  }
  return store;
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `shipshape …` in-process with exactly the given environment. */
export async function cli(argv: string[], env: Record<string, string | undefined>): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    env: env as NodeJS.ProcessEnv,
    out: (t) => {
      stdout += t;
    },
    err: (t) => {
      stderr += t;
    },
  };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}
