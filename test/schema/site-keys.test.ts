import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Db } from '../../src/db/store.ts';
import { openTestStore, storeKinds } from '../support/store.ts';

/**
 * Every table is keyed by site, so the data can be distributed by `site_id` (Citus) with the same
 * constraints: each primary key, unique constraint or index, exclusion constraint and foreign key of a
 * site table must include `site_id` (docs/SCALING.md). This test reads the migrated schema, so a new
 * migration that forgets it fails here.
 */

/** Tables outside the rule: the migrations ledger is per database, not per site. */
const notSiteTables = new Set(['schema_migrations']);

interface KeyRow {
  table: string;
  name: string;
  kind: string;
  columns: string[];
  refTable: string | null;
  refColumns: string[] | null;
}

interface TableRow {
  table: string;
  hasSite: boolean;
  /** site_id is NOT NULL: Citus refuses a row whose distribution column is null. */
  siteNotNull: boolean;
}

async function readKeys(db: Db): Promise<{ tables: TableRow[]; keys: KeyRow[] }> {
  const tables = await db.query<TableRow>(
    `SELECT c.relname AS "table",
            EXISTS (SELECT 1 FROM pg_attribute a
                     WHERE a.attrelid = c.oid AND a.attname = 'site_id' AND NOT a.attisdropped) AS "hasSite",
            EXISTS (SELECT 1 FROM pg_attribute a
                     WHERE a.attrelid = c.oid AND a.attname = 'site_id' AND NOT a.attisdropped
                       AND a.attnotnull) AS "siteNotNull"
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
      ORDER BY 1`,
  );
  // Constraints (p, u, x, f) and unique indexes that back no constraint (CREATE UNIQUE INDEX).
  const keys = await db.query<KeyRow>(
    `SELECT t.relname AS "table", con.conname AS name, con.contype::text AS kind,
            ARRAY(SELECT a.attname::text FROM unnest(con.conkey) k
                    JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k) AS columns,
            rt.relname AS "refTable",
            CASE WHEN con.confrelid = 0 THEN NULL ELSE
              ARRAY(SELECT a.attname::text FROM unnest(con.confkey) k
                      JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k) END AS "refColumns"
       FROM pg_constraint con
       JOIN pg_class t ON t.oid = con.conrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
       LEFT JOIN pg_class rt ON rt.oid = con.confrelid
      WHERE n.nspname = current_schema() AND con.contype IN ('p', 'u', 'x', 'f')
     UNION ALL
     SELECT t.relname, i.relname, 'i',
            ARRAY(SELECT a.attname::text FROM unnest(ix.indkey::int2[]) k
                    JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k),
            NULL, NULL
       FROM pg_index ix
       JOIN pg_class i ON i.oid = ix.indexrelid
       JOIN pg_class t ON t.oid = ix.indrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE n.nspname = current_schema() AND ix.indisunique
        AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = ix.indexrelid)
      ORDER BY 1, 2`,
  );
  return { tables: tables.rows, keys: keys.rows };
}

for (const kind of storeKinds()) {
  describe(`every key of a site table includes site_id (${kind})`, () => {
    let db: Db;
    before(async () => {
      db = await openTestStore(kind);
    });
    after(() => db.close());

    it('has site_id on every table but the migrations ledger', async () => {
      const { tables } = await readKeys(db);
      assert.ok(tables.length > 5, 'the schema was read');
      const missing = tables.filter((t) => !t.hasSite && !notSiteTables.has(t.table)).map((t) => t.table);
      assert.deepEqual(missing, [], `tables without site_id: ${missing.join(', ')}`);
    });

    it('keeps site_id NOT NULL on every site table', async () => {
      const { tables } = await readKeys(db);
      const nullable = tables.filter((t) => t.hasSite && !t.siteNotNull).map((t) => t.table);
      assert.deepEqual(nullable, [], `tables whose site_id may be null: ${nullable.join(', ')}`);
    });

    it('compares site_id with = in every exclusion constraint', async () => {
      // Citus accepts an exclusion constraint on a distributed table only when it holds the
      // distribution column with equality: then each shard enforces it alone.
      const res = await db.query<{ name: string; op: string | null }>(
        `SELECT con.conname AS name,
                (SELECT o.oprname::text FROM unnest(con.conkey, con.conexclop) AS k(attnum, op)
                   JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
                   JOIN pg_operator o ON o.oid = k.op
                  WHERE a.attname = 'site_id') AS op
           FROM pg_constraint con JOIN pg_namespace n ON n.oid = con.connamespace
          WHERE n.nspname = current_schema() AND con.contype = 'x'`,
      );
      assert.ok(
        res.rows.some((r) => r.name === 'bookings_no_overlap'),
        'the exclusion constraints were read',
      );
      const other = res.rows.filter((r) => r.op !== '=').map((r) => `${r.name} (${r.op ?? 'no site_id'})`);
      assert.deepEqual(other, [], `exclusion constraints without site_id WITH =: ${other.join(', ')}`);
    });

    it('puts site_id in every primary key, unique key, exclusion constraint and foreign key', async () => {
      const { keys } = await readKeys(db);
      assert.ok(
        keys.some((k) => k.name === 'bookings_no_overlap'),
        'the exclusion constraint was read',
      );
      const offending = keys
        .filter((k) => !notSiteTables.has(k.table))
        .filter((k) => {
          if (!k.columns.includes('site_id')) return true;
          // A foreign key must also land on the referenced table's site_id, so the rows it joins are
          // co-located on one shard.
          return k.kind === 'f' && !(k.refColumns ?? []).includes('site_id');
        })
        .map((k) => `${k.table}.${k.name} (${k.kind}: ${k.columns.join(', ')})`);
      assert.deepEqual(offending, [], `keys without site_id:\n${offending.join('\n')}`);
    });

    it('pairs site_id with site_id in foreign keys', async () => {
      const { keys } = await readKeys(db);
      const crossed = keys
        .filter((k) => k.kind === 'f' && k.refColumns)
        .filter((k) => k.refColumns![k.columns.indexOf('site_id')] !== 'site_id')
        .map((k) => `${k.table}.${k.name}`);
      assert.deepEqual(
        crossed,
        [],
        `foreign keys that join site_id to another column: ${crossed.join(', ')}`,
      );
    });
  });
}
