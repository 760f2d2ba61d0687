import type { FastifyBaseLogger } from 'fastify';
import type { Deps } from '../http/deps.ts';

/**
 * The contract between server.ts and what runs alongside it. Its own module so that the hooks
 * (jobs/hook.ts, jobs/integrations.ts, features/doors/hook.ts) need not import server.ts, which
 * imports them: no cycle, not even a type-only one.
 */

/** What a start/stop hook is given: the running app's store, clock, config and logger. */
export interface HookContext extends Deps {
  log: FastifyBaseLogger;
}

/**
 * Something that runs alongside the server (the scheduler, deliveries): started once the store is
 * migrated and the app built, stopped before the store closes. Later issues append theirs here.
 */
export interface ServerHook {
  name: string;
  start(ctx: HookContext): Promise<void> | void;
  stop(): Promise<void> | void;
}
