import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyRequest,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { Config } from '../config.ts';
import type { Db, Tx } from '../db/store.ts';
import type { Clock } from '../domain/clock.ts';
import type { Actor, Ctx } from '../features/context.ts';
import { AppError } from '../features/errors.ts';

/** What the HTTP layer is built from. */
export interface Deps {
  db: Db;
  clock: Clock;
  config: Config;
}

/** The Fastify instance with TypeBox types, as every routes module receives it. */
export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

declare module 'fastify' {
  interface FastifyRequest {
    actor?: Actor & { tokenId: string };
  }
  interface FastifyContextConfig {
    /** Routes reachable without a session or token. */
    public?: boolean;
  }
}

/** The use-case context of an authenticated request; `db` may be a transaction to join. */
export function ctxOf(request: FastifyRequest, deps: Deps, db: Db | Tx = deps.db): Ctx {
  if (!request.actor) throw new AppError('unauthenticated', 'Sign in or send a bearer token');
  return { db, clock: deps.clock, actor: request.actor };
}
