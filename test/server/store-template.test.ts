import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { listMigrations, migrate } from '../../src/db/migrate.ts';
import { openStore } from '../../src/db/store.ts';
import {
  buildStoreTemplate,
  isNewDataDir,
  readStoreTemplate,
  storeTemplatePath,
} from '../../src/db/template.ts';

describe('a new embedded store starts from the migrated template', () => {
  const dir = mkdtempSync(join(tmpdir(), 'shipshape-template-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('builds the template once per schema, and a data folder opened from it is migrated and keeps what is written', async () => {
    const path = storeTemplatePath(dir);
    assert.match(path, /store-template-[0-9a-f]{16}\.tar\.gz$/);
    assert.equal(readStoreTemplate(path), undefined);
    assert.equal(await buildStoreTemplate(path), true);
    assert.equal(await buildStoreTemplate(path), false, 'a second build leaves the first');

    const dataDir = join(dir, 'data');
    assert.equal(isNewDataDir(dataDir), true);
    const db = await openStore({ dataDir, template: readStoreTemplate(path) });
    assert.deepEqual(await migrate(db), [], 'every migration is in the template');
    const applied = await db.query<{ version: number }>(
      'SELECT version FROM schema_migrations ORDER BY version',
    );
    assert.deepEqual(
      applied.rows.map((r) => Number(r.version)),
      listMigrations().map((m) => m.version),
    );
    await db.query(`INSERT INTO sites (name, time_zone) VALUES ('ISV Meridian', 'Europe/Oslo')`);
    await db.close();

    // Opened again without the template, the folder is the store it became.
    assert.equal(isNewDataDir(dataDir), false);
    const again = await openStore({ dataDir });
    assert.deepEqual(await migrate(again), []);
    const sites = await again.query<{ name: string }>('SELECT name FROM sites');
    assert.deepEqual(
      sites.rows.map((r) => r.name),
      ['ISV Meridian'],
    );
    await again.close();
  });
});
