/**
 * `npm run stress:race`: the race of issue 7 point 23, on each store. Per round, 50 members each
 * POST /api/v1/bookings at once, every request with its own Idempotency-Key, for 50 one-hour slots
 * of one space whose starts are a minute apart (so every pair overlaps), over real HTTP to a
 * listening server, while two busy loops (child processes spinning) load the CPU. Every round must
 * answer one 201 and 49 409s, no 5xx, within 5 s; the table must hold no overlap afterwards.
 * Prints one line per round and a summary per store as JSON; exits 1 when a round fails.
 *
 * Env: RACE_ROUNDS (20), RACE_WIDTH (50), RACE_BUSY (2 busy loops), RACE_STORES (pglite,postgres),
 * BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres; a fresh database is
 * created beside it and dropped after), and the server's own SHIPSHAPE_LOCK_TIMEOUT_MS and
 * SHIPSHAPE_STORE_WAIT_MS (read by config.ts, as the server does).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { readConfig } from '../src/config.ts';
import { migrate } from '../src/db/migrate.ts';
import { systemClock } from '../src/domain/clock.ts';
import { createApiToken } from '../src/features/auth/service.ts';
import { systemActor } from '../src/features/context.ts';
import { insertMember } from '../src/features/members/repository.ts';
import { createSiteWithAdmin } from '../src/features/sites/service.ts';
import { createSpace } from '../src/features/spaces/service.ts';
import { buildApp } from '../src/http/app.ts';
import { openBenchStore } from './stores.ts';

const ROUNDS = Number(process.env.RACE_ROUNDS ?? 20);
const WIDTH = Number(process.env.RACE_WIDTH ?? 50);
const BUSY = Number(process.env.RACE_BUSY ?? 2);
const LIMIT_MS = 5000;
const stores = (process.env.RACE_STORES ?? 'pglite,postgres').split(',');
const config = readConfig();
const limits = { lockTimeoutMs: config.lockTimeoutMs, acquireTimeoutMs: config.storeWaitMs };

const day = 86_400_000;
const base = Math.ceil(Date.now() / day) * day + day;

/** Child processes that spin until killed: the CPU load the race runs under. */
function startBusyLoops(n: number): ChildProcess[] {
  return Array.from({ length: n }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
}

interface Round {
  round: number;
  ms: number;
  statuses: Record<string, number>;
  winners: number;
  fiveHundreds: number;
  ok: boolean;
}

async function raceStore(kind: string): Promise<{ kind: string; rounds: Round[]; overlaps: number }> {
  const { db, cleanup } = await openBenchStore(kind, 'race', 10, limits);
  await migrate(db);
  const { siteId, adminId } = await createSiteWithAdmin(db, {
    site: { name: 'Race vessel', timeZone: 'UTC' },
    admin: { email: 'admin@race.example', displayName: 'Admin', passwordHash: null },
  });
  const admin = { db, clock: systemClock, actor: systemActor(siteId, adminId) };
  const space = await createSpace(admin, {
    name: 'Lounge',
    kind: 'training',
    capacity: 20,
    changeoverMinutes: 15,
    minMinutes: 15,
    maxMinutes: 240,
  });
  const tokens: string[] = [];
  for (let i = 0; i < WIDTH; i++) {
    const memberId = await insertMember(db, {
      siteId,
      email: `racer-${i}@race.example`,
      displayName: `Racer ${i}`,
      rank: 'Ensign',
      role: 'member',
      passwordHash: null,
    });
    const actor = { siteId, memberId, role: 'member' as const, squadIds: [], leaderOf: [] };
    tokens.push((await createApiToken({ db, clock: systemClock, actor }, { name: 'race' })).token);
  }
  const app = await buildApp({ db, clock: systemClock, config: { ...config, loginRateLimit: 1_000_000 } });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  const rounds: Round[] = [];
  try {
    for (let r = 0; r < ROUNDS; r++) {
      const roundStart = base + r * 3 * 3600_000;
      const t0 = performance.now();
      const answers = await Promise.all(
        tokens.map(async (token, i) => {
          const start = new Date(roundStart + i * 60_000);
          try {
            const res = await fetch(`${address}/api/v1/bookings`, {
              method: 'POST',
              headers: {
                authorization: `Bearer ${token}`,
                'content-type': 'application/json',
                'idempotency-key': `race-${kind}-${r}-${i}`,
              },
              body: JSON.stringify({
                spaceId: space.id,
                title: 'Race',
                start: start.toISOString(),
                end: new Date(start.getTime() + 3600_000).toISOString(),
              }),
              signal: AbortSignal.timeout(300_000),
            });
            await res.arrayBuffer();
            return String(res.status);
          } catch (err) {
            return `error:${(err as Error).name}`;
          }
        }),
      );
      const ms = Math.round(performance.now() - t0);
      const statuses: Record<string, number> = {};
      for (const a of answers) statuses[a] = (statuses[a] ?? 0) + 1;
      const winners = statuses['201'] ?? 0;
      const fiveHundreds = answers.filter((a) => a.startsWith('5') || a.startsWith('error')).length;
      const ok = winners === 1 && statuses['409'] === WIDTH - 1 && ms < LIMIT_MS;
      const round = { round: r + 1, ms, statuses, winners, fiveHundreds, ok };
      rounds.push(round);
      console.log(JSON.stringify({ store: kind, ...round, load: loadavg()[0]!.toFixed(1) }));
    }
  } finally {
    await app.close();
  }
  const overlaps = (
    await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM bookings a JOIN bookings b
         ON a.site_id = b.site_id AND a.space_id = b.space_id AND a.id < b.id AND a.blocked && b.blocked
        WHERE a.status IN ('confirmed', 'checked_in') AND b.status IN ('confirmed', 'checked_in')`,
    )
  ).rows[0]!.n;
  await cleanup();
  return { kind, rounds, overlaps };
}

const busy = startBusyLoops(BUSY);
let failed = false;
try {
  console.log(
    JSON.stringify({
      rounds: ROUNDS,
      width: WIDTH,
      busyLoops: BUSY,
      cpus: cpus().length,
      node: process.version,
      lockTimeoutMs: limits.lockTimeoutMs,
      storeWaitMs: limits.acquireTimeoutMs,
    }),
  );
  for (const kind of stores) {
    const { rounds, overlaps } = await raceStore(kind);
    const times = rounds.map((r) => r.ms).sort((a, b) => a - b);
    const summary = {
      store: kind,
      roundsOk: rounds.filter((r) => r.ok).length,
      rounds: rounds.length,
      fiveHundreds: rounds.reduce((s, r) => s + r.fiveHundreds, 0),
      oneWinnerEveryRound: rounds.every((r) => r.winners === 1),
      medianMs: times[Math.floor(times.length / 2)],
      maxMs: times[times.length - 1],
      overlaps,
    };
    console.log(JSON.stringify({ summary }));
    if (summary.roundsOk !== rounds.length || overlaps > 0) failed = true;
  }
} finally {
  for (const child of busy) child.kill('SIGKILL');
}
process.exit(failed ? 1 : 0);
