import { timingSafeEqual } from 'node:crypto';
import type { App, Deps } from '../../http/deps.ts';
import { AppError } from '../errors.ts';
import { bookingsTotal, httpDuration } from './registry.ts';
import { scrapeMetrics } from './service.ts';

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * GET /metrics (Prometheus text; behind a bearer token when SHIPSHAPE_METRICS_TOKEN is set) and
 * the hooks that time every request. Register before the routes it should time.
 */
export async function metricsRoutes(app: App, deps: Deps): Promise<void> {
  app.addHook('onResponse', async (request, reply) => {
    // The route's pattern keeps the label set small; unmatched URLs share one label.
    const route = request.routeOptions.url ?? 'unmatched';
    httpDuration.observe(
      { method: request.method, route, status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
  app.addHook('onError', async (_request, _reply, error) => {
    if (error instanceof AppError && error.code === 'booking-conflict')
      bookingsTotal.inc({ outcome: 'conflict' });
  });
  app.get('/metrics', { config: { public: true }, schema: { hide: true } }, async (request, reply) => {
    const token = deps.config.metricsToken;
    if (token) {
      const header = request.headers.authorization ?? '';
      if (!header.startsWith('Bearer ') || !sameSecret(header.slice(7).trim(), token))
        throw new AppError(
          'unauthenticated',
          'GET /metrics needs Authorization: Bearer <SHIPSHAPE_METRICS_TOKEN>',
        );
    }
    const { contentType, body } = await scrapeMetrics(deps.db, deps.clock);
    return reply.header('content-type', contentType).header('cache-control', 'no-store').send(body);
  });
}
