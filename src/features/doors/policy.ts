import { localDateTime } from '../../domain/time.ts';
import type { Actor } from '../context.ts';
import type { AccessFacts, DoorRow } from './repository.ts';

/** Why a door opens for a member, or why it does not. */
export type DoorGrant =
  | { allowed: true; as: 'owner' | 'booking' | 'guest' | 'admin' }
  | {
      allowed: false;
      /** A stable word for clients: no-booking, window-not-open, not-a-guest, reason-required. */
      why: 'no-booking' | 'window-not-open' | 'not-a-guest' | 'reason-required';
      detail: string;
    };

/**
 * Who may lock or unlock a door now: the space's owner at any time; the people of an active
 * booking of the space from its check-in window until its end; the owner's guests during the
 * owner's booking or within their own window; admins at any time with a reason. `facts` are read
 * from the bookings at the moment of the request, so a cancel or a move takes effect at once.
 */
export function decideDoorAccess(
  actor: Actor,
  door: DoorRow,
  facts: AccessFacts,
  now: Date,
  reason: string | undefined,
): DoorGrant {
  const at = (d: Date) => localDateTime(d, door.timeZone).replace('T', ' ');
  if (door.ownerId === actor.memberId) return { allowed: true, as: 'owner' };
  if (facts.inBooking) return { allowed: true, as: 'booking' };
  const g = facts.guest;
  if (g) {
    const inWindow = g.from && g.until ? g.from <= now && now < g.until : facts.ownerInBooking;
    if (inWindow) return { allowed: true, as: 'guest' };
  }
  if (actor.role === 'admin') {
    if (reason?.trim()) return { allowed: true, as: 'admin' };
    return {
      allowed: false,
      why: 'reason-required',
      detail: `An admin opening ${door.spaceName} without a booking there must give a reason`,
    };
  }
  if (facts.nextWindow)
    return {
      allowed: false,
      why: 'window-not-open',
      detail: `Your booking of ${door.spaceName} opens its door at ${at(facts.nextWindow)}`,
    };
  if (g)
    return {
      allowed: false,
      why: 'not-a-guest',
      detail:
        g.from && g.until
          ? `Your guest pass for ${door.spaceName} is for ${at(g.from)} to ${at(g.until)}`
          : `You are a guest of ${door.spaceName} only while its owner has a booking there`,
    };
  if (door.ownerId)
    return {
      allowed: false,
      why: 'not-a-guest',
      detail: `${door.spaceName} opens only to its owner, their guests and the people of a booking there now; you have no booking there now`,
    };
  return { allowed: false, why: 'no-booking', detail: `You have no booking of ${door.spaceName} now` };
}

/** Owners and admins see a door's whole record (requests, events, alarms, guests); others their own part. */
export function seesWholeDoor(actor: Actor, door: Pick<DoorRow, 'ownerId'>): boolean {
  return actor.role === 'admin' || door.ownerId === actor.memberId;
}

/** A private cabin's door: its space is a cabin, or booked only by its owner (as bookings' privacy has it). */
export function isPrivateDoor(door: Pick<DoorRow, 'spaceKind' | 'spaceAccess'>): boolean {
  return door.spaceKind === 'cabin' || door.spaceAccess === 'owner';
}

/**
 * Who sees a door's lock state, contact and availability (and so when people come and go): anyone
 * for a shared space; for a private cabin only those who may open it now (owner, current guests,
 * the people of a booking there in its window) and those who manage it (owner, admins).
 */
export function seesDoorState(
  actor: Actor,
  door: Pick<DoorRow, 'ownerId' | 'spaceKind' | 'spaceAccess'>,
  grant: DoorGrant,
): boolean {
  return !isPrivateDoor(door) || seesWholeDoor(actor, door) || grant.allowed;
}

/** Guests are set by the space's owner (or an admin). */
export function managesGuests(actor: Actor, door: Pick<DoorRow, 'ownerId'>): boolean {
  return actor.role === 'admin' || (door.ownerId !== null && door.ownerId === actor.memberId);
}
