import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { btree_gist } from '@electric-sql/pglite/contrib/btree_gist';
import pg from 'pg';

/** Rows of a query, typed by the caller. */
export interface QueryResult<R> {
  rows: R[];
  affectedRows: number;
}

/** Something that runs SQL: the store itself or an open transaction. */
export interface Queryable {
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<R>>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

/**
 * The store: one PostgreSQL, embedded (PGlite) or a server (pg pool).
 * `transaction` runs `fn` in one transaction; called on a transaction it joins it,
 * so a use-case and the idempotency record around it commit together.
 */
export interface Db extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /** Connections of a server pool (for the metrics); absent on PGlite, which has one. */
  poolStats?(): { total: number; idle: number; waiting: number };
}

export interface Tx extends Queryable {
  /** Marks an open transaction: a failed statement in it aborts it unless run under a savepoint. */
  readonly inTransaction: true;
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
}

/** Whether `q` is an open transaction (as opposed to the store, where each statement commits). */
export function isTransaction(q: Queryable): q is Tx {
  return 'inTransaction' in q && q.inTransaction === true;
}

/** PostgreSQL error codes we act on. */
export const PgCode = {
  uniqueViolation: '23505',
  exclusionViolation: '23P01',
  foreignKeyViolation: '23503',
  checkViolation: '23514',
  serializationFailure: '40001',
  deadlock: '40P01',
} as const;

export function pgErrorCode(err: unknown): string | undefined {
  if (err && typeof err === 'object' && 'code' in err && typeof err.code === 'string') return err.code;
  return undefined;
}

/** Retries a transaction on serialization failures and deadlocks, a bounded number of times. */
async function withRetry<T>(run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (err) {
      const code = pgErrorCode(err);
      const retryable = code === PgCode.serializationFailure || code === PgCode.deadlock;
      if (!retryable || attempt >= 5) throw err;
      await new Promise((resolve) => setTimeout(resolve, 5 * attempt + Math.random() * 10));
    }
  }
}

function joinable(q: Queryable): Tx {
  const tx: Tx = {
    inTransaction: true,
    query: (sql, params) => q.query(sql, params),
    exec: (sql) => q.exec(sql),
    transaction: (fn) => fn(tx),
  };
  return tx;
}

/**
 * PostgreSQL settings of the embedded store, sized for one vessel on a small machine. PGlite's
 * defaults (128 MB shared_buffers) are a server's: the buffers live in the WebAssembly memory, are
 * touched at start and never given back, and a vessel's whole store (a year of bookings) is a few tens
 * of MB that the operating system caches anyway. BENCHMARKS.md has the measurements behind the figure.
 */
const pgliteSettings = ['shared_buffers=16MB', 'temp_buffers=2MB', 'wal_buffers=1MB'];

export async function openPglite(
  dataDir: string | undefined,
  loadDataDir?: Blob,
): Promise<Db & { pglite: PGlite }> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const pglite = await PGlite.create({
    ...(dataDir ? { dataDir } : {}),
    ...(loadDataDir ? { loadDataDir } : {}),
    extensions: { btree_gist },
    startParams: [...PGlite.defaultStartParams, ...pgliteSettings.flatMap((s) => ['-c', s])],
  });
  const run = async <R>(
    q: Pick<PGlite, 'query'>,
    sql: string,
    params?: unknown[],
  ): Promise<QueryResult<R>> => {
    const res = await q.query<R>(sql, params ?? []);
    return { rows: res.rows, affectedRows: res.affectedRows ?? 0 };
  };
  return {
    kind: 'pglite',
    pglite,
    query: (sql, params) => run(pglite, sql, params),
    exec: async (sql) => {
      await pglite.exec(sql);
    },
    // PGlite has one connection: its transaction() holds an exclusive lock, so
    // transactions are serialized and a nested call must join, not open another.
    transaction: (fn) =>
      withRetry(() =>
        pglite.transaction((t) =>
          fn(
            joinable({
              query: (sql, params) => run(t, sql, params),
              exec: async (sql) => {
                await t.exec(sql);
              },
            }),
          ),
        ),
      ),
    close: () => pglite.close(),
  };
}

export function openPostgres(url: string, max = 10): Db {
  const pool = new pg.Pool({ connectionString: url, max });
  pool.on('error', () => {
    // An idle client lost its connection; the pool replaces it on next use.
  });
  const run = async <R>(c: pg.Pool | pg.PoolClient, sql: string, params?: unknown[]) => {
    const res = await c.query(sql, params);
    return { rows: res.rows as R[], affectedRows: res.rowCount ?? 0 };
  };
  return {
    kind: 'postgres',
    query: (sql, params) => run(pool, sql, params),
    exec: async (sql) => {
      await pool.query(sql);
    },
    transaction: (fn) =>
      withRetry(async () => {
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          const result = await fn(
            joinable({
              query: (sql, params) => run(client, sql, params),
              exec: async (sql) => {
                await client.query(sql);
              },
            }),
          );
          await client.query('COMMIT');
          return result;
        } catch (err) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw err;
        } finally {
          client.release();
        }
      }),
    close: () => pool.end(),
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
  };
}

/** Opens the server when a URL is given, else the embedded store in `dataDir`. */
export async function openStore(opts: { databaseUrl?: string; dataDir: string }): Promise<Db> {
  if (opts.databaseUrl) return openPostgres(opts.databaseUrl);
  return openPglite(opts.dataDir);
}
