import { mayBook } from '../bookings/policy.ts';
import type { Actor } from '../context.ts';
import { mayAdminister } from '../policy.ts';
import type { SpaceRow } from './repository.ts';

/** What the caller may do to a space: the same functions its service and createBooking authorize with. */
export function spaceCan(actor: Actor, s: SpaceRow): { edit: boolean; book: boolean } {
  return {
    edit: mayAdminister(actor),
    book: mayBook(actor, {
      access: s.access,
      allowedRoles: s.allowedRoles,
      allowedSquads: s.allowedSquadIds,
      ownerId: s.ownerId,
    }),
  };
}
