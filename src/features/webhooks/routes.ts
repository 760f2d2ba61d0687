import { Type } from 'typebox';
import { type App, ctxOf, type Deps } from '../../http/deps.ts';
import { answerPost } from '../../http/idempotency.ts';
import { IfMatchHeaders, ifMatchVersion, withEtag } from '../../http/if-match.ts';
import { errorResponses, IdParams, Uuid } from '../../http/schemas.ts';
import {
  Delivery,
  DeliveryPage,
  Endpoint,
  EndpointCreated,
  EndpointPatch,
  EventTypeOffered,
  NewEndpoint,
} from './schema.ts';
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
            items: Type.Array(EventTypeOffered),
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
        body: NewEndpoint,
        response: { 201: EndpointCreated, ...errorResponses },
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
        body: EndpointPatch,
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
        response: { 200: DeliveryPage, ...errorResponses },
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
