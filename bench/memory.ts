/**
 * Memory of the server process alone (issue 13, point 3): `shipshape serve` in its own process with
 * `npm start`'s Node flags, on a store holding the demo vessel, and the load generator in another
 * process (bench/round-robin-load.mjs), so the figures are the server's and not the load
 * generator's. Per store: resident memory (VmRSS) and its peak so far (VmHWM) from
 * /proc/<pid>/status, 10 s after a restart on that store (idle), and after the HTTP booking phases
 * of bench/run.ts (2,000 POST /bookings from 10 clients, then 2,000 from 50), with their rates.
 *
 * Env: BENCH_STORES (pglite,postgres), BENCH_DATABASE_URL, BENCH_MEMORY_N (bookings per phase,
 * 2000), BENCH_NODE_FLAGS (the server's Node flags instead of `npm start`'s, whose environment
 * settings are then left out too; "" for none: set MALLOC_ARENA_MAX and the like around the bench).
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleServerIfStale } from '../src/build.ts';
import { openPglite, openPostgres } from '../src/db/store.ts';
import { buildStoreTemplate } from '../src/db/template.ts';
import { systemClock } from '../src/domain/clock.ts';
import { createApiToken } from '../src/features/auth/service.ts';
import { systemActor } from '../src/features/context.ts';
import { createMember } from '../src/features/members/service.ts';
import { listSites } from '../src/features/sites/repository.ts';
import { createSpace } from '../src/features/spaces/service.ts';
import { emptyBenchStore, freePort } from './stores.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const stores = (process.env.BENCH_STORES ?? 'pglite,postgres').split(',');
const N = Number(process.env.BENCH_MEMORY_N ?? 2000);
const slotMs = 30 * 60_000;
const day = 86_400_000;

/**
 * How package.json's start script (`npm start`) runs Node: the environment it sets before `node`
 * (`NAME=value` words) and Node's flags (`--` words), so a bench runs the server as it does.
 */
export function npmStart(): { env: Record<string, string>; flags: string[] } {
  const words = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts.start as string).split(
    /\s+/,
  );
  const node = words.indexOf('node');
  const env = Object.fromEntries(
    words
      .slice(0, node)
      .map((w) => /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(w))
      .filter((m) => m !== null)
      .map((m) => [m[1]!, m[2]!]),
  );
  return { env, flags: words.slice(node + 1).filter((w) => w.startsWith('--')) };
}

/** The server's environment and flags: `npm start`'s, or BENCH_NODE_FLAGS (then no environment). */
const { env: startEnv, flags } =
  process.env.BENCH_NODE_FLAGS !== undefined
    ? { env: {}, flags: process.env.BENCH_NODE_FLAGS.split(/\s+/).filter(Boolean) }
    : npmStart();

/** CPU time a process has used so far, user and system, ms (Linux; /proc/<pid>/stat in clock ticks of 10 ms). */
export function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** VmRSS and VmHWM of a process, MB (Linux). */
export function processMemory(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const mb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1]) / 1024;
  return { rss: mb('VmRSS'), hwm: mb('VmHWM') };
}

interface Server {
  child: ChildProcess;
  url: string;
}

async function startServer(env: Record<string, string>): Promise<Server> {
  const port = await freePort();
  const child = spawn(process.execPath, [...flags, join(root, 'bin', 'shipshape.js'), 'serve'], {
    cwd: root,
    env: {
      ...process.env,
      ...startEnv,
      DATABASE_URL: '',
      ...env,
      HOST: '127.0.0.1',
      PORT: String(port),
      SHIPSHAPE_MQTT_PORT: '0',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const until = Date.now() + 120_000;
  for (;;) {
    const ready = await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) return { child, url };
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`);
    if (Date.now() > until) throw new Error('the server did not get ready in 2 minutes');
    await new Promise((r) => setTimeout(r, 50));
  }
}

function stopServer({ child }: Server): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

interface Load {
  ok: number;
  failed: number;
  seconds: number;
  p50: number;
  p99: number;
}

function runLoad(args: unknown): Promise<Load> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(new URL('./round-robin-load.mjs', import.meta.url)), [
      JSON.stringify(args),
    ]);
    child.once('message', (m) => resolve(m as Load));
    child.once('error', reject);
    child.once('exit', (code) => code !== 0 && reject(new Error(`load generator exited ${code}`)));
  });
}

/** 50 members of the demo site, each with an API token and a space of their own to book. */
async function addBenchClients(env: Record<string, string>): Promise<{ token: string; spaceId: string }[]> {
  const db = env.DATABASE_URL ? openPostgres(env.DATABASE_URL, 2) : await openPglite(env.SHIPSHAPE_DATA_DIR);
  try {
    const site = (await listSites(db))[0];
    if (!site) throw new Error('the first start made no site');
    const admin = await db.query<{ id: string }>(
      `SELECT id FROM members WHERE site_id = $1 AND role = 'admin' ORDER BY created_at LIMIT 1`,
      [site.siteId],
    );
    const adminCtx = { db, clock: systemClock, actor: systemActor(site.siteId, admin.rows[0]!.id) };
    const clients: { token: string; spaceId: string }[] = [];
    for (let i = 0; i < 50; i++) {
      const m = await createMember(adminCtx, { email: `load${i}@example.test`, displayName: `Load ${i}` });
      const ctx = {
        db,
        clock: systemClock,
        actor: { ...systemActor(site.siteId, m.id), role: 'member' as const },
      };
      const { token } = await createApiToken(ctx, { name: 'bench' });
      const space = await createSpace(adminCtx, {
        name: `Load room ${i}`,
        kind: 'training',
        capacity: 4,
        changeoverMinutes: 0,
        minMinutes: 15,
        maxMinutes: 240,
      });
      clients.push({ token, spaceId: space.id });
    }
    return clients;
  } finally {
    await db.close();
  }
}

export interface MemoryFigures {
  store: string;
  idle: { rss: number; hwm: number };
  after: { rss: number; hwm: number };
  rate10: number;
  rate50: number;
  /** The server's CPU time per booking over both phases, ms: the cost of a booking, which a busy machine slows less than the rates. */
  cpuPerBooking: number;
}

async function benchStore(kind: string): Promise<MemoryFigures> {
  const { env, drop } = await emptyBenchStore(kind, 'memory');
  try {
    // The first start loads the demo; the bench's members are added with the server stopped (the
    // embedded store's folder is one process's at a time), and the figures are of a restart.
    await stopServer(await startServer(env));
    const clients = await addBenchClients(env);
    const server = await startServer(env);
    try {
      await new Promise((r) => setTimeout(r, 10_000));
      const idle = processMemory(server.child.pid!);
      // The phases of bench/run.ts: N bookings from 10 clients, then N from 50, each client in
      // its own space (none of the demo's), from tomorrow on.
      const base = Math.ceil(Date.now() / day) * day + day;
      const phase = async (count: number, from: number) => {
        const load = await runLoad({
          urls: [server.url],
          clients: clients.slice(0, count),
          perClient: Math.ceil(N / count),
          base: from,
          slotMs,
        });
        if (load.failed > 0) throw new Error(`memory bench: ${load.failed} bookings refused`);
        return load.ok / load.seconds;
      };
      const cpu0 = processCpuMs(server.child.pid!);
      const rate10 = await phase(10, base);
      const rate50 = await phase(50, base + (N / 10 + 1) * slotMs);
      const after = processMemory(server.child.pid!);
      const cpuPerBooking = (processCpuMs(server.child.pid!) - cpu0) / (2 * N);
      return { store: kind, idle, after, rate10, rate50, cpuPerBooking };
    } finally {
      await stopServer(server);
    }
  } finally {
    await drop();
  }
}

export async function runMemoryBench(): Promise<MemoryFigures[]> {
  // As `npm start`'s prestart would: the server runs from its bundle (through tsx it would hold
  // 80 MB more), and a first start loads the migrated template.
  await bundleServerIfStale();
  await buildStoreTemplate();
  const rows: MemoryFigures[] = [];
  for (const kind of stores) {
    process.stderr.write(`bench memory: ${kind}…\n`);
    rows.push(await benchStore(kind));
  }
  return rows;
}

export function printMemory(rows: MemoryFigures[]): void {
  console.log(
    `\nMemory of the server process alone (${Object.entries(startEnv)
      .map(([k, v]) => `${k}=${v} `)
      .join(
        '',
      )}node ${flags.join(' ') || '(no flags)'} bin/shipshape.js serve, demo store; load generator in another process), MB:\n`,
  );
  console.log(
    '| store | idle RSS (10 s after restart) | idle peak (VmHWM) | RSS after the HTTP phases | peak (VmHWM) | HTTP bookings/s, 10 clients | 50 clients | server CPU ms per booking |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of rows)
    console.log(
      `| ${r.store} | ${r.idle.rss.toFixed(0)} | ${r.idle.hwm.toFixed(0)} | ${r.after.rss.toFixed(0)} | ${r.after.hwm.toFixed(0)} | ${r.rate10.toFixed(0)} | ${r.rate50.toFixed(0)} | ${r.cpuPerBooking.toFixed(1)} |`,
    );
}

if (import.meta.url === `file://${process.argv[1]}`) printMemory(await runMemoryBench());
