import { request as httpRequest } from 'node:http';
import { readConfig } from '../src/config.ts';
import { migrate } from '../src/db/migrate.ts';
import { type Db, openPglite, openPostgres } from '../src/db/store.ts';
import { systemClock } from '../src/domain/clock.ts';
import { addDays, localDate } from '../src/domain/time.ts';
import { createApiToken } from '../src/features/auth/service.ts';
import { createBooking } from '../src/features/bookings/service.ts';
import { type Actor, systemActor } from '../src/features/context.ts';
import { insertMember } from '../src/features/members/repository.ts';
import { createSeries } from '../src/features/series/service.ts';
import { createSpace } from '../src/features/spaces/service.ts';
import { startServer } from '../src/server.ts';
import { percentile } from './measure.ts';
import { emptyBenchStore } from './stores.ts';

const stores = (process.env.BENCH_STORES ?? 'pglite,postgres').split(',');
const SERIES = Number(process.env.BENCH_SERIES ?? 5);
const NOTICES = Number(process.env.BENCH_NOTICES ?? 1000);
const day = 86_400_000;

/** An empty store: a PGlite dir, or a fresh database beside BENCH_DATABASE_URL. Not opened. */

async function open(kind: string, env: Record<string, string>): Promise<Db> {
  const db = kind === 'pglite' ? await openPglite(env.SHIPSHAPE_DATA_DIR) : openPostgres(env.DATABASE_URL!);
  await migrate(db);
  return db;
}

async function space(db: Db, actor: Actor, name: string): Promise<string> {
  return (
    await createSpace(
      { db, clock: systemClock, actor },
      { name, kind: 'training', capacity: 20, changeoverMinutes: 0, minMinutes: 15, maxMinutes: 240 },
    )
  ).id;
}

async function seriesBench(kind: string): Promise<{ seriesMs: number; rawMs: number }> {
  const store = await emptyBenchStore(kind, 'series');
  const db = await open(kind, store.env);
  try {
    const site = await db.query<{ id: string }>(
      `INSERT INTO sites (name, time_zone, horizon_days) VALUES ('Bench', 'Europe/Berlin', 400) RETURNING site_id AS id`,
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
    const actor = systemActor(siteId, adminId);
    const ctx = { db, clock: systemClock, actor };
    const tomorrow = addDays(localDate(new Date(), 'Europe/Berlin'), 1);
    const seriesTimes: number[] = [];
    const rawTimes: number[] = [];
    for (let i = 0; i < SERIES; i++) {
      const a = await space(db, actor, `Series ${i}`);
      const t0 = performance.now();
      const made = await createSeries(ctx, {
        spaceId: a,
        rrule: 'FREQ=DAILY;COUNT=365',
        startTime: '22:00',
        durationMinutes: 90,
        startDate: tomorrow,
        title: 'Nightly',
        // Every series is the bench admin's, at the same hour in its own space: seated by leave.
        allowMemberOverlap: true,
      });
      seriesTimes.push(performance.now() - t0);
      if (made.booked.length !== 365) throw new Error(`booked ${made.booked.length}`);
      // The same 365 rows, raw: one INSERT each in one transaction.
      const b = await space(db, actor, `Raw ${i}`);
      const t1 = performance.now();
      await db.transaction(async (tx) => {
        for (const o of made.booked)
          await tx.query(
            `INSERT INTO bookings (site_id, space_id, organizer_id, title, start_at, end_at, blocked)
             VALUES ($1, $2, $3, 'Nightly', $4::timestamptz, $5::timestamptz, tstzrange($4::timestamptz, $5::timestamptz, '[)'))`,
            [siteId, b, adminId, o.start, o.end],
          );
      });
      rawTimes.push(performance.now() - t1);
    }
    seriesTimes.sort((x, y) => x - y);
    rawTimes.sort((x, y) => x - y);
    return { seriesMs: percentile(seriesTimes, 50), rawMs: percentile(rawTimes, 50) };
  } finally {
    await db.close();
    await store.drop();
  }
}

async function fanOutBench(kind: string): Promise<{ p50: number; p99: number; n: number }> {
  const store = await emptyBenchStore(kind, 'series');
  const server = await startServer(readConfig({ ...store.env, PORT: '0', HOST: '127.0.0.1' }), {
    demo: false,
    logger: false,
    print: () => undefined,
  });
  try {
    const db = server.db;
    const siteId = (await db.query<{ id: string }>('SELECT site_id AS id FROM sites LIMIT 1')).rows[0]!.id;
    await db.query(`UPDATE sites SET horizon_days = 400, time_zone = 'UTC' WHERE site_id = $1`, [siteId]);
    const mk = async (name: string) =>
      insertMember(db, {
        siteId,
        email: `${name}@bench.test`,
        displayName: name,
        rank: '',
        role: 'member',
        passwordHash: null,
      });
    const pairId = await mk('pair');
    const squadId = await mk('squad');
    const adminId = (await db.query<{ id: string }>(`SELECT id FROM members WHERE role = 'admin' LIMIT 1`))
      .rows[0]!.id;
    const lounge = await space(db, systemActor(siteId, adminId), 'Lounge');
    const pair: Actor = { siteId, memberId: pairId, role: 'member', squadIds: [], leaderOf: [] };
    const squad: Actor = { siteId, memberId: squadId, role: 'member', squadIds: [], leaderOf: [] };
    const slot = 30 * 60_000;
    const base = Math.ceil(Date.now() / day) * day + day;
    for (let i = 0; i < NOTICES; i++) {
      const r = await createBooking(
        { db, clock: systemClock, actor: pair },
        {
          spaceId: lounge,
          start: new Date(base + 2 * i * slot),
          end: new Date(base + (2 * i + 1) * slot),
          title: 'Pair',
        },
      );
      if (!r.ok) throw new Error('seed conflict');
    }
    // Let the seed's events drain before measuring.
    while (
      (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM notification_outbox')).rows[0]!.n > 0
    )
      await new Promise((r) => setTimeout(r, 50));
    const pairToken = (await createApiToken({ db, clock: systemClock, actor: pair }, { name: 'bench' }))
      .token;
    const squadToken = (await createApiToken({ db, clock: systemClock, actor: squad }, { name: 'bench' }))
      .token;

    const arrivals = new Map<string, number>();
    let waiting: ((bookingId: string) => void) | undefined;
    const url = new URL(server.url);
    const sse = httpRequest({
      host: url.hostname,
      port: url.port,
      path: '/api/v1/notifications/stream',
      headers: { authorization: `Bearer ${pairToken}` },
    });
    const ready = new Promise<void>((resolve) => {
      sse.on('response', (res) => {
        res.setEncoding('utf8');
        let buffer = '';
        res.on('data', (chunk: string) => {
          buffer += chunk;
          if (buffer.includes(': ready')) resolve();
          let cut = buffer.indexOf('\n\n');
          while (cut >= 0) {
            const frame = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            const data = /^data: (.*)$/m.exec(frame);
            if (data) {
              const other = JSON.parse(data[1]!).data?.otherBookingId as string;
              arrivals.set(other, performance.now());
              waiting?.(other);
            }
            cut = buffer.indexOf('\n\n');
          }
        });
      });
    });
    sse.on('error', () => undefined);
    sse.end();
    await ready;

    const latencies: number[] = [];
    for (let i = 0; i < NOTICES; i++) {
      const res = await fetch(`${server.url}/api/v1/bookings`, {
        method: 'POST',
        headers: { authorization: `Bearer ${squadToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          spaceId: lounge,
          start: new Date(base + (2 * i + 1) * slot).toISOString(),
          end: new Date(base + (2 * i + 2) * slot).toISOString(),
          title: 'Squad',
        }),
      });
      const committed = performance.now();
      const { id } = (await res.json()) as { id: string };
      if (res.status !== 201) throw new Error(`booking ${i}: ${res.status}`);
      if (!arrivals.has(id))
        await new Promise<void>((resolve) => {
          waiting = (other) => {
            if (other === id) resolve();
          };
        });
      waiting = undefined;
      latencies.push(Math.max(0, arrivals.get(id)! - committed));
    }
    sse.destroy();
    latencies.sort((x, y) => x - y);
    return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), n: latencies.length };
  } finally {
    await server.close();
    await store.drop();
  }
}

export async function runSeriesBench(): Promise<void> {
  for (const kind of stores) {
    const s = await seriesBench(kind);
    console.log(
      `${kind}: daily series, 365 occurrences: ${s.seriesMs.toFixed(0)} ms per series; raw 365 inserts ${s.rawMs.toFixed(0)} ms; ratio ${(s.seriesMs / s.rawMs).toFixed(2)}x (target <= 2x)`,
    );
    const f = await fanOutBench(kind);
    console.log(
      `${kind}: notice fan-out over ${f.n} bookings: commit -> SSE p50 ${f.p50.toFixed(1)} ms, p99 ${f.p99.toFixed(1)} ms (target p99 < 50 ms)`,
    );
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await runSeriesBench();
