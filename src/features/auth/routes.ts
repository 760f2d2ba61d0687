import { Type } from 'typebox';
import { sessionCookie } from '../../http/cookies.ts';
import { type App, ctxOf, type Deps } from '../../http/deps.ts';
import { answerPost } from '../../http/idempotency.ts';
import { errorResponses, IdParams, Uuid } from '../../http/schemas.ts';
import { AppError } from '../errors.ts';
import { Member } from '../members/schema.ts';
import { getMember } from '../members/service.ts';
import { changePassword, createApiToken, listTokens, login, revokeToken } from './service.ts';
import { LoginThrottle } from './throttle.ts';

const Token = Type.Object({
  id: Uuid,
  kind: Type.Union([Type.Literal('session'), Type.Literal('api')]),
  name: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  lastUsedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  expiresAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

export default async function authRoutes(app: App, deps: Deps): Promise<void> {
  const throttle = new LoginThrottle({
    perEmail: deps.config.loginRateLimit,
    perAddress: deps.config.loginAddressLimit,
  });
  app.post(
    '/auth/login',
    {
      config: { public: true },
      schema: {
        tags: ['auth'],
        summary: 'Sign in; answers a token usable as Authorization: Bearer, and sets the session cookie',
        security: [],
        body: Type.Object(
          {
            email: Type.String({ minLength: 1, maxLength: 254 }),
            password: Type.String({ minLength: 1, maxLength: 200 }),
            siteId: Type.Optional(Uuid),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            token: Type.String(),
            expiresAt: Type.String({ format: 'date-time' }),
            member: Member,
          }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const now = deps.clock.now().getTime();
      // Counted after the body is read: by its email and by the address, each with its own limit.
      try {
        throttle.check(request.body.email, request.ip, now);
      } catch (err) {
        if (err instanceof AppError && typeof err.extras.retryAfter === 'number')
          void reply.header('retry-after', String(err.extras.retryAfter));
        throw err;
      }
      let session: Awaited<ReturnType<typeof login>>;
      try {
        session = await login(deps.db, deps.clock, request.body);
      } catch (err) {
        if (err instanceof AppError && err.code === 'invalid-credentials')
          throttle.fail(request.body.email, request.ip, now);
        throw err;
      }
      throttle.succeed(request.body.email);
      request.actor = {
        siteId: session.siteId,
        memberId: session.memberId,
        role: 'member',
        squadIds: [],
        leaderOf: [],
        tokenId: '',
      };
      const member = await getMember(ctxOf(request, deps), session.memberId);
      void reply.setCookie(sessionCookie, session.token, {
        path: '/',
        httpOnly: true,
        sameSite: 'lax',
        secure: deps.config.secureCookies,
        expires: session.expiresAt,
      });
      return { token: session.token, expiresAt: session.expiresAt.toISOString(), member };
    },
  );

  app.post(
    '/auth/logout',
    {
      schema: {
        tags: ['auth'],
        summary: 'End this session or revoke this token',
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await revokeToken(ctxOf(request, deps), request.actor!.tokenId);
      void reply.clearCookie(sessionCookie, { path: '/' });
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/tokens',
    {
      schema: {
        tags: ['auth'],
        summary: 'My live sessions and tokens',
        response: { 200: Type.Object({ items: Type.Array(Token) }), ...errorResponses },
      },
    },
    async (request) => ({
      items: (await listTokens(ctxOf(request, deps))).map((t) => ({
        ...t,
        createdAt: iso(t.createdAt)!,
        lastUsedAt: iso(t.lastUsedAt),
        expiresAt: iso(t.expiresAt),
      })),
    }),
  );

  app.post(
    '/tokens',
    {
      schema: {
        tags: ['auth'],
        summary: 'Create a bearer token for the CLI or an integration; shown once',
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 100 }),
            expiresInDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({
            id: Uuid,
            token: Type.String(),
            name: Type.String(),
            createdAt: Type.String(),
            expiresAt: Type.Union([Type.String(), Type.Null()]),
          }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) =>
      answerPost(request, reply, deps, async (tx) => {
        const t = await createApiToken(ctxOf(request, deps, tx), request.body);
        return { status: 201, body: { ...t, createdAt: iso(t.createdAt)!, expiresAt: iso(t.expiresAt) } };
      }),
  );

  app.delete(
    '/tokens/:id',
    {
      schema: {
        tags: ['auth'],
        summary: 'Revoke one of my tokens',
        params: IdParams,
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await revokeToken(ctxOf(request, deps), request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/me/password',
    {
      schema: {
        tags: ['auth'],
        summary:
          'Change my password: the current one is required; every other session and token of mine is revoked',
        body: Type.Object(
          {
            currentPassword: Type.String({ minLength: 1, maxLength: 200 }),
            newPassword: Type.String({
              minLength: 1,
              maxLength: 200,
              description: 'At least 12 characters, not a common password',
            }),
          },
          { additionalProperties: false },
        ),
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) =>
      answerPost(
        request,
        reply,
        deps,
        async (tx) => {
          await changePassword(ctxOf(request, deps, tx), request.body);
          return { status: 204, body: null };
        },
        // Without a key the use-case commits on its own, so revoked tokens leave caches after the commit.
        { ownTransaction: true },
      ),
  );
}
