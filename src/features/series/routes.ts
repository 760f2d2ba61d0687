import { Type } from 'typebox';
import { type App, ctxOf, type Deps } from '../../http/deps.ts';
import { answerPost } from '../../http/idempotency.ts';
import { IfMatchHeaders, ifMatchVersion, requiredIfMatch, withEtag } from '../../http/if-match.ts';
import { DateTime, errorResponses, IdParams } from '../../http/schemas.ts';
import { changeSeries } from './change.ts';
import { NewSeries, Series, SeriesChange, SeriesCreated, SeriesDetail } from './schema.ts';
import { cancelSeries, createSeries, getSeries, listSeries } from './service.ts';

export default async function seriesRoutes(app: App, deps: Deps): Promise<void> {
  app.get(
    '/series',
    {
      schema: {
        tags: ['series'],
        summary: "Series the caller organizes or takes part in (admins: ?all=true for the site's)",
        querystring: Type.Object({ all: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
        response: { 200: Type.Object({ items: Type.Array(Series) }), ...errorResponses },
      },
    },
    async (request) => listSeries(ctxOf(request, deps), { all: request.query.all }),
  );

  app.post(
    '/series',
    {
      schema: {
        tags: ['series'],
        summary: 'Create a recurring session from an RRULE; books occurrences up to the horizon',
        description:
          'policy all-or-nothing (default): a taken occurrence rejects the series with 409 listing every one; skip-conflicts: books the free ones and returns the skipped.',
        body: NewSeries,
        response: {
          201: SeriesCreated,
          ...errorResponses,
        },
      },
    },
    async (request, reply) =>
      answerPost(request, reply, deps, async (tx) => ({
        status: 201,
        body: await createSeries(ctxOf(request, deps, tx), request.body),
      })),
  );

  app.get(
    '/series/:id',
    {
      schema: {
        tags: ['series'],
        summary: 'A series with its booked occurrences and exceptions; the ETag is its version',
        params: IdParams,
        response: { 200: SeriesDetail, ...errorResponses },
      },
    },
    async (request, reply) => withEtag(reply, await getSeries(ctxOf(request, deps), request.params.id)),
  );

  app.patch(
    '/series/:id',
    {
      schema: {
        tags: ['series'],
        summary:
          'Change one occurrence, this and the following, or all not yet begun; requires If-Match with its ETag',
        description:
          'scope one: start, end, title, headcount of the occurrence (it becomes an exception). following/all: title, headcount, startTime, durationMinutes; the series is split and the answer is the series that now holds the changed occurrences (its ETag in the answer). Edited occurrences stay as they are.',
        params: IdParams,
        headers: IfMatchHeaders,
        body: SeriesChange,
        response: { 200: SeriesDetail, ...errorResponses },
      },
    },
    async (request, reply) => {
      const expected = requiredIfMatch(request.headers['if-match'], 'series');
      return withEtag(
        reply,
        await changeSeries(ctxOf(request, deps), request.params.id, expected, request.body),
      );
    },
  );

  app.delete(
    '/series/:id',
    {
      schema: {
        tags: ['series'],
        summary:
          "Cancel one occurrence, this and the following, or the whole series; If-Match optional; an admin cancelling someone else's gives a reason",
        params: IdParams,
        headers: IfMatchHeaders,
        querystring: Type.Object(
          {
            scope: Type.Union([Type.Literal('one'), Type.Literal('following'), Type.Literal('all')]),
            occurrence: Type.Optional(DateTime),
            reason: Type.Optional(Type.String({ maxLength: 500 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: SeriesDetail, ...errorResponses },
      },
    },
    async (request, reply) =>
      withEtag(
        reply,
        await cancelSeries(ctxOf(request, deps), request.params.id, {
          scope: request.query.scope,
          occurrence: request.query.occurrence,
          reason: request.query.reason,
          expectedVersion: ifMatchVersion(request.headers['if-match'], 'series'),
        }),
      ),
  );
}
