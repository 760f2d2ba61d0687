import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { FastifyServerOptions } from 'fastify';
import type { Config } from './config.ts';
import { migrate } from './db/migrate.ts';
import { type Db, openStore } from './db/store.ts';
import { isNewDataDir, readStoreTemplate } from './db/template.ts';
import { type Clock, systemClock } from './domain/clock.ts';
import { hashPassword } from './features/auth/service.ts';
import { systemActor } from './features/context.ts';
import { demoSite, loadDemo } from './features/demo/service.ts';
import { doorsHook } from './features/doors/hook.ts';
import { countSites, lockFirstStart } from './features/sites/repository.ts';
import { createSiteWithAdmin } from './features/sites/service.ts';
import { buildApp } from './http/app.ts';
import type { App, Deps } from './http/deps.ts';
import { schedulerHook } from './jobs/hook.ts';
import { integrationsHook } from './jobs/integrations.ts';
import type { ServerHook } from './jobs/server-hook.ts';

/** The hooks every server starts, in order (stopped in reverse); one line a hook. */
export const serverHooks: ServerHook[] = [doorsHook(), schedulerHook(), integrationsHook()];

export interface StartOptions {
  /** Load the demo vessel on first start (default true; `serve --no-demo` turns it off). */
  demo?: boolean;
  clock?: Clock;
  /** Hooks to run; defaults to `serverHooks`. */
  hooks?: ServerHook[];
  /** Stop gracefully on SIGTERM and SIGINT (the CLI does; tests do not). */
  handleSignals?: boolean;
  /** Where the one-time first-start message goes (default stdout). */
  print?: (text: string) => void;
  /** Override the logger options (tests pass `false`). */
  logger?: FastifyServerOptions['logger'];
}

export interface RunningServer {
  app: App;
  db: Db;
  /** http://host:port as a client would call it. */
  url: string;
  port: number;
  /** Stops accepting, finishes in-flight requests, stops hooks, closes the store. Idempotent. */
  close(): Promise<void>;
}

/** Structured JSON logs; human-readable only when a person is watching (stdout is a TTY). */
export function loggerOptions(config: Config): FastifyServerOptions['logger'] {
  const base = { level: config.logLevel };
  if (!process.stdout.isTTY) return base;
  try {
    // pino-pretty is a dev dependency; without it, fall back to JSON.
    createRequire(import.meta.url).resolve('pino-pretty');
    return {
      ...base,
      transport: {
        target: 'pino-pretty',
        options: { translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' },
      },
    };
  } catch {
    return base;
  }
}

/** Lock files this process holds. */
const heldLocks = new Set<string>();

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * When a process started, in clock ticks since boot (/proc/<pid>/stat, field 22), or undefined where
 * there is no /proc. A pid is reused once its process is gone; pid and start time together are not.
 */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19];
  } catch {
    return undefined;
  }
}

/** The lock file's text: the pid on the first line, its start time (when known) on the second. */
function lockText(pid: number): string {
  const start = processStartTime(pid);
  return start ? `${pid}\n${start}\n` : `${pid}\n`;
}

/**
 * Whether the process a lock file names still holds it: alive, and (where start times are known)
 * the same process that wrote it, not a later one that was given the dead holder's pid.
 */
function holderLives(pid: number, recordedStart: string | undefined): boolean {
  if (!Number.isInteger(pid) || pid <= 0 || !processAlive(pid)) return false;
  if (recordedStart === undefined) return true;
  const now = processStartTime(pid);
  return now === undefined || now === recordedStart;
}

/**
 * Claims the embedded store's data folder for this process; answers the release. PGlite takes no
 * lock of its own, and two processes writing one folder corrupt it, so a second server or an
 * offline CLI command while the server runs is refused. A lock left by a killed process is taken
 * over: its pid is gone, or now belongs to another process (the recorded start time differs).
 */
export function lockDataDir(dir: string): () => void {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'shipshape.lock');
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(path, lockText(process.pid), { flag: 'wx' });
      heldLocks.add(path);
      return () => {
        heldLocks.delete(path);
        try {
          if (readFileSync(path, 'utf8').split('\n')[0]?.trim() === String(process.pid)) unlinkSync(path);
        } catch {
          // Already gone: nothing to release.
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let holder = Number.NaN;
      let recordedStart: string | undefined;
      try {
        const [pid, start] = readFileSync(path, 'utf8').split('\n');
        holder = Number(pid?.trim());
        recordedStart = start?.trim() || undefined;
      } catch {
        continue; // released between our two calls
      }
      // Our own pid on a lock we do not hold is a restarted container's (the server is pid 1 again).
      const ours = holder === process.pid && !heldLocks.has(path);
      if (!ours && holderLives(holder, recordedStart))
        throw new Error(
          `The data folder ${dir} is in use by process ${holder} (a running server?); stop it first, or work through the API`,
        );
      try {
        unlinkSync(path);
      } catch {
        // Another process took it over first; the next attempt finds out.
      }
    }
  }
  throw new Error(`Could not lock the data folder ${dir}`);
}

/** Opens the configured store; the embedded one only after claiming its folder. */
export async function openConfiguredStore(config: Config): Promise<{ db: Db; release: () => void }> {
  const release = config.databaseUrl ? () => undefined : lockDataDir(config.dataDir);
  try {
    const limits = { lockTimeoutMs: config.lockTimeoutMs, acquireTimeoutMs: config.storeWaitMs };
    return {
      db: await openStore({
        databaseUrl: config.databaseUrl,
        dataDir: config.dataDir,
        limits,
        // A new data folder starts from the migrated template when the build made one.
        template: !config.databaseUrl && isNewDataDir(config.dataDir) ? readStoreTemplate() : undefined,
      }),
      release,
    };
  } catch (err) {
    release();
    throw err;
  }
}

export interface FirstStartResult {
  siteId: string;
  adminId: string;
  email: string;
  /** Set when the password was generated (and must be shown once). */
  generatedPassword?: string;
  /** Whether the demo crew were created (they have no password until an admin resets one). */
  demo?: boolean;
  /** The demo lounge's room-display secret: /display/{token} (printed at start). */
  displayToken?: string;
}

/**
 * On an empty store, creates the first site and its admin (credentials from the environment, or a
 * random password) and, unless told not to, loads the demo vessel into it. Does nothing otherwise.
 */
export async function firstStart(
  db: Db,
  clock: Clock,
  config: Config,
  opts: { demo: boolean },
): Promise<FirstStartResult | undefined> {
  if ((await countSites(db)) > 0) return undefined;
  const email = config.adminEmail ?? 'admin@shipshape.local';
  const generatedPassword = config.adminPassword ? undefined : randomBytes(12).toString('base64url');
  const password = config.adminPassword ?? generatedPassword!;
  const passwordHash = await hashPassword(password);
  // One transaction: a start that fails half-way leaves an empty store, so the next start retries
  // the whole of it rather than finding a site without its demo.
  const created = await db.transaction(async (tx) => {
    // Two servers starting at once on one empty PostgreSQL server: the second waits here, then
    // finds the site the first created.
    await lockFirstStart(tx);
    if ((await countSites(tx)) > 0) return undefined;
    // createSiteWithAdmin only opens a transaction on what it is given, which joins this one.
    const created = await createSiteWithAdmin(tx as unknown as Db, {
      site: opts.demo ? demoSite : { name: 'Shipshape', timeZone: 'UTC' },
      admin: {
        email,
        displayName: opts.demo ? 'Captain Ada Okafor' : 'Administrator',
        rank: opts.demo ? 'Captain' : '',
        passwordHash,
      },
    });
    // The demo crew get no password: the admin's is the admin's alone. To sign in as one of them,
    // the admin resets their password (Admin → Members), which they then change at first sign-in.
    const demo = opts.demo
      ? await loadDemo({ db: tx, clock, actor: systemActor(created.siteId, created.adminId) })
      : undefined;
    return { ...created, displayToken: demo?.displayToken };
  });
  if (!created) return undefined;
  const { siteId, adminId, displayToken } = created;
  return {
    siteId,
    adminId,
    email,
    demo: opts.demo,
    ...(displayToken ? { displayToken } : {}),
    ...(generatedPassword ? { generatedPassword } : {}),
  };
}

/** The banner that shows a generated admin password, the one time it exists in clear. */
export function firstStartBanner(result: FirstStartResult, url: string): string {
  const lines = [
    'Shipshape: first start — created the first admin.',
    `  sign in at: ${url}`,
    `  email:      ${result.email}`,
    `  password:   ${result.generatedPassword}`,
    'This password is shown only once. Set SHIPSHAPE_ADMIN_PASSWORD to choose it yourself.',
    ...(result.demo
      ? [
          'The demo crew have no password: to sign in as one, reset theirs in Admin → Members',
          '(or POST /api/v1/members/{id}/password-reset); they set their own at first sign-in.',
        ]
      : []),
  ];
  const width = Math.max(...lines.map((l) => l.length));
  const rule = '='.repeat(width);
  return `\n${rule}\n${lines.join('\n')}\n${rule}\n\n`;
}

/**
 * Opens the store, migrates it, creates the first admin (and the demo) on an empty store, builds the
 * app and listens on config.host:config.port.
 */
export async function startServer(config: Config, opts: StartOptions = {}): Promise<RunningServer> {
  const clock = opts.clock ?? systemClock;
  const hooks = opts.hooks ?? serverHooks;
  const print = opts.print ?? ((text: string) => process.stdout.write(text));
  const { db, release } = await openConfiguredStore(config);
  let app: App | undefined;
  const started: ServerHook[] = [];
  try {
    await migrate(db);
    const deps: Deps = { db, clock, config };
    app = await buildApp(deps, opts.logger ?? loggerOptions(config));
    const first = await firstStart(db, clock, config, { demo: opts.demo ?? true });
    if (first)
      app.log.info(
        { siteId: first.siteId, adminEmail: first.email, demo: opts.demo ?? true },
        'first start: created the site and its first admin',
      );
    for (const hook of hooks) {
      await hook.start({ ...deps, log: app.log });
      started.push(hook);
    }
    await app.listen({ host: config.host, port: config.port });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const shownHost = ['0.0.0.0', '::', ''].includes(config.host) ? 'localhost' : config.host;
    const url = `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`;
    if (first?.generatedPassword) print(firstStartBanner(first, url));
    if (first?.displayToken)
      print(`Room display of the demo's Training Lounge: ${url}/display/${first.displayToken}\n`);
    app.log.info({ url, store: db.kind }, 'Shipshape is ready');

    let closing: Promise<void> | undefined;
    const running: RunningServer = {
      app,
      db,
      url,
      port,
      close: () => {
        closing ??= shutdown(app!, db, started).finally(release);
        return closing;
      },
    };
    if (opts.handleSignals) installSignalHandlers(running);
    return running;
  } catch (err) {
    await shutdown(app, db, started).catch(() => undefined);
    release();
    throw err;
  }
}

async function shutdown(app: App | undefined, db: Db, started: ServerHook[]): Promise<void> {
  // Fastify's close stops accepting, lets in-flight requests finish, then resolves.
  if (app) await app.close();
  for (const hook of [...started].reverse()) {
    try {
      await hook.stop();
    } catch (err) {
      app?.log.error({ err, hook: hook.name }, 'a hook failed to stop');
    }
  }
  // Closing PGlite checkpoints and releases the data dir; skipping it would force recovery next start.
  await db.close();
}

function installSignalHandlers(server: RunningServer): void {
  const onSignal = (signal: NodeJS.Signals) => {
    server.app.log.info({ signal }, 'shutting down');
    // A second signal, or a shutdown stuck for 15 s, ends the process the hard way.
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    process.once(signal, () => process.exit(1));
    server.close().then(
      () => {
        server.app.log.info('stopped');
        process.exitCode = 0;
      },
      (err: unknown) => {
        server.app.log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}
