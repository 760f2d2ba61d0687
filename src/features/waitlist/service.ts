import type { Static } from 'typebox';
import type { Db, Queryable, Tx } from '../../db/store.ts';
import type { Clock } from '../../domain/clock.ts';
import { isUuid } from '../../domain/ids.ts';
import { parseInstant } from '../../domain/time.ts';
import * as bookingsRepo from '../bookings/repository.ts';
import { checkBookingRules } from '../bookings/rules.ts';
import { type BookingView, bookingSnapshot, createBooking, recordChange } from '../bookings/service.ts';
import type { Actor, Ctx } from '../context.ts';
import { AppError, invalid } from '../errors.ts';
import { insertEvent } from '../events/repository.ts';
import * as repo from './repository.ts';
import type { JoinWaitlist, WaitlistEntry } from './schema.ts';

/** A waitlist entry as its member sees it: never anything of the bookings in the way. */
export type WaitlistEntryView = Static<typeof WaitlistEntry>;

export function presentEntry(e: repo.EntryRow): WaitlistEntryView {
  return {
    id: e.id,
    spaceId: e.spaceId,
    squadId: e.squadId,
    title: e.title,
    start: new Date(e.start).toISOString(),
    end: new Date(e.end).toISOString(),
    lengthMinutes: e.lengthMinutes,
    autoBook: e.autoBook,
    status: e.status,
    position: e.position,
    bookingId: e.bookingId,
    offerExpiresAt: e.offerExpiresAt ? new Date(e.offerExpiresAt).toISOString() : null,
    createdAt: new Date(e.createdAt).toISOString(),
  };
}

/**
 * Joining a waitlist: without lengthMinutes exactly [start, end), with it any free slot of that
 * length between them; a squad leader waits for the squad (squadId); autoBook books at once when
 * it frees (default for an exact slot), else offers it with a hold to accept.
 */
export type JoinWaitlistInput = Static<typeof JoinWaitlist>;

function instant(value: string, field: string): Date {
  const at = typeof value === 'string' ? parseInstant(value) : undefined;
  if (!at) throw invalid(field, `${field} must be an RFC 3339 instant with an offset`);
  return at;
}

const minuteMs = 60_000;

/**
 * The first start in [from, to) where `minutes` fit, changeover after them included, between the
 * blocked ranges (ordered) of the space; undefined when none.
 */
function firstGap(
  blocked: readonly { start: Date; end: Date }[],
  from: Date,
  to: Date,
  minutes: number,
  changeover: number,
): Date | undefined {
  let cursor = from.getTime();
  const need = minutes * minuteMs;
  for (const b of blocked) {
    if (b.start.getTime() - cursor >= need + changeover * minuteMs && cursor + need <= to.getTime())
      return new Date(cursor);
    cursor = Math.max(cursor, b.end.getTime());
  }
  return cursor + need <= to.getTime() ? new Date(cursor) : undefined;
}

/** The slot an entry would take now, if one is free: its exact slot, or the first gap of its length. */
async function freeSlotFor(
  db: Queryable,
  e: Pick<repo.EntryRow, 'siteId' | 'spaceId' | 'start' | 'end' | 'lengthMinutes'>,
  changeover: number,
  now: Date,
): Promise<{ start: Date; end: Date } | undefined> {
  const start = new Date(e.start);
  const end = new Date(e.end);
  const minutes = e.lengthMinutes ?? (end.getTime() - start.getTime()) / minuteMs;
  // Not before the next whole minute: a slot offered now must not already have begun.
  const from = new Date(Math.max(start.getTime(), Math.ceil(now.getTime() / minuteMs) * minuteMs));
  if (e.lengthMinutes === null && from.getTime() > start.getTime()) return undefined;
  const blocked = await repo.blockedRanges(
    db,
    e.siteId,
    e.spaceId,
    from,
    new Date(end.getTime() + changeover * minuteMs),
  );
  const at = firstGap(blocked, from, end, minutes, changeover);
  return at ? { start: at, end: new Date(at.getTime() + minutes * minuteMs) } : undefined;
}

/**
 * Joins the waitlist of a taken slot of a space. The answer says the caller's place in line and
 * nothing of the bookings in the way (a private one is just "taken"). A free slot is refused: book it.
 */
export async function joinWaitlist(ctx: Ctx, input: JoinWaitlistInput): Promise<WaitlistEntryView> {
  const { actor } = ctx;
  if (typeof input.spaceId !== 'string' || !isUuid(input.spaceId))
    throw invalid('body.spaceId', 'body.spaceId must be an id');
  const start = instant(input.start, 'body.start');
  const end = instant(input.end, 'body.end');
  if (end.getTime() <= start.getTime()) throw invalid('body.end', 'body.end must be after body.start');
  const title = typeof input.title === 'string' ? input.title.trim() : '';
  if (title.length < 1 || title.length > 200)
    throw invalid('body.title', 'body.title must be 1 to 200 characters');
  const length = input.lengthMinutes;
  if (length !== undefined) {
    if (!Number.isInteger(length) || length < 1 || length > 1440)
      throw invalid('body.lengthMinutes', 'body.lengthMinutes must be a whole number of minutes, 1 to 1440');
    if (length * minuteMs > end.getTime() - start.getTime())
      throw invalid('body.lengthMinutes', 'body.lengthMinutes must fit between body.start and body.end');
  }
  const squadId = input.squadId?.toLowerCase();
  if (squadId !== undefined) {
    if (!isUuid(squadId)) throw invalid('body.squadId', 'body.squadId must be an id');
    if (!actor.leaderOf.includes(squadId) && actor.role !== 'admin')
      throw new AppError('forbidden', 'Only a leader of the squad may wait for it', {
        field: 'body.squadId',
      });
  }
  return ctx.db.transaction(async (tx) => {
    const space = await bookingsRepo.findSpaceRules(tx, actor.siteId, input.spaceId);
    if (!space) throw new AppError('not-found', 'No such space', { field: 'body.spaceId' });
    const now = ctx.clock.now();
    checkBookingRules(
      actor,
      space,
      { start, end: length ? new Date(start.getTime() + length * minuteMs) : end, headcount: 1 },
      now,
      { access: true, time: true, start: true },
    );
    const asked = { siteId: actor.siteId, spaceId: space.id, start, end, lengthMinutes: length ?? null };
    if (await freeSlotFor(tx, asked, space.changeoverMinutes, now))
      throw new AppError('invalid-state', 'That slot is free: book it instead of waiting', {
        field: 'body.start',
      });
    const id = await repo.insertEntry(tx, {
      ...asked,
      memberId: actor.memberId,
      squadId: squadId ?? null,
      title,
      autoBook: input.autoBook ?? length === undefined,
    });
    const view = presentEntry((await repo.findEntry(tx, actor.siteId, id))!);
    await insertEvent(tx, {
      siteId: actor.siteId,
      actorId: actor.memberId,
      type: 'waitlist.joined',
      subjectType: 'waitlist-entry',
      subjectId: id,
      after: view,
    });
    return view;
  });
}

/** The caller's waitlist entries, open ones first, each with its place in line. */
export async function listMyWaitlist(ctx: Ctx): Promise<WaitlistEntryView[]> {
  return (await repo.listEntries(ctx.db, ctx.actor.siteId, ctx.actor.memberId)).map(presentEntry);
}

async function ownEntry(tx: Queryable, ctx: Ctx, id: string): Promise<repo.EntryRow> {
  const e = isUuid(id) ? await repo.findEntry(tx, ctx.actor.siteId, id, { lock: true }) : undefined;
  if (!e || e.memberId !== ctx.actor.memberId)
    throw new AppError('not-found', 'No such waitlist entry', { field: 'path.id' });
  return e;
}

/** Gives back a held booking (an offer declined or run out): the slot frees for the next in line. */
async function releaseHold(tx: Tx, ctx: Ctx, e: repo.EntryRow, reason: string): Promise<void> {
  if (!e.bookingId) return;
  if (!(await bookingsRepo.lockBooking(tx, e.siteId, e.bookingId))) return;
  const before = (await bookingsRepo.findBooking(tx, e.siteId, e.bookingId))!;
  if (before.status !== 'confirmed') return;
  await bookingsRepo.setStatus(tx, e.siteId, e.bookingId, 'cancelled');
  await recordChange(tx, ctx, 'booking.cancelled', before, reason);
}

/** Leaves the line (or declines an offer, which passes it on). */
export async function leaveWaitlist(ctx: Ctx, id: string): Promise<WaitlistEntryView> {
  return ctx.db.transaction(async (tx) => {
    const e = await ownEntry(tx, ctx, id);
    if (e.status !== 'waiting' && e.status !== 'offered')
      throw new AppError('invalid-state', `A ${e.status} waitlist entry cannot be left`);
    await repo.setEntryStatus(tx, e.siteId, e.id, e.status === 'offered' ? 'declined' : 'left');
    if (e.status === 'offered') await releaseHold(tx, ctx, e, 'waitlist offer declined');
    const view = presentEntry((await repo.findEntry(tx, e.siteId, e.id))!);
    await insertEvent(tx, {
      siteId: e.siteId,
      actorId: ctx.actor.memberId,
      type: 'waitlist.left',
      subjectType: 'waitlist-entry',
      subjectId: e.id,
      after: view,
    });
    return view;
  });
}

/** Accepts an offer while its hold lasts: the held booking is the caller's for good. */
export async function acceptOffer(ctx: Ctx, id: string): Promise<WaitlistEntryView> {
  return ctx.db.transaction(async (tx) => {
    const e = await ownEntry(tx, ctx, id);
    if (e.status !== 'offered')
      throw new AppError('invalid-state', `A ${e.status} waitlist entry has no offer`);
    if (new Date(e.offerExpiresAt!).getTime() <= ctx.clock.now().getTime())
      throw new AppError('invalid-state', 'The offer has run out');
    await repo.setEntryStatus(tx, e.siteId, e.id, 'booked');
    const view = presentEntry((await repo.findEntry(tx, e.siteId, e.id))!);
    await insertEvent(tx, {
      siteId: e.siteId,
      actorId: ctx.actor.memberId,
      type: 'waitlist.accepted',
      subjectType: 'waitlist-entry',
      subjectId: e.id,
      after: view,
    });
    return view;
  });
}

/** An offer that ran out is given back in its member's name (the hold was theirs). */
const holderCtx = (tx: Tx, clock: Clock, e: repo.EntryRow): Ctx => ({
  db: tx,
  clock,
  actor: { siteId: e.siteId, memberId: e.memberId, role: 'member', squadIds: [], leaderOf: [] },
});

/**
 * Serves one space's line after a slot of it freed, in one transaction under the space's write lock
 * (so two frees never give one slot twice): each waiting entry, first in line first, whose request
 * now fits is booked through createBooking as its member (every booking rule, quotas and the
 * one-person-one-place rule apply; the exclusion constraint still decides) and booked for good
 * (autoBook) or held as an offer for the site's hold minutes. One that does not fit keeps its place.
 */
async function serveSpace(db: Db, clock: Clock): Promise<boolean> {
  return db.transaction(async (tx) => {
    const wake = await repo.claimWakeup(tx);
    if (!wake) return false;
    const { siteId, spaceId } = wake;
    await bookingsRepo.lockForBookingWrite(tx, siteId, [spaceId], []);
    const space = await bookingsRepo.findSpaceRules(tx, siteId, spaceId);
    if (!space) return true;
    const now = clock.now();
    const hold = await repo.holdMinutes(tx, siteId);
    for (const e of await repo.waitingLine(tx, siteId, spaceId)) {
      if (new Date(e.end).getTime() <= now.getTime()) {
        await repo.setEntryStatus(tx, siteId, e.id, 'expired');
        continue;
      }
      const slot = await freeSlotFor(tx, e, space.changeoverMinutes, now);
      if (!slot) continue;
      const who = await repo.memberActor(tx, siteId, e.memberId);
      if (!who) continue;
      const actor: Actor = { siteId, memberId: e.memberId, ...who };
      let booking: BookingView | undefined;
      try {
        const result = await createBooking(
          { db: tx, clock, actor },
          {
            spaceId,
            start: slot.start,
            end: slot.end,
            title: e.title,
            ...(e.squadId ? { participants: { squads: [e.squadId] } } : {}),
          },
        );
        if (result.ok) booking = result.booking;
      } catch (err) {
        // A rule or a quota now refuses this request: it keeps its place, the next may fit.
        if (!(err instanceof AppError) || err.status >= 500) throw err;
      }
      if (!booking) continue;
      const offerExpiresAt = e.autoBook ? null : new Date(now.getTime() + hold * minuteMs);
      await repo.setEntryStatus(tx, siteId, e.id, e.autoBook ? 'booked' : 'offered', {
        bookingId: booking.id,
        offerExpiresAt,
      });
      const view = presentEntry((await repo.findEntry(tx, siteId, e.id))!);
      await insertEvent(tx, {
        siteId,
        actorId: null,
        type: e.autoBook ? 'waitlist.booked' : 'waitlist.offered',
        subjectType: 'waitlist-entry',
        subjectId: e.id,
        after: { entry: view, memberId: e.memberId, booking },
      });
    }
    return true;
  });
}

/**
 * The waitlist task: offers whose hold ran out pass on (their booking is cancelled, which frees the
 * slot for the next in line), waiting entries whose time has passed leave the line, then every space
 * a slot of which freed is served. Returns how many spaces it served.
 */
export async function serveWaitlists(db: Db, clock: Clock): Promise<number> {
  const now = clock.now();
  for (;;) {
    const n = await db.transaction(async (tx) => {
      const due = await repo.claimExpiredOffers(tx, now, 100);
      for (const e of due) {
        await repo.setEntryStatus(tx, e.siteId, e.id, 'expired');
        await releaseHold(tx, holderCtx(tx, clock, e), e, 'waitlist offer not accepted in time');
        // The hold is given back in the member's name, so the cancellation tells them nothing:
        // this event does (notifications: "your hold ran out").
        const booking = e.bookingId ? await bookingsRepo.findBooking(tx, e.siteId, e.bookingId) : undefined;
        await insertEvent(tx, {
          siteId: e.siteId,
          actorId: null,
          type: 'waitlist.expired',
          subjectType: 'waitlist-entry',
          subjectId: e.id,
          after: {
            entry: presentEntry((await repo.findEntry(tx, e.siteId, e.id))!),
            memberId: e.memberId,
            booking: booking ? bookingSnapshot(booking) : null,
          },
        });
      }
      return due.length;
    });
    if (n < 100) break;
  }
  await repo.expirePastEntries(db, now);
  let served = 0;
  while (await serveSpace(db, clock)) served += 1;
  return served;
}

/** When the waitlist task next has work (see the task in jobs/tasks.ts). */
export function nextWaitlistDue(db: Queryable, now: Date, until: Date): Promise<Date | null> {
  return repo.nextWaitlistDue(db, now, until);
}
