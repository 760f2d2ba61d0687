import { Type } from 'typebox';

/** Schemas shared by every feature's routes. */
export const Uuid = Type.String({ format: 'uuid', description: 'An id' });
export const DateTime = Type.String({
  format: 'date-time',
  maxLength: 40,
  description: 'RFC 3339 instant with an offset, e.g. 2026-11-25T22:00:00+01:00',
});
const problemDescription = 'RFC 9457 problem details';
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
  { additionalProperties: true, description: problemDescription },
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

type JsonObject = { [key: string]: unknown };
const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The OpenAPI document with every error answer replaced by one shared `#/components/responses/Problem`
 * (its schema `#/components/schemas/Problem`). Each route lists ten error statuses; inlined, they
 * made most of the document and of the generated client types (src/generated/api.ts).
 */
export function shareProblemSchema<D extends object>(doc: D): D {
  const paths = (doc as JsonObject).paths;
  if (!isObject(paths)) return doc;
  let shared: JsonObject | undefined;
  for (const item of Object.values(paths)) {
    if (!isObject(item)) continue;
    for (const operation of Object.values(item)) {
      if (!isObject(operation) || !isObject(operation.responses)) continue;
      const responses = operation.responses;
      for (const [status, response] of Object.entries(responses)) {
        if (!/^[45]\d\d$/.test(status) || !isObject(response) || !isObject(response.content)) continue;
        const media = Object.entries(response.content);
        if (media.length !== 1) continue;
        const [type, body] = media[0]!;
        if (!isObject(body) || !isObject(body.schema) || body.schema.description !== problemDescription)
          continue;
        shared ??= {
          response: {
            ...response,
            content: { [type]: { schema: { $ref: '#/components/schemas/Problem' } } },
          },
          schema: body.schema,
        };
        responses[status] = { $ref: '#/components/responses/Problem' };
      }
    }
  }
  if (shared === undefined) return doc;
  const d = doc as JsonObject;
  const components = isObject(d.components) ? d.components : {};
  d.components = {
    ...components,
    schemas: { ...(isObject(components.schemas) ? components.schemas : {}), Problem: shared.schema },
    responses: { ...(isObject(components.responses) ? components.responses : {}), Problem: shared.response },
  };
  return doc;
}
