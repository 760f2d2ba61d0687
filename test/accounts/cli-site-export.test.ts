import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readConfig } from '../../src/config.ts';
import { type Db, openStore } from '../../src/db/store.ts';
import { systemClock } from '../../src/domain/clock.ts';
import { login } from '../../src/features/auth/service.ts';
import { cli, migratedStore, type StoreEnv } from '../cli/support.ts';
import { storeKinds } from '../support/store.ts';

async function inStore<T>(env: Record<string, string>, fn: (db: Db) => Promise<T>): Promise<T> {
  const config = readConfig(env);
  const db = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

const uuid = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

for (const kind of storeKinds()) {
  describe(`admin create --site-name and export's secrets (${kind})`, () => {
    const stores: StoreEnv[] = [];
    let files: string;
    const fresh = async () => {
      const s = await migratedStore(kind);
      stores.push(s);
      return s.env;
    };
    before(() => {
      files = mkdtempSync(join(tmpdir(), 'shipshape-acct-export-'));
    });
    after(async () => {
      for (const s of stores) await s.drop();
      rmSync(files, { recursive: true, force: true });
    });

    it('admin create --site-name on a store with a site creates a second site, as asked', async () => {
      const env = await fresh();
      const first = await cli(['admin', 'create', '--email', 'one@cli.example', '--name', 'One'], env);
      assert.equal(first.code, 0, first.stderr);
      const second = await cli(
        [
          'admin',
          'create',
          '--email',
          'two@cli.example',
          '--name',
          'Two',
          '--password',
          'a long enough passphrase',
          '--site-name',
          'ISV Second',
        ],
        env,
      );
      assert.equal(second.code, 0, second.stderr);
      assert.match(second.stdout, /Created site .* \(ISV Second\)/);
      await inStore(env, async (db) => {
        const sites = await db.query<{ name: string; siteId: string }>(
          'SELECT name, site_id AS "siteId" FROM sites ORDER BY created_at',
        );
        assert.deepEqual(
          sites.rows.map((s) => s.name),
          ['Shipshape', 'ISV Second'],
        );
        const two = await login(db, systemClock, {
          email: 'two@cli.example',
          password: 'a long enough passphrase',
        });
        assert.equal(two.siteId, sites.rows[1]!.siteId);
      });
      const both = await cli(
        [
          'admin',
          'create',
          '--email',
          'x@cli.example',
          '--name',
          'X',
          '--site',
          'ISV Second',
          '--site-name',
          'Y',
        ],
        env,
      );
      assert.equal(both.code, 1);
      assert.match(both.stderr, /not both/);
    });

    it('export --out writes mode 0600 (also over an existing file) and --no-secrets leaves hashes out', async () => {
      const env = await fresh();
      const created = await cli(['admin', 'create', '--email', 'a@cli.example', '--name', 'A'], env);
      const siteId = uuid.exec(created.stdout)![0];
      const file = join(files, `${kind}-full.json`);
      writeFileSync(file, 'old', { mode: 0o644 });
      const full = await cli(['export', '--site', siteId, '--out', file], env);
      assert.equal(full.code, 0, full.stderr);
      assert.equal(statSync(file).mode & 0o777, 0o600);
      const fresh2 = join(files, `${kind}-new.json`);
      assert.equal((await cli(['export', '--site', siteId, '--out', fresh2], env)).code, 0);
      assert.equal(statSync(fresh2).mode & 0o777, 0o600);
      const members = (path: string) =>
        JSON.parse(readFileSync(path, 'utf8')).tables.find((t: { name: string }) => t.name === 'members')
          .rows as { password_hash: string | null }[];
      assert.match(String(members(file)[0]!.password_hash), /^\$argon2id\$/);

      const bare = join(files, `${kind}-bare.json`);
      const noSecrets = await cli(['export', '--site', siteId, '--no-secrets', '--out', bare], env);
      assert.equal(noSecrets.code, 0, noSecrets.stderr);
      assert.equal(statSync(bare).mode & 0o777, 0o600);
      const text = readFileSync(bare, 'utf8');
      assert.doesNotMatch(text, /argon2/);
      assert.equal(JSON.parse(text).secrets, false);
      assert.ok(members(bare).every((m) => m.password_hash === null));
      // It still imports: the members exist, without a usable password.
      const target = await fresh();
      const imported = await cli(['import', bare], target);
      assert.equal(imported.code, 0, imported.stderr);
    });
  });
}
