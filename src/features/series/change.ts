/** Changing a series: one occurrence, or this and the following, or all (the series splits). */
import type { Static } from 'typebox';
import { expandOccurrences, formatRRule, parseStartTime } from '../../domain/recurrence.ts';
import { localDate } from '../../domain/time.ts';
import * as bookingsRepo from '../bookings/repository.ts';
import { refusalOf, updateBooking } from '../bookings/service.ts';
import type { Ctx } from '../context.ts';
import { AppError, invalid } from '../errors.ts';
import { insertEvent } from '../events/repository.ts';
import {
  dayMs,
  horizonDays,
  materialize,
  materializedUntilAfter,
  occurrencesRefused,
  patternOf,
} from './materialize.ts';
import { changeStateRefusal } from './policy.ts';
import * as repo from './repository.ts';
import type { SeriesChange } from './schema.ts';
import {
  checkDuration,
  getSeries,
  occurrenceArg,
  type SeriesDetail,
  seriesSnapshot,
  seriesToManage,
} from './service.ts';

/** A change of a series, as the API takes it (see SeriesChange in schema.ts). */
export type SeriesPatch = Static<typeof SeriesChange>;

/**
 * Changes one occurrence (it becomes an exception), or this and the following ones, or all that
 * have not begun. The latter two split the series: the old one is cut before the first changed
 * occurrence and a new series carries on from there with the change; edited occurrences stay as
 * they are (exceptions) and the new series books nothing on their dates. Returns the series that
 * holds the changed occurrences.
 */
export async function changeSeries(
  ctx: Ctx,
  id: string,
  expectedVersion: number,
  p: SeriesPatch,
): Promise<SeriesDetail> {
  if (p.title !== undefined && (p.title.trim().length < 1 || p.title.length > 200))
    throw invalid('body.title', 'body.title must be 1 to 200 characters');
  if (p.scope === 'one') {
    if (p.startTime !== undefined || p.durationMinutes !== undefined)
      throw invalid(
        'body.startTime',
        'scope one takes start and end; startTime and durationMinutes are for following/all',
      );
  } else {
    if (p.start !== undefined || p.end !== undefined)
      throw invalid('body.start', 'start and end are for scope one; use startTime and durationMinutes');
    if (p.startTime !== undefined) parseStartTime(p.startTime, 'body.startTime');
    if (p.durationMinutes !== undefined) checkDuration(p.durationMinutes);
  }
  const at = occurrenceArg(p.scope, p.occurrence, 'body.occurrence');
  const resultId = await ctx.db.transaction(async (tx) => {
    const s = await seriesToManage(tx, ctx, id, expectedVersion, { text: p.reason, field: 'body.reason' });
    const stateRefusal = changeStateRefusal(s);
    if (stateRefusal) throw stateRefusal;
    const now = ctx.clock.now();
    const occurrences = await repo.listOccurrences(tx, s.siteId, s.id);

    if (p.scope === 'one') {
      const o = occurrences.find((x) => new Date(x.originalStart).getTime() === at!.getTime());
      if (!o)
        throw new AppError('not-found', 'The series has no booked occurrence at that time', {
          field: 'body.occurrence',
        });
      const result = await updateBooking({ ...ctx, db: tx }, o.id, o.version, {
        start: p.start,
        end: p.end,
        title: p.title,
        headcount: p.headcount,
        reason: p.reason?.trim() || undefined,
        // The series' leave to overlap its people's other sessions, for an admin who changes it.
        allowMemberOverlap: s.allowMemberOverlap && ctx.actor.role === 'admin' ? true : undefined,
      });
      if (!result.ok) throw refusalOf(result);
      await repo.recordException(tx, s.siteId, s.id, at!, 'modified');
      // The series' detail changed (a new exception): its ETag moves.
      await repo.updateSeries(tx, s.siteId, s.id, {});
      return s.id;
    }

    // The first occurrence that changes: the given one, or for "all" the first not yet begun.
    const pattern = patternOf(s);
    const from =
      at ??
      expandOccurrences(pattern, { from: now, to: new Date(now.getTime() + 1100 * dayMs) })[0]?.originalStart;
    if (!from) throw new AppError('invalid-state', 'The series has no occurrences left to change');
    const exceptions = await repo.listExceptions(tx, s.siteId, s.id);
    const kept = new Set(
      exceptions.filter((e) => e.kind === 'modified').map((e) => new Date(e.originalStart).getTime()),
    );
    // Replace the plain occurrences from `from` on; the edited ones stay.
    const replaced: string[] = [];
    for (const o of occurrences) {
      const t = new Date(o.originalStart).getTime();
      if (t < from.getTime() || kept.has(t) || o.status !== 'confirmed') continue;
      await bookingsRepo.setStatus(tx, s.siteId, o.id, 'cancelled');
      replaced.push(o.id);
    }
    const oldRule = pattern.rule;
    const done =
      oldRule.count !== undefined ? expandOccurrences(pattern, { from: new Date(0), to: from }).length : 0;
    const cut = { ...oldRule, until: { kind: 'instant' as const, at: new Date(from.getTime() - 1000) } };
    delete cut.count;
    await repo.updateSeries(tx, s.siteId, s.id, { rrule: formatRRule(cut), status: 'ended' });

    const newRule = { ...oldRule };
    if (oldRule.count !== undefined) newRule.count = Math.max(1, oldRule.count - done);
    const horizon = new Date(now.getTime() + (await horizonDays(tx, s)) * dayMs);
    const newId = await repo.insertSeries(tx, {
      siteId: s.siteId,
      spaceId: s.spaceId,
      organizerId: s.organizerId,
      title: p.title?.trim() ?? s.title,
      rrule: formatRRule(newRule),
      startDate: localDate(from, s.timeZone),
      startTime: p.startTime ?? s.startTime,
      durationMinutes: p.durationMinutes ?? s.durationMinutes,
      timeZone: s.timeZone,
      headcount: p.headcount ?? s.headcount,
      visibility: s.visibility,
      memberIds: s.memberIds,
      squadIds: s.squadIds,
      materializedUntil: horizon,
      allowMemberOverlap: s.allowMemberOverlap,
    });
    const next = (await repo.findSeries(tx, s.siteId, newId))!;
    // Dates with an edited occurrence of the old series get none from the new one.
    const keptDates = new Set(
      [...kept].filter((t) => t >= from.getTime()).map((t) => localDate(new Date(t), s.timeZone)),
    );
    for (const o of expandOccurrences(patternOf(next), { from: now, to: horizon }))
      if (keptDates.has(o.localDate))
        await repo.recordException(tx, s.siteId, newId, o.originalStart, 'modified');
    const organizer = await repo.memberActor(tx, s.siteId, s.organizerId);
    const made = await materialize(
      tx,
      {
        ...ctx,
        db: tx,
        actor: {
          siteId: s.siteId,
          memberId: s.organizerId,
          ...(organizer ?? { role: 'member', squadIds: [], leaderOf: [] }),
        },
      },
      next,
      now,
      horizon,
      'throw',
    );
    if (made.skipped.length > 0)
      throw occurrencesRefused(made.skipped, 'body.startTime', 'changed occurrence(s)');
    await repo.updateSeries(
      tx,
      s.siteId,
      newId,
      { materializedUntil: materializedUntilAfter(next, horizon) },
      { bumpVersion: false },
    );
    await insertEvent(tx, {
      siteId: s.siteId,
      actorId: ctx.actor.memberId,
      type: 'series.changed',
      subjectType: 'series',
      subjectId: s.id,
      before: seriesSnapshot(s),
      after: { scope: p.scope, from: from.toISOString(), newSeries: seriesSnapshot(next), replaced },
      reason: p.reason?.trim() || null,
    });
    return newId;
  });
  return getSeries(ctx, resultId);
}
