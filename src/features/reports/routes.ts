import { type App, ctxOf, type Deps } from '../../http/deps.ts';
import { errorResponses } from '../../http/schemas.ts';
import { Utilization, UtilizationQuery } from './schema.ts';
import { getUtilization, utilizationCsv } from './service.ts';

export default async function reportsRoutes(app: App, deps: Deps): Promise<void> {
  app.get(
    '/reports/utilization',
    {
      schema: {
        tags: ['reports'],
        summary: 'How the spaces were used: hours open, booked and used, no-shows, late cancellations',
        description:
          "Per space and per group (local day, week or hour of week in the site's zone), with the three peak hours of the week; per member and per squad for admins. Private sessions count as busy hours and name nobody. With `Accept: text/csv` the same figures come as CSV.",
        querystring: UtilizationQuery,
        response: { 200: Utilization, ...errorResponses },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const view = await getUtilization(ctxOf(request, deps), {
        from: q.from,
        to: q.to,
        spaceId: q.space,
        kind: q.kind,
        groupBy: q.groupBy,
      });
      if (reply.request.headers.accept?.includes('text/csv'))
        return (
          reply
            .header('content-type', 'text/csv; charset=utf-8')
            .header('content-disposition', 'attachment; filename="utilization.csv"')
            // The 200 schema types the JSON answer; CSV text is sent as it is (no serializer runs on a string).
            .send(utilizationCsv(view) as unknown as typeof view)
        );
      return view;
    },
  );
}
