import { AppError, ruleViolation } from '../../http/errors.ts';
import type { Actor } from '../context.ts';
import { activeStatuses, type BookingRow, type SpaceRules } from './repository.ts';

/**
 * Who may do what with bookings. Everyone in the site may read bookings (other sites' are
 * simply not found); private ones show only "busy" to members who are not involved.
 */

/** Organizer, a listed participant, or a member of a listed squad. */
export function isInvolved(actor: Actor, b: Pick<BookingRow, 'organizerId' | 'members' | 'squads'>): boolean {
  return (
    b.organizerId === actor.memberId ||
    b.members.some((m) => m.id === actor.memberId) ||
    b.squads.some((s) => actor.squadIds.includes(s.id) || actor.leaderOf.includes(s.id))
  );
}

/**
 * Whether the caller sees a booking's details (organizer, participants, the owner of its space,
 * admins); otherwise it is shown as "busy". bookings/repository.ts listBookings says the same in SQL
 * for filters on people.
 */
export function canSeeDetails(actor: Actor, b: BookingRow): boolean {
  return (
    b.visibility === 'public' ||
    actor.role === 'admin' ||
    isInvolved(actor, b) ||
    (b.spaceOwnerId !== null && b.spaceOwnerId === actor.memberId)
  );
}

/**
 * Organizers manage their own bookings, squad leaders the bookings that include a squad they lead,
 * admins all (with a reason when it is someone else's: see authorizeManage).
 */
export function mayManage(actor: Actor, b: Pick<BookingRow, 'organizerId' | 'squads'>): boolean {
  return (
    b.organizerId === actor.memberId ||
    b.squads.some((s) => actor.leaderOf.includes(s.id)) ||
    actor.role === 'admin'
  );
}

/**
 * May the caller change or cancel the booking (mayManage)? An admin acting on someone else's
 * booking must give a reason, which the event records. Throws when not allowed.
 */
export function authorizeManage(actor: Actor, b: BookingRow, reason: string | undefined): void {
  if (b.organizerId === actor.memberId) return;
  if (b.squads.some((s) => actor.leaderOf.includes(s.id))) return;
  if (mayManage(actor, b)) {
    if (!reason?.trim())
      throw ruleViolation(
        'reason-required',
        'body.reason',
        "An admin changing someone else's booking must give a reason",
      );
    return;
  }
  throw new AppError(
    'forbidden',
    'Only the organizer, a leader of its squad or an admin may change this booking',
  );
}

/** Why the booking's state refuses a change (PATCH): only an active booking can be changed. */
export function editStateRefusal(b: Pick<BookingRow, 'status'>): AppError | undefined {
  if (activeStatuses.includes(b.status)) return undefined;
  return new AppError('invalid-state', `A ${b.status} booking cannot be changed`);
}

/** Why the booking's state refuses a cancellation: only a confirmed one (not begun) can be cancelled. */
export function cancelStateRefusal(b: Pick<BookingRow, 'status'>): AppError | undefined {
  if (b.status === 'confirmed') return undefined;
  return new AppError('invalid-state', `A ${b.status} booking cannot be cancelled`);
}

/** "Same time tomorrow": for its people and admins (others do not even find the booking). */
export function mayRepeat(actor: Actor, b: BookingRow): boolean {
  return actor.role === 'admin' || isInvolved(actor, b);
}

/** What the caller may do to a booking, as far as the booking itself says (no time involved). */
export function canEdit(actor: Actor, b: BookingRow): boolean {
  return mayManage(actor, b) && editStateRefusal(b) === undefined;
}

export function canCancel(actor: Actor, b: BookingRow): boolean {
  return mayManage(actor, b) && cancelStateRefusal(b) === undefined;
}

/** Who may book a space: everyone; some roles or squads; or for an owned cabin its owner. Admins always. */
export function mayBook(
  actor: Actor,
  space: Pick<SpaceRules, 'access' | 'allowedRoles' | 'allowedSquads' | 'ownerId'>,
): boolean {
  if (actor.role === 'admin') return true;
  switch (space.access) {
    case 'everyone':
      return true;
    case 'restricted':
      return (
        space.allowedRoles.includes(actor.role) ||
        space.allowedSquads.some((s) => actor.squadIds.includes(s) || actor.leaderOf.includes(s))
      );
    case 'owner':
      return space.ownerId === actor.memberId;
  }
}
