import type { Static } from 'typebox';
import { checkPassword } from '../auth/password-policy.ts';
import { revokeMemberTokens } from '../auth/repository.ts';
import { forgetCachedActors, hashPassword } from '../auth/service.ts';
import { cancelBooking } from '../bookings/service.ts';
import type { Ctx } from '../context.ts';
import { AppError } from '../errors.ts';
import { insertEvent } from '../events/repository.ts';
import { decodeNameCursor, pageOf } from '../paging.ts';
import { requireAdmin } from '../policy.ts';
import * as repo from './repository.ts';
import type { Member } from './schema.ts';

/** A member as the API answers it: the type of the Member schema. */
export type MemberView = Static<typeof Member>;

export function presentMember(m: repo.MemberRow): MemberView {
  return {
    id: m.id,
    siteId: m.siteId,
    email: m.email,
    displayName: m.displayName,
    rank: m.rank,
    role: m.role,
    squads: m.squads,
    createdAt: new Date(m.createdAt).toISOString(),
    mustChangePassword: m.mustChangePassword,
    deactivatedAt: m.deactivatedAt ? new Date(m.deactivatedAt).toISOString() : null,
  };
}

export async function getMember(ctx: Ctx, id: string): Promise<MemberView> {
  const m = await repo.findMember(ctx.db, ctx.actor.siteId, id);
  if (!m) throw new AppError('not-found', 'No such member', { field: 'path.id' });
  return presentMember(m);
}

export async function listMembers(
  ctx: Ctx,
  opts: { query?: string | undefined; cursor?: string | undefined; limit: number },
): Promise<{ items: MemberView[]; nextCursor: string | null }> {
  const after = decodeNameCursor(opts.cursor);
  const rows = await repo.listMembers(ctx.db, ctx.actor.siteId, {
    query: opts.query,
    after,
    limit: opts.limit + 1,
  });
  return pageOf(rows, opts.limit, presentMember, (m) => m.displayName);
}

export interface NewMember {
  email: string;
  displayName: string;
  rank?: string | undefined;
  role?: 'admin' | 'member' | undefined;
  password?: string | undefined;
}

/** Adds a member to the caller's site (admins only). */
export async function createMember(ctx: Ctx, input: NewMember): Promise<MemberView> {
  requireAdmin(ctx.actor);
  if (input.password !== undefined) checkPassword(input.password, 'body.password');
  const passwordHash = input.password ? await hashPassword(input.password) : null;
  return ctx.db.transaction(async (tx) => {
    if (await repo.emailTaken(tx, ctx.actor.siteId, input.email))
      throw new AppError('already-exists', 'A member with this email exists', { field: 'body.email' });
    const id = await repo.insertMember(tx, {
      siteId: ctx.actor.siteId,
      email: input.email,
      displayName: input.displayName,
      rank: input.rank ?? '',
      role: input.role ?? 'member',
      passwordHash,
    });
    const created = presentMember((await repo.findMember(tx, ctx.actor.siteId, id))!);
    await insertEvent(tx, {
      siteId: ctx.actor.siteId,
      actorId: ctx.actor.memberId,
      type: 'member.created',
      subjectType: 'member',
      subjectId: id,
      after: created,
    });
    return created;
  });
}

/**
 * Deactivates a member (admins only): they can no longer sign in, every session and token of
 * theirs is revoked, their bookings as organizer that have not started are cancelled (their
 * participants get the cancellation notice, with the reason) and their series end. Everything
 * already done stays, history and audit included.
 */
export async function deactivateMember(
  ctx: Ctx,
  id: string,
  input: { reason?: string | undefined },
): Promise<MemberView> {
  requireAdmin(ctx.actor);
  if (id === ctx.actor.memberId)
    throw new AppError('invalid-state', 'You cannot deactivate yourself; ask another admin', {
      field: 'path.id',
    });
  const why = input.reason?.trim() || 'The organizer is no longer on the crew';
  const result = await ctx.db.transaction(async (tx) => {
    const before = await repo.findMember(tx, ctx.actor.siteId, id);
    if (!before) throw new AppError('not-found', 'No such member', { field: 'path.id' });
    const now = ctx.clock.now();
    if (!(await repo.deactivateMember(tx, ctx.actor.siteId, id, now)))
      throw new AppError('invalid-state', 'The member is already deactivated', { field: 'path.id' });
    const revoked = await revokeMemberTokens(tx, ctx.actor.siteId, id, now);
    const released: string[] = [];
    for (const bookingId of await repo.futureBookingsOrganizedBy(tx, ctx.actor.siteId, id, now)) {
      await cancelBooking({ ...ctx, db: tx }, bookingId, { reason: why });
      released.push(bookingId);
    }
    const endedSeries = await repo.endSeriesOrganizedBy(tx, ctx.actor.siteId, id);
    const after = presentMember((await repo.findMember(tx, ctx.actor.siteId, id))!);
    await insertEvent(tx, {
      siteId: ctx.actor.siteId,
      actorId: ctx.actor.memberId,
      type: 'member.deactivated',
      subjectType: 'member',
      subjectId: id,
      before: presentMember(before),
      after: { ...after, revokedTokens: revoked, releasedBookings: released, endedSeries },
      reason: input.reason?.trim() || null,
    });
    return after;
  });
  forgetCachedActors();
  return result;
}

export interface MemberChange {
  displayName?: string | undefined;
  rank?: string | undefined;
  email?: string | undefined;
  role?: 'admin' | 'member' | undefined;
}

/**
 * Changes a member's name, rank, email or role (admins only). The email stays unique on the site,
 * and the site keeps at least one admin who is not deactivated.
 */
export async function updateMember(ctx: Ctx, id: string, input: MemberChange): Promise<MemberView> {
  requireAdmin(ctx.actor);
  const displayName = input.displayName?.trim();
  if (input.displayName !== undefined && !displayName)
    throw new AppError('validation', 'The name cannot be blank', { field: 'body.displayName' });
  const patch = { ...input, displayName, rank: input.rank?.trim(), email: input.email?.trim() };
  const result = await ctx.db.transaction(async (tx) => {
    const before = await repo.findMember(tx, ctx.actor.siteId, id);
    if (!before) throw new AppError('not-found', 'No such member', { field: 'path.id' });
    if (patch.email !== undefined && (await repo.emailTakenByOther(tx, ctx.actor.siteId, patch.email, id)))
      throw new AppError('already-exists', 'Another member already has this email', { field: 'body.email' });
    if (patch.role === 'member' && before.role === 'admin' && !before.deactivatedAt) {
      if ((await repo.countActiveAdmins(tx, ctx.actor.siteId)) <= 1)
        throw new AppError(
          'invalid-state',
          id === ctx.actor.memberId
            ? 'You are the last admin: make another member an admin before you become a member'
            : 'This is the last admin: make another member an admin first',
          { field: 'body.role' },
        );
    }
    await repo.updateMember(tx, ctx.actor.siteId, id, patch);
    const after = presentMember((await repo.findMember(tx, ctx.actor.siteId, id))!);
    await insertEvent(tx, {
      siteId: ctx.actor.siteId,
      actorId: ctx.actor.memberId,
      type: 'member.updated',
      subjectType: 'member',
      subjectId: id,
      before: presentMember(before),
      after,
    });
    return after;
  });
  // The role rides on cached sessions: drop them so a change of role counts at once.
  if (input.role !== undefined) forgetCachedActors();
  return result;
}

/**
 * Reactivates a deactivated member (admins only). Their old password no longer works: they sign
 * in after an admin resets it. Bookings cancelled and series ended on deactivation stay so.
 */
export async function reactivateMember(ctx: Ctx, id: string): Promise<MemberView> {
  requireAdmin(ctx.actor);
  return ctx.db.transaction(async (tx) => {
    const before = await repo.findMember(tx, ctx.actor.siteId, id);
    if (!before) throw new AppError('not-found', 'No such member', { field: 'path.id' });
    if (!(await repo.reactivateMember(tx, ctx.actor.siteId, id)))
      throw new AppError('invalid-state', 'The member is not deactivated', { field: 'path.id' });
    const after = presentMember((await repo.findMember(tx, ctx.actor.siteId, id))!);
    await insertEvent(tx, {
      siteId: ctx.actor.siteId,
      actorId: ctx.actor.memberId,
      type: 'member.reactivated',
      subjectType: 'member',
      subjectId: id,
      before: presentMember(before),
      after,
    });
    return after;
  });
}
