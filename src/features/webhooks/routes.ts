import { Type } from 'typebox';
import { type App, ctxOf, type Deps } from '../../http/deps.ts';
import { answerPost } from '../../http/idempotency.ts';
import { IfMatchHeaders, ifMatchVersion, withEtag } from '../../http/if-match.ts';
import { errorResponses, IdParams, Uuid } from '../../http/schemas.ts';
import {
  createEndpoint,
  deleteEndpoint,
  getEndpoint,
  listDeliveries,
  listEndpoints,
  listEventTypes,
  resendDelivery,
  updateEndpoint,
} from './service.ts';

const EventTypes = Type.Array(Type.String({ maxLength: 60 }), {
  maxItems: 50,
  description: 'booking.* / series.* event types or prefixes ("booking.*"); empty = all',
});
const Endpoint = Type.Object({
  id: Uuid,
  url: Type.String(),
  description: Type.String(),
  eventTypes: Type.Array(Type.String()),
  enabled: Type.Boolean(),
  disabledReason: Type.Union([Type.String(), Type.Null()]),
  version: Type.Integer(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
const Delivery = Type.Object({
  id: Type.String(),
  messageId: Type.String({ description: 'The webhook-id header, the same on every attempt' }),
  eventId: Type.String(),
  eventType: Type.String(),
  eventAt: Type.String({ format: 'date-time' }),
  status: Type.String({ description: 'pending | delivered | failed' }),
  attempts: Type.Integer(),
  nextAttemptAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  lastStatus: Type.Union([Type.Integer(), Type.Null()]),
  lastError: Type.Union([Type.String(), Type.Null()]),
  lastResponseMs: Type.Union([Type.Integer(), Type.Null()]),
  deliveredAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

/** Webhook endpoints (admins): register, change, turn on/off, delete; the delivery log; send again. */
export default async function webhooksRoutes(app: App, deps: Deps): Promise<void> {
  const allowPrivate = deps.config.webhookAllowPrivate;
  app.get(
    '/webhooks',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Webhook endpoints of the site (admins)',
        response: { 200: Type.Object({ items: Type.Array(Endpoint) }), ...errorResponses },
      },
    },
    async (request) => ({ items: await listEndpoints(ctxOf(request, deps)) }),
  );

  app.get(
    '/webhooks/event-types',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'The event types an endpoint can ask for, with what each means (admins)',
        response: {
          200: Type.Object({
            items: Type.Array(Type.Object({ type: Type.String(), description: Type.String() })),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => ({ items: listEventTypes(ctxOf(request, deps)) }),
  );

  app.post(
    '/webhooks',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Register an endpoint; answers its signing secret (Standard Webhooks), shown only now',
        body: Type.Object(
          {
            url: Type.String({ minLength: 1, maxLength: 2000 }),
            eventTypes: Type.Optional(EventTypes),
            description: Type.Optional(Type.String({ maxLength: 200 })),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ endpoint: Endpoint, secret: Type.String() }), ...errorResponses },
      },
    },
    async (request, reply) =>
      answerPost(request, reply, deps, async (tx) => ({
        status: 201,
        body: await createEndpoint(ctxOf(request, deps, tx), allowPrivate, request.body),
      })),
  );

  app.get(
    '/webhooks/:id',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'One endpoint',
        params: IdParams,
        response: { 200: Endpoint, ...errorResponses },
      },
    },
    async (request, reply) => withEtag(reply, await getEndpoint(ctxOf(request, deps), request.params.id)),
  );

  app.patch(
    '/webhooks/:id',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Change an endpoint (If-Match optional); enabled: true turns a disabled one on again',
        params: IdParams,
        headers: IfMatchHeaders,
        body: Type.Object(
          {
            url: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
            eventTypes: Type.Optional(EventTypes),
            description: Type.Optional(Type.String({ maxLength: 200 })),
            enabled: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false },
        ),
        response: { 200: Endpoint, ...errorResponses },
      },
    },
    async (request, reply) =>
      withEtag(
        reply,
        await updateEndpoint(
          ctxOf(request, deps),
          allowPrivate,
          request.params.id,
          ifMatchVersion(request.headers['if-match'], 'webhook endpoint'),
          request.body,
        ),
      ),
  );

  app.delete(
    '/webhooks/:id',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Delete an endpoint and its log',
        params: IdParams,
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await deleteEndpoint(ctxOf(request, deps), request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/webhooks/:id/deliveries',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'The delivery log of an endpoint, newest first: status, attempts, response time',
        params: IdParams,
        querystring: Type.Object(
          {
            before: Type.Optional(Type.String({ pattern: '^[0-9]{1,18}$' })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            items: Type.Array(Delivery),
            nextCursor: Type.Union([Type.String(), Type.Null()]),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) =>
      listDeliveries(ctxOf(request, deps), request.params.id, {
        before: request.query.before,
        limit: request.query.limit ?? 50,
      }),
  );

  app.post(
    '/webhooks/:id/deliveries/:deliveryId/resend',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Send a delivery again (same webhook-id), now',
        params: Type.Object({ id: Uuid, deliveryId: Type.String({ maxLength: 20 }) }),
        response: { 200: Delivery, ...errorResponses },
      },
    },
    async (request, reply) =>
      answerPost(request, reply, deps, async (tx) => ({
        status: 200,
        body: await resendDelivery(ctxOf(request, deps, tx), request.params.id, request.params.deliveryId),
      })),
  );
}
