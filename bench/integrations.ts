import { readConfig } from '../src/config.ts';
import { migrate } from '../src/db/migrate.ts';
import { type Db, openPglite, openPostgres } from '../src/db/store.ts';
import { systemClock } from '../src/domain/clock.ts';
import { addDays, localDate } from '../src/domain/time.ts';
import { createBooking } from '../src/features/bookings/service.ts';
import { type Actor, systemActor } from '../src/features/context.ts';
import { createFeed } from '../src/features/feeds/service.ts';
import { insertMember } from '../src/features/members/repository.ts';
import { createSeries } from '../src/features/series/service.ts';
import { createSpace } from '../src/features/spaces/service.ts';
import { createEndpoint } from '../src/features/webhooks/service.ts';
import { buildApp } from '../src/http/app.ts';
import { startServer } from '../src/server.ts';
import { Receiver } from '../test/webhooks/receiver.ts';
import { percentile } from './measure.ts';
import { emptyBenchStore } from './stores.ts';

const stores = (process.env.BENCH_STORES ?? 'pglite,postgres').split(',');
const EVENTS = Number(process.env.BENCH_WEBHOOKS ?? 1000);
const day = 86_400_000;

async function siteWithAdmin(db: Db, horizonDays: number): Promise<Actor> {
  const site = await db.query<{ id: string }>(
    `INSERT INTO sites (name, time_zone, horizon_days) VALUES ('Bench', 'Europe/Berlin', $1) RETURNING site_id AS id`,
    [horizonDays],
  );
  const siteId = site.rows[0]!.id;
  const adminId = await insertMember(db, {
    siteId,
    email: 'bench@example.test',
    displayName: 'Bench',
    rank: '',
    role: 'admin',
    passwordHash: null,
  });
  return systemActor(siteId, adminId);
}

async function space(db: Db, actor: Actor, name: string): Promise<string> {
  return (
    await createSpace(
      { db, clock: systemClock, actor },
      { name, kind: 'training', capacity: 20, changeoverMinutes: 0, minMinutes: 15, maxMinutes: 240 },
    )
  ).id;
}

async function feedBench(kind: string): Promise<{ p50: number; p99: number; bytes: number; events: number }> {
  const store = await emptyBenchStore(kind, 'integrations');
  const db =
    kind === 'pglite'
      ? await openPglite(store.env.SHIPSHAPE_DATA_DIR)
      : openPostgres(store.env.DATABASE_URL!);
  try {
    await migrate(db);
    const actor = await siteWithAdmin(db, 60);
    const ctx = { db, clock: systemClock, actor };
    const tomorrow = addDays(localDate(new Date(), 'Europe/Berlin'), 1);
    for (let i = 0; i < 20; i++) {
      const made = await createSeries(ctx, {
        spaceId: await space(db, actor, `Series ${i}`),
        rrule: 'FREQ=DAILY;COUNT=20',
        startTime: `${String(6 + (i % 16)).padStart(2, '0')}:00`,
        durationMinutes: 45,
        startDate: tomorrow,
        title: `Series ${i}`,
        // One member's heavy feed: the bench's admin is seated in overlapping sessions by leave.
        allowMemberOverlap: true,
      });
      if (made.booked.length !== 20) throw new Error(`series booked ${made.booked.length}`);
    }
    const singles = await space(db, actor, 'Singles');
    const base = Date.now() + 30 * day;
    for (let i = 0; i < 100; i++) {
      const start = new Date(base + i * 3 * 3_600_000);
      const r = await createBooking(ctx, {
        spaceId: singles,
        start,
        end: new Date(start.getTime() + 3_600_000),
        title: `Single ${i}`,
        allowMemberOverlap: true,
      });
      if (!r.ok) throw new Error('single booking conflicted');
    }
    const { token } = await createFeed(ctx, { scope: 'member' });
    const config = readConfig({ ...store.env, SHIPSHAPE_FEED_RATE_LIMIT: '100000' });
    const app = await buildApp({ db, clock: systemClock, config });
    await app.ready();
    const times: number[] = [];
    let bytes = 0;
    let events = 0;
    for (let i = 0; i < 220; i++) {
      const t0 = performance.now();
      const res = await app.inject({ method: 'GET', url: `/ical/${token}.ics` });
      const ms = performance.now() - t0;
      if (res.statusCode !== 200) throw new Error(`feed answered ${res.statusCode}`);
      if (i >= 20) times.push(ms); // the first fetches warm the JIT and the store's caches
      bytes = res.body.length;
      events = res.body.split('BEGIN:VEVENT').length - 1;
    }
    await app.close();
    times.sort((a, b) => a - b);
    return { p50: percentile(times, 50), p99: percentile(times, 99), bytes, events };
  } finally {
    await db.close();
    await store.drop();
  }
}

async function webhookBench(kind: string) {
  const store = await emptyBenchStore(kind, 'integrations');
  const server = await startServer(
    readConfig({ ...store.env, PORT: '0', HOST: '127.0.0.1', SHIPSHAPE_WEBHOOK_ALLOW_PRIVATE: 'true' }),
    { demo: false, logger: false, print: () => undefined },
  );
  let secret = '';
  const receiver = new Receiver(() => secret);
  try {
    const db = server.db;
    const actor = await siteWithAdmin(db, 400);
    const ctx = { db, clock: systemClock, actor };
    await receiver.start();
    const made = await createEndpoint(ctx, true, { url: receiver.url, eventTypes: ['booking.created'] });
    secret = made.secret;
    const where = await space(db, actor, 'Galley');
    const committed = new Map<string, number>();
    const received = new Map<string, number>();
    const idCount = new Map<string, number>();
    receiver.onMessage = (m) => {
      idCount.set(m.id, (idCount.get(m.id) ?? 0) + 1);
      const id = m.body.data.booking.id as string;
      if (!received.has(id)) received.set(id, m.at);
    };
    let slot = 0;
    const book = async () => {
      const start = new Date(Date.now() + day + slot++ * 3_600_000);
      const r = await createBooking(ctx, {
        spaceId: where,
        start,
        end: new Date(start.getTime() + 1_800_000),
        title: 'Bench',
        allowMemberOverlap: true,
      });
      if (!r.ok) throw new Error('conflict');
      committed.set(r.booking.id, performance.now());
      return r.booking.id;
    };
    const waitFor = async (ids: string[], ms: number) => {
      const until = performance.now() + ms;
      while (performance.now() < until && ids.some((id) => !received.has(id)))
        await new Promise((r) => setTimeout(r, 20));
    };

    // Phase 1: latency, receiver up, one booking every 20 ms (50 a second: a busy ship, not a flood).
    const first: string[] = [];
    for (let i = 0; i < EVENTS; i++) {
      const next = performance.now() + 20;
      first.push(await book());
      const wait = next - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    await waitFor(first, 30_000);
    const lat = first.filter((id) => received.has(id)).map((id) => received.get(id)! - committed.get(id)!);
    lat.sort((a, b) => a - b);

    // Phase 2: the receiver goes away for 2 s in the middle of 1,000 more.
    const second: string[] = [];
    for (let i = 0; i < EVENTS; i++) {
      if (i === Math.floor(EVENTS / 2)) {
        const port = Number(new URL(receiver.url).port);
        await receiver.stop();
        setTimeout(() => void receiver.start(port), 2000);
      }
      second.push(await book());
    }
    await waitFor(second, 60_000);
    const all = [...first, ...second];
    const lost = all.filter((id) => !received.has(id)).length;
    const duplicated = [...idCount.values()].filter((n) => n > 1).length;
    return {
      p50: percentile(lat, 50),
      p99: percentile(lat, 99),
      n: lat.length,
      total: all.length,
      lost,
      duplicated,
    };
  } finally {
    await receiver.stop();
    await server.close();
    await store.drop();
  }
}

export async function runIntegrationsBench(): Promise<void> {
  for (const kind of stores) {
    const f = await feedBench(kind);
    console.log(
      `${kind}: member feed, 500 sessions (20 series): p50 ${f.p50.toFixed(1)} ms, p99 ${f.p99.toFixed(1)} ms (target p99 < 50 ms); ${f.events} VEVENTs, ${(f.bytes / 1024).toFixed(0)} KB`,
    );
    const w = await webhookBench(kind);
    console.log(
      `${kind}: webhooks, commit to verified receipt over ${w.n} events: p50 ${w.p50.toFixed(0)} ms, p99 ${w.p99.toFixed(0)} ms (target p99 < 500 ms); ${w.total} events with a receiver restart: ${w.lost} lost, ${w.duplicated} duplicated ids`,
    );
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await runIntegrationsBench();
