import { Type } from 'typebox';
import { type App, ctxOf, type Deps } from '../../http/deps.ts';
import { errorResponses, IdParams } from '../../http/schemas.ts';
import { Booking } from '../bookings/schema.ts';
import { getNeighbours } from './service.ts';

const Neighbour = Type.Union([
  Type.Object({ booking: Booking, gapMinutes: Type.Integer(), adjacent: Type.Boolean() }),
  Type.Null(),
]);

export default async function neighboursRoutes(app: App, deps: Deps): Promise<void> {
  app.get(
    '/bookings/:id/neighbours',
    {
      schema: {
        tags: ['bookings'],
        summary: 'The nearest bookings of the same space before and after, with the gaps',
        params: IdParams,
        response: {
          200: Type.Object({ before: Neighbour, after: Neighbour, adjacencyMinutes: Type.Integer() }),
          ...errorResponses,
        },
      },
    },
    async (request) => getNeighbours(ctxOf(request, deps), request.params.id),
  );
}
