import type { Static } from 'typebox';
import { isUuid } from '../../domain/ids.ts';
import { aged, type Level, levels, type Rating, ratePeriod, startingRating } from '../../domain/ratings.ts';
import type { Ctx } from '../context.ts';
import { AppError, invalid, ruleViolation } from '../errors.ts';
import { insertEvent } from '../events/repository.ts';
import { findMember } from '../members/repository.ts';
import { requireAdmin } from '../policy.ts';
import { hasForbiddenChars } from '../text.ts';
import * as repo from './repository.ts';
import type { Discipline, MemberDiscipline, Result } from './schema.ts';

/**
 * Disciplines of a site (admin-managed), the disciplines each member trains with a self-assessed
 * level, their Glicko-2 ratings, results between members and disputes, and partner settings.
 */

export type DisciplineView = Static<typeof Discipline>;

/** Rating: Glicko-2 on the public scale, RD grown by the weeks since the last counted result. */
export type MemberDisciplineView = Static<typeof MemberDiscipline>;

/** The rating as it stands at `now`: RD grows with inactivity (domain/ratings.ts). */
export function currentRating(r: repo.MemberDisciplineRow, now: Date): Rating {
  const base = { rating: r.rating, rd: r.rd, volatility: r.volatility };
  return r.ratedAt ? aged(base, now.getTime() - new Date(r.ratedAt).getTime()) : base;
}

export function presentMemberDiscipline(r: repo.MemberDisciplineRow, now: Date): MemberDisciplineView {
  const c = currentRating(r, now);
  return {
    disciplineId: r.disciplineId,
    discipline: r.disciplineName,
    level: r.level,
    rating: Math.round(c.rating * 100) / 100,
    rd: Math.round(c.rd * 100) / 100,
    volatility: Math.round(c.volatility * 1e6) / 1e6,
    resultsCounted: r.resultsCounted,
    ratedAt: r.ratedAt ? new Date(r.ratedAt).toISOString() : null,
  };
}

export async function listDisciplines(ctx: Ctx): Promise<DisciplineView[]> {
  return repo.listDisciplines(ctx.db, ctx.actor.siteId);
}

export async function createDiscipline(ctx: Ctx, input: { name: string }): Promise<DisciplineView> {
  requireAdmin(ctx.actor);
  const name = typeof input.name === 'string' ? input.name.trim() : '';
  if (name.length < 1 || name.length > 100) throw invalid('body.name', 'name must be 1 to 100 characters');
  if (hasForbiddenChars(name)) throw invalid('body.name', 'name must not contain control characters');
  return ctx.db.transaction(async (tx) => {
    const id = await repo.insertDiscipline(tx, ctx.actor.siteId, name);
    if (!id)
      throw new AppError('already-exists', `A discipline named ${name} already exists`, {
        field: 'body.name',
      });
    const view = { id, name, members: 0 };
    await insertEvent(tx, {
      siteId: ctx.actor.siteId,
      actorId: ctx.actor.memberId,
      type: 'discipline.created',
      subjectType: 'discipline',
      subjectId: id,
      after: view,
    });
    return view;
  });
}

/** A discipline by id or name, or a 404 naming the field. */
export async function requireDiscipline(
  ctx: Ctx,
  idOrName: string,
  field: string,
): Promise<repo.DisciplineRow> {
  const d =
    typeof idOrName === 'string' && idOrName.length <= 100
      ? await repo.findDiscipline(ctx.db, ctx.actor.siteId, idOrName.trim())
      : undefined;
  if (!d)
    throw new AppError('not-found', `No discipline ${String(idOrName).slice(0, 100)} in this site`, {
      field,
    });
  return d;
}

/** Only the member themself or an admin changes a member's disciplines, rosters and settings. */
export function requireSelfOrAdmin(ctx: Ctx, memberId: string): void {
  if (ctx.actor.memberId !== memberId && ctx.actor.role !== 'admin')
    throw new AppError('forbidden', "Only the member or an admin may change this member's partner details");
}

async function requireMember(ctx: Ctx, memberId: string, field: string): Promise<void> {
  if (!isUuid(memberId) || !(await findMember(ctx.db, ctx.actor.siteId, memberId)))
    throw new AppError('not-found', 'No such member', { field });
}

export async function listMemberDisciplines(ctx: Ctx, memberId: string): Promise<MemberDisciplineView[]> {
  await requireMember(ctx, memberId, 'path.id');
  const now = ctx.clock.now();
  return (await repo.memberDisciplines(ctx.db, ctx.actor.siteId, memberId)).map((r) =>
    presentMemberDiscipline(r, now),
  );
}

/**
 * Replays a discipline's counted results in order and writes everyone's rating: each result is a
 * rating period for its two players (against each other's rating just before it), and RD grows
 * for the weeks a player went without one. Starts from each member's self-assessed level.
 */
export async function recomputeRatings(ctx: Ctx, disciplineId: string): Promise<void> {
  const { db } = ctx;
  const siteId = ctx.actor.siteId;
  await repo.lockDiscipline(db, siteId, disciplineId);
  const members = await repo.disciplineMembers(db, siteId, disciplineId);
  const state = new Map<string, { rating: Rating; at: Date | null; counted: number }>();
  for (const m of members) state.set(m.memberId, { rating: startingRating(m.level), at: null, counted: 0 });
  for (const r of await repo.countedResults(db, siteId, disciplineId)) {
    const a = state.get(r.memberA);
    const b = state.get(r.memberB);
    // A player who no longer trains the discipline takes no further part in its ratings.
    if (!a || !b) continue;
    const at = new Date(r.playedAt);
    const ra = a.at ? aged(a.rating, at.getTime() - a.at.getTime()) : a.rating;
    const rb = b.at ? aged(b.rating, at.getTime() - b.at.getTime()) : b.rating;
    const score = r.outcome === 'win' ? 1 : r.outcome === 'loss' ? 0 : 0.5;
    a.rating = ratePeriod(ra, [{ opponent: rb, score }]);
    b.rating = ratePeriod(rb, [{ opponent: ra, score: 1 - score }]);
    a.at = at;
    b.at = at;
    a.counted += 1;
    b.counted += 1;
  }
  await repo.writeRatings(
    db,
    siteId,
    disciplineId,
    [...state].map(([memberId, s]) => ({ memberId, rating: s.rating, ratedAt: s.at, counted: s.counted })),
  );
}

/** Adds a discipline to a member, or changes their self-assessed level (which re-bases the rating). */
export async function setMemberDiscipline(
  ctx: Ctx,
  memberId: string,
  disciplineIdOrName: string,
  input: { level: string },
): Promise<MemberDisciplineView> {
  requireSelfOrAdmin(ctx, memberId);
  if (!levels.includes(input.level as Level))
    throw invalid('body.level', `level must be one of ${levels.join(', ')}`);
  const level = input.level as Level;
  return ctx.db.transaction(async (tx) => {
    const c: Ctx = { ...ctx, db: tx };
    await requireMember(c, memberId, 'path.id');
    const d = await requireDiscipline(c, disciplineIdOrName, 'path.discipline');
    await repo.upsertMemberDiscipline(tx, ctx.actor.siteId, memberId, d.id, level, startingRating(level));
    await recomputeRatings(c, d.id);
    const row = (await repo.memberDisciplines(tx, ctx.actor.siteId, memberId)).find(
      (r) => r.disciplineId === d.id,
    )!;
    const view = presentMemberDiscipline(row, ctx.clock.now());
    await insertEvent(tx, {
      siteId: ctx.actor.siteId,
      actorId: ctx.actor.memberId,
      type: 'member.discipline-set',
      subjectType: 'member',
      subjectId: memberId,
      after: view,
    });
    return view;
  });
}

export async function removeMemberDiscipline(
  ctx: Ctx,
  memberId: string,
  disciplineIdOrName: string,
): Promise<void> {
  requireSelfOrAdmin(ctx, memberId);
  await ctx.db.transaction(async (tx) => {
    const c: Ctx = { ...ctx, db: tx };
    const d = await requireDiscipline(c, disciplineIdOrName, 'path.discipline');
    if (!(await repo.deleteMemberDiscipline(tx, ctx.actor.siteId, memberId, d.id)))
      throw new AppError('not-found', 'The member does not train this discipline', {
        field: 'path.discipline',
      });
    await recomputeRatings(c, d.id);
    await insertEvent(tx, {
      siteId: ctx.actor.siteId,
      actorId: ctx.actor.memberId,
      type: 'member.discipline-removed',
      subjectType: 'member',
      subjectId: memberId,
      before: { disciplineId: d.id, discipline: d.name },
    });
  });
}

export async function getPartnerSettings(ctx: Ctx, memberId: string): Promise<repo.PartnerSettings> {
  requireSelfOrAdmin(ctx, memberId);
  await requireMember(ctx, memberId, 'path.id');
  return repo.findPartnerSettings(ctx.db, ctx.actor.siteId, memberId);
}

export async function setPartnerSettings(
  ctx: Ctx,
  memberId: string,
  patch: Partial<repo.PartnerSettings>,
): Promise<repo.PartnerSettings> {
  requireSelfOrAdmin(ctx, memberId);
  for (const key of ['hidden', 'nightTraining'] as const)
    if (patch[key] !== undefined && typeof patch[key] !== 'boolean')
      throw invalid(`body.${key}`, `body.${key} must be true or false`);
  return ctx.db.transaction(async (tx) => {
    await requireMember({ ...ctx, db: tx }, memberId, 'path.id');
    const before = await repo.findPartnerSettings(tx, ctx.actor.siteId, memberId);
    const after = {
      ...before,
      ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)),
    };
    await repo.savePartnerSettings(tx, ctx.actor.siteId, memberId, after);
    await insertEvent(tx, {
      siteId: ctx.actor.siteId,
      actorId: ctx.actor.memberId,
      type: 'member.partner-settings',
      subjectType: 'member',
      subjectId: memberId,
      before,
      after,
    });
    return after;
  });
}

/** A result, outcome from memberA's side. */
export type ResultView = Static<typeof Result>;

export function presentResult(r: repo.ResultRow): ResultView {
  return {
    id: r.id,
    disciplineId: r.disciplineId,
    discipline: r.disciplineName,
    bookingId: r.bookingId,
    memberA: r.memberA,
    memberB: r.memberB,
    outcome: r.outcome,
    playedAt: new Date(r.playedAt).toISOString(),
    recordedBy: r.recordedBy,
    recordedAt: new Date(r.recordedAt).toISOString(),
    disputed: r.disputedBy !== null,
    disputedBy: r.disputedBy,
    disputeReason: r.disputeReason,
    counts: r.disputedBy === null,
  };
}

export interface RecordResultInput {
  bookingId: string;
  discipline: string;
  memberA: string;
  memberB: string;
  /** From memberA's side; "even" is even sparring, counted as a draw. */
  outcome: 'win' | 'loss' | 'draw' | 'even';
}

/**
 * Records a result between two people of a finished session. Any of the session's people may
 * record one for any pair of them, once per pair, session and discipline; both players must train
 * the discipline. Ratings of the discipline are recomputed in the same transaction.
 */
export async function recordResult(ctx: Ctx, input: RecordResultInput): Promise<ResultView> {
  const { actor } = ctx;
  if (!['win', 'loss', 'draw', 'even'].includes(input.outcome))
    throw invalid('body.outcome', 'outcome must be win, loss, draw or even');
  for (const f of ['bookingId', 'memberA', 'memberB'] as const)
    if (typeof input[f] !== 'string' || !isUuid(input[f]))
      throw invalid(`body.${f}`, `body.${f} must be an id`);
  const a = input.memberA.toLowerCase();
  const b = input.memberB.toLowerCase();
  if (a === b) throw invalid('body.memberB', 'A result is between two different members');
  const outcome: repo.Outcome = input.outcome === 'even' ? 'draw' : input.outcome;
  return ctx.db.transaction(async (tx) => {
    const c: Ctx = { ...ctx, db: tx };
    const session = await repo.sessionPeople(tx, actor.siteId, input.bookingId);
    if (!session || (!session.people.includes(actor.memberId) && actor.role !== 'admin'))
      throw new AppError('not-found', 'No such session among yours', { field: 'body.bookingId' });
    if (session.status === 'cancelled' || session.status === 'released')
      throw new AppError('invalid-state', `A ${session.status} session has no results`, {
        field: 'body.bookingId',
      });
    if (new Date(session.end).getTime() > ctx.clock.now().getTime())
      throw ruleViolation(
        'session-finished',
        'body.bookingId',
        'Results are recorded after the session ends',
      );
    for (const [id, f] of [
      [a, 'body.memberA'],
      [b, 'body.memberB'],
    ] as const)
      if (!session.people.includes(id))
        throw ruleViolation('participants', f, `${f} did not take part in the session`);
    const d = await requireDiscipline(c, input.discipline, 'body.discipline');
    const trains = new Set((await repo.disciplineMembers(tx, actor.siteId, d.id)).map((m) => m.memberId));
    for (const [id, f] of [
      [a, 'body.memberA'],
      [b, 'body.memberB'],
    ] as const)
      if (!trains.has(id)) throw ruleViolation('discipline', f, `${f} does not train ${d.name}`);
    const id = await repo.insertResult(tx, {
      siteId: actor.siteId,
      disciplineId: d.id,
      bookingId: input.bookingId,
      memberA: a,
      memberB: b,
      outcome,
      playedAt: new Date(session.end),
      recordedBy: actor.memberId,
      now: ctx.clock.now(),
    });
    if (!id)
      throw new AppError('already-exists', 'This pair already has a result for this session and discipline', {
        field: 'body.memberB',
      });
    await recomputeRatings(c, d.id);
    const view = presentResult((await repo.findResult(tx, actor.siteId, id))!);
    await insertEvent(tx, {
      siteId: actor.siteId,
      actorId: actor.memberId,
      type: 'result.recorded',
      subjectType: 'result',
      subjectId: id,
      after: { ...view, ratings: await ratingsOf(c, d.id, [a, b]) },
    });
    return view;
  });
}

async function ratingsOf(ctx: Ctx, disciplineId: string, ids: string[]) {
  const rows = await repo.disciplineMembers(ctx.db, ctx.actor.siteId, disciplineId);
  return rows
    .filter((r) => ids.includes(r.memberId))
    .map((r) => ({ memberId: r.memberId, rating: r.rating, rd: r.rd, volatility: r.volatility }));
}

/** Either player disputes a result: it stops counting and the discipline's ratings are recomputed. */
export async function disputeResult(
  ctx: Ctx,
  id: string,
  input: { reason?: string | undefined },
): Promise<ResultView> {
  const reason = typeof input.reason === 'string' ? input.reason.trim() : '';
  if (reason.length > 500) throw invalid('body.reason', 'body.reason must be at most 500 characters');
  return ctx.db.transaction(async (tx) => {
    const before = isUuid(id) ? await repo.findResult(tx, ctx.actor.siteId, id) : undefined;
    const mine =
      before && (before.memberA.id === ctx.actor.memberId || before.memberB.id === ctx.actor.memberId);
    if (!before || (!mine && ctx.actor.role !== 'admin'))
      throw new AppError('not-found', 'No such result', { field: 'path.id' });
    if (!mine) throw new AppError('forbidden', 'Only the two players may dispute a result');
    if (!(await repo.disputeResult(tx, ctx.actor.siteId, id, ctx.actor.memberId, reason, ctx.clock.now())))
      throw new AppError('invalid-state', 'The result is already disputed');
    await recomputeRatings({ ...ctx, db: tx }, before.disciplineId);
    const after = presentResult((await repo.findResult(tx, ctx.actor.siteId, id))!);
    await insertEvent(tx, {
      siteId: ctx.actor.siteId,
      actorId: ctx.actor.memberId,
      type: 'result.disputed',
      subjectType: 'result',
      subjectId: id,
      before: presentResult(before),
      after: {
        ...after,
        ratings: await ratingsOf({ ...ctx, db: tx }, before.disciplineId, [
          before.memberA.id,
          before.memberB.id,
        ]),
      },
      reason: reason || null,
    });
    return after;
  });
}

/** Results the caller took part in (admins: any member's), newest first. */
export async function listResults(
  ctx: Ctx,
  q: { memberId?: string | undefined; discipline?: string | undefined; limit?: number | undefined },
): Promise<ResultView[]> {
  const memberId = q.memberId ?? ctx.actor.memberId;
  if (memberId !== ctx.actor.memberId && ctx.actor.role !== 'admin')
    throw new AppError('forbidden', "Only the two players and admins see a member's results");
  const d = q.discipline ? await requireDiscipline(ctx, q.discipline, 'query.discipline') : undefined;
  const rows = await repo.listResultsOf(ctx.db, ctx.actor.siteId, memberId, d?.id, q.limit ?? 100);
  return rows.map(presentResult);
}
