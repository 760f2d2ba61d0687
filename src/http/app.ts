import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Ajv } from 'ajv';
import formatsPlugin from 'ajv-formats';

// ajv-formats is CommonJS; its callable is the module's default export.
const addFormats = formatsPlugin as unknown as typeof formatsPlugin.default;

import Fastify, { type FastifyServerOptions } from 'fastify';
import authRoutes from '../features/auth/routes.ts';
import { authenticate } from '../features/auth/service.ts';
import availabilityRoutes from '../features/availability/routes.ts';
import bookingsRoutes from '../features/bookings/routes.ts';
import checkinRoutes from '../features/checkin/routes.ts';
import doorsRoutes from '../features/doors/routes.ts';
import membersRoutes from '../features/members/routes.ts';
import movesRoutes from '../features/moves/routes.ts';
import neighboursRoutes from '../features/neighbours/routes.ts';
import notificationsRoutes from '../features/notifications/routes.ts';
import seriesRoutes from '../features/series/routes.ts';
import sitesRoutes from '../features/sites/routes.ts';
import spacesRoutes from '../features/spaces/routes.ts';
import squadsRoutes from '../features/squads/routes.ts';
import { sessionCookie } from './cookies.ts';
import type { App, Deps } from './deps.ts';
import { AppError } from './errors.ts';
import { handleError } from './problem.ts';
import { webRoutes } from './web.ts';

/** Each feature's routes, registered under /api/v1; one line a feature. */
const features: ((app: App, deps: Deps) => Promise<void>)[] = [
  authRoutes,
  membersRoutes,
  sitesRoutes,
  spacesRoutes,
  squadsRoutes,
  bookingsRoutes,
  availabilityRoutes,
  notificationsRoutes,
  checkinRoutes,
  movesRoutes,
  neighboursRoutes,
  seriesRoutes,
  doorsRoutes,
];

// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is exactly what this refuses.
const badText = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The path of the first string (or key) in a parsed JSON value that is not storable text. */
function findBadText(value: unknown, path: string, depth = 0): string | undefined {
  if (typeof value === 'string') return badText.test(value) ? path : undefined;
  if (depth > 32 || value === null || typeof value !== 'object') return undefined;
  for (const [key, inner] of Object.entries(value)) {
    const at = `${path}.${key}`;
    if (badText.test(key)) return at;
    const found = findBadText(inner, at, depth + 1);
    if (found) return found;
  }
  return undefined;
}

export async function buildApp(deps: Deps, logger: FastifyServerOptions['logger'] = false): Promise<App> {
  const app = Fastify({
    logger,
    bodyLimit: 256 * 1024,
    trustProxy: false,
    // A malformed or overlong URL is answered by the one error mapper like everything else.
    frameworkErrors: (error, request, reply) =>
      handleError(
        new AppError('bad-request', error.message.slice(0, 200), { field: 'path' }),
        request,
        reply,
      ),
  }).withTypeProvider<TypeBoxTypeProvider>();

  // Query strings, path params and headers arrive as text and are coerced to their schema's types;
  // a JSON body is not: `"capacity": true` or `"name": 123` is a 400, not a silent conversion.
  const strict = addFormats(
    new Ajv({ coerceTypes: false, removeAdditional: false, useDefaults: true, allErrors: false }),
  );
  const coercing = addFormats(
    new Ajv({ coerceTypes: 'array', removeAdditional: false, useDefaults: true, allErrors: false }),
  );
  for (const ajv of [strict, coercing]) ajv.addKeyword('example');
  app.setValidatorCompiler(({ schema, httpPart }) =>
    (httpPart === 'body' ? strict : coercing).compile(schema),
  );

  app.setErrorHandler(handleError);

  // No text the API accepts may hold a NUL (PostgreSQL text cannot) or an unpaired surrogate (not
  // text at all): refused here once for every route, naming the field.
  // ajv's coercion turns "1e400" into Infinity and lets it past `maximum`: refuse it after validation.
  app.addHook('preHandler', async (request) => {
    for (const [key, value] of Object.entries((request.query ?? {}) as Record<string, unknown>))
      if (typeof value === 'number' && !Number.isFinite(value))
        throw new AppError('validation', `query.${key} must be a finite number`, { field: `query.${key}` });
  });
  app.addHook('preValidation', async (request) => {
    const parts: [string, unknown][] = [
      ['body', request.body],
      ['query', request.query],
      ['path', request.params],
    ];
    for (const [part, value] of parts) {
      const field = findBadText(value, part);
      if (field) throw new AppError('validation', `${field} holds a NUL or an unpaired surrogate`, { field });
    }
  });
  app.setNotFoundHandler((request, reply) =>
    handleError(
      new AppError('not-found', `No route ${request.method} ${request.url.split('?')[0]}`),
      request,
      reply,
    ),
  );

  await app.register(helmet, {
    // The API docs page needs inline styles and scripts from its own origin.
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", "'unsafe-inline'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
      },
    },
  });
  await app.register(cookie);
  await app.register(rateLimit, { global: false });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Shipshape API',
        version: '1',
        description: 'Book and run the shared facilities of a crew. Errors are RFC 9457 problem+json.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          cookie: { type: 'apiKey', in: 'cookie', name: sessionCookie },
        },
      },
      security: [{ bearer: [] }, { cookie: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });

  app.get('/api/openapi.json', { config: { public: true }, schema: { hide: true } }, async () =>
    app.swagger(),
  );
  app.get('/healthz', { config: { public: true }, schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { config: { public: true }, schema: { hide: true } }, async (_request, reply) => {
    try {
      await deps.db.query('SELECT 1');
      return { status: 'ready' };
    } catch {
      return reply.status(503).send({ status: 'unavailable' });
    }
  });

  // Every /api/v1 route needs a caller unless it says it is public.
  app.addHook('onRequest', async (request) => {
    if (!request.url.startsWith('/api/v1/') || request.routeOptions.config?.public) return;
    const header = request.headers.authorization;
    let token: string | undefined;
    if (header?.startsWith('Bearer ')) token = header.slice(7).trim();
    else token = request.cookies[sessionCookie];
    if (!token || token.length > 200) throw new AppError('unauthenticated', 'Sign in or send a bearer token');
    const actor = await authenticate(deps.db, deps.clock, token);
    if (!actor) throw new AppError('unauthenticated', 'The session or token is unknown, expired or revoked');
    request.actor = actor;
  });

  await app.register(
    async (api) => {
      for (const routes of features) await routes(api as App, deps);
    },
    { prefix: '/api/v1' },
  );
  await webRoutes(app);
  return app;
}
