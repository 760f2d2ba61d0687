import { Type } from 'typebox';
import { type App, ctxOf, type Deps } from '../../http/deps.ts';
import { answerPost } from '../../http/idempotency.ts';
import { errorResponses } from '../../http/schemas.ts';
import { invalid } from '../errors.ts';
import { hubFor, wakeDelivery } from './live.ts';
import { Notice, NoticeId } from './schema.ts';
import {
  getPreferences,
  listMyNotifications,
  markNotificationsRead,
  noticeKinds,
  noticesAfter,
  presentNotice,
  setPreferences,
} from './service.ts';
import { StreamGuard } from './stream-guard.ts';

const Preferences = Type.Object(
  Object.fromEntries(noticeKinds.map((k) => [k, Type.Optional(Type.Boolean())])),
  { additionalProperties: false, description: 'Per kind of notice: true to receive it, false to not' },
);

const heartbeatMs = 15_000;

export default async function notificationsRoutes(app: App, deps: Deps): Promise<void> {
  // Open streams never finish on their own; end them when the server closes, or close would wait.
  const streams = new Set<() => void>();
  // Streams end with the session or token they were opened with, and a member holds a few at most.
  const guard = new StreamGuard(deps.db, deps.clock, deps.config.authCacheMs);
  app.addHook('preClose', async () => {
    for (const end of streams) end();
    guard.close();
  });
  // Every /api/v1 route shares this context: once a change is answered (committed), deliver its
  // notices now rather than at the next poll.
  app.addHook('onResponse', async (request, reply) => {
    if (request.method !== 'GET' && reply.statusCode < 500) wakeDelivery(deps.db);
  });

  app.get(
    '/notifications',
    {
      schema: {
        tags: ['notifications'],
        summary: "The caller's notices, newest first, with the unread count",
        querystring: Type.Object(
          {
            before: Type.Optional(NoticeId),
            unread: Type.Optional(Type.Boolean()),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            items: Type.Array(Notice),
            unreadCount: Type.Integer(),
            nextCursor: Type.Union([Type.String(), Type.Null()]),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) =>
      listMyNotifications(ctxOf(request, deps), {
        before: request.query.before,
        unread: request.query.unread,
        limit: request.query.limit ?? 50,
      }),
  );

  app.post(
    '/notifications/read',
    {
      schema: {
        tags: ['notifications'],
        summary: 'Mark notices read: the given ids, or all',
        body: Type.Object(
          {
            ids: Type.Optional(Type.Array(NoticeId, { maxItems: 500 })),
            all: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ updated: Type.Integer(), unreadCount: Type.Integer() }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) =>
      answerPost(request, reply, deps, async (tx) => ({
        status: 200,
        body: await markNotificationsRead(ctxOf(request, deps, tx), request.body),
      })),
  );

  app.get(
    '/notifications/preferences',
    {
      schema: {
        tags: ['notifications'],
        summary: 'Which kinds of notice the caller receives',
        response: { 200: Preferences, ...errorResponses },
      },
    },
    async (request) => getPreferences(ctxOf(request, deps)),
  );

  app.put(
    '/notifications/preferences',
    {
      schema: {
        tags: ['notifications'],
        summary: 'Turn kinds of notice on or off (kinds left out are unchanged)',
        body: Preferences,
        response: { 200: Preferences, ...errorResponses },
      },
    },
    async (request) => setPreferences(ctxOf(request, deps), request.body as Record<string, boolean>),
  );

  app.get(
    '/notifications/stream',
    {
      schema: {
        tags: ['notifications'],
        summary: 'Live notices as Server-Sent Events (event "notification", id = notice id)',
        description:
          'Sends the notices after Last-Event-ID (or ?after=) first, then each new one as it is written.',
        querystring: Type.Object({ after: Type.Optional(NoticeId) }, { additionalProperties: false }),
      },
    },
    async (request, reply) => {
      const actor = ctxOf(request, deps).actor;
      const header = request.headers['last-event-id'];
      const lastId = (Array.isArray(header) ? header[0] : header) ?? request.query.after;
      if (lastId !== undefined && !/^[0-9]{1,18}$/.test(lastId))
        throw invalid('header.last-event-id', 'Last-Event-ID must be a notification id');

      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      raw.write('retry: 2000\n\n');
      const floor = lastId ? BigInt(lastId) : 0n;
      const sent = new Set<string>();
      const send = (n: Parameters<typeof presentNotice>[0]) => {
        if (BigInt(n.id) <= floor || sent.has(n.id)) return;
        sent.add(n.id);
        raw.write(`id: ${n.id}\nevent: notification\ndata: ${JSON.stringify(presentNotice(n))}\n\n`);
      };
      // Subscribe before the replay so nothing written in between is lost; `send` drops repeats.
      const queued: Parameters<typeof presentNotice>[0][] = [];
      let replaying = true;
      const unsubscribe = hubFor(deps.db).subscribe(actor.siteId, actor.memberId, (n) => {
        if (replaying) queued.push(n);
        else send(n);
      });
      const heartbeat = setInterval(() => raw.write(': keep-alive\n\n'), heartbeatMs);
      heartbeat.unref();
      const close = () => {
        clearInterval(heartbeat);
        unsubscribe();
        unguard();
        streams.delete(end);
      };
      const end = () => {
        close();
        raw.end();
      };
      const unguard = guard.add({
        siteId: actor.siteId,
        memberId: actor.memberId,
        tokenId: request.actor!.tokenId,
        end: (reason) => {
          // A last event says why, so the client does not reconnect in vain (it would get a 401).
          raw.write(`event: end\ndata: ${JSON.stringify({ reason })}\n\n`);
          end();
        },
      });
      streams.add(end);
      raw.on('close', close);
      try {
        if (lastId) {
          for (const n of await noticesAfter(ctxOf(request, deps), lastId)) send(n);
        }
      } finally {
        replaying = false;
        for (const n of queued.sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1))) send(n);
      }
      raw.write(': ready\n\n');
    },
  );
}
