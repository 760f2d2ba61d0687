import { Type } from 'typebox';
import { type App, ctxOf, type Deps } from '../../http/deps.ts';
import { answerPost } from '../../http/idempotency.ts';
import { etag, IfMatchHeaders, ifMatchVersion } from '../../http/if-match.ts';
import { Cursor, errorResponses, IdParams, Limit, page } from '../../http/schemas.ts';
import { NewSpace, Space, SpacePatch } from './schema.ts';
import { createSpace, getSpace, listSpaces, updateSpace } from './service.ts';

export default async function spacesRoutes(app: App, deps: Deps): Promise<void> {
  app.get(
    '/spaces',
    {
      schema: {
        tags: ['spaces'],
        summary: 'Spaces of the site, by name',
        querystring: Type.Object({ cursor: Cursor, limit: Limit }, { additionalProperties: false }),
        response: { 200: page(Space), ...errorResponses },
      },
    },
    async (request) =>
      listSpaces(ctxOf(request, deps), { cursor: request.query.cursor, limit: request.query.limit ?? 100 }),
  );

  app.get(
    '/spaces/:id',
    {
      schema: {
        tags: ['spaces'],
        summary: 'One space; the ETag is its version',
        params: IdParams,
        response: { 200: Space, ...errorResponses },
      },
    },
    async (request, reply) => {
      const space = await getSpace(ctxOf(request, deps), request.params.id);
      void reply.header('etag', etag(space.version));
      return space;
    },
  );

  app.post(
    '/spaces',
    {
      schema: {
        tags: ['spaces'],
        summary: 'Add a space (admin)',
        body: NewSpace,
        response: { 201: Space, ...errorResponses },
      },
    },
    async (request, reply) =>
      answerPost(request, reply, deps, async (tx) => {
        const space = await createSpace(ctxOf(request, deps, tx), request.body);
        return { status: 201, body: space, headers: { etag: etag(space.version) } };
      }),
  );

  app.patch(
    '/spaces/:id',
    {
      schema: {
        tags: ['spaces'],
        summary: 'Change a space (admin); If-Match with its ETag guards against lost updates',
        params: IdParams,
        headers: IfMatchHeaders,
        body: SpacePatch,
        response: { 200: Space, ...errorResponses },
      },
    },
    async (request, reply) => {
      const expected = ifMatchVersion(request.headers['if-match'], 'space');
      const space = await updateSpace(ctxOf(request, deps), request.params.id, request.body, expected);
      void reply.header('etag', etag(space.version));
      return space;
    },
  );
}
