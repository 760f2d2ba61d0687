import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { PGlite } from '@electric-sql/pglite';
import type * as Pg from 'pg';

/**
 * The driver of the store not in use is never loaded: PGlite when DATABASE_URL names a server, pg
 * on the embedded store. Each is a few hundred modules' worth of start-up time and memory.
 */
const requirePg = (): typeof Pg => createRequire(import.meta.url)('pg') as typeof Pg;

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
  /**
   * Calls `onNotify` for each NOTIFY on `channel` (after the notifying transaction commits);
   * answers the way to stop. Wake-ups only: a caller still polls for what it may have missed.
   */
  listen(channel: string, onNotify: () => void): Promise<() => Promise<void>>;
}

export interface Tx extends Queryable {
  /** Marks an open transaction: a failed statement in it aborts it unless run under a savepoint. */
  readonly inTransaction: true;
  /**
   * Transactions on this store run one at a time (PGlite's one connection), so no other writer can
   * come between a read and a write of this one: write locks between transactions are moot.
   */
  readonly serial: boolean;
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
  /** A wait for a lock ran past lock_timeout. */
  lockNotAvailable: '55P03',
} as const;

/**
 * The store could not take a request in time: no connection came free within the acquisition
 * bound (the pg pool, or PGlite's one connection). The HTTP layer answers 503.
 */
export class StoreBusyError extends Error {
  constructor(message = 'The store is busy; no connection came free in time') {
    super(message);
    this.name = 'StoreBusyError';
  }
}

/** Whether `err` is a bounded wait that ran out (a connection or a lock), not a fault. */
export function isStoreBusy(err: unknown): boolean {
  return err instanceof StoreBusyError || pgErrorCode(err) === PgCode.lockNotAvailable;
}

/** Bounds on the waits of a store; 0 means unbounded. */
export interface StoreLimits {
  /** How long a statement waits for any lock (PostgreSQL lock_timeout; the server store only). */
  lockTimeoutMs?: number;
  /** How long a request waits for a connection: the pool's, or PGlite's single one. */
  acquireTimeoutMs?: number;
}

/** Defaults of StoreLimits, the same as config.ts's. */
export const defaultStoreLimits: Required<StoreLimits> = { lockTimeoutMs: 10_000, acquireTimeoutMs: 10_000 };

/**
 * A first-in first-out gate of one holder, for PGlite's single connection: PGlite queues callers
 * itself, but without a bound, so a waiter here gives up (StoreBusyError) after `timeoutMs`.
 */
class Gate {
  #busy = false;
  readonly #waiting: { go: () => void; timer: NodeJS.Timeout | undefined }[] = [];
  constructor(private readonly timeoutMs: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#busy) await this.#wait();
    else this.#busy = true;
    try {
      return await fn();
    } finally {
      const next = this.#waiting.shift();
      if (next) {
        if (next.timer) clearTimeout(next.timer);
        next.go();
      } else this.#busy = false;
    }
  }

  #wait(): Promise<void> {
    return new Promise((resolve, reject) => {
      const entry = { go: resolve, timer: undefined as NodeJS.Timeout | undefined };
      if (this.timeoutMs > 0)
        entry.timer = setTimeout(() => {
          const i = this.#waiting.indexOf(entry);
          if (i >= 0) this.#waiting.splice(i, 1);
          reject(new StoreBusyError());
        }, this.timeoutMs);
      this.#waiting.push(entry);
    });
  }
}

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

function joinable(q: Queryable, serial: boolean): Tx {
  const tx: Tx = {
    inTransaction: true,
    serial,
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
  limits: StoreLimits = {},
): Promise<Db & { pglite: PGlite }> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const [{ PGlite }, { btree_gist }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('@electric-sql/pglite/contrib/btree_gist'),
  ]);
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
  // Everything on the root goes through the gate: a statement outside a transaction waits for the
  // one connection like a transaction does, and neither waits without a bound.
  const gate = new Gate(limits.acquireTimeoutMs ?? defaultStoreLimits.acquireTimeoutMs);
  return {
    kind: 'pglite',
    pglite,
    query: (sql, params) => gate.run(() => run(pglite, sql, params)),
    exec: (sql) =>
      gate.run(async () => {
        await pglite.exec(sql);
      }),
    // PGlite has one connection: its transaction() holds an exclusive lock, so
    // transactions are serialized and a nested call must join, not open another.
    transaction: (fn) =>
      withRetry(() =>
        gate.run(() =>
          pglite.transaction((t) =>
            fn(
              joinable(
                {
                  query: (sql, params) => run(t, sql, params),
                  exec: async (sql) => {
                    await t.exec(sql);
                  },
                },
                true,
              ),
            ),
          ),
        ),
      ),
    listen: (channel, onNotify) => pglite.listen(channel, () => onNotify()),
    close: () => pglite.close(),
  };
}

/**
 * A pg pool on `url`. Every wait is bounded: a statement waits at most `lockTimeoutMs` for a lock
 * (lock_timeout, set for each connection), a request at most `acquireTimeoutMs` for a connection.
 */
export function openPostgres(url: string, max = 10, limits: StoreLimits = {}): Db {
  const { lockTimeoutMs, acquireTimeoutMs } = { ...defaultStoreLimits, ...limits };
  const pg = requirePg();
  const pool = new pg.Pool({
    connectionString: url,
    max,
    ...(lockTimeoutMs > 0 ? { lock_timeout: lockTimeoutMs } : {}),
    ...(acquireTimeoutMs > 0 ? { connectionTimeoutMillis: acquireTimeoutMs } : {}),
  });
  const connect = async () => {
    try {
      return await pool.connect();
    } catch (err) {
      // pg-pool's words for a wait in its queue that ran out.
      if (err instanceof Error && /timeout exceeded when trying to connect/i.test(err.message))
        throw new StoreBusyError();
      throw err;
    }
  };
  pool.on('error', () => {
    // An idle client lost its connection; the pool replaces it on next use.
  });
  const run = async <R>(c: Pg.PoolClient, sql: string, params?: unknown[]) => {
    const res = await c.query(sql, params);
    return { rows: res.rows as R[], affectedRows: res.rowCount ?? 0 };
  };
  const onClient = async <T>(use: (c: Pg.PoolClient) => Promise<T>): Promise<T> => {
    const client = await connect();
    try {
      return await use(client);
    } finally {
      client.release();
    }
  };
  return {
    kind: 'postgres',
    query: (sql, params) => onClient((c) => run(c, sql, params)),
    exec: (sql) =>
      onClient(async (c) => {
        await c.query(sql);
      }),
    transaction: (fn) =>
      withRetry(async () => {
        const client = await connect();
        try {
          await client.query('BEGIN');
          const result = await fn(
            joinable(
              {
                query: (sql, params) => run(client, sql, params),
                exec: async (sql) => {
                  await client.query(sql);
                },
              },
              false,
            ),
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
    listen: (channel, onNotify) => listenOn(url, channel, onNotify),
    close: () => pool.end(),
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
  };
}

/**
 * LISTEN on a connection of its own (a pooled one would hand the subscription to other work); a
 * lost connection is opened again a second later, and the caller's poll covers the gap.
 */
async function listenOn(url: string, channel: string, onNotify: () => void): Promise<() => Promise<void>> {
  if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`not a channel name: ${channel}`);
  let client: Pg.Client | undefined;
  const pg = requirePg();
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  const reopen = () => {
    if (!stopped) retry = setTimeout(() => void open().catch(reopen), 1000);
  };
  const open = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: url });
    c.on('notification', (n) => {
      if (n.channel === channel) onNotify();
    });
    c.on('error', () => {
      if (client === c) client = undefined;
      void c.end().catch(() => undefined);
      reopen();
    });
    await c.connect();
    await c.query(`LISTEN ${channel}`);
    if (stopped) await c.end();
    else client = c;
  };
  await open();
  return async () => {
    stopped = true;
    clearTimeout(retry);
    await client?.end().catch(() => undefined);
    client = undefined;
  };
}

/** Opens the server when a URL is given, else the embedded store in `dataDir`. */
export async function openStore(opts: {
  databaseUrl?: string | undefined;
  dataDir: string;
  limits?: StoreLimits;
  /** For a new embedded store: a dump to start from instead of initdb (db/template.ts). */
  template?: Blob | undefined;
}): Promise<Db> {
  if (opts.databaseUrl) return openPostgres(opts.databaseUrl, 10, opts.limits);
  return openPglite(opts.dataDir, opts.template, opts.limits);
}
