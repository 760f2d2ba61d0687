import type { Static } from 'typebox';
import type { Tx } from '../../db/store.ts';
import { isUuid } from '../../domain/ids.ts';
import { formatRRule, parseRRule, parseStartTime } from '../../domain/recurrence.ts';
import { parseInstant } from '../../domain/time.ts';
import * as bookingsRepo from '../bookings/repository.ts';
import { checkMemberOverlapAllowed } from '../bookings/rules.ts';
import { cancelBooking, recordChange } from '../bookings/service.ts';
import type { Actor, Ctx } from '../context.ts';
import { AppError, checkVersion, invalid } from '../errors.ts';
import { insertEvent } from '../events/repository.ts';
import {
  dayMs,
  materialize,
  materializedUntilAfter,
  occurrencesRefused,
  type SkippedOccurrence,
} from './materialize.ts';
import { authorizeSeries, mayViewSeries, seriesCan } from './policy.ts';
import * as repo from './repository.ts';
import type {
  NewSeries,
  Series,
  SeriesCreated as SeriesCreatedSchema,
  SeriesDetail as SeriesDetailSchema,
} from './schema.ts';

/** A series as events record it: the Series schema without the caller's `can`. */
export type SeriesView = Omit<Static<typeof Series>, 'can'>;

/** The series as the API answers it to `actor`: with what they may do to it (policy.ts). */
export function presentSeries(s: repo.SeriesRow, actor: Actor): SeriesView & { can: SeriesCan } {
  return { ...seriesSnapshot(s), can: seriesCan(actor, s) };
}

export type SeriesCan = ReturnType<typeof seriesCan>;

/** The series as events record it. */
export function seriesSnapshot(s: repo.SeriesRow): SeriesView {
  const { siteId: _site, memberIds, squadIds, materializedUntil, createdAt, ...rest } = s;
  return {
    ...rest,
    participants: { members: memberIds, squads: squadIds },
    materializedUntil: new Date(materializedUntil).toISOString(),
    createdAt: new Date(createdAt).toISOString(),
  };
}

/** A new series, as the API takes it (the service checks it again for callers other than the route). */
export type NewSeriesInput = Static<typeof NewSeries>;

/** A series made; its skipped occurrences with their conflicts typed (the answer leaves them open). */
export type SeriesCreated = Omit<Static<typeof SeriesCreatedSchema>, 'skipped'> & {
  skipped: SkippedOccurrence[];
};

export function checkDuration(minutes: number): void {
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > 1440)
    throw invalid('body.durationMinutes', 'body.durationMinutes must be 1 to 1440');
}

function checkDate(text: string, field: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text) || !parseInstant(`${text}T00:00:00Z`))
    throw invalid(field, `${field} must be a real date YYYY-MM-DD`);
  return text;
}

/**
 * Creates a series and books its occurrences up to the site's horizon. All-or-nothing (default): a
 * taken occurrence rejects the series, and the 409 lists every one. Skip-conflicts: books the free
 * ones and returns the skipped, recorded as exceptions so the horizon job does not retry them.
 */
export async function createSeries(ctx: Ctx, input: NewSeriesInput): Promise<SeriesCreated> {
  const rule = parseRRule(input.rrule, 'body.rrule');
  parseStartTime(input.startTime, 'body.startTime');
  const startDate = checkDate(input.startDate, 'body.startDate');
  checkDuration(input.durationMinutes);
  const title = typeof input.title === 'string' ? input.title.trim() : '';
  if (title.length < 1 || title.length > 200)
    throw invalid('body.title', 'body.title must be 1 to 200 characters');
  if (typeof input.spaceId !== 'string' || !isUuid(input.spaceId))
    throw invalid('body.spaceId', 'body.spaceId must be an id');
  const policy = input.policy ?? 'all-or-nothing';
  const { actor } = ctx;
  const allowMemberOverlap = checkMemberOverlapAllowed(
    actor,
    input.allowMemberOverlap,
    'body.allowMemberOverlap',
  );
  return ctx.db.transaction(async (tx) => {
    const space = await bookingsRepo.findSpaceRules(tx, actor.siteId, input.spaceId);
    if (!space) throw new AppError('not-found', 'No such space', { field: 'body.spaceId' });
    const now = ctx.clock.now();
    const horizon = new Date(now.getTime() + space.horizonDays * dayMs);
    const id = await repo.insertSeries(tx, {
      siteId: actor.siteId,
      spaceId: space.id,
      organizerId: actor.memberId,
      title,
      rrule: formatRRule(rule),
      startDate,
      startTime: input.startTime,
      durationMinutes: input.durationMinutes,
      timeZone: space.timeZone,
      headcount: input.headcount ?? 1,
      visibility: input.visibility ?? space.defaultVisibility,
      memberIds: [...new Set(input.participants?.members ?? [])],
      squadIds: [...new Set(input.participants?.squads ?? [])],
      materializedUntil: horizon,
      allowMemberOverlap,
    });
    const s = (await repo.findSeries(tx, actor.siteId, id))!;
    // Occurrences already begun are not booked; the rest up to the horizon are.
    const { booked, skipped } = await materialize(tx, ctx, s, now, horizon, 'throw');
    if (skipped.length > 0 && policy === 'all-or-nothing')
      throw occurrencesRefused(skipped, 'body.rrule', 'occurrence(s) of the series');
    // Until its next occurrence, so the horizon job books that one the moment it comes within reach.
    await repo.updateSeries(
      tx,
      actor.siteId,
      id,
      { materializedUntil: materializedUntilAfter(s, horizon) },
      { bumpVersion: false },
    );
    for (const o of skipped)
      await repo.recordException(tx, actor.siteId, id, new Date(o.originalStart), 'skipped');
    const view = seriesSnapshot(s);
    await insertEvent(tx, {
      siteId: actor.siteId,
      actorId: actor.memberId,
      type: 'series.created',
      subjectType: 'series',
      subjectId: id,
      after: {
        ...view,
        memberIds: view.participants.members,
        booked: booked.length,
        skipped: skipped.length,
        firstBookingId: booked[0]?.id ?? null,
        firstStart: booked[0]?.start ?? null,
      },
    });
    return { series: { ...view, can: seriesCan(actor, s) }, booked, skipped };
  });
}

export type SeriesDetail = Static<typeof SeriesDetailSchema>;

export async function getSeries(ctx: Ctx, id: string): Promise<SeriesDetail> {
  const s = isUuid(id) ? await repo.findSeries(ctx.db, ctx.actor.siteId, id) : undefined;
  if (!s || !mayViewSeries(ctx.actor, s))
    throw new AppError('not-found', 'No such series', { field: 'path.id' });
  const occ = await repo.listOccurrences(ctx.db, ctx.actor.siteId, id);
  const exc = await repo.listExceptions(ctx.db, ctx.actor.siteId, id);
  return {
    ...presentSeries(s, ctx.actor),
    occurrences: occ.map((o) => ({
      bookingId: o.id,
      originalStart: new Date(o.originalStart).toISOString(),
      start: new Date(o.start).toISOString(),
      status: o.status,
    })),
    exceptions: exc.map((e) => ({ originalStart: new Date(e.originalStart).toISOString(), kind: e.kind })),
  };
}

export async function listSeries(
  ctx: Ctx,
  opts: { all?: boolean | undefined },
): Promise<{ items: (SeriesView & { can: SeriesCan })[] }> {
  const rows = await repo.listSeries(ctx.db, ctx.actor.siteId, ctx.actor.memberId, {
    all: (opts.all ?? false) && ctx.actor.role === 'admin',
    limit: 500,
  });
  return { items: rows.map((s) => presentSeries(s, ctx.actor)) };
}

export type Scope = 'one' | 'following' | 'all';

export function occurrenceArg(scope: Scope, occurrence: string | undefined, field: string): Date | undefined {
  if (scope === 'all') return undefined;
  const at = occurrence === undefined ? undefined : parseInstant(occurrence);
  if (!at) throw invalid(field, `scope ${scope} needs occurrence: the original start of an occurrence`);
  return at;
}

/**
 * The series to change, locked: visible to the caller (else not found), theirs to manage, and at
 * the version the caller read when it says one (If-Match).
 */
export async function seriesToManage(
  tx: Tx,
  ctx: Ctx,
  id: string,
  expectedVersion: number | undefined,
  reason: { text: string | undefined; field: string },
): Promise<repo.SeriesRow> {
  const s = isUuid(id) ? await repo.findSeries(tx, ctx.actor.siteId, id, { lock: true }) : undefined;
  authorizeSeries(ctx.actor, s, reason);
  checkVersion(s.version, expectedVersion, 'series');
  return s;
}

/**
 * Cancels one occurrence, this and the following ones, or the whole series. Occurrences already
 * begun stay as they are; the rule is cut (UNTIL) so the horizon job books no more.
 */
export async function cancelSeries(
  ctx: Ctx,
  id: string,
  q: {
    scope: Scope;
    occurrence?: string | undefined;
    reason?: string | undefined;
    /** The version the caller read (If-Match), when it gives one. */
    expectedVersion?: number | undefined;
  },
): Promise<SeriesDetail> {
  const at = occurrenceArg(q.scope, q.occurrence, 'query.occurrence');
  const reason = q.reason?.trim() || 'Series cancelled';
  await ctx.db.transaction(async (tx) => {
    const s = await seriesToManage(tx, ctx, id, q.expectedVersion, {
      text: q.reason,
      field: 'query.reason',
    });
    const now = ctx.clock.now();
    const occurrences = await repo.listOccurrences(tx, s.siteId, s.id, q.scope === 'all' ? undefined : at);
    const targets =
      q.scope === 'one'
        ? occurrences.filter((o) => new Date(o.originalStart).getTime() === at!.getTime())
        : occurrences.filter((o) => new Date(o.start).getTime() >= now.getTime());
    if (q.scope === 'one' && targets.length === 0)
      throw new AppError('not-found', 'The series has no booked occurrence at that time', {
        field: 'query.occurrence',
      });
    for (const o of targets) {
      if (o.status === 'confirmed') {
        if (q.scope === 'one') await cancelBooking({ ...ctx, db: tx }, o.id, { reason });
        else {
          // Many occurrences at once: each keeps its audit event, marked so that the members get
          // one notice for the series (below) instead of one per occurrence.
          const before = (await bookingsRepo.findBooking(tx, s.siteId, o.id))!;
          await bookingsRepo.setStatus(tx, s.siteId, o.id, 'cancelled', now);
          await recordChange(tx, ctx, 'booking.cancelled', before, reason, { bySeries: true });
        }
      }
      await repo.recordException(tx, s.siteId, s.id, new Date(o.originalStart), 'cancelled');
    }
    if (q.scope === 'one') await repo.updateSeries(tx, s.siteId, s.id, {});
    else {
      const rule = parseRRule(s.rrule);
      const cut = q.scope === 'all' ? now : at!;
      delete rule.count;
      rule.until = { kind: 'instant', at: new Date(cut.getTime() - 1000) };
      await repo.updateSeries(tx, s.siteId, s.id, {
        rrule: formatRRule(rule),
        status: q.scope === 'all' ? 'cancelled' : 'ended',
      });
    }
    // What the notice counts and links to: the sessions this actually cancelled.
    const cancelled = targets.filter((o) => o.status === 'confirmed');
    await insertEvent(tx, {
      siteId: s.siteId,
      actorId: ctx.actor.memberId,
      type: 'series.cancelled',
      subjectType: 'series',
      subjectId: s.id,
      before: seriesSnapshot(s),
      after: {
        scope: q.scope,
        occurrence: at?.toISOString() ?? null,
        cancelled: cancelled.length,
        firstBookingId: cancelled[0]?.id ?? null,
        firstStart: cancelled[0] ? new Date(cancelled[0].start).toISOString() : null,
        spaceId: s.spaceId,
        title: s.title,
        memberIds: s.memberIds,
        squadIds: s.squadIds,
        organizerId: s.organizerId,
      },
      reason,
    });
  });
  return getSeries(ctx, id);
}
