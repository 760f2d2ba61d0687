import { AppError } from '../../http/errors.ts';
import { canSeeDetails, mayManage } from '../bookings/policy.ts';
import { activeStatuses, type BookingRow } from '../bookings/repository.ts';
import type { Actor } from '../context.ts';

/** Who may move a booking, and in which states: the service's checks and the answer's `can.move`. */

/** A private booking the caller may not see is not found by a move (rather than forbidden). */
export function mayFindToMove(actor: Actor, b: BookingRow): boolean {
  return canSeeDetails(actor, b);
}

/** Why the booking's state refuses a move: only an active one (confirmed or under way) moves. */
export function moveStateRefusal(b: Pick<BookingRow, 'status'>): AppError | undefined {
  if (activeStatuses.includes(b.status)) return undefined;
  return new AppError('invalid-state', `A ${b.status} booking cannot be moved`);
}

/** Whether the caller may move the booking now (an admin moving someone else's gives a reason). */
export function canMove(actor: Actor, b: BookingRow): boolean {
  return mayFindToMove(actor, b) && mayManage(actor, b) && moveStateRefusal(b) === undefined;
}
