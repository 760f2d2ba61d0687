import { isInvolved } from '../bookings/policy.ts';
import type { BookingRow } from '../bookings/repository.ts';
import type { Actor } from '../context.ts';

/** Who may check in and out, and when: the service's checks and the answer's `can.checkIn`/`checkOut`. */

/** Members of the booking (organizer, participants, squad members) and admins; others do not find it. */
export function mayAttend(actor: Actor, b: BookingRow): boolean {
  return actor.role === 'admin' || isInvolved(actor, b);
}

/**
 * Where `now` stands for checking in: `open` from the space's check-in window before the start until
 * the end; `not-confirmed` when the booking is already checked in, completed, cancelled or released.
 * An open window can still meet a group holding the space (an expected refusal with when it frees).
 */
export type CheckInWindow = 'open' | 'not-open' | 'ended' | 'not-confirmed';

export function checkInWindow(
  b: Pick<BookingRow, 'status' | 'start' | 'end'>,
  now: Date,
  openMinutes: number,
): CheckInWindow {
  if (b.status !== 'confirmed') return 'not-confirmed';
  if (now.getTime() >= new Date(b.end).getTime()) return 'ended';
  const opensAt = new Date(b.start).getTime() - openMinutes * 60_000;
  if (now.getTime() < opensAt) return 'not-open';
  return 'open';
}

export function canCheckIn(actor: Actor, b: BookingRow, now: Date): boolean {
  return mayAttend(actor, b) && checkInWindow(b, now, b.checkinOpenMinutes) === 'open';
}

/** Only a checked-in booking can be checked out. */
export function canCheckOut(actor: Actor, b: BookingRow): boolean {
  return mayAttend(actor, b) && b.status === 'checked_in';
}
