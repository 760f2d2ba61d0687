import { type App, ctxOf, type Deps } from '../../http/deps.ts';
import { errorResponses, IdParams } from '../../http/schemas.ts';
import { Neighbours } from './schema.ts';
import { getNeighbours } from './service.ts';

export default async function neighboursRoutes(app: App, deps: Deps): Promise<void> {
  app.get(
    '/bookings/:id/neighbours',
    {
      schema: {
        tags: ['bookings'],
        summary: 'The nearest bookings of the same space before and after, with the gaps',
        params: IdParams,
        response: { 200: Neighbours, ...errorResponses },
      },
    },
    async (request) => getNeighbours(ctxOf(request, deps), request.params.id),
  );
}
