import type { Db, Tx } from '../../db/store.ts';
import { isUuid } from '../../domain/ids.ts';
import { formatInZone } from '../../domain/time.ts';
import { isInvolved } from '../bookings/policy.ts';
import * as bookingsRepo from '../bookings/repository.ts';
import { type BookingView, bookingSnapshot, lockedBooking, presentBooking } from '../bookings/service.ts';
import type { Ctx } from '../context.ts';
import { AppError } from '../errors.ts';
import { insertEvent } from '../events/repository.ts';
import { canCheckOut, checkInWindow, mayAttend } from './policy.ts';
import * as repo from './repository.ts';

/** Members of the booking and admins may check in and out (policy.ts); others do not find it. */
function authorizeAttend(ctx: Ctx, b: bookingsRepo.BookingRow): void {
  if (mayAttend(ctx.actor, b)) return;
  throw new AppError('not-found', 'No such booking', { field: 'path.id' });
}

export type CheckInResult =
  | { ok: true; booking: BookingView }
  | { ok: false; freeAt: string; freeAtLocal: string; opensAt: string; holders: string[] };

/**
 * Checks in to a booking. Check-in opens the space's check-in window before the start: an attempt
 * before that is refused with when it opens. From then on, while other bookings still hold the space,
 * the attempt is an expected refusal carrying when the space frees; the holders of the booking in
 * the way now are told (once per pair of bookings, by an event committed with the refusal) that the
 * next group is waiting, naming who tried.
 */
export async function checkIn(ctx: Ctx, id: string): Promise<CheckInResult> {
  return ctx.db.transaction(async (tx) => {
    const b = await lockedBooking(tx, ctx, id);
    authorizeAttend(ctx, b);
    const now = ctx.clock.now();
    const start = new Date(b.start);
    const rules = (await repo.findCheckinRules(tx, ctx.actor.siteId, b.spaceId))!;
    const opensAt = new Date(start.getTime() - rules.checkinOpenMinutes * 60_000);
    const opensLocal = formatInZone(opensAt, rules.timeZone);
    // The same window the answers' can.checkIn is computed from (policy.ts).
    switch (checkInWindow(b, now, rules.checkinOpenMinutes)) {
      case 'not-confirmed':
        throw new AppError('invalid-state', `A ${b.status.replace('_', ' ')} booking cannot be checked in`);
      case 'ended':
        throw new AppError('invalid-state', 'The booking has already ended');
      case 'not-open':
        throw new AppError('invalid-state', `Check-in opens at ${opensLocal}`, { opensAt: opensLocal });
      case 'open':
        break;
    }
    const holders =
      now.getTime() < start.getTime()
        ? await repo.findHolders(tx, ctx.actor.siteId, b.spaceId, now, start, b.id)
        : [];
    if (holders.length > 0) {
      const freeAt = new Date(holders[holders.length - 1]!.freeAt).toISOString();
      // Only the booking in the way now is told, and only once for this waiting booking.
      const told: string[] = [];
      for (const h of holders)
        if (h.holdsAtFrom && (await repo.recordWaiting(tx, ctx.actor.siteId, h.id, b.id, now)))
          told.push(h.id);
      if (told.length > 0)
        await insertEvent(tx, {
          siteId: ctx.actor.siteId,
          actorId: ctx.actor.memberId,
          type: 'booking.checkin-refused',
          subjectType: 'booking',
          subjectId: b.id,
          after: { waiting: bookingSnapshot(b), holderIds: told, freeAt },
        });
      return {
        ok: false,
        freeAt,
        freeAtLocal: formatInZone(new Date(freeAt), rules.timeZone),
        opensAt: opensLocal,
        holders: holders.map((h) => h.id),
      };
    }
    // The new row version enters the exclusion index: the space's write lock, like every writer
    // into a space's timeline (bookings/repository.ts writeLockKeys), so no two wait on each other.
    await bookingsRepo.lockForBookingWrite(tx, ctx.actor.siteId, [b.spaceId], []);
    await repo.markCheckedIn(tx, ctx.actor.siteId, b.id, now);
    const after = (await bookingsRepo.findBooking(tx, ctx.actor.siteId, b.id))!;
    await insertEvent(tx, {
      siteId: ctx.actor.siteId,
      actorId: ctx.actor.memberId,
      type: 'booking.checked-in',
      subjectType: 'booking',
      subjectId: b.id,
      before: bookingSnapshot(b),
      after: bookingSnapshot(after),
    });
    return { ok: true, booking: presentBooking(after, ctx.actor, ctx.clock.now()) };
  });
}

export type CheckInHereResult =
  | { ok: true; outcome: 'checked-in' | 'already-checked-in'; booking: BookingView }
  | Extract<CheckInResult, { ok: false }>;

/**
 * Checks the caller in where they stand: the code at a space's door (room display) opens this for
 * the member's phone. Their own session of the space (organizer, participant, squad) whose check-in
 * window is open is checked in through checkIn; one already checked in is said so. Admins too
 * check in only their own sessions here. None: not found, in words.
 */
export async function checkInHere(ctx: Ctx, spaceId: string): Promise<CheckInHereResult> {
  const rules = isUuid(spaceId) ? await repo.findCheckinRules(ctx.db, ctx.actor.siteId, spaceId) : undefined;
  if (!rules) throw new AppError('not-found', 'No such space', { field: 'path.id' });
  const now = ctx.clock.now();
  const mine: bookingsRepo.BookingRow[] = [];
  for (const id of await repo.findSessionsOpenForCheckIn(ctx.db, ctx.actor.siteId, spaceId, now)) {
    const b = await bookingsRepo.findBooking(ctx.db, ctx.actor.siteId, id);
    if (b && isInvolved(ctx.actor, b)) mine.push(b);
  }
  const checkedIn = mine.find((b) => b.status === 'checked_in');
  if (checkedIn)
    return { ok: true, outcome: 'already-checked-in', booking: presentBooking(checkedIn, ctx.actor, now) };
  const next = mine.find((b) => b.status === 'confirmed');
  if (!next)
    throw new AppError('not-found', 'You have no session here open for check-in now', { field: 'path.id' });
  const result = await checkIn(ctx, next.id);
  return result.ok ? { ok: true, outcome: 'checked-in', booking: result.booking } : result;
}

/** Checks out of a checked-in booking: it completes now and the rest of the slot is free at once. */
export async function checkOut(ctx: Ctx, id: string): Promise<BookingView> {
  return ctx.db.transaction(async (tx) => {
    const b = await lockedBooking(tx, ctx, id);
    authorizeAttend(ctx, b);
    if (!canCheckOut(ctx.actor, b))
      throw new AppError('invalid-state', `Only a checked-in booking can be checked out (it is ${b.status})`);
    await repo.markCheckedOut(tx, ctx.actor.siteId, b.id, ctx.clock.now());
    const after = (await bookingsRepo.findBooking(tx, ctx.actor.siteId, b.id))!;
    await insertEvent(tx, {
      siteId: ctx.actor.siteId,
      actorId: ctx.actor.memberId,
      type: 'booking.checked-out',
      subjectType: 'booking',
      subjectId: b.id,
      before: bookingSnapshot(b),
      after: bookingSnapshot(after),
    });
    await tellWaitingGroups(tx, ctx, b, ctx.clock.now(), 'checked-out');
    return presentBooking(after, ctx.actor, ctx.clock.now());
  });
}

/**
 * After `moved` left its slot (moved away, or checked out early): the groups that were told they
 * wait for it (check-in refused, see checkIn) and whose space nobody holds now any more are told it
 * is free, by an event in the caller's transaction.
 */
export async function tellWaitingGroups(
  tx: Tx,
  ctx: Ctx,
  moved: bookingsRepo.BookingRow,
  now: Date,
  how: 'moved' | 'checked-out',
): Promise<void> {
  const siteId = ctx.actor.siteId;
  for (const waitingId of await repo.findWaitingFor(tx, siteId, moved.id)) {
    const w = await bookingsRepo.findBooking(tx, siteId, waitingId);
    if (w?.status !== 'confirmed' || w.spaceId !== moved.spaceId) continue;
    if (new Date(w.end).getTime() <= now.getTime()) continue;
    const until = new Date(Math.max(now.getTime(), new Date(w.start).getTime()));
    const holders = await repo.findHolders(tx, siteId, w.spaceId, now, until, w.id);
    if (holders.some((h) => h.holdsAtFrom)) continue;
    await insertEvent(tx, {
      siteId,
      actorId: ctx.actor.memberId,
      type: 'booking.space-freed',
      subjectType: 'booking',
      subjectId: w.id,
      after: { waiting: bookingSnapshot(w), freedBy: moved.id, how },
    });
  }
}

/** Releases confirmed bookings nobody checked in to by the release delay. Returns how many. */
export async function releaseNoShows(db: Db, now: Date): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await db.transaction(async (tx) => {
      const due = await repo.claimNoShows(tx, now, 100);
      for (const { siteId, id } of due) {
        const before = (await bookingsRepo.findBooking(tx, siteId, id))!;
        await bookingsRepo.setStatus(tx, siteId, id, 'released');
        const after = (await bookingsRepo.findBooking(tx, siteId, id))!;
        await insertEvent(tx, {
          siteId,
          actorId: null,
          type: 'booking.released',
          subjectType: 'booking',
          subjectId: id,
          before: bookingSnapshot(before),
          after: bookingSnapshot(after),
          reason: 'no check-in by the release delay',
        });
      }
      return due.length;
    });
    total += n;
    if (n < 100) return total;
  }
}

/** Marks checked-in bookings whose end has passed as completed. */
export async function completeFinished(db: Db, now: Date): Promise<number> {
  return db.transaction(async (tx) => {
    const due = await repo.claimFinished(tx, now, 500);
    for (const { siteId, id } of due) {
      const before = (await bookingsRepo.findBooking(tx, siteId, id))!;
      await bookingsRepo.setStatus(tx, siteId, id, 'completed');
      const after = (await bookingsRepo.findBooking(tx, siteId, id))!;
      await insertEvent(tx, {
        siteId,
        actorId: null,
        type: 'booking.completed',
        subjectType: 'booking',
        subjectId: id,
        before: bookingSnapshot(before),
        after: bookingSnapshot(after),
      });
    }
    return due.length;
  });
}

/**
 * Sends the heads-up for sessions ending within their site's heads-up minutes (a site setting; 0 =
 * none) when the next booking of the space is due: once per booking, recorded in booking_jobs in the
 * transaction that writes the event, so restarts and a second server never repeat or lose it.
 */
export async function sendHeadsUps(db: Db, now: Date): Promise<number> {
  return db.transaction(async (tx) => {
    const due = await repo.findHeadsUpDue(tx, now, 200);
    let sent = 0;
    for (const d of due) {
      if (!(await repo.recordBookingJob(tx, d.siteId, d.id, 'heads-up', now))) continue;
      const booking = (await bookingsRepo.findBooking(tx, d.siteId, d.id))!;
      const next = (await bookingsRepo.findBooking(tx, d.siteId, d.nextId))!;
      await insertEvent(tx, {
        siteId: d.siteId,
        actorId: null,
        type: 'booking.heads-up',
        subjectType: 'booking',
        subjectId: d.id,
        after: { booking: bookingSnapshot(booking), next: bookingSnapshot(next) },
      });
      sent++;
    }
    return sent;
  });
}

/** When the next no-show release falls due after `now`, up to `until` (the scheduler's timer). */
export function nextNoShowDue(db: Db, now: Date, until: Date): Promise<Date | null> {
  return repo.nextNoShowDue(db, now, until);
}

/** When the next checked-in session ends after `now`, up to `until`. */
export function nextFinishDue(db: Db, now: Date, until: Date): Promise<Date | null> {
  return repo.nextFinishDue(db, now, until);
}

/** When the next heads-up may fall due after `now`, up to `until`. */
export function nextHeadsUpDue(db: Db, now: Date, until: Date): Promise<Date | null> {
  return repo.nextHeadsUpDue(db, now, until);
}
