import type { Queryable } from '../../db/store.ts';

/** A table that holds one site's rows, as the schema describes it. */
export interface SiteTable {
  name: string;
  /** Columns that can be written, in table order (generated columns left out). */
  columns: string[];
  /** Columns GENERATED ALWAYS AS IDENTITY: inserting them needs OVERRIDING SYSTEM VALUE. */
  identityColumns: string[];
  /** The primary key, the stable order of the rows; empty when the table has none. */
  primaryKey: string[];
  /** Other site tables this one references (its parents). */
  references: string[];
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Every table of the current schema with a site_id column, except `excluded`, with its columns, key
 * and foreign keys. Read from the catalog so tables added by later migrations are included.
 */
export async function listSiteTables(db: Queryable, excluded: string[]): Promise<SiteTable[]> {
  const tables = await db.query<{ name: string }>(
    `SELECT c.table_name AS name
       FROM information_schema.columns c
       JOIN information_schema.tables t
         ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
      WHERE c.table_schema = current_schema() AND c.column_name = 'site_id'
        AND NOT (c.table_name = ANY($1::text[]))
      ORDER BY c.table_name`,
    [excluded],
  );
  const names = tables.rows.map((r) => r.name);
  const columns = await db.query<{ table: string; column: string; identity: boolean }>(
    `SELECT table_name AS "table", column_name AS "column", is_identity = 'YES' AS identity
       FROM information_schema.columns
      WHERE table_schema = current_schema() AND table_name = ANY($1::text[]) AND is_generated = 'NEVER'
      ORDER BY table_name, ordinal_position`,
    [names],
  );
  // pg_constraint rather than information_schema: the latter hides constraints of tables the
  // current role does not own, and gives no ordered key columns.
  const keys = await db.query<{ table: string; columns: string[] }>(
    `SELECT rel.relname AS "table",
            array(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(attnum, n)
                    JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
                   ORDER BY k.n) AS columns
       FROM pg_constraint con
       JOIN pg_class rel ON rel.oid = con.conrelid
       JOIN pg_namespace ns ON ns.oid = rel.relnamespace
      WHERE con.contype = 'p' AND ns.nspname = current_schema() AND rel.relname = ANY($1::text[])`,
    [names],
  );
  const fks = await db.query<{ child: string; parent: string }>(
    `SELECT DISTINCT child.relname AS child, parent.relname AS parent
       FROM pg_constraint con
       JOIN pg_class child ON child.oid = con.conrelid
       JOIN pg_class parent ON parent.oid = con.confrelid
       JOIN pg_namespace ns ON ns.oid = child.relnamespace
      WHERE con.contype = 'f' AND ns.nspname = current_schema()
        AND child.relname = ANY($1::text[]) AND parent.relname = ANY($1::text[])
        AND child.relname <> parent.relname`,
    [names],
  );
  return names.map((name) => ({
    name,
    columns: columns.rows.filter((c) => c.table === name).map((c) => c.column),
    identityColumns: columns.rows.filter((c) => c.table === name && c.identity).map((c) => c.column),
    primaryKey: keys.rows.find((k) => k.table === name)?.columns ?? [],
    references: fks.rows.filter((f) => f.child === name).map((f) => f.parent),
  }));
}

/**
 * One site's rows of a table as JSON objects, in primary-key order. PostgreSQL renders the values
 * (to_jsonb), so timestamps keep their microseconds and every type round-trips through
 * jsonb_populate_recordset on import. The caller starts with `beginExport`.
 */
export async function selectSiteRows(
  db: Queryable,
  table: SiteTable,
  siteId: string,
): Promise<Record<string, unknown>[]> {
  const order = table.primaryKey.length > 0 ? table.primaryKey.map(quote).join(', ') : 'to_json(t)::text';
  const res = await db.query<{ row: Record<string, unknown> | string }>(
    `SELECT to_json(t) AS row FROM ${quote(table.name)} t WHERE site_id = $1 ORDER BY ${order}`,
    [siteId],
  );
  // Keep the table's column order and leave generated columns out (they are recomputed on import).
  return res.rows.map((r) => {
    const all = (typeof r.row === 'string' ? JSON.parse(r.row) : r.row) as Record<string, unknown>;
    return Object.fromEntries(table.columns.map((c) => [c, all[c] ?? null]));
  });
}

/**
 * Starts an export transaction: one snapshot for every table (on the server), and timestamps
 * rendered in UTC, so the document does not depend on the server's settings. First in the transaction.
 */
export async function beginExport(db: Queryable): Promise<void> {
  await db.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
  await db.query(`SELECT set_config('TimeZone', 'UTC', true), set_config('DateStyle', 'ISO, YMD', true),
    set_config('IntervalStyle', 'iso_8601', true)`);
}

/** Inserts rows given as JSON objects with the listed columns, ids and identity values as given. */
export async function insertRows(
  db: Queryable,
  table: SiteTable,
  columns: string[],
  rows: Record<string, unknown>[],
): Promise<void> {
  if (rows.length === 0) return;
  const list = columns.map(quote).join(', ');
  const overriding = table.identityColumns.some((c) => columns.includes(c)) ? 'OVERRIDING SYSTEM VALUE' : '';
  await db.query(
    `INSERT INTO ${quote(table.name)} (${list}) ${overriding}
     SELECT ${list} FROM jsonb_populate_recordset(NULL::${quote(table.name)}, $1::jsonb)`,
    [JSON.stringify(rows)],
  );
}

/** Moves identity sequences past the imported values, so the next insert does not collide. */
export async function advanceIdentity(db: Queryable, table: SiteTable): Promise<void> {
  for (const column of table.identityColumns) {
    await db.query(
      `SELECT setval(pg_get_serial_sequence($1, $2), m, true)
         FROM (SELECT max(${quote(column)}) AS m FROM ${quote(table.name)}) x WHERE m IS NOT NULL`,
      [quote(table.name), column],
    );
  }
}

export async function siteIds(db: Queryable): Promise<string[]> {
  const res = await db.query<{ id: string }>('SELECT site_id AS id FROM sites ORDER BY site_id');
  return res.rows.map((r) => r.id);
}

/** The newest migration applied to the store. */
export async function schemaVersion(db: Queryable): Promise<number> {
  const res = await db.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations');
  return res.rows[0]?.v ?? 0;
}
