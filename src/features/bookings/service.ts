import { randomInt, randomUUID } from 'node:crypto';
import type { Static } from 'typebox';
import { isTransaction, PgCode, pgErrorCode, type Queryable, type Tx } from '../../db/store.ts';
import { isUuid } from '../../domain/ids.ts';
import { parseInstant } from '../../domain/time.ts';
import { canCheckIn, canCheckOut } from '../checkin/policy.ts';
import type { Actor, Ctx } from '../context.ts';
import { AppError, checkVersion, invalid } from '../errors.ts';
import { insertEvent } from '../events/repository.ts';
import { canMove } from '../moves/policy.ts';
import { decodeInstantCursor, pageOf } from '../paging.ts';
import { checkQuotaReason, enforceQuota } from '../quotas/service.ts';
import { recordException } from '../series/repository.ts';
import { checkText } from '../text.ts';
import {
  authorizeManage,
  canCancel,
  cancelStateRefusal,
  canEdit,
  canSeeDetails,
  editStateRefusal,
  isInvolved,
  mayRepeat,
} from './policy.ts';
import * as repo from './repository.ts';
import {
  checkBookingRules,
  checkMemberOverlapAllowed,
  checkParticipants,
  findSeatingConflicts,
  lockSeating,
  refuseUnknownParticipants,
} from './rules.ts';
import type {
  Booking,
  BookingCan as BookingCanSchema,
  Conflict as ConflictSchema,
  MemberConflict as MemberConflictSchema,
} from './schema.ts';

export type BookingStatus = repo.BookingStatus;
export type Visibility = 'public' | 'private';

/** A booking as events record it: every detail, no viewer (the Booking schema without `can`). */
export type BookingSnapshot = Omit<Static<typeof Booking>, 'can'>;

/** What the caller may do to a booking now (bookings/, moves/ and checkin/ policy.ts). */
export type BookingCan = Static<typeof BookingCanSchema>;

/** A booking as the API shows it. Private bookings of others appear with `busy: true` and no details. */
export type BookingView = BookingSnapshot & { can: BookingCan };

/** A booking in the way of a requested slot, as far as the caller may see it. */
export type Conflict = Static<typeof ConflictSchema>;

/** A participant already in an overlapping active session, and that session as far as the caller may see it. */
export type MemberConflict = Static<typeof MemberConflictSchema>;

export type BookingResult =
  /** `existing`: the answer is a booking that already was (repeat onto a series that holds the slot). */
  | { ok: true; booking: BookingView; existing?: boolean }
  | { ok: false; conflicts: Conflict[] }
  /** Someone would be in two places at once; `field` names what brought them in. */
  | { ok: false; memberConflicts: MemberConflict[]; field: string };

const isoOf = (d: Date | string) => new Date(d).toISOString();

/** What `viewer` may do to the booking at `now`: the same policy functions the services authorize with. */
export function bookingCan(viewer: Actor, b: repo.BookingRow, now: Date): BookingCan {
  return {
    edit: canEdit(viewer, b),
    cancel: canCancel(viewer, b),
    move: canMove(viewer, b),
    checkIn: canCheckIn(viewer, b, now),
    checkOut: canCheckOut(viewer, b),
    repeat: mayRepeat(viewer, b),
  };
}

/** The booking as an event records it (before/after): every detail, for the audit trail and notices. */
export function bookingSnapshot(b: Omit<repo.BookingRow, 'checkinOpenMinutes'>): BookingSnapshot {
  return snapshotFor(b, true);
}

/**
 * The JSON of a booking for `viewer` at `now`. A private booking the viewer is not involved in (and
 * who is not an admin) is redacted: title "Busy", no organizer, participants or headcount (0).
 */
export function presentBooking(b: repo.BookingRow, viewer: Actor, now: Date): BookingView {
  return {
    ...snapshotFor(b, canSeeDetails(viewer, b)),
    // Only the booking's own people get the display's check-in code; events (no viewer) never do.
    ...(b.checkinCode && isInvolved(viewer, b) ? { checkinCode: b.checkinCode } : {}),
    can: bookingCan(viewer, b, now),
  };
}

function snapshotFor(b: Omit<repo.BookingRow, 'checkinOpenMinutes'>, visible: boolean): BookingSnapshot {
  return {
    id: b.id,
    siteId: b.siteId,
    spaceId: b.spaceId,
    title: visible ? b.title : 'Busy',
    start: isoOf(b.start),
    end: isoOf(b.end),
    headcount: visible ? b.headcount : 0,
    visibility: b.visibility,
    status: b.status,
    organizer: visible ? { id: b.organizerId, displayName: b.organizerName } : null,
    participants: visible ? { members: b.members, squads: b.squads } : { members: [], squads: [] },
    seriesId: b.seriesId,
    originalStart: b.originalStart ? isoOf(b.originalStart) : null,
    version: b.version,
    createdAt: isoOf(b.createdAt),
    updatedAt: isoOf(b.updatedAt),
    busy: !visible,
  };
}

export function presentConflict(b: repo.BookingRow, viewer: Actor): Conflict {
  const base = { id: b.id, spaceId: b.spaceId, start: isoOf(b.start), end: isoOf(b.end) };
  if (!canSeeDetails(viewer, b)) return { ...base, busy: true, title: 'Busy' };
  return {
    ...base,
    busy: false,
    title: b.title,
    organizer: { id: b.organizerId, displayName: b.organizerName },
  };
}

export function presentMemberConflict(c: repo.MemberConflictRow, viewer: Actor): MemberConflict {
  const member = { id: c.memberId, displayName: c.memberName };
  const times = { start: isoOf(c.start), end: isoOf(c.end) };
  if (!canSeeDetails(viewer, c)) return { member, booking: { ...times, busy: true, title: 'Busy' } };
  return {
    member,
    booking: {
      id: c.id,
      spaceId: c.spaceId,
      title: c.title,
      ...times,
      busy: false,
      organizer: { id: c.organizerId, displayName: c.organizerName },
    },
  };
}

/**
 * The member-conflict answer of a write: the conflicts as the caller may see them, and the field
 * that brought the first member in: the named members, the named squads, or else (the organizer,
 * or people who were already in the booking) `otherwise`, the time.
 */
export function memberConflictResult(
  rows: repo.MemberConflictRow[],
  viewer: Actor,
  brought: { members?: readonly string[] | undefined; squadMembers?: readonly string[]; otherwise: string },
): BookingResult {
  const first = rows[0]!.memberId;
  const field = brought.members?.includes(first)
    ? 'body.participants.members'
    : brought.squadMembers?.includes(first)
      ? 'body.participants.squads'
      : brought.otherwise;
  return { ok: false, memberConflicts: rows.map((r) => presentMemberConflict(r, viewer)), field };
}

/** The 409 of a refused write: the slot is taken, or someone would be in two places at once. */
export function refusalOf(result: Exclude<BookingResult, { ok: true }>, slotField = 'body.start'): AppError {
  if ('conflicts' in result)
    return new AppError(
      'booking-conflict',
      'The slot overlaps other bookings of the space (changeover included)',
      { field: slotField, conflicts: result.conflicts },
    );
  const first = result.memberConflicts[0]!;
  const where = first.booking.busy ? 'another session' : `"${first.booking.title}"`;
  return new AppError(
    'member-conflict',
    `${first.member.displayName} is already in ${where} at that time; a person is in one place at a time`,
    { field: result.field, memberConflicts: result.memberConflicts },
  );
}

function instant(value: string | Date, field: string): Date {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw invalid(field, `${field} is not a valid instant`);
    return value;
  }
  const parsed = typeof value === 'string' ? parseInstant(value) : undefined;
  if (!parsed) throw invalid(field, `${field} must be an RFC 3339 instant with an offset, on a real date`);
  return parsed;
}

const cleanTitle = (title: unknown, field: string) => checkText(title, field, { min: 1, max: 200 });

function cleanReason(reason: string | undefined): string | undefined {
  return reason === undefined ? undefined : checkText(reason, 'body.reason', { max: 500 }) || undefined;
}

function ids(list: unknown, field: string): string[] | undefined {
  if (list === undefined) return undefined;
  if (!Array.isArray(list) || list.length > 500 || list.some((x) => typeof x !== 'string' || !isUuid(x)))
    throw invalid(field, `${field} must be a list of ids`);
  return [...new Set((list as string[]).map((x) => x.toLowerCase()))];
}

/** The bookings in the way of [start, end) plus changeover, as the caller may see them. */
export async function conflictsOf(
  tx: Queryable,
  ctx: Ctx,
  spaceId: string,
  start: Date,
  end: Date,
  changeoverMinutes: number,
  exceptId: string | null,
): Promise<Conflict[]> {
  const blockedEnd = new Date(end.getTime() + changeoverMinutes * 60_000);
  const rows = await repo.findOverlapping(tx, ctx.actor.siteId, spaceId, start, blockedEnd, exceptId);
  return rows.map((r) => presentConflict(r, ctx.actor));
}

export interface CreateBookingInput {
  spaceId: string;
  start: string | Date;
  end: string | Date;
  title: string;
  headcount?: number | undefined;
  participants?: { members?: string[] | undefined; squads?: string[] | undefined } | undefined;
  visibility?: Visibility | undefined;
  /** An admin's leave to seat members who are already in an overlapping session. */
  allowMemberOverlap?: boolean | undefined;
  /** An admin's reason to exceed a fair-use quota (audited as a quota.exceeded event). */
  exceedQuotaReason?: string | undefined;
}

export interface CreateBookingOptions {
  /** Skip the "no start in the past" rule: demo data, imports, system jobs. */
  allowPast?: boolean | undefined;
  seriesId?: string | undefined;
  originalStart?: Date | undefined;
}

/**
 * Books a space for the caller (the organizer). A taken slot is an expected outcome, answered as
 * `{ ok: false, conflicts }`, and so is a participant already in an overlapping session
 * (`memberConflicts`). Both are checked under the write locks of the space and the participants
 * (rules.ts lockAndCheckSeating), so concurrent requests queue and cannot both win; the exclusion
 * constraint still guards the space underneath.
 */
export async function createBooking(
  ctx: Ctx,
  input: CreateBookingInput,
  opts: CreateBookingOptions = {},
): Promise<BookingResult> {
  const start = instant(input.start, 'body.start');
  const end = instant(input.end, 'body.end');
  if (end.getTime() <= start.getTime()) throw invalid('body.end', 'body.end must be after body.start');
  const title = cleanTitle(input.title, 'body.title');
  const headcount = input.headcount ?? 1;
  if (!Number.isInteger(headcount) || headcount < 1 || headcount > 10_000)
    throw invalid('body.headcount', 'body.headcount must be a whole number from 1');
  if (input.visibility !== undefined && input.visibility !== 'public' && input.visibility !== 'private')
    throw invalid('body.visibility', 'body.visibility must be public or private');
  const members = ids(input.participants?.members, 'body.participants.members');
  const squads = ids(input.participants?.squads, 'body.participants.squads');
  if (typeof input.spaceId !== 'string' || !isUuid(input.spaceId))
    throw invalid('body.spaceId', 'body.spaceId must be an id');
  const { actor } = ctx;
  const allowMemberOverlap = checkMemberOverlapAllowed(
    actor,
    input.allowMemberOverlap,
    'body.allowMemberOverlap',
  );
  const exceedQuotaReason = checkQuotaReason(ctx, input.exceedQuotaReason, 'body.exceedQuotaReason');
  const fields = { start, end, title, headcount, visibility: input.visibility };
  // The organizer alone: one statement when nothing is in the way; any "no" is said below.
  if (!members?.length && !squads?.length) {
    const booked = await bookAtOnce(ctx, input.spaceId, fields, allowMemberOverlap, opts);
    if (booked) return booked;
  }

  const loaded = await repo.loadBookingContext(
    ctx.db,
    actor.siteId,
    input.spaceId,
    actor.memberId,
    members ?? [],
    squads ?? [],
  );
  const space = loaded.space;
  if (!space) throw new AppError('not-found', 'No such space', { field: 'body.spaceId' });
  repo.cacheSpaceRules(actor.siteId, space.id, space, loaded.rulesKey!);
  const now = ctx.clock.now();
  checkBookingRules(actor, space, { start, end, headcount }, now, {
    access: true,
    time: true,
    start: true,
    headcount: true,
    allowPast: opts.allowPast ?? false,
  });
  refuseUnknownParticipants(members, new Set(loaded.members.map((m) => m.id)), 'members');
  refuseUnknownParticipants(squads, new Set(loaded.squads.map((q) => q.id)), 'squads');
  const row = newBookingRow(actor, space, fields, opts, now, {
    organizerName: loaded.organizerName ?? '',
    members: loaded.members,
    squads: loaded.squads,
  });
  return ctx.db.transaction(async (tx): Promise<BookingResult> => {
    const seat = {
      spaceIds: [space.id],
      memberIds: [actor.memberId, ...loaded.members.map((m) => m.id), ...loaded.squadMemberIds],
      slots: [{ start, end }],
      allowMemberOverlap,
    };
    await lockSeating(tx, actor.siteId, seat);
    // Under the write locks no other writer is between these reads and the insert: a taken slot
    // is found here, and the insert needs no savepoint. A taken slot is the first answer. One probe
    // says whether anything is in the way; only then are the details read.
    const probe = await repo.probeNewSession(
      tx,
      actor.siteId,
      space.id,
      { start, end, blockedEnd: row.blockedEnd },
      allowMemberOverlap ? [] : seat.memberIds,
    );
    if (probe.spaceTaken) {
      const taken = await conflictsOf(tx, ctx, space.id, start, end, space.changeoverMinutes, null);
      if (taken.length > 0) return { ok: false, conflicts: taken };
    }
    if (probe.memberBusy) {
      const clashes = await findSeatingConflicts(tx, actor.siteId, seat);
      if (clashes.length > 0)
        return memberConflictResult(clashes, actor, {
          members,
          squadMembers: loaded.squadMemberIds.filter((m) => m !== actor.memberId),
          otherwise: 'body.start',
        });
    }
    // Fair-use quotas, under the people's write locks: counted as the write is, so none is exceeded.
    if (probe.quotaRules)
      await enforceQuota(
        tx,
        ctx,
        {
          bookingId: row.id,
          organizerId: actor.memberId,
          participantIds: [...loaded.members.map((m) => m.id), ...loaded.squadMemberIds],
          spaceId: space.id,
          slots: [{ start, end }],
        },
        exceedQuotaReason,
      );
    await repo.insertBookingWithEvent(
      tx,
      {
        ...row,
        changeoverMinutes: space.changeoverMinutes,
        now,
        memberIds: loaded.members.map((m) => m.id),
        squadIds: loaded.squads.map((q) => q.id),
      },
      { actorId: actor.memberId, after: bookingSnapshot(row) },
      { locked: true },
    );
    return { ok: true, booking: presentBooking(row, actor, ctx.clock.now()) };
  });
}

interface NewSessionFields {
  start: Date;
  end: Date;
  title: string;
  headcount: number;
  visibility: Visibility | undefined;
}

/** The row of a new booking of `actor` in `space`, as createBooking writes and answers it. */
function newBookingRow(
  actor: Actor,
  space: repo.SpaceRules,
  f: NewSessionFields,
  opts: CreateBookingOptions,
  now: Date,
  people: Pick<repo.BookingRow, 'organizerName' | 'members' | 'squads'>,
): repo.BookingRow {
  return {
    id: randomUUID(),
    siteId: actor.siteId,
    spaceId: space.id,
    organizerId: actor.memberId,
    ...people,
    title: f.title,
    start: f.start,
    end: f.end,
    blockedEnd: new Date(f.end.getTime() + space.changeoverMinutes * 60_000),
    headcount: f.headcount,
    // Unless the caller says otherwise, a booking is as its space says (a private cabin: private).
    visibility: f.visibility ?? space.defaultVisibility,
    status: 'confirmed',
    seriesId: opts.seriesId ?? null,
    originalStart: opts.originalStart ?? null,
    version: 1,
    createdAt: now,
    updatedAt: now,
    checkinCode: String(randomInt(1_000_000)).padStart(6, '0'),
    spaceOwnerId: space.ownerId,
    checkinOpenMinutes: space.checkinOpenMinutes,
  };
}

/** Sites where bookAtOnce lately found fair-use rules, until when it leaves them to the detailed path. */
const quotaSites = new Map<string, number>();
const quotaSiteMs = 60_000;

/**
 * createBooking's happy path for the organizer alone, in one statement (repository.ts bookSession):
 * on the space's rules as this process last read them, checked here and verified unchanged by the
 * statement, under the same write locks and the same checks as the detailed path. Answers undefined
 * (having written nothing) whenever something is in the way, or may be: no rules in memory, a rule
 * refuses, the rules changed, the site has quotas, the slot or the organizer is taken. The detailed
 * path then reads everything afresh and says exactly why, or books after all.
 */
async function bookAtOnce(
  ctx: Ctx,
  spaceId: string,
  f: NewSessionFields,
  allowMemberOverlap: boolean,
  opts: CreateBookingOptions,
): Promise<BookingResult | undefined> {
  const { actor, db } = ctx;
  const quotaUntil = quotaSites.get(actor.siteId);
  if (quotaUntil !== undefined) {
    if (quotaUntil > Date.now()) return undefined;
    quotaSites.delete(actor.siteId);
  }
  const cached = repo.cachedSpaceRules(actor.siteId, spaceId.toLowerCase());
  if (!cached) return undefined;
  const space = cached.rules;
  const now = ctx.clock.now();
  try {
    checkBookingRules(actor, space, f, now, {
      access: true,
      time: true,
      start: true,
      headcount: true,
      allowPast: opts.allowPast ?? false,
    });
  } catch (err) {
    // A refusal is given on rules read afresh, by the detailed path.
    if (err instanceof AppError) return undefined;
    throw err;
  }
  const row = newBookingRow(actor, space, f, opts, now, { organizerName: '', members: [], squads: [] });
  const memberIds = allowMemberOverlap ? [] : [actor.memberId];
  // Statements on PGlite run one at a time: nobody can come between the checks and the insert.
  const serial = isTransaction(db) ? db.serial : db.kind === 'pglite';
  let done: Awaited<ReturnType<typeof repo.bookSession>>;
  try {
    done = await repo.bookSession(
      db,
      { ...row, changeoverMinutes: space.changeoverMinutes, now, checkinCode: row.checkinCode! },
      {
        rulesKey: cached.key,
        lockKeys: serial ? [] : repo.writeLockKeys(actor.siteId, [space.id], memberIds),
        memberIds,
      },
      bookingSnapshot(row),
    );
  } catch (err) {
    // Outside a transaction the failed statement wrote nothing. A writer that took no lock won the
    // slot, or the store chose this statement to break a deadlock or a serialization conflict: the
    // detailed path (whose transaction is retried on those) answers. In a transaction, the caller's
    // transaction is aborted and retried by its owner.
    const code = pgErrorCode(err);
    const passing =
      code === PgCode.exclusionViolation || code === PgCode.deadlock || code === PgCode.serializationFailure;
    if (!isTransaction(db) && passing) return undefined;
    throw err;
  }
  if (done.outcome === 'stale') repo.forgetSpaceRules(actor.siteId, space.id);
  if (done.outcome === 'quota') quotaSites.set(actor.siteId, Date.now() + quotaSiteMs);
  if (done.outcome !== 'ok') return undefined;
  const booked = { ...row, organizerName: done.organizerName ?? '' };
  return { ok: true, booking: presentBooking(booked, actor, ctx.clock.now()) };
}

/**
 * After a change to a booking in `tx`: reads it back and records the change as its event (what it
 * was, what it is, why), in the same transaction. `mark` adds to the event's `after`.
 */
export async function recordChange(
  tx: Tx,
  ctx: Ctx,
  type: 'booking.updated' | 'booking.cancelled' | 'booking.moved',
  before: repo.BookingRow,
  reason: string | null,
  mark: { bySeries?: boolean } = {},
): Promise<repo.BookingRow> {
  const after = (await repo.findBooking(tx, ctx.actor.siteId, before.id))!;
  await insertEvent(tx, {
    siteId: ctx.actor.siteId,
    actorId: ctx.actor.memberId,
    type,
    subjectType: 'booking',
    subjectId: before.id,
    before: bookingSnapshot(before),
    after: { ...bookingSnapshot(after), ...mark },
    reason,
  });
  return after;
}

/** One booking, redacted to "busy" when private and the caller is not involved. */
export async function getBooking(ctx: Ctx, id: string): Promise<BookingView> {
  const row = isUuid(id) ? await repo.findBooking(ctx.db, ctx.actor.siteId, id) : undefined;
  if (!row) throw new AppError('not-found', 'No such booking', { field: 'path.id' });
  return presentBooking(row, ctx.actor, ctx.clock.now());
}

export interface ListBookingsQuery {
  spaceId?: string | undefined;
  memberId?: string | undefined;
  squadId?: string | undefined;
  from?: string | Date | undefined;
  to?: string | Date | undefined;
  status?: BookingStatus | undefined;
  cursor?: string | undefined;
  limit: number;
}

/**
 * Bookings of the site by start then id, filtered by space, member (organizer, participant, or
 * member of a participating squad), squad (a participant), overlap with [from, to), and status.
 * The member and squad filters never match a private booking the caller may not see: who takes
 * part in it is one of its details. It still shows, as busy, in lists not filtered on people.
 */
export async function listBookings(
  ctx: Ctx,
  q: ListBookingsQuery,
): Promise<{ items: BookingView[]; nextCursor: string | null }> {
  const from = q.from === undefined ? undefined : instant(q.from, 'query.from');
  const to = q.to === undefined ? undefined : instant(q.to, 'query.to');
  if (from && to && to.getTime() <= from.getTime())
    throw invalid('query.to', 'query.to must be after query.from');
  const limit = Math.max(1, Math.min(500, Math.trunc(q.limit)));
  const rows = await repo.listBookings(ctx.db, ctx.actor.siteId, {
    spaceId: q.spaceId,
    memberId: q.memberId,
    squadId: q.squadId,
    viewer: {
      memberId: ctx.actor.memberId,
      admin: ctx.actor.role === 'admin',
      squadIds: [...new Set([...ctx.actor.squadIds, ...ctx.actor.leaderOf])],
    },
    from,
    to,
    status: q.status,
    after: decodeInstantCursor(q.cursor),
    limit: limit + 1,
  });
  const now = ctx.clock.now();
  return pageOf(
    rows,
    limit,
    (r) => presentBooking(r, ctx.actor, now),
    (r) => isoOf(r.start),
  );
}

export interface BookingPatch {
  start?: string | Date | undefined;
  end?: string | Date | undefined;
  title?: string | undefined;
  participants?: { members?: string[] | undefined; squads?: string[] | undefined } | undefined;
  headcount?: number | undefined;
  visibility?: Visibility | undefined;
  /** Required when an admin changes someone else's booking; recorded in the event. */
  reason?: string | undefined;
  /** An admin's leave to seat members who are already in an overlapping session. */
  allowMemberOverlap?: boolean | undefined;
  /** An admin's reason to exceed a fair-use quota (audited as a quota.exceeded event). */
  exceedQuotaReason?: string | undefined;
}

/**
 * The booking `id` of the caller's site, row-locked for the change about to be made (the first lock
 * of the lock order); not found when there is none. Who may change it is for the caller to check.
 */
export async function lockedBooking(tx: Tx, ctx: Ctx, id: string): Promise<repo.BookingRow> {
  const row =
    isUuid(id) && (await repo.lockBooking(tx, ctx.actor.siteId, id))
      ? await repo.findBooking(tx, ctx.actor.siteId, id)
      : undefined;
  if (!row) throw new AppError('not-found', 'No such booking', { field: 'path.id' });
  return row;
}

/**
 * Changes time, title, participants, headcount or visibility of an active booking at
 * `expectedVersion`. The rules are checked again for what changes; a taken slot is returned as
 * conflicts like createBooking.
 */
export async function updateBooking(
  ctx: Ctx,
  id: string,
  expectedVersion: number,
  patch: BookingPatch,
): Promise<BookingResult> {
  const newStart = patch.start === undefined ? undefined : instant(patch.start, 'body.start');
  const newEnd = patch.end === undefined ? undefined : instant(patch.end, 'body.end');
  const title = patch.title === undefined ? undefined : cleanTitle(patch.title, 'body.title');
  if (
    patch.headcount !== undefined &&
    (!Number.isInteger(patch.headcount) || patch.headcount < 1 || patch.headcount > 10_000)
  )
    throw invalid('body.headcount', 'body.headcount must be a whole number from 1');
  if (patch.visibility !== undefined && patch.visibility !== 'public' && patch.visibility !== 'private')
    throw invalid('body.visibility', 'body.visibility must be public or private');
  const members = ids(patch.participants?.members, 'body.participants.members');
  const squads = ids(patch.participants?.squads, 'body.participants.squads');
  const reason = cleanReason(patch.reason);
  const { actor } = ctx;
  const allowMemberOverlap = checkMemberOverlapAllowed(
    actor,
    patch.allowMemberOverlap,
    'body.allowMemberOverlap',
  );
  const exceedQuotaReason = checkQuotaReason(ctx, patch.exceedQuotaReason, 'body.exceedQuotaReason');

  return ctx.db.transaction(async (tx): Promise<BookingResult> => {
    const before = await lockedBooking(tx, ctx, id);
    authorizeManage(actor, before, reason);
    checkVersion(before.version, expectedVersion, 'booking');
    const stateRefusal = editStateRefusal(before);
    if (stateRefusal) throw stateRefusal;
    const start = newStart ?? new Date(before.start);
    const end = newEnd ?? new Date(before.end);
    if (end.getTime() <= start.getTime())
      throw invalid(newEnd ? 'body.end' : 'body.start', 'body.end must be after body.start');
    const timeChanged =
      start.getTime() !== new Date(before.start).getTime() ||
      end.getTime() !== new Date(before.end).getTime();
    const startChanged = start.getTime() !== new Date(before.start).getTime();
    const headcount = patch.headcount ?? before.headcount;
    const space = (await repo.findSpaceRules(tx, actor.siteId, before.spaceId))!;
    checkBookingRules(actor, space, { start, end, headcount }, ctx.clock.now(), {
      time: timeChanged,
      start: startChanged,
      headcount: patch.headcount !== undefined,
      allowPast: false,
    });
    await checkParticipants(tx, actor.siteId, members, squads);
    // Who takes part after the change; only a new time or new people can seat someone twice.
    const inSquads = await repo.squadMemberIds(tx, actor.siteId, squads ?? before.squads.map((q) => q.id));
    const seated = [before.organizerId, ...(members ?? before.members.map((m) => m.id)), ...inSquads];
    const seat = {
      spaceIds: [before.spaceId],
      memberIds: seated,
      slots: [{ start, end }],
      exceptIds: [id],
      allowMemberOverlap: allowMemberOverlap || !(timeChanged || members || squads),
    };
    await lockSeating(tx, actor.siteId, seat);
    // A taken slot is the first answer, as for a new booking; then people elsewhere.
    const taken = await conflictsOf(tx, ctx, space.id, start, end, space.changeoverMinutes, id);
    if (taken.length > 0) return { ok: false, conflicts: taken };
    const clashes = await findSeatingConflicts(tx, actor.siteId, seat);
    if (clashes.length > 0)
      return memberConflictResult(clashes, actor, {
        members,
        ...(squads ? { squadMembers: inSquads } : {}),
        otherwise: 'body.start',
      });
    // A longer session or new people may go over a quota; the booking's own old time does not count.
    if (timeChanged || members || squads)
      await enforceQuota(
        tx,
        ctx,
        {
          bookingId: id,
          organizerId: before.organizerId,
          participantIds: seated.slice(1),
          spaceId: before.spaceId,
          slots: [{ start, end }],
          exceptIds: [id],
        },
        exceedQuotaReason,
        newEnd ? 'body.end' : 'body.start',
      );
    const outcome = await repo.updateBooking(tx, actor.siteId, id, {
      title: title ?? before.title,
      start,
      end,
      changeoverMinutes: timeChanged ? space.changeoverMinutes : null,
      headcount,
      visibility: patch.visibility ?? before.visibility,
    });
    if (outcome === 'conflict')
      return {
        ok: false,
        conflicts: await conflictsOf(tx, ctx, space.id, start, end, space.changeoverMinutes, id),
      };
    await repo.setParticipants(tx, actor.siteId, id, { members, squads });
    // An occurrence changed on its own stays as it is when its series is later changed from there on.
    if (before.seriesId && before.originalStart)
      await recordException(tx, actor.siteId, before.seriesId, new Date(before.originalStart), 'modified');
    const after = await recordChange(tx, ctx, 'booking.updated', before, reason ?? null);
    return { ok: true, booking: presentBooking(after, actor, ctx.clock.now()) };
  });
}

/** Cancels a confirmed booking; `expectedVersion`, when given, must be current. */
export async function cancelBooking(
  ctx: Ctx,
  id: string,
  opts: { reason?: string | undefined; expectedVersion?: number | undefined } = {},
): Promise<BookingView> {
  const { actor } = ctx;
  const reason = cleanReason(opts.reason);
  return ctx.db.transaction(async (tx) => {
    const before = await lockedBooking(tx, ctx, id);
    authorizeManage(actor, before, reason);
    checkVersion(before.version, opts.expectedVersion, 'booking');
    const stateRefusal = cancelStateRefusal(before);
    if (stateRefusal) throw stateRefusal;
    await repo.setStatus(tx, actor.siteId, id, 'cancelled', ctx.clock.now());
    const after = await recordChange(tx, ctx, 'booking.cancelled', before, reason ?? null);
    return presentBooking(after, actor, ctx.clock.now());
  });
}
