import { Type } from 'typebox';
import { type App, ctxOf, type Deps } from '../../http/deps.ts';
import { answerPost } from '../../http/idempotency.ts';
import { Cursor, errorResponses, IdParams, Limit, page } from '../../http/schemas.ts';
import { Member, Role } from './schema.ts';
import { createMember, getMember, listMembers } from './service.ts';

const NewMember = Type.Object(
  {
    email: Type.String({ format: 'email', maxLength: 254 }),
    displayName: Type.String({ minLength: 1, maxLength: 120 }),
    rank: Type.Optional(Type.String({ maxLength: 80 })),
    role: Type.Optional(Role),
    password: Type.Optional(Type.String({ minLength: 8, maxLength: 200 })),
  },
  { additionalProperties: false },
);

export default async function membersRoutes(app: App, deps: Deps): Promise<void> {
  app.get(
    '/me',
    {
      schema: {
        tags: ['members'],
        summary: 'The signed-in member',
        response: { 200: Member, ...errorResponses },
      },
    },
    async (request) => getMember(ctxOf(request, deps), request.actor!.memberId),
  );

  app.get(
    '/members',
    {
      schema: {
        tags: ['members'],
        summary: 'Members of the site, by name',
        querystring: Type.Object(
          { q: Type.Optional(Type.String({ maxLength: 100 })), cursor: Cursor, limit: Limit },
          { additionalProperties: false },
        ),
        response: { 200: page(Member), ...errorResponses },
      },
    },
    async (request) =>
      listMembers(ctxOf(request, deps), {
        query: request.query.q,
        cursor: request.query.cursor,
        limit: request.query.limit ?? 100,
      }),
  );

  app.get(
    '/members/:id',
    { schema: { tags: ['members'], params: IdParams, response: { 200: Member, ...errorResponses } } },
    async (request) => getMember(ctxOf(request, deps), request.params.id),
  );

  app.post(
    '/members',
    {
      schema: {
        tags: ['members'],
        summary: 'Add a member (admin)',
        body: NewMember,
        response: { 201: Member, ...errorResponses },
      },
    },
    async (request, reply) =>
      answerPost(request, reply, deps, async (tx) => ({
        status: 201,
        body: await createMember(ctxOf(request, deps, tx), request.body),
      })),
  );
}
