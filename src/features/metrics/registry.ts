import client from 'prom-client';

/**
 * The process's Prometheus metrics. One registry per process (a server process serves one store);
 * the counters are incremented where the thing happens, the gauges are read from the store at
 * scrape time (see service.ts).
 */
export const registry = new client.Registry();
// The standard process_* and nodejs_* names, as the usual dashboards expect them.
client.collectDefaultMetrics({ register: registry });

export const httpDuration = new client.Histogram({
  name: 'shipshape_http_request_duration_seconds',
  help: 'HTTP request durations by method, route (the pattern, not the path) and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [registry],
});

export const bookingsTotal = new client.Counter({
  name: 'shipshape_bookings_total',
  help: 'Bookings created and cancelled (from committed events) and requests refused as conflicting',
  labelNames: ['outcome'] as const,
  registers: [registry],
});

export const noticesDelivered = new client.Counter({
  name: 'shipshape_notices_delivered_total',
  help: 'In-app notices written from the event outbox',
  registers: [registry],
});

export const webhookDeliveries = new client.Counter({
  name: 'shipshape_webhook_deliveries_total',
  help: 'Webhook delivery attempts by result: delivered, failed (will retry), gave-up, gone (410), refused',
  labelNames: ['result'] as const,
  registers: [registry],
});

export const webhookDuration = new client.Histogram({
  name: 'shipshape_webhook_response_seconds',
  help: 'Response time of webhook receivers',
  buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15],
  registers: [registry],
});

export const emailDeliveries = new client.Counter({
  name: 'shipshape_email_messages_total',
  help: 'Email messages by result: sent, digest (one message for several notices), failed (will retry)',
  labelNames: ['result'] as const,
  registers: [registry],
});

/** Gauges set at scrape time from the store and the process. */
export const outboxLag = new client.Gauge({
  name: 'shipshape_outbox_lag_seconds',
  help: 'Age of the oldest event or message not yet handled, per outbox',
  labelNames: ['outbox'] as const,
  registers: [registry],
});

export const outboxPending = new client.Gauge({
  name: 'shipshape_outbox_pending',
  help: 'Rows waiting per outbox (notices to derive, webhook deliveries, email messages)',
  labelNames: ['outbox'] as const,
  registers: [registry],
});

export const sseConnections = new client.Gauge({
  name: 'shipshape_sse_connections',
  help: 'Open live notification streams (Server-Sent Events) in this process',
  registers: [registry],
});

export const storePool = new client.Gauge({
  name: 'shipshape_store_pool_connections',
  help: 'PostgreSQL pool connections by state (total, idle, waiting); PGlite has one, always total=1',
  labelNames: ['state'] as const,
  registers: [registry],
});
