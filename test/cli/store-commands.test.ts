import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readConfig } from '../../src/config.ts';
import { type Db, openStore } from '../../src/db/store.ts';
import { systemClock } from '../../src/domain/clock.ts';
import { login } from '../../src/features/auth/service.ts';
import { storeKinds } from '../support/store.ts';
import { cli, emptyStore, migratedStore, type StoreEnv } from './support.ts';

/** Opens the store an environment names, runs `fn`, closes it (PGlite allows one opener at a time). */
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
  describe(`shipshape migrate, admin create, demo, export and import (${kind})`, () => {
    const stores: StoreEnv[] = [];
    let files: string;
    // A migrated store from the template; `migrate` itself is tried on an empty one.
    const fresh = async (empty = false) => {
      const s = await (empty ? emptyStore(kind) : migratedStore(kind));
      stores.push(s);
      return s.env;
    };
    before(() => {
      files = mkdtempSync(join(tmpdir(), 'shipshape-export-'));
    });
    after(async () => {
      for (const s of stores) await s.drop();
      rmSync(files, { recursive: true, force: true });
    });

    it('migrate applies the migrations once, then finds the store up to date', async () => {
      const env = await fresh(true);
      const first = await cli(['migrate'], env);
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.stdout, /Applied migrations 1\b/);
      const again = await cli(['migrate'], env);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /up to date/);
    });

    it('admin create makes a site and an admin who can sign in, then a second admin in it', async () => {
      const env = await fresh();
      const created = await cli(
        [
          'admin',
          'create',
          '--email',
          'first@cli.example',
          '--name',
          'First Mate',
          '--password',
          'pw-one-two-three',
        ],
        env,
      );
      assert.equal(created.code, 0, created.stderr);
      assert.match(created.stdout, /Created site/);
      const generated = await cli(
        ['admin', 'create', '--email', 'second@cli.example', '--name', 'Second'],
        env,
      );
      assert.equal(generated.code, 0, generated.stderr);
      const password = /Password \(shown once\): (\S+)/.exec(generated.stdout)?.[1];
      assert.ok(password, generated.stdout);
      await inStore(env, async (db) => {
        const one = await login(db, systemClock, {
          email: 'first@cli.example',
          password: 'pw-one-two-three',
        });
        const two = await login(db, systemClock, { email: 'second@cli.example', password });
        assert.equal(one.siteId, two.siteId);
        const roles = await db.query<{ role: string }>('SELECT role FROM members WHERE site_id = $1', [
          one.siteId,
        ]);
        assert.deepEqual(
          roles.rows.map((r) => r.role),
          ['admin', 'admin'],
        );
      });
    });

    it('admin create refuses a malformed email and a taken one, with the reason', async () => {
      const env = await fresh();
      const bad = await cli(['admin', 'create', '--email', 'not-an-email', '--name', 'X'], env);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /not-an-email is not an email address/);
      assert.equal((await cli(['admin', 'create', '--email', 'a@cli.example', '--name', 'A'], env)).code, 0);
      const taken = await cli(['admin', 'create', '--email', 'A@cli.example', '--name', 'B'], env);
      assert.equal(taken.code, 1);
      assert.match(taken.stderr, /A member with this email exists/);
      const missing = await cli(['admin', 'create', '--name', 'No email'], env);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /--email/);
    });

    it('export, import into an empty store and export again give the same bytes', async () => {
      const source = await fresh();
      const demo = await cli(['demo'], { ...source, SHIPSHAPE_ADMIN_PASSWORD: 'demo-password' });
      assert.equal(demo.code, 0, demo.stderr);
      const siteId = uuid.exec(demo.stdout)?.[0];
      assert.ok(siteId, demo.stdout);
      // A session token exists in the source; it must not travel.
      await inStore(source, (db) =>
        login(db, systemClock, { email: 'admin@shipshape.local', password: 'demo-password' }),
      );

      const first = join(files, `${kind}-first.json`);
      const exported = await cli(['export', '--site', siteId, '--out', first], source);
      assert.equal(exported.code, 0, exported.stderr);
      const doc = JSON.parse(readFileSync(first, 'utf8'));
      assert.equal(doc.format, 'shipshape-site-export');
      assert.equal(doc.siteId, siteId);
      const names: string[] = doc.tables.map((t: { name: string }) => t.name);
      assert.ok(!names.includes('auth_tokens') && !names.includes('idempotency_keys'));
      assert.ok(names.indexOf('sites') < names.indexOf('members'));
      assert.ok(names.indexOf('members') < names.indexOf('spaces'));
      assert.ok(names.indexOf('spaces') < names.indexOf('bookings'));
      assert.ok(names.indexOf('bookings') < names.indexOf('booking_members'));
      const rows = (name: string) => doc.tables.find((t: { name: string }) => t.name === name).rows.length;
      assert.equal(rows('spaces'), 5);
      assert.equal(rows('members'), 21);
      assert.equal(rows('squads'), 2);
      assert.ok(rows('bookings') >= 40);
      assert.ok(rows('events') > rows('bookings'));

      const target = await fresh();
      const imported = await cli(['import', first], target);
      assert.equal(imported.code, 0, imported.stderr);
      assert.match(imported.stdout, new RegExp(`Imported site ${siteId}`));
      const again = await cli(['export', '--site', siteId], target);
      assert.equal(again.code, 0, again.stderr);
      assert.equal(again.stdout, readFileSync(first, 'utf8'));

      // The copy works: the admin signs in with the same password, and new events get fresh ids.
      await inStore(target, (db) =>
        login(db, systemClock, { email: 'admin@shipshape.local', password: 'demo-password' }),
      );
      const added = await cli(['admin', 'create', '--email', 'new@cli.example', '--name', 'New'], target);
      assert.equal(added.code, 0, added.stderr);

      const twice = await cli(['import', first], target);
      assert.equal(twice.code, 1);
      assert.match(twice.stderr, new RegExp(`Site ${siteId} already exists`));
    });

    it('import refuses a store that holds another site, and files that are not exports', async () => {
      const env = await fresh();
      assert.equal((await cli(['admin', 'create', '--email', 'a@cli.example', '--name', 'A'], env)).code, 0);
      const other = await fresh();
      const created = await cli(['admin', 'create', '--email', 'b@cli.example', '--name', 'B'], other);
      const otherSite = uuid.exec(created.stdout)![0];
      const file = join(files, `${kind}-other.json`);
      assert.equal((await cli(['export', '--site', otherSite, '--out', file], other)).code, 0);
      const refused = await cli(['import', file], env);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /already holds 1 site\(s\); import needs an empty store/);

      const junk = join(files, 'junk.json');
      writeFileSync(junk, '{"hello": 1}');
      const notExport = await cli(['import', junk], await fresh());
      assert.equal(notExport.code, 1);
      assert.match(notExport.stderr, /not a Shipshape site export/);
      const missing = await cli(['import', join(files, 'nope.json')], env);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /Cannot read/);
    });

    it('export names an unknown site', async () => {
      const env = await fresh();
      const res = await cli(['export', '--site', '00000000-0000-4000-8000-000000000000'], env);
      assert.equal(res.code, 1);
      assert.match(res.stderr, /No site 00000000-0000-4000-8000-000000000000/);
    });
  });
}
