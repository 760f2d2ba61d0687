/**
 * Materialisation: a series' occurrences in a range become bookings, checked by the rules of single
 * bookings, in a few statements whatever their number.
 */
import type { Static } from 'typebox';
import type { Tx } from '../../db/store.ts';
import { expandOccurrences, type Occurrence, type Pattern, parseRRule } from '../../domain/recurrence.ts';
import { formatInZone } from '../../domain/time.ts';
import * as bookingsRepo from '../bookings/repository.ts';
import {
  checkBookingRules,
  checkParticipants,
  lockAndCheckSeating,
  type RuleFields,
} from '../bookings/rules.ts';
import {
  bookingSnapshot,
  type Conflict,
  conflictsOf,
  type MemberConflict,
  presentMemberConflict,
} from '../bookings/service.ts';
import type { Ctx } from '../context.ts';
import { AppError } from '../errors.ts';
import { findQuotaExcesses, type QuotaRefusal, quotaRefused, refusalFor } from '../quotas/service.ts';
import * as repo from './repository.ts';
import type { Occurrence as OccurrenceSchema, SeriesCreated } from './schema.ts';

export const dayMs = 86_400_000;

/** Bookings made for a series: up to the horizon (the server extends the rest as time passes). */
export type Booked = Static<typeof SeriesCreated>['booked'];

/**
 * An occurrence refused or skipped, with what is in its way: the answer's Occurrence, whose
 * conflicts the document leaves open (unknown), with the types the bookings and quotas schemas give.
 */
export type SkippedOccurrence = Omit<
  Static<typeof OccurrenceSchema>,
  'conflicts' | 'memberConflicts' | 'quota'
> & {
  /** Bookings of the space in the way. */
  conflicts: Conflict[];
  /** Participants already in another session then (one person, one place). */
  memberConflicts?: MemberConflict[];
  /** The fair-use quota the occurrence would exceed (features/quotas). */
  quota?: QuotaRefusal;
};

export function patternOf(s: repo.SeriesRow): Pattern {
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
export async function materialize(
  tx: Tx,
  ctx: Ctx,
  s: repo.SeriesRow,
  from: Date,
  to: Date,
  onRuleViolation: 'throw' | 'skip',
): Promise<{ booked: Booked; skipped: SkippedOccurrence[] }> {
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
    const bySlot = new Map<number, MemberConflict[]>();
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
  const booked: Booked = [];
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
export function occurrencesRefused(skipped: SkippedOccurrence[], field: string, what: string): AppError {
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

/**
 * What a series is materialised until once every occurrence before `horizon` is booked: the start
 * of its first occurrence at or after `horizon`, so that the horizon job falls due exactly when that
 * occurrence comes within the horizon; a year on when there is none within a year (or none at all),
 * to look again then.
 */
export function materializedUntilAfter(s: repo.SeriesRow, horizon: Date): Date {
  const pattern = patternOf(s);
  for (const days of [7, 366]) {
    const [next] = expandOccurrences(pattern, {
      from: horizon,
      to: new Date(horizon.getTime() + days * dayMs),
    });
    if (next) return next.originalStart;
  }
  return new Date(horizon.getTime() + 366 * dayMs);
}

/** How far ahead the series' site books. */
export async function horizonDays(tx: Tx, s: repo.SeriesRow): Promise<number> {
  return (await bookingsRepo.findSpaceRules(tx, s.siteId, s.spaceId))?.horizonDays ?? 60;
}
