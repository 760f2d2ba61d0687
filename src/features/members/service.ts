import { AppError } from '../../http/errors.ts';
import { hashPassword } from '../auth/service.ts';
import type { Ctx } from '../context.ts';
import { insertEvent } from '../events/repository.ts';
import { decodeNameCursor, encodeNameCursor } from '../paging.ts';
import { requireAdmin } from '../policy.ts';
import * as repo from './repository.ts';

export interface MemberView {
  id: string;
  siteId: string;
  email: string;
  displayName: string;
  rank: string;
  role: 'admin' | 'member';
  squads: { id: string; name: string; leader: boolean }[];
  createdAt: string;
}

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
  const items = rows.slice(0, opts.limit).map(presentMember);
  const last = items[items.length - 1];
  const nextCursor = rows.length > opts.limit && last ? encodeNameCursor(last.displayName, last.id) : null;
  return { items, nextCursor };
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
