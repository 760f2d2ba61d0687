import type { Static } from 'typebox';
import type { Db, Tx } from '../../db/store.ts';
import type { Clock } from '../../domain/clock.ts';
import { isUuid } from '../../domain/ids.ts';
import {
  expandOccurrences,
  formatRRule,
  type Occurrence,
  type Pattern,
  parseRRule,
  parseStartTime,
} from '../../domain/recurrence.ts';
import { formatInZone, localDate, parseInstant } from '../../domain/time.ts';
import * as bookingsRepo from '../bookings/repository.ts';
import {
  checkBookingRules,
  checkMemberOverlapAllowed,
  checkParticipants,
  lockAndCheckSeating,
  type RuleFields,
} from '../bookings/rules.ts';
import {
  bookingSnapshot,
  type ConflictView,
  cancelBooking,
  conflictsOf,
  type MemberConflictView,
  presentMemberConflict,
  recordChange,
  refusalOf,
  updateBooking,
} from '../bookings/service.ts';
import type { Actor, Ctx } from '../context.ts';
import { AppError, checkVersion, invalid } from '../errors.ts';
import { insertEvent } from '../events/repository.ts';
import { findQuotaExcesses, type QuotaRefusal, quotaRefused, refusalFor } from '../quotas/service.ts';
import { authorizeSeries, changeStateRefusal, mayViewSeries, seriesCan } from './policy.ts';
import * as repo from './repository.ts';
import type { Series, SeriesDetail as SeriesDetailSchema } from './schema.ts';

const dayMs = 86_400_000;

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

export interface NewSeriesInput {
  spaceId: string;
  rrule: string;
  startTime: string;
  durationMinutes: number;
  startDate: string;
  title: string;
  headcount?: number | undefined;
  visibility?: 'public' | 'private' | undefined;
  participants?: { members?: string[] | undefined; squads?: string[] | undefined } | undefined;
  policy?: 'all-or-nothing' | 'skip-conflicts' | undefined;
  /** Admins: book occurrences even when a participant is in another session then (kept by the series). */
  allowMemberOverlap?: boolean | undefined;
}

export interface SkippedOccurrence {
  originalStart: string;
  start: string;
  end: string;
  /** Bookings of the space in the way. */
  conflicts: ConflictView[];
  /** Participants already in another session then (one person, one place). */
  memberConflicts?: MemberConflictView[];
  /** The fair-use quota the occurrence would exceed (features/quotas). */
  quota?: QuotaRefusal;
}

export interface SeriesCreated {
  series: SeriesView & { can: SeriesCan };
  /** Bookings made now (up to the horizon; the server extends the rest as time passes). */
  booked: { id: string; start: string; end: string }[];
  skipped: SkippedOccurrence[];
}

function patternOf(s: repo.SeriesRow): Pattern {
  return {
    rule: parseRRule(s.rrule),
    startDate: s.startDate,
    startTime: s.startTime,
    durationMinutes: s.durationMinutes,
    timeZone: s.timeZone,
  };
}

/** The fields a refusal of an occurrence names: a series has no start and end of its own. */
const seriesFields: RuleFields = {
  space: 'body.spaceId',
  headcount: 'body.headcount',
  start: 'body.startTime',
  end: 'body.durationMinutes',
};

const isRuleViolation = (err: unknown): err is AppError =>
  err instanceof AppError && err.code === 'rule-violation';

/**
 * Books the occurrences of a series starting in [from, to) that have no booking or exception yet,
 * in a few statements whatever their number. Each occurrence passes the rules of single bookings
 * (bookings/rules.ts): those that are the same for every occurrence once, the time rules per
 * occurrence; the exclusion constraint decides which slots are free. A refused occurrence throws
 * ('throw') or is recorded as skipped ('skip': the horizon job, which must not stop on one series).
 * Returns what was booked and the occurrences whose slot was taken.
 */
async function materialize(
  tx: Tx,
  ctx: Ctx,
  s: repo.SeriesRow,
  from: Date,
  to: Date,
  onRuleViolation: 'throw' | 'skip',
): Promise<{ booked: SeriesCreated['booked']; skipped: SkippedOccurrence[] }> {
  const { actor } = ctx;
  const space = await bookingsRepo.findSpaceRules(tx, s.siteId, s.spaceId);
  if (!space) throw new AppError('not-found', 'No such space', { field: 'body.spaceId' });
  const now = ctx.clock.now();
  // Who may book and how many fit do not depend on the occurrence.
  let refusedAll: AppError | undefined;
  try {
    checkBookingRules(
      actor,
      space,
      { start: now, end: now, headcount: s.headcount },
      now,
      { access: true, headcount: true },
      seriesFields,
    );
    await checkParticipants(tx, s.siteId, s.memberIds, s.squadIds);
  } catch (err) {
    if (onRuleViolation === 'throw' || !isRuleViolation(err)) throw err;
    refusedAll = err;
  }

  // The horizon rule of single bookings: no start beyond it.
  const horizonEnd = new Date(now.getTime() + space.horizonDays * dayMs);
  const until = to.getTime() < horizonEnd.getTime() ? to : horizonEnd;
  const handled = await repo.handledStarts(tx, s.siteId, s.id, from);
  const wanted: Occurrence[] = [];
  for (const o of expandOccurrences(patternOf(s), { from, to: until })) {
    if (handled.has(o.originalStart.getTime())) continue;
    try {
      if (refusedAll) throw refusedAll;
      checkBookingRules(
        actor,
        space,
        { start: o.start, end: o.end, headcount: s.headcount },
        now,
        { time: true, start: true },
        seriesFields,
      );
    } catch (err) {
      if (!isRuleViolation(err)) throw err;
      if (onRuleViolation === 'throw')
        throw new AppError(
          'rule-violation',
          `The occurrence at ${formatInZone(o.start, space.timeZone)}: ${err.message}`,
          {
            ...err.extras,
            occurrence: o.originalStart.toISOString(),
          },
        );
      await repo.recordException(tx, s.siteId, s.id, o.originalStart, 'skipped');
      continue;
    }
    wanted.push(o);
  }
  // The space's and the people's write locks, then who is elsewhere at which occurrence: those
  // occurrences are not booked (skipped, with the sessions in the way).
  const seated = [
    s.organizerId,
    ...s.memberIds,
    ...(await bookingsRepo.squadMemberIds(tx, s.siteId, s.squadIds)),
  ];
  const clashes = await lockAndCheckSeating(tx, s.siteId, {
    spaceIds: [s.spaceId],
    memberIds: seated,
    slots: wanted,
    allowMemberOverlap: s.allowMemberOverlap,
  });
  const skipped: SkippedOccurrence[] = [];
  if (clashes.length > 0) {
    const bySlot = new Map<number, MemberConflictView[]>();
    for (const c of clashes)
      bySlot.set(c.slot, [...(bySlot.get(c.slot) ?? []), presentMemberConflict(c, actor)]);
    for (const [i, memberConflicts] of bySlot) {
      const o = wanted[i]!;
      // The room may be taken too: that is said first, as for occurrences whose people are free.
      const conflicts = await conflictsOf(tx, ctx, s.spaceId, o.start, o.end, space.changeoverMinutes, null);
      skipped.push({ ...occurrenceTimes(o), conflicts, memberConflicts });
    }
    const free = wanted.filter((_, i) => !bySlot.has(i));
    wanted.length = 0;
    wanted.push(...free);
  }
  // Fair-use quotas count occurrence by occurrence; those over quota are skipped, saying which rule.
  const overQuota = await findQuotaExcesses(tx, s.siteId, {
    organizerId: s.organizerId,
    participantIds: seated.slice(1),
    spaceId: s.spaceId,
    slots: wanted,
  });
  overQuota.forEach((quota, i) => {
    if (quota)
      skipped.push({ ...occurrenceTimes(wanted[i]!), conflicts: [], quota: refusalFor(quota, actor) });
  });
  if (overQuota.some((q) => q)) {
    const fit = wanted.filter((_, i) => !overQuota[i]);
    wanted.length = 0;
    wanted.push(...fit);
  }
  const inserted = await repo.insertOccurrences(
    tx,
    {
      siteId: s.siteId,
      spaceId: s.spaceId,
      organizerId: s.organizerId,
      title: s.title,
      headcount: s.headcount,
      visibility: s.visibility,
      seriesId: s.id,
      changeoverMinutes: space.changeoverMinutes,
    },
    wanted,
  );
  const byStart = new Map(inserted.map((r) => [new Date(r.originalStart).getTime(), r]));
  await repo.addParticipantsToMany(
    tx,
    s.siteId,
    inserted.map((r) => r.id),
    s.memberIds,
    s.squadIds,
  );
  const n = await repo.names(tx, s.siteId, [s.organizerId, ...s.memberIds], s.squadIds);
  const members = s.memberIds
    .map((id) => ({ id, displayName: n.members.get(id) ?? '' }))
    .sort((a, b) => a.displayName.localeCompare(b.displayName));
  const squads = s.squadIds.map((id) => ({ id, name: n.squads.get(id) ?? '' }));
  const booked: SeriesCreated['booked'] = [];
  const events: { id: string; after: unknown }[] = [];
  for (const o of wanted) {
    const row = byStart.get(o.originalStart.getTime());
    if (!row) {
      const conflicts = await conflictsOf(tx, ctx, s.spaceId, o.start, o.end, space.changeoverMinutes, null);
      skipped.push({ ...occurrenceTimes(o), conflicts });
      continue;
    }
    const times = { id: row.id, start: o.start.toISOString(), end: o.end.toISOString() };
    booked.push(times);
    // The snapshot of a new booking, as createBooking records it, for the audit trail and notices.
    events.push({
      id: row.id,
      after: bookingSnapshot({
        id: row.id,
        siteId: s.siteId,
        spaceId: s.spaceId,
        organizerId: s.organizerId,
        organizerName: n.members.get(s.organizerId) ?? '',
        title: s.title,
        start: o.start,
        end: o.end,
        blockedEnd: new Date(o.end.getTime() + space.changeoverMinutes * 60_000),
        headcount: s.headcount,
        visibility: s.visibility,
        status: 'confirmed',
        seriesId: s.id,
        originalStart: o.originalStart,
        version: 1,
        createdAt: row.createdAt,
        updatedAt: row.updatedAt,
        members,
        squads,
        spaceOwnerId: space.ownerId,
      }),
    });
  }
  await repo.insertCreatedEvents(tx, s.siteId, actor.memberId, events);
  skipped.sort((a, b) => a.originalStart.localeCompare(b.originalStart));
  return { booked, skipped };
}

/**
 * The 409 of occurrences that could not be booked: booking-conflict when a slot is taken in the
 * space (the occurrences list both kinds), member-conflict when only people are elsewhere.
 */
function occurrencesRefused(skipped: SkippedOccurrence[], field: string, what: string): AppError {
  const overQuota = skipped.find((o) => o.quota);
  if (overQuota?.quota && skipped.every((o) => o.conflicts.length === 0 && !o.memberConflicts?.length))
    return new AppError('quota-exceeded', `${skipped.length} ${what} would exceed a quota`, {
      ...quotaRefused(overQuota.quota, field).extras,
      occurrences: skipped,
    });
  const conflicts = skipped.flatMap((o) => o.conflicts);
  const memberConflicts = skipped.flatMap((o) => o.memberConflicts ?? []);
  if (conflicts.length > 0)
    return new AppError('booking-conflict', `${skipped.length} ${what} overlap other bookings`, {
      field,
      occurrences: skipped,
      conflicts,
    });
  const first = memberConflicts[0]!;
  return new AppError(
    'member-conflict',
    `${skipped.length} ${what} would put ${first.member.displayName} in two places at once`,
    { field: 'body.participants', occurrences: skipped, memberConflicts },
  );
}

function occurrenceTimes(o: Occurrence) {
  return {
    originalStart: o.originalStart.toISOString(),
    start: o.start.toISOString(),
    end: o.end.toISOString(),
  };
}

function checkDuration(minutes: number): void {
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

function occurrenceArg(scope: Scope, occurrence: string | undefined, field: string): Date | undefined {
  if (scope === 'all') return undefined;
  const at = occurrence === undefined ? undefined : parseInstant(occurrence);
  if (!at) throw invalid(field, `scope ${scope} needs occurrence: the original start of an occurrence`);
  return at;
}

/**
 * The series to change, locked: visible to the caller (else not found), theirs to manage, and at
 * the version the caller read when it says one (If-Match).
 */
async function seriesToManage(
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
        await repo.updateSeries(tx, s.siteId, s.id, { materializedUntil: horizon }, { bumpVersion: false });
      }
      return due.length;
    });
    if (n < 20) return booked;
  }
}

export interface SeriesPatch {
  scope: Scope;
  /** The original start of the occurrence the change starts from (scope one and following). */
  occurrence?: string | undefined;
  title?: string | undefined;
  headcount?: number | undefined;
  /** Scope one: the occurrence's new start and end. */
  start?: string | undefined;
  end?: string | undefined;
  /** Scope following and all: the new local start time and length of the remaining occurrences. */
  startTime?: string | undefined;
  durationMinutes?: number | undefined;
  /** Why: required from an admin changing someone else's series; recorded in the events. */
  reason?: string | undefined;
}

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

async function horizonDays(tx: Tx, s: repo.SeriesRow): Promise<number> {
  return (await bookingsRepo.findSpaceRules(tx, s.siteId, s.spaceId))?.horizonDays ?? 60;
}
