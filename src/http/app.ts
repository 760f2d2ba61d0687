import cookie from '@fastify/cookie';
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Ajv } from 'ajv';
import formatsPlugin from 'ajv-formats';

// ajv-formats is CommonJS; its callable is the module's default export.
const addFormats = formatsPlugin as unknown as typeof formatsPlugin.default;

import Fastify, { type FastifyRequest, type FastifyServerOptions } from 'fastify';
import { isLeapSecond } from '../domain/time.ts';
import authRoutes from '../features/auth/routes.ts';
import { authenticate } from '../features/auth/service.ts';
import availabilityRoutes from '../features/availability/routes.ts';
import bookingsRoutes from '../features/bookings/routes.ts';
import checkinRoutes from '../features/checkin/routes.ts';
import disciplinesRoutes from '../features/disciplines/routes.ts';
import displayRoutes from '../features/display/routes.ts';
import doorsRoutes from '../features/doors/routes.ts';
import emailRoutes from '../features/email/routes.ts';
import { AppError } from '../features/errors.ts';
import feedsRoutes, { feedDownloadRoutes } from '../features/feeds/routes.ts';
import membersRoutes from '../features/members/routes.ts';
import { metricsRoutes } from '../features/metrics/routes.ts';
import movesRoutes from '../features/moves/routes.ts';
import neighboursRoutes from '../features/neighbours/routes.ts';
import notificationsRoutes from '../features/notifications/routes.ts';
import partnersRoutes from '../features/partners/routes.ts';
import quotasRoutes from '../features/quotas/routes.ts';
import reportsRoutes from '../features/reports/routes.ts';
import rostersRoutes from '../features/rosters/routes.ts';
import seriesRoutes from '../features/series/routes.ts';
import sitesRoutes from '../features/sites/routes.ts';
import spacesRoutes from '../features/spaces/routes.ts';
import squadsRoutes from '../features/squads/routes.ts';
import { isStorableText } from '../features/text.ts';
import waitlistRoutes from '../features/waitlist/routes.ts';
import webhooksRoutes from '../features/webhooks/routes.ts';
import { capConnectionsPerAddress } from './connections.ts';
import { sessionCookie } from './cookies.ts';
import type { App, Deps } from './deps.ts';
import { handleError } from './problem.ts';
import { shareProblemSchema } from './schemas.ts';
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
  feedsRoutes,
  webhooksRoutes,
  emailRoutes,
  disciplinesRoutes,
  rostersRoutes,
  partnersRoutes,
  quotasRoutes,
  waitlistRoutes,
  reportsRoutes,
  displayRoutes,
];

/** The path of the first string (or key) in a parsed JSON value that is not storable text. */
function findBadText(value: unknown, path: string, depth = 0): string | undefined {
  if (typeof value === 'string') return isStorableText(value) ? undefined : path;
  if (depth > 32 || value === null || typeof value !== 'object') return undefined;
  for (const [key, inner] of Object.entries(value)) {
    const at = `${path}.${key}`;
    if (!isStorableText(key)) return at;
    const found = findBadText(inner, at, depth + 1);
    if (found) return found;
  }
  return undefined;
}

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/** What a member who must change their password may still do. */
const passwordChangeRoutes = new Set([
  'GET /api/v1/me',
  'POST /api/v1/me/password',
  'POST /api/v1/auth/logout',
]);

/**
 * Refuses (403) a cookie-authenticated state-changing request that a browser says comes from
 * another origin: `Sec-Fetch-Site` when sent (only `same-origin` and `none`, a typed-in request,
 * pass), else `Origin` compared with the Host the request was sent to. A request with neither
 * comes from no browser (curl, a script) and cannot be a forgery riding on a victim's cookie.
 */
function refuseCrossOrigin(request: FastifyRequest): void {
  const site = request.headers['sec-fetch-site'];
  if (typeof site === 'string') {
    if (site === 'same-origin' || site === 'none') return;
    throw new AppError('forbidden', `A ${site} request may not use the session cookie to change anything`, {
      field: 'header.sec-fetch-site',
    });
  }
  const origin = request.headers.origin;
  if (origin === undefined) return;
  let host: string | undefined;
  try {
    host = origin === 'null' ? undefined : new URL(origin).host;
  } catch {
    host = undefined;
  }
  if (host === undefined || host !== request.host)
    throw new AppError(
      'forbidden',
      'A request from another origin may not use the session cookie to change anything',
      {
        field: 'header.origin',
      },
    );
}

/**
 * Fastify compiles every route's response serializer when the app gets ready; with a hundred-odd
 * routes that is a large part of start-up (BENCHMARKS.md, start-up). Each is compiled on its
 * route's first answer instead, by the same compiler, with the same shared schemas.
 */
function lazySerializers(): ReturnType<typeof SerializerSelector> {
  const select = SerializerSelector();
  return (externalSchemas, options) => {
    const compile = select(externalSchemas, options);
    return (route) => {
      let serialize: ((data: unknown) => string) | undefined;
      return (data: unknown) => {
        serialize ??= compile(route) as (data: unknown) => string;
        return serialize(data);
      };
    };
  };
}

/** An ajv validator compiled on its first call (see lazySerializers), its errors passed on to Fastify. */
function lazyValidator(ajv: Ajv, schema: object) {
  let validate: ReturnType<Ajv['compile']> | undefined;
  const check = (data: unknown) => {
    validate ??= ajv.compile(schema);
    // No schema of ours is async ($async), so the answer is a boolean.
    const ok = validate(data) as boolean;
    check.errors = validate.errors;
    return ok;
  };
  check.errors = null as ReturnType<Ajv['compile']>['errors'];
  return check;
}

export async function buildApp(deps: Deps, logger: FastifyServerOptions['logger'] = false): Promise<App> {
  const app = Fastify({
    logger,
    schemaController: { compilersFactory: { buildSerializer: lazySerializers() } },
    bodyLimit: 256 * 1024,
    // Slow clients are cut off: the headers and body of a request must arrive within the request
    // timeout (checked every second at most), and a connection idle for two minutes is closed. A
    // live stream is a response, which neither limits; its heartbeat keeps it from being idle.
    requestTimeout: deps.config.requestTimeoutMs,
    connectionTimeout: 120_000,
    http: {
      headersTimeout: Math.min(deps.config.requestTimeoutMs, 30_000),
      connectionsCheckingInterval: Math.min(1000, Math.ceil(deps.config.requestTimeoutMs / 2)),
    },
    // Only behind a proxy the configuration names does X-Forwarded-For decide request.ip.
    trustProxy:
      typeof deps.config.trustProxy === 'number'
        ? (
            (hops: number) => (_address: string, hop: number) =>
              hop < hops
          )(deps.config.trustProxy)
        : deps.config.trustProxy,
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
  for (const ajv of [strict, coercing]) {
    ajv.addKeyword('example');
    // ajv-formats accepts a leap second (23:59:60Z) as a date-time; no instant the API stores or
    // compares can be one (it would silently become 23:59:59), so every date-time field refuses it.
    const dateTime = ajv.formats['date-time'];
    const valid = typeof dateTime === 'object' && 'validate' in dateTime ? dateTime.validate : undefined;
    if (typeof valid === 'function')
      ajv.addFormat(
        'date-time',
        (text: string) => !isLeapSecond(text) && (valid as (s: string) => boolean)(text),
      );
  }
  app.setValidatorCompiler(({ schema, httpPart }) =>
    lazyValidator(httpPart === 'body' ? strict : coercing, schema),
  );

  capConnectionsPerAddress(app.server, deps.config.maxConnectionsPerAddress);

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
    transformObject: (d) => ('openapiObject' in d ? shareProblemSchema(d.openapiObject) : d.swaggerObject),
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

  // Before every route it times: request durations, conflicts, and GET /metrics itself.
  await metricsRoutes(app as App, deps);

  // Every /api/v1 route needs a caller unless it says it is public.
  app.addHook('onRequest', async (request) => {
    if (!request.url.startsWith('/api/v1/')) return;
    const header = request.headers.authorization;
    const bearer = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
    // A cookie rides along with requests other sites make the browser send: a state-changing one
    // that relies on it must come from our own pages (SameSite=Lax alone lets top-level POSTs of a
    // sibling site through, and says nothing of old browsers).
    if (
      bearer === undefined &&
      request.cookies[sessionCookie] !== undefined &&
      !safeMethods.has(request.method)
    )
      refuseCrossOrigin(request);
    if (request.routeOptions.config?.public) return;
    let token: string | undefined;
    if (bearer !== undefined) token = bearer;
    else token = request.cookies[sessionCookie];
    if (!token || token.length > 200) throw new AppError('unauthenticated', 'Sign in or send a bearer token');
    const actor = await authenticate(deps.db, deps.clock, token);
    if (!actor) throw new AppError('unauthenticated', 'The session or token is unknown, expired or revoked');
    request.actor = actor;
    // After an admin reset the password, the member may only set a new one (or sign out).
    if (
      actor.mustChangePassword &&
      !passwordChangeRoutes.has(`${request.method} ${request.routeOptions.url}`)
    )
      throw new AppError('password-change-required', 'Set a new password first (POST /api/v1/me/password)', {
        field: 'body.newPassword',
      });
  });

  await app.register(
    async (api) => {
      for (const routes of features) await routes(api as App, deps);
    },
    { prefix: '/api/v1' },
  );
  // Outside /api/v1: calendar feeds, which calendar apps fetch with the token in the path.
  await feedDownloadRoutes(app as App, deps);
  await webRoutes(app);
  return app;
}
