/** The horizon job: every active series is booked ahead up to its site's horizon as time passes. */
import type { Db } from '../../db/store.ts';
import type { Clock } from '../../domain/clock.ts';
import * as bookingsRepo from '../bookings/repository.ts';
import type { Ctx } from '../context.ts';
import { dayMs, materialize, materializedUntilAfter } from './materialize.ts';
import * as repo from './repository.ts';

/**
 * When the horizon job next has work: the earliest instant after `now` (and no later than `until`)
 * at which a series' next occurrence comes within its site's horizon (its materialised-until less
 * the horizon), or null.
 */
export function nextHorizonDue(db: Db, now: Date, until: Date): Promise<Date | null> {
  return repo.nextHorizonDue(db, now, until);
}

/**
 * Books the next stretch of every active series up to its site's horizon from `now`, acting as
 * each series' organizer. Taken slots and slots the rules now refuse are recorded as skipped.
 */
export async function extendHorizons(db: Db, clock: Clock): Promise<number> {
  const now = clock.now();
  let booked = 0;
  for (;;) {
    const n = await db.transaction(async (tx) => {
      const due = await repo.claimSeriesToExtend(tx, now, 20);
      const all: (repo.SeriesRow | undefined)[] = [];
      for (const d of due) all.push(await repo.findSeries(tx, d.siteId, d.id));
      // Every write lock this transaction will take, in one statement (the lock order of
      // writeLockKeys), before it books for any of the series.
      const keys = new Set<bigint>();
      for (const siteId of new Set(due.map((d) => d.siteId))) {
        const mine = all.filter((s): s is repo.SeriesRow => s?.siteId === siteId);
        const inSquads = await bookingsRepo.squadMemberIds(
          tx,
          siteId,
          mine.flatMap((s) => s.squadIds),
        );
        const people = [...mine.flatMap((s) => [s.organizerId, ...s.memberIds]), ...inSquads];
        for (const k of bookingsRepo.writeLockKeys(
          siteId,
          mine.map((s) => s.spaceId),
          people,
        ))
          keys.add(k);
      }
      await bookingsRepo.takeWriteLocks(
        tx,
        [...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
      );
      for (const d of due) {
        const s = (await repo.findSeries(tx, d.siteId, d.id))!;
        const who = await repo.memberActor(tx, d.siteId, s.organizerId);
        const horizon = new Date(now.getTime() + d.horizonDays * dayMs);
        if (who) {
          const ctx: Ctx = {
            db: tx,
            clock: { now: () => now },
            actor: { siteId: d.siteId, memberId: s.organizerId, ...who },
          };
          const from = new Date(Math.max(now.getTime(), new Date(s.materializedUntil).getTime()));
          const made = await materialize(tx, ctx, s, from, horizon, 'skip');
          for (const o of made.skipped)
            await repo.recordException(tx, s.siteId, s.id, new Date(o.originalStart), 'skipped');
          booked += made.booked.length;
        }
        await repo.updateSeries(
          tx,
          s.siteId,
          s.id,
          { materializedUntil: materializedUntilAfter(s, horizon) },
          { bumpVersion: false },
        );
      }
      return due.length;
    });
    if (n < 20) return booked;
  }
}
