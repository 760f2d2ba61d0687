import type { Queryable } from '../../db/store.ts';
import { withinOne } from '../../domain/intervals.ts';
import { openPeriods } from '../../domain/opening-hours.ts';
import type { Actor } from '../context.ts';
import { AppError, ruleViolation } from '../errors.ts';
import { mayBook } from './policy.ts';
import * as repo from './repository.ts';

/**
 * The booking rules, one copy for single bookings, changes, moves and series occurrences, so that
 * a new rule applies to all of them. Each refusal is a rule-violation naming the rule and a field.
 */

/** A grace for "now": a booking that starts within the last minute is not "in the past". */
export const pastGraceMs = 60_000;

export interface Slot {
  start: Date;
  end: Date;
  headcount: number;
}

/** Which rules to check; a change checks only those that what it changes can break. */
export interface RuleSelection {
  /** Who may book the space. */
  access?: boolean;
  /** Capacity. */
  headcount?: boolean;
  /** Length and opening hours. */
  time?: boolean;
  /** Not in the past (unless allowPast) and within the horizon. */
  start?: boolean;
  allowPast?: boolean;
}

/** The request fields a refusal names: a series or a move words its body differently. */
export interface RuleFields {
  space: string;
  headcount: string;
  start: string;
  end: string;
}

export const bookingFields: RuleFields = {
  space: 'body.spaceId',
  headcount: 'body.headcount',
  start: 'body.start',
  end: 'body.end',
};

/** Checks the rules that do not depend on other bookings; throws the first refusal. */
export function checkBookingRules(
  actor: Actor,
  space: repo.SpaceRules,
  slot: Slot,
  now: Date,
  what: RuleSelection,
  fields: RuleFields = bookingFields,
): void {
  if (what.access && !mayBook(actor, space))
    throw ruleViolation('access', fields.space, 'You may not book this space');
  if (what.headcount && slot.headcount > space.capacity)
    throw ruleViolation(
      'capacity',
      fields.headcount,
      `headcount ${slot.headcount} is more than the space holds (${space.capacity})`,
    );
  if (what.time) {
    const minutes = (slot.end.getTime() - slot.start.getTime()) / 60_000;
    if (minutes < space.minMinutes)
      throw ruleViolation(
        'min-length',
        fields.end,
        `A booking of this space lasts at least ${space.minMinutes} minutes`,
      );
    if (minutes > space.maxMinutes)
      throw ruleViolation(
        'max-length',
        fields.end,
        `A booking of this space lasts at most ${space.maxMinutes} minutes`,
      );
    const range = { start: slot.start.getTime(), end: slot.end.getTime() };
    if (
      space.openingHours !== null &&
      !withinOne(openPeriods(space.openingHours, space.timeZone, range), range)
    )
      throw ruleViolation(
        'opening-hours',
        fields.start,
        'The booking must lie within one opening period of the space (in the site time zone)',
      );
  }
  if (what.start) {
    if (!what.allowPast && slot.start.getTime() < now.getTime() - pastGraceMs)
      throw ruleViolation('past', fields.start, 'The booking would start in the past');
    if (slot.start.getTime() > now.getTime() + space.horizonDays * 86_400_000)
      throw ruleViolation(
        'horizon',
        fields.start,
        `Bookings may start at most ${space.horizonDays} days ahead`,
      );
  }
}

/** Refuses ids that were asked for but not found in the site. */
export function refuseUnknownParticipants(
  asked: readonly string[] | undefined,
  found: ReadonlySet<string>,
  what: 'members' | 'squads',
): void {
  const unknown = (asked ?? []).filter((id) => !found.has(id));
  if (unknown.length > 0)
    throw ruleViolation(
      'participants',
      `body.participants.${what}`,
      `No such ${what} in this site: ${unknown.join(', ')}`,
    );
}

/** Participants must be members and squads of the site. */
export async function checkParticipants(
  db: Queryable,
  siteId: string,
  members: readonly string[] | undefined,
  squads: readonly string[] | undefined,
): Promise<void> {
  if (!members?.length && !squads?.length) return;
  const found = await repo.existingParticipants(db, siteId, [...(members ?? [])], [...(squads ?? [])]);
  refuseUnknownParticipants(members, found.members, 'members');
  refuseUnknownParticipants(squads, found.squads, 'squads');
}

/** Only an admin may seat someone in two overlapping sessions (a briefing during a session). */
export function checkMemberOverlapAllowed(actor: Actor, allow: boolean | undefined, field: string): boolean {
  if (allow === undefined || allow === false) return false;
  if (allow !== true) throw new AppError('validation', `${field} must be true or false`, { field });
  if (actor.role !== 'admin')
    throw new AppError('forbidden', 'Only an admin may put a member in two sessions at once', { field });
  return true;
}

/** What a booking write seats where: the spaces it writes into and everyone taking part. */
export interface Seating {
  spaceIds: readonly string[];
  memberIds: readonly string[];
  slots: readonly { start: Date; end: Date }[];
  /** The bookings being changed (a move or PATCH does not conflict with itself). */
  exceptIds?: readonly string[];
  /** An admin's explicit leave to overlap: no member locks, no member check. */
  allowMemberOverlap: boolean;
}

/**
 * Takes the write locks of the seating (the spaces, then the members: see writeLockKeys for the
 * order) in the transaction `tx`. Under them, what findSeatingConflicts and a check of the slot
 * answer holds until the transaction commits, whatever the concurrency.
 */
export async function lockSeating(tx: Queryable, siteId: string, seat: Seating): Promise<void> {
  const memberIds = seat.allowMemberOverlap ? [] : [...new Set(seat.memberIds)];
  await repo.lockForBookingWrite(tx, siteId, seat.spaceIds, memberIds);
}

/** Who of the seating's members is already in an overlapping active session (none when allowed). */
export async function findSeatingConflicts(
  tx: Queryable,
  siteId: string,
  seat: Seating,
): Promise<repo.MemberConflictRow[]> {
  if (seat.allowMemberOverlap) return [];
  const memberIds = [...new Set(seat.memberIds)];
  return repo.findMemberConflicts(tx, siteId, memberIds, seat.slots, seat.exceptIds ?? []);
}

/** lockSeating, then findSeatingConflicts: for writes that have no slot of their own to check first. */
export async function lockAndCheckSeating(
  tx: Queryable,
  siteId: string,
  seat: Seating,
): Promise<repo.MemberConflictRow[]> {
  await lockSeating(tx, siteId, seat);
  return findSeatingConflicts(tx, siteId, seat);
}
