import type { Static } from 'typebox';
import type { Queryable } from '../../db/store.ts';
import { isUuid } from '../../domain/ids.ts';
import {
  amountIn,
  findExcess,
  type Interval,
  periodOf,
  type QuotaExcess,
  type QuotaRule,
  windowsFor,
} from '../../domain/quota.ts';
import { formatInZone, parseClock } from '../../domain/time.ts';
import { lockForBookingWrite } from '../bookings/repository.ts';
import type { Actor, Ctx } from '../context.ts';
import { AppError, checkVersion, invalid } from '../errors.ts';
import { insertEvent } from '../events/repository.ts';
import { requireAdmin } from '../policy.ts';
import * as repo from './repository.ts';
import type {
  NewQuotaRule,
  QuotaRefusal as QuotaRefusalSchema,
  QuotaRule as QuotaRuleSchema,
  QuotaUsage as QuotaUsageSchema,
} from './schema.ts';

const round = (n: number) => Math.round(n * 100) / 100;

/** A quota rule as the API shows it; windows as "HH:MM". */
export type QuotaRuleView = Static<typeof QuotaRuleSchema>;

const clock = (m: number) =>
  `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;

function presentRule(r: repo.QuotaRuleRow): QuotaRuleView {
  return {
    id: r.id,
    name: r.name,
    memberId: r.memberId,
    squadId: r.squadId,
    spaceId: r.spaceId,
    spaceKind: r.spaceKind,
    metric: r.metric,
    period: r.period,
    maximum: Number(r.maximum),
    window:
      r.windowStart === null || r.windowEnd === null
        ? null
        : { start: clock(r.windowStart), end: clock(r.windowEnd) },
    countParticipants: r.countParticipants,
    version: r.version,
    createdAt: new Date(r.createdAt).toISOString(),
  };
}

/** A new quota rule (or its replacement), as the API takes it; checked again for other callers. */
export type NewQuotaRuleInput = Static<typeof NewQuotaRule>;

const kinds = ['training', 'sparring', 'briefing', 'cabin', 'other'];

/** A rule's fields checked and normalised, each refusal naming its field in words. */
function checkRule(input: NewQuotaRuleInput): repo.NewRule {
  const name = typeof input.name === 'string' ? input.name.trim() : '';
  if (name.length < 1 || name.length > 200)
    throw invalid('body.name', 'The name must be 1 to 200 characters');
  for (const f of ['memberId', 'squadId', 'spaceId'] as const)
    if (input[f] !== undefined && !isUuid(String(input[f])))
      throw invalid(`body.${f}`, `body.${f} must be an id`);
  if (input.memberId && input.squadId)
    throw invalid('body.squadId', 'A rule is for one member or one squad (or, with neither, for everyone)');
  if (input.spaceId && input.spaceKind)
    throw invalid(
      'body.spaceKind',
      'A rule is for one space or one kind of space (or, with neither, for all)',
    );
  if (input.spaceKind !== undefined && !kinds.includes(input.spaceKind))
    throw invalid('body.spaceKind', `The kind of space must be one of ${kinds.join(', ')}`);
  if (input.metric !== 'hours' && input.metric !== 'sessions')
    throw invalid('body.metric', 'The metric must be hours or sessions');
  if (input.period !== 'day' && input.period !== 'week' && input.period !== 'month')
    throw invalid('body.period', 'The period must be day, week or month');
  if (typeof input.maximum !== 'number' || !(input.maximum > 0) || input.maximum > 100_000)
    throw invalid('body.maximum', 'The maximum must be a number above 0 (at most 100000)');
  if (input.metric === 'sessions' && !Number.isInteger(input.maximum))
    throw invalid('body.maximum', 'A maximum of sessions is a whole number');
  let windowStart: number | null = null;
  let windowEnd: number | null = null;
  if (input.window !== undefined) {
    const s = parseClock(String(input.window.start));
    const e = parseClock(String(input.window.end));
    if (s === undefined) throw invalid('body.window.start', 'The window starts at a time of day, HH:MM');
    if (e === undefined) throw invalid('body.window.end', 'The window ends at a time of day, HH:MM');
    if (s === e) throw invalid('body.window.end', 'The window must not be empty');
    windowStart = s;
    windowEnd = e;
  }
  return {
    name,
    memberId: input.memberId?.toLowerCase() ?? null,
    squadId: input.squadId?.toLowerCase() ?? null,
    spaceId: input.spaceId?.toLowerCase() ?? null,
    spaceKind: input.spaceKind ?? null,
    metric: input.metric,
    period: input.period,
    maximum: input.maximum,
    windowStart,
    windowEnd,
    countParticipants: input.countParticipants ?? false,
  };
}

/** The member, squad and space a rule names exist in the site. */
async function checkNamed(tx: Queryable, siteId: string, r: repo.NewRule): Promise<void> {
  const found = await repo.existing(tx, siteId, r);
  if (r.memberId && !found.member) throw invalid('body.memberId', 'No such member in this site');
  if (r.squadId && !found.squad) throw invalid('body.squadId', 'No such squad in this site');
  if (r.spaceId && !found.space) throw invalid('body.spaceId', 'No such space in this site');
}

const nameTaken = () =>
  new AppError('already-exists', 'A quota rule of that name exists', { field: 'body.name' });

/** Adds a quota rule (admins). Names are unique in the site. */
export async function createQuotaRule(ctx: Ctx, input: NewQuotaRuleInput): Promise<QuotaRuleView> {
  requireAdmin(ctx.actor);
  const rule = checkRule(input);
  return ctx.db.transaction(async (tx) => {
    await checkNamed(tx, ctx.actor.siteId, rule);
    const id = await repo.insertRule(tx, ctx.actor.siteId, rule);
    if (!id) throw nameTaken();
    const view = presentRule((await repo.findRule(tx, ctx.actor.siteId, id))!);
    await insertEvent(tx, {
      siteId: ctx.actor.siteId,
      actorId: ctx.actor.memberId,
      type: 'quota.rule-created',
      subjectType: 'quota-rule',
      subjectId: id,
      after: view,
    });
    return view;
  });
}

/**
 * Replaces a quota rule (admins): every field as for a new one; `expectedVersion` (If-Match) guards
 * against another admin's change in between. Bookings made before keep standing; the next booking
 * is checked against the new rule.
 */
export async function replaceQuotaRule(
  ctx: Ctx,
  id: string,
  input: NewQuotaRuleInput,
  expectedVersion?: number,
): Promise<QuotaRuleView> {
  requireAdmin(ctx.actor);
  const rule = checkRule(input);
  return ctx.db.transaction(async (tx) => {
    const before = isUuid(id) ? await repo.findRule(tx, ctx.actor.siteId, id) : undefined;
    if (!before) throw new AppError('not-found', 'No such quota rule', { field: 'path.id' });
    checkVersion(before.version, expectedVersion, 'quota rule');
    await checkNamed(tx, ctx.actor.siteId, rule);
    if (!(await repo.updateRule(tx, ctx.actor.siteId, id, rule))) throw nameTaken();
    const view = presentRule((await repo.findRule(tx, ctx.actor.siteId, id))!);
    await insertEvent(tx, {
      siteId: ctx.actor.siteId,
      actorId: ctx.actor.memberId,
      type: 'quota.rule-updated',
      subjectType: 'quota-rule',
      subjectId: id,
      before: presentRule(before),
      after: view,
    });
    return view;
  });
}

/** Every quota rule of the site (admins). */
export async function listQuotaRules(ctx: Ctx): Promise<QuotaRuleView[]> {
  requireAdmin(ctx.actor);
  return (await repo.listRules(ctx.db, ctx.actor.siteId)).map(presentRule);
}

/** Removes a quota rule (admins). */
export async function deleteQuotaRule(ctx: Ctx, id: string): Promise<void> {
  requireAdmin(ctx.actor);
  await ctx.db.transaction(async (tx) => {
    const before = isUuid(id) ? await repo.findRule(tx, ctx.actor.siteId, id) : undefined;
    if (!before || !(await repo.deleteRule(tx, ctx.actor.siteId, id)))
      throw new AppError('not-found', 'No such quota rule', { field: 'path.id' });
    await insertEvent(tx, {
      siteId: ctx.actor.siteId,
      actorId: ctx.actor.memberId,
      type: 'quota.rule-deleted',
      subjectType: 'quota-rule',
      subjectId: id,
      before: presentRule(before),
    });
  });
}

/** Why a session does not fit: the rule, whose quota, what is used and what remains. */
export type QuotaRefusal = Static<typeof QuotaRefusalSchema>;

/** What a booking write would count: its organizer, participants, space and sessions. */
export interface QuotaCheck {
  organizerId: string;
  /** Named members and members of named squads (counted by rules that count participants). */
  participantIds: readonly string[];
  spaceId: string;
  slots: readonly Interval[];
  /** The bookings being changed: their old time no longer counts. */
  exceptIds?: readonly string[] | undefined;
}

const toRule = (r: repo.ApplicableRuleRow): QuotaRule => ({
  id: r.id,
  name: r.name,
  metric: r.metric,
  period: r.period,
  maximum: Number(r.maximum),
  windowStart: r.windowStart,
  windowEnd: r.windowEnd,
  countParticipants: r.countParticipants,
});

function refusalOf(
  excess: QuotaExcess,
  member: { id: string; displayName: string },
  zone: string,
): QuotaRefusal {
  const r = excess.rule;
  return {
    rule: { id: r.id, name: r.name, metric: r.metric, period: r.period, maximum: r.maximum },
    member,
    used: round(excess.used),
    remaining: round(excess.remaining),
    wanted: round(excess.wanted),
    periodStart: formatInZone(excess.period.start, zone),
    periodEnd: formatInZone(excess.period.end, zone),
  };
}

/**
 * For each slot, in order, whether it fits the quotas of the people it counts for (null) or the
 * strictest rule it would exceed. Slots that fit count for the ones after them (a series' occurrences).
 * Call it in the transaction of the write: it takes the members' write locks (taken already by
 * every booking path that seats them, so mostly free; see bookings/repository.ts writeLockKeys), so
 * two writes for one member are checked one after the other and cannot both use the last hour.
 */
export async function findQuotaExcesses(
  tx: Queryable,
  siteId: string,
  check: QuotaCheck,
): Promise<(QuotaRefusal | null)[]> {
  const answer: (QuotaRefusal | null)[] = check.slots.map(() => null);
  const people = [check.organizerId, ...check.participantIds.filter((m) => m !== check.organizerId)];
  const { timeZone, rules } = await repo.applicableRules(tx, siteId, [...new Set(people)], check.spaceId);
  // Participants count only where the rule says so.
  const relevant = rules.filter((r) => r.appliesTo === check.organizerId || r.countParticipants);
  if (relevant.length === 0 || check.slots.length === 0) return answer;
  const byMember = new Map<string, repo.ApplicableRuleRow[]>();
  for (const r of relevant) byMember.set(r.appliesTo, [...(byMember.get(r.appliesTo) ?? []), r]);
  await lockForBookingWrite(tx, siteId, [], [...byMember.keys()]);
  const counted = new Map<string, (Interval & { ruleIds: Set<string> })[]>();
  for (const [memberId, own] of byMember) {
    // Every period any slot falls in, for every rule of the member.
    let from = Number.POSITIVE_INFINITY;
    let to = Number.NEGATIVE_INFINITY;
    for (const r of own)
      for (const s of check.slots) {
        const p = periodOf(s.start, r.period, timeZone);
        from = Math.min(from, p.start.getTime());
        to = Math.max(to, p.end.getTime());
      }
    const rows = await repo.countedSessions(
      tx,
      siteId,
      memberId,
      new Date(from),
      new Date(to),
      check.exceptIds ?? [],
    );
    counted.set(
      memberId,
      rows.map((b) => ({
        start: new Date(b.start),
        end: new Date(b.end),
        ruleIds: new Set(
          own
            .filter(
              (r) =>
                (b.organizer || r.countParticipants) &&
                (r.spaceId ? r.spaceId === b.spaceId : r.spaceKind ? r.spaceKind === b.kind : true),
            )
            .map((r) => r.id),
        ),
      })),
    );
  }
  check.slots.forEach((slot, i) => {
    for (const [memberId, own] of byMember) {
      const excess = findExcess(own.map(toRule), counted.get(memberId)!, slot, timeZone);
      if (excess) {
        answer[i] = refusalOf(excess, { id: memberId, displayName: own[0]!.appliesToName }, timeZone);
        return;
      }
    }
    // It fits: it counts, in this space, for every rule of those it counts for.
    for (const [memberId, own] of byMember)
      counted.get(memberId)!.push({ ...slot, ruleIds: new Set(own.map((r) => r.id)) });
  });
  return answer;
}

/**
 * A refusal as `viewer` may see it: what another member has used (their sessions, private ones
 * included) is told only to them and to admins; the rule and that it is reached are told to all.
 */
export function refusalFor(refusal: QuotaRefusal, viewer: Actor): QuotaRefusal {
  if (viewer.role === 'admin' || viewer.memberId === refusal.member.id) return refusal;
  return { ...refusal, used: null, remaining: null };
}

/** The 422 of a session over quota, naming the rule, what is used and what remains. */
export function quotaRefused(refusal: QuotaRefusal, field: string): AppError {
  const unit = refusal.rule.metric === 'hours' ? 'hours' : 'sessions';
  const use =
    refusal.used === null
      ? 'reached'
      : `${refusal.used} used, ${refusal.remaining} remaining, ${refusal.wanted} asked`;
  return new AppError(
    'quota-exceeded',
    `Over the quota "${refusal.rule.name}" of ${refusal.member.displayName}: at most ${refusal.rule.maximum} ${unit} a ${refusal.rule.period}; ${use}`,
    { field, ...refusal },
  );
}

/**
 * Refuses one session over quota (422 quota-exceeded), unless an admin gives a reason to exceed
 * it: then the excess is audited as a quota.exceeded event, in the transaction of the write.
 */
export async function enforceQuota(
  tx: Queryable,
  ctx: Ctx,
  check: QuotaCheck & { bookingId: string },
  exceedReason: string | undefined,
  field = 'body.start',
): Promise<void> {
  const [refusal] = await findQuotaExcesses(tx, ctx.actor.siteId, check);
  if (!refusal) return;
  if (exceedReason === undefined) throw quotaRefused(refusalFor(refusal, ctx.actor), field);
  await insertEvent(tx, {
    siteId: ctx.actor.siteId,
    actorId: ctx.actor.memberId,
    type: 'quota.exceeded',
    subjectType: 'booking',
    subjectId: check.bookingId,
    after: refusal,
    reason: exceedReason,
  });
}

/** Checks the leave to exceed a quota: admins only, with a reason. */
export function checkQuotaReason(ctx: Ctx, reason: unknown, field: string): string | undefined {
  if (reason === undefined) return undefined;
  const text = typeof reason === 'string' ? reason.trim() : '';
  if (text.length < 1 || text.length > 500)
    throw invalid(field, 'The reason to exceed a quota must be 1 to 500 characters');
  if (ctx.actor.role !== 'admin')
    throw new AppError('forbidden', 'Only an admin may exceed a quota', { field });
  return text;
}

/** A rule that applies to the caller and how much of it is used in the current period. */
export type QuotaUsage = Static<typeof QuotaUsageSchema>;

/** The caller's quotas now: every rule that applies to them, with what is used and what remains. */
export async function myQuota(ctx: Ctx): Promise<QuotaUsage[]> {
  const { siteId, memberId } = ctx.actor;
  const now = ctx.clock.now();
  const { timeZone, rules } = await repo.applicableRules(ctx.db, siteId, [memberId], null);
  const out: QuotaUsage[] = [];
  for (const r of rules) {
    const period = periodOf(now, r.period, timeZone);
    const rows = await repo.countedSessions(ctx.db, siteId, memberId, period.start, period.end, []);
    const rule = toRule(r);
    const mine = rows
      .filter(
        (b) =>
          (b.organizer || r.countParticipants) &&
          (r.spaceId ? r.spaceId === b.spaceId : r.spaceKind ? r.spaceKind === b.kind : true),
      )
      .map((b) => ({ start: new Date(b.start), end: new Date(b.end), ruleIds: new Set([r.id]) }));
    const windows = windowsFor(rule, period.start, new Date(period.end.getTime() + 2 * 86_400_000), timeZone);
    let used = 0;
    for (const b of mine) used += amountIn(rule, b, windows);
    out.push({
      rule: presentRule(r),
      used: round(used),
      remaining: round(Math.max(0, rule.maximum - used)),
      periodStart: formatInZone(period.start, timeZone),
      periodEnd: formatInZone(period.end, timeZone),
    });
  }
  out.sort((a, b) => a.remaining / a.rule.maximum - b.remaining / b.rule.maximum);
  return out;
}
