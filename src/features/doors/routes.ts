import { Type } from 'typebox';
import { type App, ctxOf, type Deps } from '../../http/deps.ts';
import { answerPost } from '../../http/idempotency.ts';
import { etag, IfMatchHeaders, requiredIfMatch } from '../../http/if-match.ts';
import { toProblem } from '../../http/problem.ts';
import { errorResponses, IdParams, Uuid } from '../../http/schemas.ts';
import { AppError } from '../errors.ts';
import { doorLinkFor } from './link.ts';
import type { DoorAction } from './repository.ts';
import {
  Accepted,
  Door,
  DoorCommand,
  DoorEvent,
  DoorPatch,
  DoorWithRequests,
  Guest,
  NewDoor,
  NewGuest,
} from './schema.ts';
import {
  createDoor,
  type DoorSettings,
  followsDoor,
  getDoor,
  listDoorEvents,
  listDoors,
  listGuests,
  removeGuest,
  requestDoor,
  setGuest,
  updateDoor,
} from './service.ts';

const heartbeatMs = 15_000;
const followCacheMs = 5_000;

export default async function doorsRoutes(app: App, deps: Deps): Promise<void> {
  const settings: DoorSettings = {
    confirmMs: deps.config.doorConfirmMs,
    staleSeconds: deps.config.doorStaleSeconds,
  };
  const streams = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const end of streams) end();
  });

  app.get(
    '/doors',
    {
      schema: {
        tags: ['doors'],
        summary: "The site's doors with their lock state and what the caller may do",
        response: { 200: Type.Object({ items: Type.Array(Door) }), ...errorResponses },
      },
    },
    async (request) => ({ items: await listDoors(ctxOf(request, deps), settings) }),
  );

  app.post(
    '/doors',
    {
      schema: {
        tags: ['doors'],
        summary: 'Give a space a door with an MQTT lock (admin)',
        body: NewDoor,
        response: { 201: Door, ...errorResponses },
      },
    },
    async (request, reply) => {
      const door = await createDoor(ctxOf(request, deps), request.body, settings);
      // Subscribe to the new lock at once (other processes pick it up at their next sync).
      await doorLinkFor(deps.db)
        ?.syncTopics()
        .catch((err: unknown) => request.log.warn({ err }, 'door topics: sync failed'));
      void reply.header('etag', etag(door.version));
      return reply.status(201).send(door);
    },
  );

  app.get(
    '/doors/stream',
    {
      schema: {
        tags: ['doors'],
        summary:
          'Live door changes as Server-Sent Events (event "door", data { id }): refetch that door. A private cabin\'s changes only reach those who see its state',
      },
    },
    async (request, reply) => {
      const ctx = ctxOf(request, deps);
      const actor = ctx.actor;
      const link = doorLinkFor(deps.db);
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      raw.write('retry: 2000\n\n');
      // A private cabin's changes go only to those who see its state. Who does is read again after
      // a few seconds (bookings' windows open and close, guests are revoked); the answers are kept
      // that long so a busy door does not cost a query per change per viewer.
      const follows = new Map<string, { yes: Promise<boolean>; until: number }>();
      const unsubscribe =
        link?.onChange((ref) => {
          if (ref.siteId !== actor.siteId) return;
          const now = Date.now();
          let known = follows.get(ref.id);
          if (!known || known.until < now) {
            known = { yes: followsDoor(ctx, ref.id).catch(() => false), until: now + followCacheMs };
            follows.set(ref.id, known);
          }
          void known.yes.then((yes) => {
            if (yes && !raw.writableEnded)
              raw.write(`event: door\ndata: ${JSON.stringify({ id: ref.id })}\n\n`);
          });
        }) ?? (() => undefined);
      const heartbeat = setInterval(() => raw.write(': keep-alive\n\n'), heartbeatMs);
      heartbeat.unref();
      const close = () => {
        clearInterval(heartbeat);
        unsubscribe();
        streams.delete(end);
      };
      const end = () => {
        close();
        raw.end();
      };
      streams.add(end);
      raw.on('close', close);
      raw.write(': ready\n\n');
    },
  );

  app.get(
    '/doors/:id',
    {
      schema: {
        tags: ['doors'],
        summary:
          "One door, with its recent requests and their outcome (all for its owner and admins, else the caller's)",
        params: IdParams,
        response: { 200: DoorWithRequests, ...errorResponses },
      },
    },
    async (request, reply) => {
      const door = await getDoor(ctxOf(request, deps), request.params.id, settings);
      void reply.header('etag', etag(door.version));
      return door;
    },
  );

  app.patch(
    '/doors/:id',
    {
      schema: {
        tags: ['doors'],
        summary: 'Change a door (admin); If-Match with its ETag',
        params: IdParams,
        headers: IfMatchHeaders,
        body: DoorPatch,
        response: { 200: Door, ...errorResponses },
      },
    },
    async (request, reply) => {
      const expected = requiredIfMatch(request.headers['if-match'], 'door');
      const door = await updateDoor(
        ctxOf(request, deps),
        request.params.id,
        request.body,
        expected,
        settings,
      );
      await doorLinkFor(deps.db)
        ?.syncTopics()
        .catch((err: unknown) => request.log.warn({ err }, 'door topics: sync failed'));
      void reply.header('etag', etag(door.version));
      return door;
    },
  );

  for (const action of ['unlock', 'lock'] as const satisfies readonly DoorAction[])
    app.post(
      `/doors/:id/${action}`,
      {
        schema: {
          tags: ['doors'],
          summary: `Ask the lock to ${action}: 202 with a request id; the outcome comes on the notification stream and in GET /doors/{id}`,
          description:
            "Allowed for the owner at any time, the people of a booking of the space from its check-in window to its end, the owner's guests, and admins with a reason. Refused: 403 problem+json with `why` (no-booking, window-not-open, not-a-guest, reason-required).",
          params: IdParams,
          body: DoorCommand,
          response: { 202: Accepted, ...errorResponses },
        },
        preValidation: async (request) => {
          if (request.body === undefined || request.body === null) request.body = {};
        },
      },
      async (request, reply) => {
        let send: { topic: string } | undefined;
        await answerPost(request, reply, deps, async (tx) => {
          const outcome = await requestDoor(
            ctxOf(request, deps, tx),
            request.params.id,
            action,
            request.body.reason,
            settings,
          );
          if (outcome.ok) {
            send = { topic: outcome.topic };
            return {
              status: 202,
              body: {
                requestId: outcome.request.id,
                status: 'pending',
                action,
                deadlineAt: outcome.request.deadlineAt,
              },
            };
          }
          // Answered, not thrown: the refusal's event commits with it.
          const problem = toProblem(
            new AppError('forbidden', outcome.detail, {
              field: outcome.why === 'reason-required' ? 'body.reason' : 'path.id',
              why: outcome.why,
            }),
            request.url.split('?')[0],
          );
          return {
            status: 403,
            body: problem,
            headers: { 'content-type': 'application/problem+json; charset=utf-8' },
          };
        });
        // Sent once the request is committed, and only by the call that made it (not by a replay).
        if (send) {
          const link = doorLinkFor(deps.db);
          if (!link)
            request.log.warn(
              { door: request.params.id },
              'no MQTT link in this process: the request will time out',
            );
          else
            await link
              .send({ siteId: request.actor!.siteId, id: request.params.id }, send.topic, action)
              .catch((err: unknown) => request.log.error({ err }, 'a door command could not be published'));
        }
      },
    );

  app.get(
    '/doors/:id/events',
    {
      schema: {
        tags: ['doors'],
        summary:
          "A door's audit trail, newest first (all of it for its owner and admins; others see their own acts)",
        params: IdParams,
        querystring: Type.Object(
          {
            before: Type.Optional(Type.String({ pattern: '^[0-9]{1,18}$' })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            items: Type.Array(DoorEvent),
            nextCursor: Type.Union([Type.String(), Type.Null()]),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) =>
      listDoorEvents(ctxOf(request, deps), request.params.id, {
        before: request.query.before,
        limit: request.query.limit ?? 100,
      }),
  );

  app.get(
    '/doors/:id/guests',
    {
      schema: {
        tags: ['doors'],
        summary: "The members the space's owner lets in (owner and admins)",
        params: IdParams,
        response: { 200: Type.Object({ items: Type.Array(Guest) }), ...errorResponses },
      },
    },
    async (request) => ({ items: await listGuests(ctxOf(request, deps), request.params.id) }),
  );

  app.post(
    '/doors/:id/guests',
    {
      schema: {
        tags: ['doors'],
        summary: "Let a member in: during the owner's bookings of the space, or from `from` until `until`",
        params: IdParams,
        body: NewGuest,
        response: { 200: Type.Object({ items: Type.Array(Guest) }), ...errorResponses },
      },
    },
    async (request, reply) =>
      answerPost(request, reply, deps, async (tx) => ({
        status: 200,
        body: { items: await setGuest(ctxOf(request, deps, tx), request.params.id, request.body) },
      })),
  );

  app.delete(
    '/doors/:id/guests/:memberId',
    {
      schema: {
        tags: ['doors'],
        summary: 'Revoke a guest; takes effect at once',
        params: Type.Object({ id: Uuid, memberId: Uuid }),
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await removeGuest(ctxOf(request, deps), request.params.id, request.params.memberId);
      return reply.status(204).send(null);
    },
  );
}
