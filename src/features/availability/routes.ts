import { Type } from 'typebox';
import { type App, ctxOf, type Deps } from '../../http/deps.ts';
import { DateTime, errorResponses, Uuid } from '../../http/schemas.ts';
import { Availability } from './schema.ts';
import { getAvailability } from './service.ts';

export default async function availabilityRoutes(app: App, deps: Deps): Promise<void> {
  app.get(
    '/availability',
    {
      schema: {
        tags: ['availability'],
        summary: 'Free intervals of spaces over a range, and the first free slots of a length',
        description:
          "An interval [start, end) is free when every booking inside it would be accepted by opening hours and the no-overlap rule (changeover included). Slots are bookable now: they start between now and the site horizon, and there are none when the length is outside the space's shortest and longest booking.",
        querystring: Type.Object(
          {
            space: Type.Array(Uuid, { minItems: 1, maxItems: 50, description: 'Repeat for several spaces' }),
            from: DateTime,
            to: DateTime,
            length: Type.Optional(
              Type.Integer({ minimum: 1, maximum: 1440, description: 'Slot length in minutes' }),
            ),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 10 })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Availability,
          ...errorResponses,
        },
      },
    },
    async (request) =>
      getAvailability(ctxOf(request, deps), {
        spaceIds: request.query.space,
        from: request.query.from,
        to: request.query.to,
        lengthMinutes: request.query.length,
        limit: request.query.limit,
      }),
  );
}
