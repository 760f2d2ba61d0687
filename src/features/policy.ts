import { AppError } from '../http/errors.ts';
import type { Actor } from './context.ts';

/** Site administration (spaces, members, squads) is for admins. */
export function requireAdmin(actor: Actor): void {
  if (actor.role !== 'admin') throw new AppError('forbidden', 'Only an admin may do this');
}
