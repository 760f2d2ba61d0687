import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { publicHost } from '../../config.ts';
import { type App, ctxOf, type Deps } from '../../http/deps.ts';
import { answerPost } from '../../http/idempotency.ts';
import { errorResponses, IdParams } from '../../http/schemas.ts';
import { AppError } from '../errors.ts';
import { Feed, FeedCreated, NewFeed } from './schema.ts';
import { createFeed, feedCalendar, listFeeds, revokeFeed, rotateFeed } from './service.ts';

/** The server's address as clients reach it: SHIPSHAPE_PUBLIC_URL, else the request's own. */
function baseUrl(request: FastifyRequest, deps: Deps): string {
  return deps.config.publicUrl ?? `${request.protocol}://${request.host}`;
}

function links(request: FastifyRequest, deps: Deps, token: string) {
  const url = `${baseUrl(request, deps)}/ical/${token}.ics`;
  return { url, webcal: url.replace(/^https?:/, 'webcal:') };
}

/** Feed management under /api/v1/feeds (the caller's own feeds). */
export default async function feedsRoutes(app: App, deps: Deps): Promise<void> {
  app.get(
    '/feeds',
    {
      schema: {
        tags: ['feeds'],
        summary: "The caller's calendar feeds (without their secrets)",
        response: { 200: Type.Object({ items: Type.Array(Feed) }), ...errorResponses },
      },
    },
    async (request) => ({ items: await listFeeds(ctxOf(request, deps)) }),
  );

  app.post(
    '/feeds',
    {
      schema: {
        tags: ['feeds'],
        summary: 'Make a secret calendar feed URL: my sessions (member), a space or a squad',
        body: NewFeed,
        response: { 201: FeedCreated, ...errorResponses },
      },
    },
    async (request, reply) =>
      answerPost(request, reply, deps, async (tx) => {
        const made = await createFeed(ctxOf(request, deps, tx), request.body);
        return { status: 201, body: { ...made, ...links(request, deps, made.token) } };
      }),
  );

  app.post(
    '/feeds/:id/rotate',
    {
      schema: {
        tags: ['feeds'],
        summary: 'Replace the feed URL by a new one; the old one stops working',
        params: IdParams,
        response: { 201: FeedCreated, ...errorResponses },
      },
    },
    async (request, reply) =>
      answerPost(request, reply, deps, async (tx) => {
        const made = await rotateFeed(ctxOf(request, deps, tx), request.params.id);
        return { status: 201, body: { ...made, ...links(request, deps, made.token) } };
      }),
  );

  app.delete(
    '/feeds/:id',
    {
      schema: {
        tags: ['feeds'],
        summary: 'Revoke a feed URL',
        params: IdParams,
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await revokeFeed(ctxOf(request, deps), request.params.id);
      return reply.status(204).send(null);
    },
  );
}

/** GET /ical/{token}.ics: no login, the token is the credential; rate-limited per token. */
export async function feedDownloadRoutes(app: App, deps: Deps): Promise<void> {
  const tokenOf = (request: FastifyRequest) =>
    String((request.params as { file?: string }).file ?? '').replace(/\.ics$/, '');
  app.get(
    '/ical/:file',
    {
      config: {
        public: true,
        rateLimit: {
          max: deps.config.feedRateLimit,
          timeWindow: 60_000,
          keyGenerator: (request: FastifyRequest) => `feed:${tokenOf(request)}`,
        },
      },
      schema: {
        tags: ['feeds'],
        summary: 'A calendar feed (text/calendar); the token is the credential',
        params: Type.Object({ file: Type.String({ maxLength: 120, description: '{token}.ics' }) }),
        security: [],
      },
    },
    async (request, reply) => {
      const file = request.params.file;
      const body = file.endsWith('.ics')
        ? await feedCalendar(deps.db, deps.clock, tokenOf(request), publicHost(deps.config))
        : undefined;
      if (body === undefined)
        throw new AppError('not-found', 'No such feed (unknown or revoked)', { field: 'path.token' });
      return reply
        .header('content-type', 'text/calendar; charset=utf-8')
        .header('cache-control', 'private, max-age=300')
        .header('content-disposition', 'inline; filename="shipshape.ics"')
        .send(body);
    },
  );
  // A path too long for the router's parameter limit would otherwise fall through to the web app.
  app.get('/ical/*', { config: { public: true }, schema: { hide: true } }, async () => {
    throw new AppError('not-found', 'No such feed (unknown or revoked)', { field: 'path.token' });
  });
}
