/**
 * Several servers on one PostgreSQL server (issue 13, point 6): the booking throughput of 1, 2 and
 * 4 `shipshape serve` processes on one database, with a round-robin load generator in its own
 * process (bench/round-robin-load.mjs), beside the raw insert rate of the same rows through one pool
 * of the same size. Each client is its own member booking back-to-back slots of their own space, so
 * the figure is the servers' and the store's, not one organizer's lock.
 *
 * Env: BENCH_DATABASE_URL, BENCH_SERVERS (1,2,4), BENCH_SERVERS_CLIENTS (50), BENCH_SERVERS_N (per
 * client, 40).
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { migrate } from '../src/db/migrate.ts';
import type { Db } from '../src/db/store.ts';
import { systemClock } from '../src/domain/clock.ts';
import { createApiToken } from '../src/features/auth/service.ts';
import { systemActor } from '../src/features/context.ts';
import { createMember } from '../src/features/members/service.ts';
import { createSiteWithAdmin } from '../src/features/sites/service.ts';
import { createSpace } from '../src/features/spaces/service.ts';
import { freePort, openBenchStore } from './stores.ts';

const counts = (process.env.BENCH_SERVERS ?? '1,2,4').split(',').map(Number);
const CLIENTS = Number(process.env.BENCH_SERVERS_CLIENTS ?? 50);
const PER_CLIENT = Number(process.env.BENCH_SERVERS_N ?? 40);
const slotMs = 30 * 60_000;
const day = 86_400_000;
const root = fileURLToPath(new URL('..', import.meta.url));

interface Load {
  ok: number;
  failed: number;
  seconds: number;
  p50: number;
  p99: number;
}

export interface ServersFigures {
  raw: number;
  runs: { servers: number; perSecond: number; ratio: number; p50: number; p99: number; failed: number }[];
}

async function startServers(
  n: number,
  databaseUrl: string,
): Promise<{ children: ChildProcess[]; urls: string[] }> {
  const children: ChildProcess[] = [];
  const ports: number[] = [];
  for (let i = 0; i < n; i++) {
    ports.push(await freePort());
    children.push(
      spawn(process.execPath, [`${root}bin/shipshape.js`, 'serve'], {
        env: {
          ...process.env,
          DATABASE_URL: databaseUrl,
          HOST: '127.0.0.1',
          PORT: String(ports[i]),
          SHIPSHAPE_MQTT_PORT: '0',
          LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'ignore', 'inherit'],
      }),
    );
  }
  for (let i = 0; i < n; i++) {
    const until = Date.now() + 60_000;
    for (;;) {
      const ready = await fetch(`http://127.0.0.1:${ports[i]}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ready) break;
      if (Date.now() > until) throw new Error(`server ${i + 1} did not get ready`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return { children, urls: ports.map((p) => `http://127.0.0.1:${p}`) };
}

async function stopServers(children: ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null) return resolve();
          c.once('exit', () => resolve());
          c.kill('SIGTERM');
        }),
    ),
  );
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

async function pool(count: number, workers: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

export async function runServersBench(): Promise<ServersFigures> {
  const { db, cleanup, url } = await openBenchStore('postgres', 'servers', CLIENTS);
  try {
    await migrate(db);
    const { siteId, adminId } = await createSiteWithAdmin(db, {
      site: { name: 'Servers bench', timeZone: 'UTC', horizonDays: 1100 },
      admin: { email: 'servers@example.test', displayName: 'Servers', passwordHash: null },
    });
    const adminCtx = { db, clock: systemClock, actor: systemActor(siteId, adminId) };
    const space = (name: string) =>
      createSpace(adminCtx, {
        name,
        kind: 'training',
        capacity: 4,
        changeoverMinutes: 0,
        minMinutes: 15,
        maxMinutes: 240,
      }).then((s) => s.id);
    const clients: { token: string; spaceId: string; memberId: string }[] = [];
    for (let i = 0; i < CLIENTS; i++) {
      const m = await createMember(adminCtx, { email: `crew${i}@example.test`, displayName: `Crew ${i}` });
      const ctx = {
        db,
        clock: systemClock,
        actor: { ...systemActor(siteId, m.id), role: 'member' as const },
      };
      const { token } = await createApiToken(ctx, { name: 'bench' });
      clients.push({ token, spaceId: await space(`Room ${i}`), memberId: m.id });
    }
    let base = Math.ceil(Date.now() / day) * day + day;
    const total = CLIENTS * PER_CLIENT;

    // The raw baseline: the same rows, one INSERT each, through one pool of CLIENTS connections.
    const t0 = performance.now();
    await pool(total, CLIENTS, async (i) => {
      const c = clients[i % CLIENTS]!;
      const k = Math.floor(i / CLIENTS);
      const start = new Date(base + k * slotMs).toISOString();
      const end = new Date(base + (k + 1) * slotMs).toISOString();
      await (db as Db).query(
        `INSERT INTO bookings (site_id, space_id, organizer_id, title, start_at, end_at, blocked)
         VALUES ($1, $2, $3, 'raw', $4, $5, tstzrange($4::timestamptz, $5::timestamptz, '[)'))`,
        [siteId, c.spaceId, c.memberId, start, end],
      );
    });
    const raw = total / ((performance.now() - t0) / 1000);
    base += PER_CLIENT * slotMs;

    const runs: ServersFigures['runs'] = [];
    for (const n of counts) {
      process.stderr.write(`bench servers: ${n}…\n`);
      const { children, urls } = await startServers(n, url!);
      try {
        const load = await runLoad({
          urls,
          clients: clients.map(({ token, spaceId }) => ({ token, spaceId })),
          perClient: PER_CLIENT,
          base,
          slotMs,
        });
        const perSecond = load.ok / load.seconds;
        runs.push({
          servers: n,
          perSecond,
          ratio: perSecond / raw,
          p50: load.p50,
          p99: load.p99,
          failed: load.failed,
        });
      } finally {
        await stopServers(children);
      }
      base += PER_CLIENT * slotMs;
    }
    return { raw, runs };
  } finally {
    await cleanup();
  }
}

export function printServers(f: ServersFigures): void {
  console.log(
    `\nSeveral servers on one PostgreSQL (${CLIENTS} members booking at once, ${PER_CLIENT} each, round-robin; raw insert ${f.raw.toFixed(0)}/s):\n`,
  );
  console.log('| servers | bookings/s | ratio to raw | p50 / p99 ms | refused |');
  console.log('|---|---|---|---|---|');
  for (const r of f.runs)
    console.log(
      `| ${r.servers} | ${r.perSecond.toFixed(0)} | ${r.ratio.toFixed(2)} | ${r.p50} / ${r.p99} | ${r.failed} |`,
    );
}

if (import.meta.url === `file://${process.argv[1]}`) printServers(await runServersBench());
