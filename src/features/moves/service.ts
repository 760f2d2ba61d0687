import { isUuid } from '../../domain/ids.ts';
import { addDays, localDateTime, localToInstant, parseInstant } from '../../domain/time.ts';
import { authorizeManage, mayRepeat } from '../bookings/policy.ts';
import * as bookingsRepo from '../bookings/repository.ts';
import {
  bookingFields,
  checkBookingRules,
  checkMemberOverlapAllowed,
  findSeatingConflicts,
  lockSeating,
  pastGraceMs,
} from '../bookings/rules.ts';
import {
  type BookingResult,
  conflictsOf,
  createBooking,
  lockedBooking,
  memberConflictResult,
  presentBooking,
  recordChange,
} from '../bookings/service.ts';
import { tellWaitingGroups } from '../checkin/service.ts';
import type { Ctx } from '../context.ts';
import { AppError, invalid } from '../errors.ts';
import { checkQuotaReason, enforceQuota } from '../quotas/service.ts';
import { findOccurrenceOverlapping, recordException } from '../series/repository.ts';
import { mayFindToMove, moveStateRefusal } from './policy.ts';
import * as repo from './repository.ts';

function instant(value: string | undefined, field: string): Date | undefined {
  if (value === undefined) return undefined;
  const at = parseInstant(value);
  if (!at) throw invalid(field, `${field} must be an RFC 3339 instant with an offset`);
  return at;
}

export interface MoveInput {
  spaceId?: string | undefined;
  start?: string | undefined;
  end?: string | undefined;
  /** Told to the participants; also the reason an admin gives for moving someone else's booking. */
  message?: string | undefined;
  /** Unless given, a move into another space whose default is private makes the booking private. */
  visibility?: 'public' | 'private' | undefined;
  /** An admin's leave to move the session onto a time when one of its people is elsewhere. */
  allowMemberOverlap?: boolean | undefined;
  /** An admin's reason to exceed a fair-use quota (audited as a quota.exceeded event). */
  exceedQuotaReason?: string | undefined;
}

/**
 * Moves a booking (or one occurrence of a series) to another space and/or time in one transaction:
 * the new slot must be free and allowed by the new space's rules, and the old one frees in the same
 * step. Without `end`, the length is kept. A taken slot is returned as conflicts.
 */
export async function moveBooking(ctx: Ctx, id: string, input: MoveInput): Promise<BookingResult> {
  const newStart = instant(input.start, 'body.start');
  const newEnd = instant(input.end, 'body.end');
  if (input.spaceId !== undefined && !isUuid(input.spaceId))
    throw invalid('body.spaceId', 'body.spaceId must be an id');
  if (input.spaceId === undefined && !newStart && !newEnd)
    throw invalid('body', 'Send a new spaceId, start or end');
  if (input.visibility !== undefined && input.visibility !== 'public' && input.visibility !== 'private')
    throw invalid('body.visibility', 'body.visibility must be public or private');
  const message = input.message?.trim() || undefined;
  if (message && message.length > 500)
    throw invalid('body.message', 'body.message is at most 500 characters');
  const { actor } = ctx;
  const allowMemberOverlap = checkMemberOverlapAllowed(
    actor,
    input.allowMemberOverlap,
    'body.allowMemberOverlap',
  );
  const exceedQuotaReason = checkQuotaReason(ctx, input.exceedQuotaReason, 'body.exceedQuotaReason');
  return ctx.db.transaction(async (tx): Promise<BookingResult> => {
    const before = await lockedBooking(tx, ctx, id);
    if (!mayFindToMove(actor, before))
      throw new AppError('not-found', 'No such booking', { field: 'path.id' });
    authorizeManage(actor, before, message);
    const stateRefusal = moveStateRefusal(before);
    if (stateRefusal) throw stateRefusal;
    const oldStart = new Date(before.start);
    const oldEnd = new Date(before.end);
    const start = newStart ?? oldStart;
    const end = newEnd ?? new Date(start.getTime() + (oldEnd.getTime() - oldStart.getTime()));
    if (end.getTime() <= start.getTime()) throw invalid('body.end', 'body.end must be after body.start');
    const spaceId = input.spaceId ?? before.spaceId;
    const space = await bookingsRepo.findSpaceRules(tx, actor.siteId, spaceId);
    if (!space) throw new AppError('not-found', 'No such space', { field: 'body.spaceId' });
    // The headcount stays; it is the new space that may be too small for it.
    checkBookingRules(
      actor,
      space,
      { start, end, headcount: before.headcount },
      ctx.clock.now(),
      {
        access: true,
        headcount: true,
        time: true,
        start: true,
        allowPast: start.getTime() === oldStart.getTime(),
      },
      { ...bookingFields, headcount: 'body.spaceId' },
    );

    // Into another space: unless the caller says, a private default (a cabin) makes it private; a
    // public default leaves it as it was.
    const visibility =
      input.visibility ??
      (spaceId !== before.spaceId && space.defaultVisibility === 'private' ? 'private' : before.visibility);
    const now = ctx.clock.now();
    // A session under way that moves to start now keeps its check-in: its people are there, and
    // it must not be released as a no-show in its new room.
    const status =
      before.status === 'checked_in' && start.getTime() <= now.getTime() + pastGraceMs
        ? 'checked_in'
        : 'confirmed';
    // The new space's write lock, and the people's when the time changes: a room change at the
    // same time seats nobody anew.
    const timeChanged = start.getTime() !== oldStart.getTime() || end.getTime() !== oldEnd.getTime();
    const seat = {
      spaceIds: [spaceId],
      memberIds: timeChanged ? await bookingsRepo.participantIds(tx, actor.siteId, id) : [],
      slots: [{ start, end }],
      exceptIds: [id],
      allowMemberOverlap: allowMemberOverlap || !timeChanged,
    };
    await lockSeating(tx, actor.siteId, seat);
    const taken = await conflictsOf(tx, ctx, spaceId, start, end, space.changeoverMinutes, id);
    if (taken.length > 0) return { ok: false, conflicts: taken };
    const clashes = await findSeatingConflicts(tx, actor.siteId, seat);
    if (clashes.length > 0) return memberConflictResult(clashes, actor, { otherwise: 'body.start' });
    // Another space (of another kind) or a longer time may go over a quota; the old time does not count.
    if (timeChanged || spaceId !== before.spaceId)
      await enforceQuota(
        tx,
        ctx,
        {
          bookingId: id,
          organizerId: before.organizerId,
          participantIds: (await bookingsRepo.participantIds(tx, actor.siteId, id)).filter(
            (m) => m !== before.organizerId,
          ),
          spaceId,
          slots: [{ start, end }],
          exceptIds: [id],
        },
        exceedQuotaReason,
      );
    const outcome = await repo.relocate(tx, actor.siteId, id, {
      spaceId,
      start,
      end,
      changeoverMinutes: space.changeoverMinutes,
      visibility,
      status,
    });
    if (outcome === 'conflict')
      return {
        ok: false,
        conflicts: await conflictsOf(tx, ctx, spaceId, start, end, space.changeoverMinutes, id),
      };
    if (before.seriesId && before.originalStart)
      await recordException(tx, actor.siteId, before.seriesId, new Date(before.originalStart), 'modified');
    const after = await recordChange(tx, ctx, 'booking.moved', before, message ?? null);
    await tellWaitingGroups(tx, ctx, before, now, 'moved');
    return { ok: true, booking: presentBooking(after, actor, ctx.clock.now()) };
  });
}

/**
 * "Same time tomorrow" / "same time next week": books the booking again at the same local wall time
 * (site zone) one day or one week later, same space, length, title and participants, organized by
 * the caller. When the booking is an occurrence of a series that already holds that time (an
 * active occurrence overlapping it, wherever it is), the answer is that occurrence
 * (`existing: true`): the series has them there already, and nothing is booked twice.
 */
export async function repeatBooking(
  ctx: Ctx,
  id: string,
  when: 'tomorrow' | 'next-week',
  opts: { allowMemberOverlap?: boolean | undefined } = {},
): Promise<BookingResult> {
  if (when !== 'tomorrow' && when !== 'next-week')
    throw invalid('body.when', 'body.when must be tomorrow or next-week');
  return ctx.db.transaction(async (tx): Promise<BookingResult> => {
    const b = isUuid(id) ? await bookingsRepo.findBooking(tx, ctx.actor.siteId, id) : undefined;
    if (!b || !mayRepeat(ctx.actor, b))
      throw new AppError('not-found', 'No such booking', { field: 'path.id' });
    const space = (await bookingsRepo.findSpaceRules(tx, ctx.actor.siteId, b.spaceId))!;
    const days = when === 'tomorrow' ? 1 : 7;
    const shift = (at: Date) => {
      const local = localDateTime(new Date(at), space.timeZone);
      const [h, m] = local.slice(11, 16).split(':').map(Number);
      return localToInstant(addDays(local.slice(0, 10), days), h! * 60 + m!, space.timeZone);
    };
    const start = shift(new Date(b.start));
    const minutes = (new Date(b.end).getTime() - new Date(b.start).getTime()) / 60_000;
    const end = new Date(start.getTime() + minutes * 60_000);
    if (b.seriesId) {
      const held = await findOccurrenceOverlapping(tx, ctx.actor.siteId, b.seriesId, start, end);
      const row = held ? await bookingsRepo.findBooking(tx, ctx.actor.siteId, held) : undefined;
      if (row) return { ok: true, booking: presentBooking(row, ctx.actor, ctx.clock.now()), existing: true };
    }
    return createBooking(
      { ...ctx, db: tx },
      {
        spaceId: b.spaceId,
        start,
        end,
        title: b.title,
        headcount: b.headcount,
        visibility: b.visibility,
        // Everyone of the original stays in: its organizer joins as a participant when another repeats it.
        participants: {
          members: [...new Set([b.organizerId, ...b.members.map((m) => m.id)])].filter(
            (m) => m !== ctx.actor.memberId,
          ),
          squads: b.squads.map((s) => s.id),
        },
        allowMemberOverlap: opts.allowMemberOverlap,
      },
    );
  });
}
