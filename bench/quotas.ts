/**
 * Quotas: the booking path (bookings' createBooking) with fair-use rules in place against the same
 * path without, on each store. Two members book the same pattern of 30-minute sessions (20 a day,
 * sequentially, each in its own space so only the quota differs); three rules apply to one of them
 * (hours a week, sessions a day in a kind of space, hours a month in an evening window), set high
 * enough never to refuse, so every booking pays the full check over a growing history. The two run
 * in alternating chunks so the machine's noise falls on both alike. BENCH_QUOTA_N bookings each
 * (default 400). Run alone with `node --import tsx bench/quotas.ts`; bench/run.ts calls runQuotasBench().
 */
import { migrate } from '../src/db/migrate.ts';
import { systemClock } from '../src/domain/clock.ts';
import { createBooking } from '../src/features/bookings/service.ts';
import type { Actor } from '../src/features/context.ts';
import { systemActor } from '../src/features/context.ts';
import { createMember } from '../src/features/members/service.ts';
import { createQuotaRule, type NewQuotaRuleInput } from '../src/features/quotas/service.ts';
import { createSiteWithAdmin } from '../src/features/sites/service.ts';
import { createSpace } from '../src/features/spaces/service.ts';
import { openBenchStore } from './stores.ts';

const stores = (process.env.BENCH_STORES ?? 'pglite,postgres').split(',');
const N = Number(process.env.BENCH_QUOTA_N ?? 400);
const CHUNK = 50;
const day = 86_400_000;
const base = Math.ceil(Date.now() / day) * day + day;

interface QuotaFigures {
  store: string;
  without: number;
  with: number;
}

async function benchQuotas(kind: string): Promise<QuotaFigures> {
  const { db, cleanup } = await openBenchStore(kind, 'quotas', 4);
  try {
    await migrate(db);
    const { siteId, adminId } = await createSiteWithAdmin(db, {
      site: { name: 'Quota bench', timeZone: 'Pacific/Auckland', horizonDays: 400 },
      admin: { email: 'quota@example.test', displayName: 'Quota', passwordHash: null },
    });
    const admin = { db, clock: systemClock, actor: systemActor(siteId, adminId) };
    const member = async (name: string): Promise<Actor> => ({
      siteId,
      memberId: (await createMember(admin, { email: `${name}@example.test`, displayName: name })).id,
      role: 'member',
      squadIds: [],
      leaderOf: [],
    });
    const free = await member('free');
    const capped = await member('capped');
    const space = async (name: string) =>
      (
        await createSpace(admin, {
          name,
          kind: 'training',
          capacity: 4,
          changeoverMinutes: 0,
          minMinutes: 15,
          maxMinutes: 240,
        })
      ).id;
    const spaces = { free: await space('Free room'), capped: await space('Capped room') };
    const rule = (r: Partial<NewQuotaRuleInput> & { name: string }) =>
      createQuotaRule(admin, {
        memberId: capped.memberId,
        metric: 'hours',
        period: 'week',
        maximum: 10_000,
        ...r,
      });
    await rule({ name: 'hours a week' });
    await rule({
      name: 'sessions a day',
      metric: 'sessions',
      period: 'day',
      spaceKind: 'training',
      maximum: 1000,
    });
    await rule({ name: 'evening hours', period: 'month', window: { start: '18:00', end: '02:00' } });

    const run = async (who: Actor, spaceId: string, from: number, count: number) => {
      const ctx = { db, clock: systemClock, actor: who };
      const t0 = performance.now();
      for (let i = from; i < from + count; i++) {
        const start = new Date(base + Math.floor(i / 20) * day + (i % 20) * 60 * 60_000);
        const r = await createBooking(ctx, {
          spaceId,
          start,
          end: new Date(start.getTime() + 30 * 60_000),
          title: 'Bench',
        });
        if (!r.ok) throw new Error('bench booking refused');
      }
      return performance.now() - t0;
    };
    let msFree = 0;
    let msCapped = 0;
    for (let from = 0; from < N; from += CHUNK) {
      const count = Math.min(CHUNK, N - from);
      msFree += await run(free, spaces.free, from, count);
      msCapped += await run(capped, spaces.capped, from, count);
    }
    return { store: kind, without: (N * 1000) / msFree, with: (N * 1000) / msCapped };
  } finally {
    await cleanup();
  }
}

export async function runQuotasBench(): Promise<void> {
  const rows: QuotaFigures[] = [];
  for (const kind of stores) rows.push(await benchQuotas(kind));
  console.log(`Bookings per second through createBooking (N=${N} each, sequential), quota rules vs none:\n`);
  console.log('| store | no rule | 3 rules apply | with / without |');
  console.log('|---|---|---|---|');
  for (const r of rows)
    console.log(
      `| ${r.store} | ${r.without.toFixed(0)} | ${r.with.toFixed(0)} | ${(r.with / r.without).toFixed(2)} |`,
    );
}

if (import.meta.url === `file://${process.argv[1]}`) await runQuotasBench();
