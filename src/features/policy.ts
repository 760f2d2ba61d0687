import { AppError } from '../http/errors.ts';
import type { Actor } from './context.ts';

/** Site administration (spaces, members, squads, doors) is for admins. */
export function mayAdminister(actor: Actor): boolean {
  return actor.role === 'admin';
}

/** Throws unless the caller may administer the site (mayAdminister). */
export function requireAdmin(actor: Actor): void {
  if (!mayAdminister(actor)) throw new AppError('forbidden', 'Only an admin may do this');
}
