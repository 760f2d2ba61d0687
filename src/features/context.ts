import type { Db, Tx } from '../db/store.ts';
import type { Clock } from '../domain/clock.ts';

/** Who is acting: resolved from a session or token by the HTTP layer, or built by the CLI. */
export interface Actor {
  siteId: string;
  memberId: string;
  role: 'admin' | 'member';
  /** Squads the actor belongs to, and the subset they lead. */
  squadIds: string[];
  leaderOf: string[];
  /** Set after an admin reset the password: only changing it (and signing out) is allowed. */
  mustChangePassword?: boolean;
}

/** What every use-case receives: the store (or the transaction it joins), the clock, the caller. */
export interface Ctx {
  db: Db | Tx;
  clock: Clock;
  actor: Actor;
}

/** A system actor for jobs, the CLI's offline commands and first start. */
export function systemActor(siteId: string, memberId: string): Actor {
  return { siteId, memberId, role: 'admin', squadIds: [], leaderOf: [] };
}
