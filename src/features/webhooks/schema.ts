import { Type } from 'typebox';
import { Uuid } from '../../http/schemas.ts';

const EventTypes = Type.Array(Type.String({ maxLength: 60 }), {
  maxItems: 50,
  description: 'booking.* / series.* event types or prefixes ("booking.*"); empty = all',
});

/** An endpoint as admins see it (the secret only when made). */
export const Endpoint = Type.Object({
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

/** An endpoint made, with its signing secret (Standard Webhooks), shown only now. */
export const EndpointCreated = Type.Object({ endpoint: Endpoint, secret: Type.String() });

/** One message to one endpoint and how its attempts went. */
export const Delivery = Type.Object({
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

export const DeliveryPage = Type.Object({
  items: Type.Array(Delivery),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});

/** An event type an endpoint can ask for, in words for the admin who picks it. */
export const EventTypeOffered = Type.Object({ type: Type.String(), description: Type.String() });

export const NewEndpoint = Type.Object(
  {
    url: Type.String({ minLength: 1, maxLength: 2000 }),
    eventTypes: Type.Optional(EventTypes),
    description: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);

export const EndpointPatch = Type.Object(
  {
    url: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
    eventTypes: Type.Optional(EventTypes),
    description: Type.Optional(Type.String({ maxLength: 200 })),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
