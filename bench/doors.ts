import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { readConfig } from '../src/config.ts';
import { systemClock } from '../src/domain/clock.ts';
import { createApiToken } from '../src/features/auth/service.ts';
import { type Ctx, systemActor } from '../src/features/context.ts';
import { type DoorsHook, doorsHook } from '../src/features/doors/hook.ts';
import { createDoor } from '../src/features/doors/service.ts';
import { DoorSimulator } from '../src/features/doors/simulator.ts';
import { createSpace } from '../src/features/spaces/service.ts';
import { schedulerHook } from '../src/jobs/hook.ts';
import { type RunningServer, startServer } from '../src/server.ts';
import { percentile } from './measure.ts';
import { emptyBenchStore } from './stores.ts';

const stores = (process.env.BENCH_STORES ?? 'pglite,postgres').split(',');
const mosquitto = process.env.BENCH_MQTT_URL ?? 'mqtt://127.0.0.1:1883';
const UNLOCKS = Number(process.env.BENCH_DOOR_UNLOCKS ?? 200);
const SECONDS = Number(process.env.BENCH_DOOR_SECONDS ?? 60);
const FLOOD_DOORS = 200;
const PROBE_RATE = 50;

interface Setup {
  server: RunningServer;
  hook: DoorsHook;
  ctx: Ctx;
  token: string;
  drop: () => Promise<void>;
}

async function start(kind: string, broker: 'embedded' | 'mosquitto'): Promise<Setup> {
  const store = await emptyBenchStore(kind, 'doors');
  const hook = doorsHook();
  const server = await startServer(
    readConfig({
      ...store.env,
      PORT: '0',
      HOST: '127.0.0.1',
      SHIPSHAPE_MQTT_PORT: '0',
      ...(broker === 'mosquitto' ? { SHIPSHAPE_MQTT_URL: mosquitto } : {}),
    }),
    { demo: false, logger: false, print: () => undefined, hooks: [hook, schedulerHook()] },
  );
  const { siteId, adminId } = (
    await server.db.query<{ siteId: string; adminId: string }>(
      `SELECT site_id AS "siteId", id AS "adminId" FROM members WHERE role = 'admin' LIMIT 1`,
    )
  ).rows[0]!;
  const ctx: Ctx = { db: server.db, clock: systemClock, actor: systemActor(siteId, adminId) };
  const { token } = await createApiToken(ctx, { name: 'bench' });
  return {
    server,
    hook,
    ctx,
    token,
    drop: async () => {
      await server.close();
      await store.drop();
    },
  };
}

const settings = { confirmMs: 10_000, staleSeconds: 3600 };
const run = Math.random().toString(16).slice(2, 10);

/** A cabin owned by the admin (who may open it without a reason) with a door on `topic`. */
async function cabinDoor(s: Setup, name: string, topic: string): Promise<string> {
  const space = await createSpace(s.ctx, {
    name,
    kind: 'cabin',
    capacity: 2,
    access: 'owner',
    ownerId: s.ctx.actor.memberId,
  });
  return (await createDoor(s.ctx, { spaceId: space.id, topic, hasContact: true }, settings)).id;
}

async function unlockLatency(kind: string, broker: 'embedded' | 'mosquitto') {
  const s = await start(kind, broker);
  try {
    const topic = `shipshape-bench/${run}/${kind}/latency`;
    const doorId = await cabinDoor(s, 'Latency cabin', topic);
    const link = s.hook.link()!;
    await link.syncTopics();
    const sim = await DoorSimulator.start(s.hook.brokerUrl()!, [{ topic }], { answerDelayMs: 0 });
    try {
      let applied: (() => void) | undefined;
      link.onChange((ref) => {
        if (ref.id === doorId) applied?.();
      });
      // The first report (retained state) arrives after subscribing.
      await new Promise((r) => setTimeout(r, 300));
      const times: number[] = [];
      const accepted: number[] = [];
      for (let i = 0; i < UNLOCKS + 10; i++) {
        const action = i % 2 === 0 ? 'unlock' : 'lock';
        const done = new Promise<void>((resolve) => {
          applied = resolve;
        });
        const t0 = performance.now();
        const res = await fetch(`${s.server.url}/api/v1/doors/${doorId}/${action}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' },
          body: '{}',
        });
        if (res.status !== 202) throw new Error(`unlock answered ${res.status}: ${await res.text()}`);
        const t202 = performance.now() - t0;
        await done;
        // The first ten warm up the JIT and the connections.
        if (i >= 10) {
          times.push(performance.now() - t0);
          accepted.push(t202);
        }
      }
      const confirmed = await s.server.db.query<{ n: string }>(
        `SELECT count(*)::text AS n FROM door_requests WHERE door_id = $1 AND status = 'confirmed'`,
        [doorId],
      );
      if (Number(confirmed.rows[0]!.n) !== UNLOCKS + 10) throw new Error('not every request was confirmed');
      times.sort((a, b) => a - b);
      accepted.sort((a, b) => a - b);
      return {
        p50: percentile(times, 50),
        p99: percentile(times, 99),
        acceptedP50: percentile(accepted, 50),
        acceptedP99: percentile(accepted, 99),
      };
    } finally {
      await sim.close();
    }
  } finally {
    await s.drop();
  }
}

async function probe(url: string, token: string, seconds: number) {
  return new Promise<{ times: number[]; failed: number }>((resolve, reject) => {
    const worker = new Worker(new URL('./door-probe.mjs', import.meta.url), {
      workerData: { url, token, perSecond: PROBE_RATE, seconds },
    });
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

async function flood(kind: string) {
  const s = await start(kind, 'embedded');
  try {
    const probeDoor = await cabinDoor(s, 'Probe cabin', `shipshape-bench/${run}/${kind}/probe`);
    const topics: string[] = [];
    for (let i = 0; i < FLOOD_DOORS; i++) {
      const topic = `shipshape-bench/${run}/${kind}/flood-${i}`;
      topics.push(topic);
      await cabinDoor(s, `Cabin ${i}`, topic);
    }
    await s.hook.link()!.syncTopics();
    const url = `${s.server.url}/api/v1/doors/${probeDoor}`;
    const quiet = await probe(url, s.token, Math.max(10, SECONDS / 3));
    // The locks are other devices: they run in a process of their own (`shipshape door-sim`), each
    // reporting on its own phase of the second.
    const sim = await simulatorProcess(s.hook.brokerUrl()!, topics);
    let reports = 0;
    const counter = setInterval(() => {
      reports += FLOOD_DOORS;
    }, 1000);
    try {
      const busy = await probe(url, s.token, SECONDS);
      const known = await s.server.db.query<{ n: string }>(
        'SELECT count(*)::text AS n FROM doors WHERE lock_state IS NOT NULL AND seen_at IS NOT NULL',
      );
      return {
        quietP50: percentile(quiet.times, 50),
        quietP99: percentile(quiet.times, 99),
        busyP50: percentile(busy.times, 50),
        busyP99: percentile(busy.times, 99),
        failed: quiet.failed + busy.failed,
        reports,
        doorsKnown: Number(known.rows[0]!.n),
      };
    } finally {
      clearInterval(counter);
      await sim.close();
    }
  } finally {
    await s.drop();
  }
}

/** `shipshape door-sim` in its own process, reporting every lock's state every second. */
async function simulatorProcess(url: string, topics: string[]): Promise<{ close: () => Promise<void> }> {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const child = spawn(
    process.execPath,
    [
      join(root, 'bin', 'shipshape.js'),
      'door-sim',
      '--url',
      url,
      '--report-every',
      '1',
      '--topic',
      ...topics,
    ],
    { cwd: root, env: { ...process.env, DATABASE_URL: '' }, stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    let seen = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes('Simulating')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`door-sim exited with ${code}: ${seen}`)));
  });
  child.stdout!.resume();
  return {
    close: async () => {
      child.stdin!.end('quit\n');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export async function runDoorsBench(): Promise<void> {
  const f = (n: number, d = 1) => n.toFixed(d);
  const latency: string[] = [];
  const floods: string[] = [];
  for (const kind of stores) {
    for (const broker of ['embedded', 'mosquitto'] as const) {
      process.stderr.write(`bench: doors, unlock latency (${kind}, ${broker})…\n`);
      const r = await unlockLatency(kind, broker);
      latency.push(
        `| ${kind} | ${broker} | ${UNLOCKS} | ${f(r.p50)} | ${f(r.p99)} | ${f(r.acceptedP50)} / ${f(r.acceptedP99)} |`,
      );
    }
    process.stderr.write(`bench: doors, ${FLOOD_DOORS} doors reporting every second (${kind})…\n`);
    const r = await flood(kind);
    floods.push(
      `| ${kind} | ${FLOOD_DOORS} × 1/s, ${SECONDS} s (${r.reports} reports) | ${f(r.quietP50)} / ${f(r.quietP99)} | ${f(r.busyP50)} / ${f(r.busyP99)} | ${f((r.busyP99 / r.quietP99 - 1) * 100, 0)}% | ${r.failed} | ${r.doorsKnown} |`,
    );
  }
  console.log(
    '\nDoor unlock → confirmed state through the broker (HTTP 202, publish, simulated lock, report applied), ms:\n',
  );
  console.log('| store | broker | requests | p50 | p99 | of which the 202 answer, p50 / p99 |');
  console.log('|---|---|---|---|---|---|');
  for (const l of latency) console.log(l);
  console.log(`\nAPI p99 while doors report (GET /doors/{id} at ${PROBE_RATE}/s from a worker), ms:\n`);
  console.log('| store | reports | quiet p50 / p99 | flood p50 / p99 | p99 growth | failed | doors known |');
  console.log('|---|---|---|---|---|---|---|');
  for (const l of floods) console.log(l);
}

if (import.meta.url === `file://${process.argv[1]}`) await runDoorsBench();
