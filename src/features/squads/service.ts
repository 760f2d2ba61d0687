import type { Static } from 'typebox';
import { isUuid } from '../../domain/ids.ts';
import { forgetCachedActors } from '../auth/service.ts';
import type { Ctx } from '../context.ts';
import { AppError, checkVersion, invalid } from '../errors.ts';
import { insertEvent } from '../events/repository.ts';
import { existingMemberIds } from '../members/repository.ts';
import { checkLimit, decodeNameCursor, pageOf } from '../paging.ts';
import { requireAdmin } from '../policy.ts';
import { hasForbiddenChars } from '../text.ts';
import * as repo from './repository.ts';
import type { Squad } from './schema.ts';

/** A squad as the API answers it (everyone in `members`, leaders included; `version` is the ETag). */
export type SquadView = Static<typeof Squad>;

export interface SquadInput {
  name: string;
  leaderIds?: string[] | undefined;
  memberIds?: string[] | undefined;
}

export type SquadPatch = Partial<SquadInput>;

const maxIds = 500;

export function presentSquad(s: repo.SquadRow): SquadView {
  return {
    id: s.id,
    siteId: s.siteId,
    name: s.name,
    leaders: s.people.filter((p) => p.leader).map((p) => ({ id: p.id, displayName: p.displayName })),
    members: s.people.map((p) => ({ id: p.id, displayName: p.displayName, rank: p.rank })),
    version: s.version,
  };
}

function checkName(name: unknown): string {
  if (typeof name !== 'string' || name.trim() === '' || name.length > 120)
    throw invalid('body.name', 'name must be 1 to 120 characters');
  if (hasForbiddenChars(name)) throw invalid('body.name', 'name must not contain control characters');
  return name.trim();
}

function checkIds(value: unknown, field: string): string[] {
  if (!Array.isArray(value) || value.length > maxIds)
    throw invalid(field, `must be a list of at most ${maxIds} member ids`);
  value.forEach((v, i) => {
    if (typeof v !== 'string' || !isUuid(v)) throw invalid(`${field}.${i}`, 'must be a uuid');
  });
  return [...new Set((value as string[]).map((v) => v.toLowerCase()))];
}

async function checkMembersExist(ctx: Ctx, ids: string[], field: string): Promise<void> {
  const found = await existingMemberIds(ctx.db, ctx.actor.siteId, ids);
  const missing = ids.findIndex((id) => !found.has(id));
  if (missing >= 0) throw invalid(`${field}.${missing}`, 'is not a member of this site');
}

async function find(ctx: Ctx, id: string): Promise<repo.SquadRow> {
  const s = isUuid(id) ? await repo.findSquad(ctx.db, ctx.actor.siteId, id) : undefined;
  if (!s) throw new AppError('not-found', 'No such squad', { field: 'path.id' });
  return s;
}

export async function getSquad(ctx: Ctx, id: string): Promise<SquadView> {
  return presentSquad(await find(ctx, id));
}

/** Every member may see the site's squads and who is in them (squads are booked for as a whole). */
export async function listSquads(
  ctx: Ctx,
  opts: { cursor?: string | undefined; limit?: number | undefined } = {},
): Promise<{ items: SquadView[]; nextCursor: string | null }> {
  const limit = checkLimit(opts.limit);
  const rows = await repo.listSquads(ctx.db, ctx.actor.siteId, {
    after: decodeNameCursor(opts.cursor),
    limit: limit + 1,
  });
  return pageOf(rows, limit, presentSquad, (s) => s.name);
}

/** Creates a squad (admins only); leaders are members too. */
export async function createSquad(ctx: Ctx, input: SquadInput): Promise<SquadView> {
  requireAdmin(ctx.actor);
  const name = checkName(input.name);
  const leaderIds = checkIds(input.leaderIds ?? [], 'body.leaderIds');
  const memberIds = checkIds(input.memberIds ?? [], 'body.memberIds');
  const created = await ctx.db.transaction(async (tx) => {
    const txCtx = { ...ctx, db: tx };
    await checkMembersExist(txCtx, leaderIds, 'body.leaderIds');
    await checkMembersExist(txCtx, memberIds, 'body.memberIds');
    if (await repo.nameTaken(tx, ctx.actor.siteId, name))
      throw new AppError('already-exists', 'A squad with this name exists', { field: 'body.name' });
    const id = await repo.insertSquad(tx, ctx.actor.siteId, name);
    await repo.replaceSquadMembers(
      tx,
      ctx.actor.siteId,
      id,
      [...new Set([...leaderIds, ...memberIds])],
      leaderIds,
    );
    const created = presentSquad((await repo.findSquad(tx, ctx.actor.siteId, id))!);
    await insertEvent(tx, {
      siteId: ctx.actor.siteId,
      actorId: ctx.actor.memberId,
      type: 'squad.created',
      subjectType: 'squad',
      subjectId: id,
      after: created,
    });
    return created;
  });
  // Members' squads are part of the cached caller (see authenticate).
  forgetCachedActors();
  return created;
}

/**
 * Renames a squad and/or replaces its leaders or members (admins and the squad's leaders).
 * Leaders are always members: new leaders join; with memberIds given, whoever is in neither
 * list leaves. Former leaders not named stay as plain members unless memberIds says otherwise.
 */
export async function updateSquad(
  ctx: Ctx,
  id: string,
  patch: SquadPatch,
  expectedVersion?: number,
): Promise<SquadView> {
  const name = patch.name !== undefined ? checkName(patch.name) : undefined;
  const newLeaders = patch.leaderIds !== undefined ? checkIds(patch.leaderIds, 'body.leaderIds') : undefined;
  const newMembers = patch.memberIds !== undefined ? checkIds(patch.memberIds, 'body.memberIds') : undefined;
  const updated = await ctx.db.transaction(async (tx) => {
    const txCtx = { ...ctx, db: tx };
    const before = await find(txCtx, id);
    if (
      ctx.actor.role !== 'admin' &&
      !(await repo.isLeader(tx, ctx.actor.siteId, before.id, ctx.actor.memberId))
    )
      throw new AppError('forbidden', "Only an admin or the squad's leaders may change it");
    await repo.lockSquad(tx, ctx.actor.siteId, before.id);
    const current = (await repo.findSquad(tx, ctx.actor.siteId, before.id))!;
    checkVersion(current.version, expectedVersion, 'squad');
    if (name !== undefined && (await repo.nameTaken(tx, ctx.actor.siteId, name, before.id)))
      throw new AppError('already-exists', 'A squad with this name exists', { field: 'body.name' });
    if (newLeaders) await checkMembersExist(txCtx, newLeaders, 'body.leaderIds');
    if (newMembers) await checkMembersExist(txCtx, newMembers, 'body.memberIds');
    const leaders = newLeaders ?? current.people.filter((p) => p.leader).map((p) => p.id);
    const members = [...new Set([...leaders, ...(newMembers ?? current.people.map((p) => p.id))])];
    if (name !== undefined && name !== current.name)
      await repo.renameSquad(tx, ctx.actor.siteId, current.id, name);
    if (newLeaders || newMembers)
      await repo.replaceSquadMembers(tx, ctx.actor.siteId, current.id, members, leaders);
    await repo.bumpSquadVersion(tx, ctx.actor.siteId, current.id);
    const after = presentSquad((await repo.findSquad(tx, ctx.actor.siteId, current.id))!);
    await insertEvent(tx, {
      siteId: ctx.actor.siteId,
      actorId: ctx.actor.memberId,
      type: 'squad.updated',
      subjectType: 'squad',
      subjectId: current.id,
      before: presentSquad(current),
      after,
    });
    return after;
  });
  forgetCachedActors();
  return updated;
}
