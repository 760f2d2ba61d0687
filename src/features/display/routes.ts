import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { type App, ctxOf, type Deps } from '../../http/deps.ts';
import { answerPost } from '../../http/idempotency.ts';
import { errorResponses, IdParams } from '../../http/schemas.ts';
import { AppError } from '../errors.ts';
import {
  DisplayBookNow,
  DisplayCheckIn,
  DisplayCode,
  DisplayLink,
  DisplaySession as Session,
  DisplayState as State,
  DisplayTokenParams as TokenParams,
} from './schema.ts';
import {
  bookNowAtDisplay,
  checkInAtDisplay,
  createDisplayLink,
  type DisplayState,
  displayState,
  listDisplayLinks,
  liveLink,
  myDisplayCode,
  revokeDisplayLink,
} from './service.ts';

/** How often a display's stream looks for a change; displays show minutes, so a few seconds is plenty. */
const pollMs = 3_000;
const heartbeatMs = 15_000;

function baseUrl(request: FastifyRequest, deps: Deps): string {
  return deps.config.publicUrl ?? `${request.protocol}://${request.host}`;
}

/** Admins manage display links; the display itself (no login, the token is the credential) reads and checks in. */
export default async function displayRoutes(app: App, deps: Deps): Promise<void> {
  app.post(
    '/spaces/:id/display-links',
    {
      schema: {
        tags: ['display'],
        summary: 'Make a secret room-display link for a space (admins); the page is /display/{token}',
        params: IdParams,
        response: {
          201: Type.Object({
            link: DisplayLink,
            token: Type.String({ description: 'The secret, shown only now' }),
            url: Type.String({ description: 'The page to open on the tablet at the door' }),
          }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) =>
      answerPost(request, reply, deps, async (tx) => {
        const made = await createDisplayLink(ctxOf(request, deps, tx), request.params.id);
        return { status: 201, body: { ...made, url: `${baseUrl(request, deps)}/display/${made.token}` } };
      }),
  );

  app.get(
    '/display-links',
    {
      schema: {
        tags: ['display'],
        summary: 'The live room-display links of the site (admins; without their secrets)',
        response: { 200: Type.Object({ items: Type.Array(DisplayLink) }), ...errorResponses },
      },
    },
    async (request) => ({ items: await listDisplayLinks(ctxOf(request, deps)) }),
  );

  app.delete(
    '/display-links/:id',
    {
      schema: {
        tags: ['display'],
        summary: 'Revoke a room-display link: its page and live stream stop',
        params: IdParams,
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await revokeDisplayLink(ctxOf(request, deps), request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/display/:token',
    {
      config: { public: true },
      schema: {
        tags: ['display'],
        summary: 'What a room display shows now (no login: the link is the credential)',
        params: TokenParams,
        security: [],
        response: { 200: State, ...errorResponses },
      },
    },
    async (request) => displayState(deps.db, deps.clock, await liveLink(deps.db, request.params.token)),
  );

  app.post(
    '/display/:token/check-in',
    {
      config: {
        public: true,
        rateLimit: {
          max: 10,
          timeWindow: 60_000,
          keyGenerator: (request: FastifyRequest) =>
            `display:${(request.params as { token?: string }).token}`,
        },
      },
      schema: {
        tags: ['display'],
        summary: 'Check in at the display with the six-digit code shown in the booking to its people',
        params: TokenParams,
        security: [],
        body: DisplayCheckIn,
        response: {
          ...errorResponses,
          200: Type.Object({ checkedIn: Type.Literal(true), session: Session }),
          409: Type.Object({ checkedIn: Type.Literal(false), freeAt: Type.String({ format: 'date-time' }) }),
        },
      },
    },
    async (request, reply) => {
      const r = await checkInAtDisplay(deps.db, deps.clock, request.params.token, request.body.code);
      if (r.ok) return { checkedIn: true as const, session: r.session };
      return reply.status(409).send({ checkedIn: false as const, freeAt: r.freeAt });
    },
  );

  app.get(
    '/me/display-code',
    {
      schema: {
        tags: ['display'],
        summary: 'My code for "book now" at a room display (eight digits; keep it to yourself)',
        response: { 200: DisplayCode, ...errorResponses },
      },
    },
    async (request) => myDisplayCode(ctxOf(request, deps)),
  );

  app.post(
    '/display/:token/book',
    {
      config: {
        public: true,
        rateLimit: {
          max: 10,
          timeWindow: 60_000,
          keyGenerator: (request: FastifyRequest) =>
            `display-book:${(request.params as { token?: string }).token}`,
        },
      },
      schema: {
        tags: ['display'],
        summary: "Book the space now for 30 minutes, with a member's display code (GET /me/display-code)",
        params: TokenParams,
        security: [],
        body: DisplayBookNow,
        response: {
          ...errorResponses,
          201: Type.Object({ booked: Type.Literal(true), session: Session }),
          409: Type.Object({ booked: Type.Literal(false), reason: Type.String() }),
        },
      },
    },
    async (request, reply) => {
      const r = await bookNowAtDisplay(deps.db, deps.clock, request.params.token, request.body.memberCode);
      if (r.ok) return reply.status(201).send({ booked: true as const, session: r.session });
      return reply.status(409).send({ booked: false as const, reason: r.reason });
    },
  );

  // Open streams never finish on their own; end them when the server closes, or close would wait.
  const streams = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const end of streams) end();
  });

  app.get(
    '/display/:token/stream',
    {
      config: { public: true },
      schema: {
        tags: ['display'],
        summary:
          'The display state live, as Server-Sent Events (event "state" on each change; "end" when revoked)',
        params: TokenParams,
        security: [],
      },
    },
    async (request, reply) => {
      const token = request.params.token;
      let link = await liveLink(deps.db, token);
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      raw.write('retry: 2000\n\n');
      let last = '';
      let ended = false;
      const send = (s: DisplayState) => {
        // `now` changes every time; a display counts the minutes itself, so only real changes go out.
        const key = JSON.stringify({ ...s, now: undefined });
        if (key === last) return;
        last = key;
        raw.write(`event: state\ndata: ${JSON.stringify(s)}\n\n`);
      };
      const tick = async () => {
        try {
          link = await liveLink(deps.db, token);
        } catch (err) {
          if (!(err instanceof AppError)) throw err;
          raw.write(`event: end\ndata: ${JSON.stringify({ reason: 'revoked' })}\n\n`);
          end();
          return;
        }
        send(await displayState(deps.db, deps.clock, link));
      };
      const poll = setInterval(() => {
        if (!ended) tick().catch((err) => request.log.warn({ err }, 'display stream poll failed'));
      }, pollMs);
      poll.unref();
      const heartbeat = setInterval(() => raw.write(': keep-alive\n\n'), heartbeatMs);
      heartbeat.unref();
      const close = () => {
        ended = true;
        clearInterval(poll);
        clearInterval(heartbeat);
        streams.delete(end);
      };
      const end = () => {
        close();
        raw.end();
      };
      streams.add(end);
      raw.on('close', close);
      send(await displayState(deps.db, deps.clock, link));
    },
  );
}
