import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { readConfig } from '../../src/config.ts';
import { openPglite, whenOpen } from '../../src/db/store.ts';
import { lockDataDir, startServer } from '../../src/server.ts';

// A server opens the embedded store while it builds its app (whenOpen): the store's calls wait for
// the opening, and an opening that fails still fails the start, with the folder released.
describe('the embedded store opened in the background', () => {
  const root = mkdtempSync(join(tmpdir(), 'shipshape-store-open-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  it('answers calls once open, in and out of transactions, and closes the store it opened', async () => {
    let opened: Awaited<ReturnType<typeof openPglite>> | undefined;
    const db = whenOpen(
      'pglite',
      openPglite(undefined).then((inner) => {
        opened = inner;
        return inner;
      }),
    );
    assert.equal(db.kind, 'pglite');
    // Called before the opening is done: it waits for it.
    const [one, two] = await Promise.all([
      db.query<{ n: number }>('SELECT 1 AS n'),
      db.transaction(async (tx) => {
        await tx.exec('CREATE TABLE t (n int)');
        await tx.query('INSERT INTO t VALUES ($1)', [2]);
        return (await tx.query<{ n: number }>('SELECT n FROM t')).rows[0]!.n;
      }),
    ]);
    assert.equal(one.rows[0]!.n, 1);
    assert.equal(two, 2);
    await db.close();
    assert.equal(opened!.pglite.closed, true);
  });

  it('fails every call with the error of an opening that failed', async () => {
    const db = whenOpen('pglite', Promise.reject(new Error('the folder is not a store')));
    await assert.rejects(db.query('SELECT 1'), /the folder is not a store/);
    await assert.rejects(db.exec('SELECT 1'), /the folder is not a store/);
    await assert.rejects(
      db.transaction(async () => undefined),
      /the folder is not a store/,
    );
    await db.close(); // nothing was opened: nothing to close
  });

  it('a server on a folder that is not a store fails to start and releases the folder', async () => {
    const dataDir = join(root, 'broken');
    mkdirSync(dataDir);
    // PG_VERSION and nothing else: not a new folder (no template is loaded), and PostgreSQL cannot start.
    writeFileSync(join(dataDir, 'PG_VERSION'), '17\n');
    const config = readConfig({ SHIPSHAPE_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1' });
    await assert.rejects(startServer(config, { logger: false, hooks: [] }), /PGlite failed to initialize/);
    assert.equal(existsSync(join(dataDir, 'shipshape.lock')), false);
    lockDataDir(dataDir)();
  });
});
