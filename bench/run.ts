import { Worker } from 'node:worker_threads';
import { readConfig } from '../src/config.ts';
import { migrate } from '../src/db/migrate.ts';
import type { Db } from '../src/db/store.ts';
import { systemClock } from '../src/domain/clock.ts';
import { createApiToken } from '../src/features/auth/service.ts';
import { getAvailability } from '../src/features/availability/service.ts';
import { createBooking } from '../src/features/bookings/service.ts';
import { type Actor, systemActor } from '../src/features/context.ts';
import { createSiteWithAdmin } from '../src/features/sites/service.ts';
import { createSpace } from '../src/features/spaces/service.ts';
import { buildApp } from '../src/http/app.ts';
import { runDoorsBench } from './doors.ts';
import { runIntegrationsBench } from './integrations.ts';
import { runJobsBench } from './jobs.ts';
import { percentile } from './measure.ts';
import { printMemory, runMemoryBench } from './memory.ts';
import { runPartnersBench } from './partners.ts';
import { runQuotasBench } from './quotas.ts';
import { runReportsBench } from './reports.ts';
import { runSeriesBench } from './series.ts';
import { printServers, runServersBench } from './servers.ts';
import { printStart, runStartBench } from './start.ts';
import { openBenchStore } from './stores.ts';

const N = Number(process.env.BENCH_N ?? 2000);
const BIG = Number(process.env.BENCH_BIG ?? 1_000_000);
const SMALL = 10_000;
const CONCURRENCY = 10;
const PROBES = 1000;
const stores = (process.env.BENCH_STORES ?? 'pglite,postgres').split(',');

const slotMs = 30 * 60_000;
const day = 86_400_000;
// Slots start tomorrow at 00:00 UTC, so every method books the future.
const base = Math.ceil(Date.now() / day) * day + day;

async function pool<T>(count: number, workers: number, task: (i: number) => Promise<T>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

async function newSpace(db: Db, actor: Actor, name: string): Promise<string> {
  const space = await createSpace(
    { db, clock: systemClock, actor },
    { name, kind: 'training', capacity: 20, changeoverMinutes: 0, minMinutes: 15, maxMinutes: 240 },
  );
  return space.id;
}

/** Inserts `count` back-to-back 1-hour bookings (2 h apart) into each space, in chunks, with plain SQL. */
async function seed(
  db: Db,
  siteId: string,
  organizerId: string,
  spaceIds: string[],
  perSpace: number,
  offset = 0,
) {
  const chunk = 50_000;
  for (const spaceId of spaceIds) {
    for (let from = offset; from < offset + perSpace; from += chunk) {
      const to = Math.min(offset + perSpace, from + chunk) - 1;
      await db.query(
        `INSERT INTO bookings (site_id, space_id, organizer_id, title, start_at, end_at, blocked)
         SELECT $1, $2, $3, 'seed', t, t + interval '1 hour', tstzrange(t, t + interval '1 hour', '[)')
           FROM (SELECT $4::timestamptz + make_interval(hours => 2 * g) AS t FROM generate_series($5::int, $6::int) g) s`,
        [siteId, spaceId, organizerId, new Date(base + 400 * day).toISOString(), from, to],
      );
    }
  }
}

async function availabilityLatency(
  db: Db,
  actor: Actor,
  spaceId: string,
): Promise<{ p50: number; p99: number }> {
  const ctx = { db, clock: systemClock, actor };
  // The probed week lies inside the seeded span of the probed space (bookings every 2 hours).
  const from = new Date(base + 400 * day + 7 * day);
  const to = new Date(from.getTime() + 7 * day);
  for (let i = 0; i < 50; i++) await getAvailability(ctx, { spaceIds: [spaceId], from, to });
  const times: number[] = [];
  for (let i = 0; i < PROBES; i++) {
    const t0 = performance.now();
    const res = await getAvailability(ctx, { spaceIds: [spaceId], from, to });
    times.push(performance.now() - t0);
    if (i === 0 && res.spaces[0]!.free.length < 50) throw new Error('the probed week is not as seeded');
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99) };
}

async function benchStore(kind: string) {
  const { db, cleanup } = await openBenchStore(kind, 'run', CONCURRENCY + 2);
  try {
    await migrate(db);
    const { siteId, adminId } = await createSiteWithAdmin(db, {
      site: { name: 'Bench', timeZone: 'UTC', horizonDays: 1100 },
      admin: { email: 'bench@example.test', displayName: 'Bench', passwordHash: null },
    });
    const actor = systemActor(siteId, adminId);
    const ctx = { db, clock: systemClock, actor };
    const [rawSpace, serviceSpace, httpSpace] = [
      await newSpace(db, actor, 'raw'),
      await newSpace(db, actor, 'service'),
      await newSpace(db, actor, 'http'),
    ];
    // Each phase books its own stretch of time (raw, service, HTTP with 10, with 50 clients): the one
    // organizer may not be in two sessions at once.
    const slot = (i: number) => ({
      start: new Date(base + i * slotMs),
      end: new Date(base + (i + 1) * slotMs),
    });

    // (a) raw: one INSERT per booking through the same driver and pool, nothing else.
    let t0 = performance.now();
    await pool(N, CONCURRENCY, async (i) => {
      const { start, end } = slot(i);
      await db.query(
        `INSERT INTO bookings (site_id, space_id, organizer_id, title, start_at, end_at, blocked)
         VALUES ($1, $2, $3, $4, $5, $6, tstzrange($5::timestamptz, $6::timestamptz, '[)'))`,
        [siteId, rawSpace, adminId, `raw ${i}`, start.toISOString(), end.toISOString()],
      );
    });
    const raw = N / ((performance.now() - t0) / 1000);

    // (b) the booking service: rules, constraint, participants, event, in one transaction.
    t0 = performance.now();
    await pool(N, CONCURRENCY, async (i) => {
      const res = await createBooking(ctx, { spaceId: serviceSpace, ...slot(N + i), title: `service ${i}` });
      if (!res.ok) throw new Error('unexpected conflict');
    });
    const service = N / ((performance.now() - t0) / 1000);

    // (c) HTTP POST /api/v1/bookings under autocannon (in a worker thread, so the load generator
    // runs beside the server rather than on its event loop), on a listening server in this process.
    const app = await buildApp({ db, clock: systemClock, config: readConfig({}) });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const { token } = await createApiToken(ctx, { name: 'bench' });
    // Two HTTP phases, 10 and then 50 clients, each booking its own space after the service's slots.
    const httpPhase = async (connections: number, spaceId: string, from: number) => {
      const load = await new Promise<{
        ok: number;
        non2xx: number;
        duration: number;
        p50: number;
        p99: number;
      }>((resolve, reject) => {
        const worker = new Worker(new URL('./load-worker.mjs', import.meta.url), {
          workerData: {
            url: `http://127.0.0.1:${port}/api/v1/bookings`,
            token,
            spaceId,
            amount: N,
            connections,
            base: from,
            slotMs,
          },
        });
        worker.once('message', resolve);
        worker.once('error', reject);
      });
      if (load.ok !== N)
        throw new Error(
          `HTTP phase (${connections} clients): ${load.ok} of ${N} answered 2xx (non-2xx ${load.non2xx})`,
        );
      return { rate: N / load.duration, p50: load.p50, p99: load.p99 };
    };
    const http10 = await httpPhase(CONCURRENCY, httpSpace, base + 2 * N * slotMs);
    const http50 = await httpPhase(50, await newSpace(db, actor, 'http 50'), base + 3 * N * slotMs);
    const http = http10.rate;
    const memory = process.memoryUsage();
    await app.close();

    // Availability for one space over a week, with 10k and then BIG bookings in the table.
    const probeSpaces: string[] = [];
    for (let i = 0; i < 100; i++) probeSpaces.push(await newSpace(db, actor, `probe ${i}`));
    const countNow = async () =>
      Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM bookings')).rows[0]!.n);
    const smallPer = Math.max(100, Math.ceil((SMALL - (await countNow())) / 10));
    await seed(db, siteId, adminId, probeSpaces.slice(0, 10), smallPer);
    const small = await availabilityLatency(db, actor, probeSpaces[0]!);
    const smallCount = await countNow();
    const perSpace = Math.ceil((BIG - smallCount) / 99);
    const tSeed = performance.now();
    // The probed space keeps its bookings; the other 99 fill the table to BIG.
    await seed(db, siteId, adminId, probeSpaces.slice(1, 10), perSpace, smallPer);
    await seed(db, siteId, adminId, probeSpaces.slice(10), perSpace);
    await db.query('ANALYZE bookings');
    const seedSeconds = (performance.now() - tSeed) / 1000;
    const big = await availabilityLatency(db, actor, probeSpaces[0]!);
    const bigCount = await countNow();

    return {
      store: kind,
      raw,
      service,
      http,
      http50: http50.rate,
      httpLatencyP50: http10.p50,
      httpLatencyP99: http10.p99,
      http50P50: http50.p50,
      http50P99: http50.p99,
      small: { count: smallCount, ...small },
      big: { count: bigCount, ...big, seedSeconds },
      rssMb: memory.rss / 2 ** 20,
      heapMb: memory.heapUsed / 2 ** 20,
    };
  } finally {
    await cleanup();
  }
}

const f = (n: number, d = 0) => n.toFixed(d);
const rows = [];
for (const kind of stores) {
  process.stderr.write(`bench: ${kind}…\n`);
  rows.push(await benchStore(kind));
}
console.log(`\nBookings per second (N=${N} each, ${CONCURRENCY} concurrent), ratio to raw:\n`);
console.log(
  '| store | (a) raw SQL insert | (b) booking service | (c) HTTP POST, 10 clients | (b)/(a) | (c)/(a) | HTTP p50 / p99 ms | (d) HTTP POST, 50 clients | (d)/(a) | p50 / p99 ms |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows)
  console.log(
    `| ${r.store} | ${f(r.raw)} | ${f(r.service)} | ${f(r.http)} | ${f(r.service / r.raw, 2)} | ${f(r.http / r.raw, 2)} | ${r.httpLatencyP50} / ${r.httpLatencyP99} | ${f(r.http50)} | ${f(r.http50 / r.raw, 2)} | ${r.http50P50} / ${r.http50P99} |`,
  );
console.log(`\nAvailability of one space over one week (${PROBES} calls of the service), ms:\n`);
console.log('| store | rows | p50 | p99 | rows | p50 | p99 | p99 ratio | seeding s |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const r of rows)
  console.log(
    `| ${r.store} | ${r.small.count} | ${f(r.small.p50, 2)} | ${f(r.small.p99, 2)} | ${r.big.count} | ${f(r.big.p50, 2)} | ${f(r.big.p99, 2)} | ${f(r.big.p99 / r.small.p99, 2)} | ${f(r.big.seedSeconds)} |`,
  );
console.log(
  '\nMemory of this process after the HTTP phase (the store in process for PGlite, and the load generator; the server alone: bench/memory.ts):\n',
);
for (const r of rows) console.log(`- ${r.store}: rss ${f(r.rssMb)} MB, heap used ${f(r.heapMb)} MB`);

// BENCH_ONLY=bookings stops here (the booking and availability figures alone).
if (process.env.BENCH_ONLY === 'bookings') process.exit(0);

console.log('\nSeries and notices:\n');
await runSeriesBench();

console.log('\nTimed jobs:\n');
await runJobsBench();

console.log('\nDoors:\n');
await runDoorsBench();
console.log('\nIntegrations (feeds, webhooks):\n');
await runIntegrationsBench();

console.log('\nPartners and find-time:\n');
await runPartnersBench();

if (stores.includes('postgres')) {
  console.log('\nSeveral servers:\n');
  printServers(await runServersBench());
}

console.log('\nStart-up:\n');
printStart(await runStartBench());
console.log('\nMemory of the server process alone:\n');
printMemory(await runMemoryBench());
console.log('\nFair-use quotas on the booking path:\n');
await runQuotasBench();
console.log('\nUtilization report:\n');
await runReportsBench();
