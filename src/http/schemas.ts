import { Type } from 'typebox';

/** Schemas shared by every feature's routes. */
export const Uuid = Type.String({ format: 'uuid', description: 'An id' });
export const DateTime = Type.String({
  format: 'date-time',
  maxLength: 40,
  description: 'RFC 3339 instant with an offset, e.g. 2026-11-25T22:00:00+01:00',
});
export const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.String(),
    field: Type.Optional(Type.String()),
    instance: Type.Optional(Type.String()),
  },
  { additionalProperties: true, description: 'RFC 9457 problem details' },
);
export const IdParams = Type.Object({ id: Uuid });
export const Cursor = Type.Optional(
  Type.String({ maxLength: 200, description: 'nextCursor of the previous page' }),
);
export const Limit = Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 }));

/** Standard error answers to list in a route's schema. */
export const errorResponses = {
  400: Problem,
  401: Problem,
  403: Problem,
  404: Problem,
  409: Problem,
  412: Problem,
  422: Problem,
  428: Problem,
  429: Problem,
  503: Problem,
};

export function page<T extends ReturnType<typeof Type.Object>>(item: T) {
  return Type.Object({ items: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()]) });
}
