import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import pg from 'pg';
import { listMigrations, migrate } from '../../src/db/migrate.ts';
import { type Db, openPglite, openPostgres } from '../../src/db/store.ts';
import { storeKinds } from '../support/store.ts';

const latest = Math.max(...listMigrations().map((m) => m.version));

async function versions(db: Db): Promise<number[]> {
  const res = await db.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
  return res.rows.map((r) => r.version);
}

for (const kind of storeKinds()) {
  describe(`two migrators on an empty store (${kind})`, () => {
    if (kind === 'pglite') {
      it('two concurrent migrate() calls on one embedded store apply each migration once', async () => {
        const db = await openPglite(undefined);
        try {
          const [a, b] = await Promise.all([migrate(db), migrate(db)]);
          assert.deepEqual(
            [...a, ...b].sort((x, y) => x - y),
            listMigrations().map((m) => m.version),
          );
          assert.equal((await versions(db)).at(-1), latest);
        } finally {
          await db.close();
        }
      });
      return;
    }

    it('two pools migrating one empty database at once both succeed (5 rounds)', async () => {
      const base = process.env.TEST_DATABASE_URL!;
      for (let round = 0; round < 5; round++) {
        const name = `shipshape_mig_${randomBytes(5).toString('hex')}`;
        const admin = new pg.Client({ connectionString: base });
        await admin.connect();
        await admin.query(`CREATE DATABASE ${name}`);
        const url = new URL(base);
        url.pathname = `/${name}`;
        const one = openPostgres(url.toString(), 2);
        const two = openPostgres(url.toString(), 2);
        try {
          // Before the fix, one pool died here on `duplicate key … pg_type_typname_nsp_index`.
          const [a, b] = await Promise.all([migrate(one), migrate(two)]);
          assert.deepEqual(
            [...a, ...b].sort((x, y) => x - y),
            listMigrations().map((m) => m.version),
            'each migration is applied by exactly one of the two',
          );
          assert.equal((await versions(one)).at(-1), latest);
        } finally {
          await one.close();
          await two.close();
          await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
          await admin.end();
        }
      }
    });
  });
}
