import type { Static } from 'typebox';
import { isUuid } from '../../domain/ids.ts';
import {
  formatRRule,
  type Pattern,
  parseRRule,
  parseStartTime,
  type RecurrenceRule,
} from '../../domain/recurrence.ts';
import { parseInstant } from '../../domain/time.ts';
import type { Ctx } from '../context.ts';
import { requireSelfOrAdmin } from '../disciplines/service.ts';
import { AppError, invalid } from '../errors.ts';
import { insertEvent } from '../events/repository.ts';
import { findMember } from '../members/repository.ts';
import { checkText } from '../text.ts';
import * as repo from './repository.ts';
import type { DutyShift, Leave, Roster } from './schema.ts';

/**
 * Duty rosters: recurring duty shifts a member (or an admin for them) declares — an RRULE, a
 * local start and a duration in the site's zone, expanded like series — and one-off leave. Both
 * count as busy time. A member's roster is seen by the member and admins; others see only that
 * the member is busy (through free time).
 */

export type DutyShiftView = Static<typeof DutyShift>;
export type LeaveView = Static<typeof Leave>;
export type RosterView = Static<typeof Roster>;

const presentShift = (s: repo.DutyShiftRow): DutyShiftView => ({
  id: s.id,
  memberId: s.memberId,
  title: s.title,
  rrule: s.rrule,
  startDate: s.startDate,
  startTime: s.startTime,
  durationMinutes: s.durationMinutes,
  timeZone: s.timeZone,
});

const presentLeave = (l: repo.LeaveRow): LeaveView => ({
  id: l.id,
  memberId: l.memberId,
  start: new Date(l.start).toISOString(),
  end: new Date(l.end).toISOString(),
  reason: l.reason,
});

// Stored rules were validated on write and are few and shared: parse each text once.
const parsed = new Map<string, RecurrenceRule>();

/** A stored shift as a recurrence pattern (domain/recurrence.ts). */
export function shiftPattern(s: repo.DutyShiftRow): Pattern {
  let rule = parsed.get(s.rrule);
  if (!rule) {
    if (parsed.size >= 10_000) parsed.clear();
    rule = parseRRule(s.rrule);
    parsed.set(s.rrule, rule);
  }
  return {
    rule,
    startDate: s.startDate,
    startTime: s.startTime,
    durationMinutes: s.durationMinutes,
    timeZone: s.timeZone,
  };
}

async function requireMember(ctx: Ctx, memberId: string): Promise<void> {
  if (!isUuid(memberId) || !(await findMember(ctx.db, ctx.actor.siteId, memberId)))
    throw new AppError('not-found', 'No such member', { field: 'path.id' });
}

const text = (value: unknown, field: string, max: number, min: number) =>
  checkText(value, field, { min, max, name: true });

export async function getRoster(ctx: Ctx, memberId: string): Promise<RosterView> {
  requireSelfOrAdmin(ctx, memberId);
  await requireMember(ctx, memberId);
  return {
    dutyShifts: (await repo.listDutyShifts(ctx.db, ctx.actor.siteId, [memberId])).map(presentShift),
    leave: (await repo.listLeave(ctx.db, ctx.actor.siteId, [memberId])).map(presentLeave),
  };
}

export interface DutyShiftInput {
  title: string;
  rrule: string;
  startDate: string;
  startTime: string;
  durationMinutes: number;
}

export async function addDutyShift(
  ctx: Ctx,
  memberId: string,
  input: DutyShiftInput,
): Promise<DutyShiftView> {
  requireSelfOrAdmin(ctx, memberId);
  const title = text(input.title, 'body.title', 200, 1);
  const rule = parseRRule(typeof input.rrule === 'string' ? input.rrule : '', 'body.rrule');
  if (
    typeof input.startDate !== 'string' ||
    !/^\d{4}-\d{2}-\d{2}$/.test(input.startDate) ||
    Number.isNaN(new Date(`${input.startDate}T00:00:00Z`).getTime()) ||
    new Date(`${input.startDate}T00:00:00Z`).toISOString().slice(0, 10) !== input.startDate
  )
    throw invalid('body.startDate', 'startDate must be a real date, YYYY-MM-DD');
  parseStartTime(typeof input.startTime === 'string' ? input.startTime : '', 'body.startTime');
  if (!Number.isInteger(input.durationMinutes) || input.durationMinutes < 1 || input.durationMinutes > 1440)
    throw invalid('body.durationMinutes', 'durationMinutes must be a whole number from 1 to 1440');
  return ctx.db.transaction(async (tx) => {
    await requireMember({ ...ctx, db: tx }, memberId);
    const row = {
      memberId,
      title,
      rrule: formatRRule(rule),
      startDate: input.startDate,
      startTime: input.startTime,
      durationMinutes: input.durationMinutes,
      timeZone: await repo.siteZone(tx, ctx.actor.siteId),
      createdBy: ctx.actor.memberId,
    };
    const id = await repo.insertDutyShift(tx, ctx.actor.siteId, row);
    const view = presentShift({ ...row, id, createdAt: ctx.clock.now() });
    await insertEvent(tx, {
      siteId: ctx.actor.siteId,
      actorId: ctx.actor.memberId,
      type: 'duty-shift.created',
      subjectType: 'member',
      subjectId: memberId,
      after: view,
    });
    return view;
  });
}

export async function removeDutyShift(ctx: Ctx, id: string): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    const row = isUuid(id) ? await repo.findDutyShift(tx, ctx.actor.siteId, id) : undefined;
    if (!row || (row.memberId !== ctx.actor.memberId && ctx.actor.role !== 'admin'))
      throw new AppError('not-found', 'No such duty shift', { field: 'path.id' });
    await repo.deleteDutyShift(tx, ctx.actor.siteId, id);
    await insertEvent(tx, {
      siteId: ctx.actor.siteId,
      actorId: ctx.actor.memberId,
      type: 'duty-shift.deleted',
      subjectType: 'member',
      subjectId: row.memberId,
      before: presentShift(row),
    });
  });
}

export async function addLeave(
  ctx: Ctx,
  memberId: string,
  input: { start: string; end: string; reason?: string | undefined },
): Promise<LeaveView> {
  requireSelfOrAdmin(ctx, memberId);
  const start = typeof input.start === 'string' ? parseInstant(input.start) : undefined;
  if (!start) throw invalid('body.start', 'body.start must be an RFC 3339 instant with an offset');
  const end = typeof input.end === 'string' ? parseInstant(input.end) : undefined;
  if (!end) throw invalid('body.end', 'body.end must be an RFC 3339 instant with an offset');
  if (end.getTime() <= start.getTime()) throw invalid('body.end', 'body.end must be after body.start');
  if (Math.abs(start.getTime() - ctx.clock.now().getTime()) > 5 * 366 * 86_400_000)
    throw invalid('body.start', 'Leave starts within five years of now');
  if (end.getTime() - start.getTime() > 366 * 86_400_000)
    throw invalid('body.end', 'Leave lasts at most a year; declare longer leave in parts');
  const reason = input.reason === undefined ? '' : text(input.reason, 'body.reason', 500, 0);
  return ctx.db.transaction(async (tx) => {
    await requireMember({ ...ctx, db: tx }, memberId);
    const row = { memberId, start, end, reason, createdBy: ctx.actor.memberId };
    const id = await repo.insertLeave(tx, ctx.actor.siteId, row);
    const view = presentLeave({ ...row, id });
    await insertEvent(tx, {
      siteId: ctx.actor.siteId,
      actorId: ctx.actor.memberId,
      type: 'leave.created',
      subjectType: 'member',
      subjectId: memberId,
      after: view,
    });
    return view;
  });
}

export async function removeLeave(ctx: Ctx, id: string): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    const row = isUuid(id) ? await repo.findLeave(tx, ctx.actor.siteId, id) : undefined;
    if (!row || (row.memberId !== ctx.actor.memberId && ctx.actor.role !== 'admin'))
      throw new AppError('not-found', 'No such leave', { field: 'path.id' });
    await repo.deleteLeave(tx, ctx.actor.siteId, id);
    await insertEvent(tx, {
      siteId: ctx.actor.siteId,
      actorId: ctx.actor.memberId,
      type: 'leave.deleted',
      subjectType: 'member',
      subjectId: row.memberId,
      before: presentLeave(row),
    });
  });
}
