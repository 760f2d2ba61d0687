import { Type } from 'typebox';
import { type App, ctxOf, type Deps } from '../../http/deps.ts';
import { answerPost } from '../../http/idempotency.ts';
import { Cursor, errorResponses, IdParams, Limit, page } from '../../http/schemas.ts';
import { resetPassword } from '../auth/service.ts';
import { Member, MemberPatch, Role } from './schema.ts';
import {
  createMember,
  deactivateMember,
  getMember,
  listMembers,
  reactivateMember,
  updateMember,
} from './service.ts';

const NewMember = Type.Object(
  {
    email: Type.String({ format: 'email', maxLength: 254 }),
    displayName: Type.String({ minLength: 1, maxLength: 120 }),
    rank: Type.Optional(Type.String({ maxLength: 80 })),
    role: Type.Optional(Role),
    password: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description: 'At least 12 characters, not a common password',
      }),
    ),
  },
  { additionalProperties: false },
);

/** The body is optional: none is read as {} (a JSON null is still refused). */
const emptyBody = async (request: { body: unknown }) => {
  if (request.body === undefined) request.body = {};
};

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

  app.post(
    '/members/:id/password-reset',
    {
      schema: {
        tags: ['members'],
        summary:
          "Reset a member's password (admin): to the one given or a random one answered once; the member must set a new one at the next sign-in, and their sessions and tokens are revoked",
        params: IdParams,
        body: Type.Object(
          {
            password: Type.Optional(
              Type.String({ minLength: 1, maxLength: 200, description: 'At least 12 characters' }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ temporaryPassword: Type.String() }), ...errorResponses },
      },
      preValidation: emptyBody,
    },
    async (request, reply) =>
      answerPost(
        request,
        reply,
        deps,
        async (tx) => ({
          status: 200,
          body: await resetPassword(ctxOf(request, deps, tx), request.params.id, {
            password: request.body.password,
          }),
        }),
        // Its own transaction: revoked tokens leave the caches after the commit.
        { ownTransaction: true },
      ),
  );

  app.post(
    '/members/:id/deactivate',
    {
      schema: {
        tags: ['members'],
        summary:
          'Deactivate a member (admin): no more sign-in, sessions and tokens revoked, bookings they organize that have not started cancelled with a notice to their participants; history kept',
        params: IdParams,
        body: Type.Optional(
          Type.Object(
            { reason: Type.Optional(Type.String({ maxLength: 500 })) },
            { additionalProperties: false },
          ),
        ),
        response: { 200: Member, ...errorResponses },
      },
      preValidation: emptyBody,
    },
    async (request, reply) =>
      answerPost(
        request,
        reply,
        deps,
        async (tx) => ({
          status: 200,
          body: await deactivateMember(ctxOf(request, deps, tx), request.params.id, {
            reason: request.body.reason,
          }),
        }),
        // Its own transaction: revoked tokens leave the caches after the commit.
        { ownTransaction: true },
      ),
  );

  app.patch(
    '/members/:id',
    {
      schema: {
        tags: ['members'],
        summary:
          "Change a member's name, rank, email or role (admin); members carry no version, so no If-Match. The site keeps at least one admin",
        params: IdParams,
        body: MemberPatch,
        response: { 200: Member, ...errorResponses },
      },
    },
    async (request) => updateMember(ctxOf(request, deps), request.params.id, request.body),
  );

  app.post(
    '/members/:id/reactivate',
    {
      schema: {
        tags: ['members'],
        summary:
          'Reactivate a deactivated member (admin); their old password no longer works, so they sign in after an admin resets it',
        params: IdParams,
        response: { 200: Member, ...errorResponses },
      },
    },
    async (request, reply) =>
      answerPost(request, reply, deps, async (tx) => ({
        status: 200,
        body: await reactivateMember(ctxOf(request, deps, tx), request.params.id),
      })),
  );
}
