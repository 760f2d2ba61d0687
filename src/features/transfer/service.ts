import type { Db, Queryable } from '../../db/store.ts';
import { AppError, invalid } from '../errors.ts';
import * as repo from './repository.ts';

/** Bumped when the document's shape changes (not when the schema gains tables or columns). */
export const exportFormat = 'shipshape-site-export';
export const exportFormatVersion = 1;

/** Secrets and retry caches: never leave the store, and mean nothing in another one. */
// notification_outbox, webhook_outbox: work in flight, refilled by the events triggers when events are
// imported; email_outbox likewise by the notifications trigger. roster_versions: what a server's roster
// cache checks against, raised again by the rosters' triggers as duty shifts and leave are imported.
// space_days, member_days, squad_days: the utilization report's rollups, refilled by the triggers of
// bookings and their participants and squads as those are imported.
const notExported = [
  'auth_tokens',
  'idempotency_keys',
  'notification_outbox',
  'webhook_outbox',
  'email_outbox',
  'roster_versions',
  'space_days',
  'member_days',
  'squad_days',
];

/**
 * Columns that hold credentials (password hashes, token hashes, secrets of feeds and webhooks),
 * matched by name so columns added by later migrations are covered. `--no-secrets` blanks them.
 */
const secretColumn = /(^|_)(password_hash|token_hash|secret|secret_hash)$/;

/** Whether a column of an exported table holds a credential. */
export function isSecretColumn(column: string): boolean {
  return secretColumn.test(column);
}

export interface SiteExport {
  format: typeof exportFormat;
  version: number;
  /** The newest migration of the store it came from; an import needs at least this one. */
  schemaVersion: number;
  siteId: string;
  /** Present (false) when credentials were left out: password hashes and other secrets are null. */
  secrets?: false;
  /** Parents before children, so importing in this order satisfies every foreign key. */
  tables: { name: string; rows: Record<string, unknown>[] }[];
}

/** Orders tables so that every table comes after the tables it references; ties by name. */
export function parentsFirst(tables: repo.SiteTable[]): repo.SiteTable[] {
  const byName = new Map(tables.map((t) => [t.name, t]));
  const done = new Set<string>();
  const ordered: repo.SiteTable[] = [];
  while (ordered.length < tables.length) {
    const ready = tables.filter(
      (t) => !done.has(t.name) && t.references.every((p) => done.has(p) || !byName.has(p)),
    );
    if (ready.length === 0)
      throw new Error(
        `Foreign keys form a cycle among ${tables.filter((t) => !done.has(t.name)).map((t) => t.name)}`,
      );
    // One at a time, smallest name first, so the order does not depend on the catalog's.
    const next = ready.sort((a, b) => (a.name < b.name ? -1 : 1))[0]!;
    done.add(next.name);
    ordered.push(next);
  }
  return ordered;
}

async function siteTables(db: Queryable): Promise<repo.SiteTable[]> {
  return parentsFirst(await repo.listSiteTables(db, notExported));
}

/**
 * Every row of one site (tokens and idempotency records aside), in a stable order. It holds the
 * members' password hashes unless `secrets` is false, when every credential column is null.
 */
export async function exportSite(
  db: Db,
  siteId: string,
  opts: { secrets: boolean } = { secrets: true },
): Promise<SiteExport> {
  if (!/^[0-9a-f-]{36}$/i.test(siteId)) throw invalid('site', `${siteId} is not a site id`);
  // One transaction: a consistent snapshot on the server, and SET LOCAL stays scoped to it.
  return db.transaction(async (tx) => {
    await repo.beginExport(tx);
    if (!(await repo.siteIds(tx)).includes(siteId.toLowerCase()))
      throw new AppError('not-found', `No site ${siteId} in this store`, { field: 'site' });
    const tables: SiteExport['tables'] = [];
    for (const table of await siteTables(tx)) {
      const rows = await repo.selectSiteRows(tx, table, siteId.toLowerCase());
      const secret = opts.secrets ? [] : table.columns.filter(isSecretColumn);
      for (const row of rows) for (const column of secret) row[column] = null;
      tables.push({ name: table.name, rows });
    }
    return {
      format: exportFormat,
      version: exportFormatVersion,
      schemaVersion: await repo.schemaVersion(tx),
      siteId: siteId.toLowerCase(),
      ...(opts.secrets ? {} : { secrets: false as const }),
      tables,
    };
  });
}

/** The export as text: two-space JSON and a final newline, the same bytes for the same rows. */
export function serializeExport(doc: SiteExport): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}

function parseExport(text: string): SiteExport {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new AppError('bad-request', 'The file is not JSON');
  }
  const d = doc as Partial<SiteExport> | null;
  if (!d || typeof d !== 'object' || d.format !== exportFormat)
    throw new AppError('bad-request', `The file is not a Shipshape site export (format ${exportFormat})`);
  if (d.version !== exportFormatVersion)
    throw new AppError(
      'bad-request',
      `Export format version ${d.version} is not supported (this Shipshape reads ${exportFormatVersion})`,
    );
  if (typeof d.siteId !== 'string' || !Array.isArray(d.tables))
    throw new AppError('bad-request', 'The export has no siteId or no tables');
  return d as SiteExport;
}

/**
 * Imports an export into a store that holds no site yet, in one transaction: ids, timestamps and
 * event ids are kept. Refuses a store with data, a newer schema, and tables or columns it lacks.
 */
export async function importSite(
  db: Db,
  text: string,
): Promise<{ siteId: string; rows: Record<string, number> }> {
  const doc = parseExport(text);
  return db.transaction(async (tx) => {
    const existing = await repo.siteIds(tx);
    if (existing.includes(doc.siteId))
      throw new AppError('already-exists', `Site ${doc.siteId} already exists in this store`);
    if (existing.length > 0)
      throw new AppError(
        'invalid-state',
        `The store already holds ${existing.length} site(s); import needs an empty store`,
      );
    const version = await repo.schemaVersion(tx);
    if (doc.schemaVersion > version)
      throw new AppError(
        'invalid-state',
        `The export comes from schema version ${doc.schemaVersion}, this store is at ${version}; upgrade Shipshape first`,
      );
    const tables = new Map((await siteTables(tx)).map((t) => [t.name, t]));
    const counts: Record<string, number> = {};
    const imported: repo.SiteTable[] = [];
    for (const entry of doc.tables) {
      const table = tables.get(entry.name);
      if (!table) throw new AppError('bad-request', `The store has no table ${entry.name}`);
      if (!Array.isArray(entry.rows)) throw new AppError('bad-request', `Table ${entry.name} has no rows`);
      const columns = new Set<string>();
      for (const row of entry.rows) {
        if (!row || typeof row !== 'object' || row.site_id !== doc.siteId)
          throw new AppError('bad-request', `A row of ${entry.name} does not belong to site ${doc.siteId}`);
        for (const key of Object.keys(row)) columns.add(key);
      }
      const unknown = [...columns].filter((c) => !table.columns.includes(c));
      if (unknown.length > 0)
        throw new AppError('bad-request', `Table ${entry.name} has no column ${unknown.join(', ')}`);
      // Columns the export lacks (from an older schema) take their defaults.
      const present = table.columns.filter((c) => columns.has(c));
      for (let i = 0; i < entry.rows.length; i += 1000)
        await repo.insertRows(tx, table, present, entry.rows.slice(i, i + 1000));
      counts[entry.name] = entry.rows.length;
      imported.push(table);
    }
    for (const table of imported) await repo.advanceIdentity(tx, table);
    return { siteId: doc.siteId, rows: counts };
  });
}
