import { Type } from 'typebox';
import { type App, ctxOf, type Deps } from '../../http/deps.ts';
import { answerPost } from '../../http/idempotency.ts';
import { IfMatchHeaders, ifMatchVersion, withEtag } from '../../http/if-match.ts';
import { Cursor, errorResponses, IdParams, Limit, page } from '../../http/schemas.ts';
import { NewSquad, Squad, SquadPatch } from './schema.ts';
import { createSquad, getSquad, listSquads, updateSquad } from './service.ts';

export default async function squadsRoutes(app: App, deps: Deps): Promise<void> {
  app.get(
    '/squads',
    {
      schema: {
        tags: ['squads'],
        summary: 'Squads of the site, by name, with leaders and members',
        querystring: Type.Object({ cursor: Cursor, limit: Limit }, { additionalProperties: false }),
        response: { 200: page(Squad), ...errorResponses },
      },
    },
    async (request) =>
      listSquads(ctxOf(request, deps), { cursor: request.query.cursor, limit: request.query.limit ?? 100 }),
  );

  app.get(
    '/squads/:id',
    {
      schema: {
        tags: ['squads'],
        summary: 'One squad; the ETag is its version',
        params: IdParams,
        response: { 200: Squad, ...errorResponses },
      },
    },
    async (request, reply) => withEtag(reply, await getSquad(ctxOf(request, deps), request.params.id)),
  );

  app.post(
    '/squads',
    {
      schema: {
        tags: ['squads'],
        summary: 'Create a squad (admin); leaders are members too',
        body: NewSquad,
        response: { 201: Squad, ...errorResponses },
      },
    },
    async (request, reply) =>
      answerPost(request, reply, deps, async (tx) => ({
        status: 201,
        body: await createSquad(ctxOf(request, deps, tx), request.body),
      })),
  );

  app.patch(
    '/squads/:id',
    {
      schema: {
        tags: ['squads'],
        summary:
          "Rename a squad or replace its leaders or members (admin or the squad's leaders); If-Match with its ETag guards against lost updates",
        params: IdParams,
        headers: IfMatchHeaders,
        body: SquadPatch,
        response: { 200: Squad, ...errorResponses },
      },
    },
    async (request, reply) =>
      withEtag(
        reply,
        await updateSquad(
          ctxOf(request, deps),
          request.params.id,
          request.body,
          ifMatchVersion(request.headers['if-match'], 'squad'),
        ),
      ),
  );
}
