import type { Queryable } from '../../db/store.ts';

const iso = (d: Date) => d.toISOString();

export interface EndpointRow {
  id: string;
  siteId: string;
  url: string;
  description: string;
  eventTypes: string[];
  secret: string;
  enabled: boolean;
  disabledReason: string | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

const endpointColumns = `id, site_id AS "siteId", url, description, array_to_json(event_types) AS "eventTypes", secret,
  enabled, disabled_reason AS "disabledReason", version, created_at AS "createdAt", updated_at AS "updatedAt"`;

export async function insertEndpoint(
  db: Queryable,
  e: {
    siteId: string;
    url: string;
    description: string;
    eventTypes: string[];
    secret: string;
    createdBy: string;
    at: Date;
  },
): Promise<EndpointRow> {
  const res = await db.query<EndpointRow>(
    `INSERT INTO webhook_endpoints (site_id, url, description, event_types, secret, created_by, created_at, updated_at)
     VALUES ($1, $2, $3, $4::text[], $5, $6, $7::timestamptz, $7::timestamptz) RETURNING ${endpointColumns}`,
    [e.siteId, e.url, e.description, e.eventTypes, e.secret, e.createdBy, iso(e.at)],
  );
  return res.rows[0]!;
}

export async function listEndpoints(db: Queryable, siteId: string): Promise<EndpointRow[]> {
  const res = await db.query<EndpointRow>(
    `SELECT ${endpointColumns} FROM webhook_endpoints WHERE site_id = $1 ORDER BY created_at, id`,
    [siteId],
  );
  return res.rows;
}

export async function findEndpoint(
  db: Queryable,
  siteId: string,
  id: string,
  opts: { lock?: boolean } = {},
): Promise<EndpointRow | undefined> {
  const res = await db.query<EndpointRow>(
    `SELECT ${endpointColumns} FROM webhook_endpoints WHERE site_id = $1 AND id = $2${opts.lock ? ' FOR UPDATE' : ''}`,
    [siteId, id],
  );
  return res.rows[0];
}

export async function updateEndpoint(
  db: Queryable,
  siteId: string,
  id: string,
  c: {
    url?: string;
    description?: string;
    eventTypes?: string[];
    enabled?: boolean;
    disabledReason?: string | null;
  },
  at: Date,
): Promise<EndpointRow | undefined> {
  const res = await db.query<EndpointRow>(
    `UPDATE webhook_endpoints SET url = COALESCE($3, url), description = COALESCE($4, description),
            event_types = COALESCE($5::text[], event_types), enabled = COALESCE($6, enabled),
            disabled_reason = CASE WHEN $7::boolean THEN $8 ELSE disabled_reason END,
            version = version + 1, updated_at = $9::timestamptz
      WHERE site_id = $1 AND id = $2 RETURNING ${endpointColumns}`,
    [
      siteId,
      id,
      c.url ?? null,
      c.description ?? null,
      c.eventTypes ?? null,
      c.enabled ?? null,
      c.disabledReason !== undefined,
      c.disabledReason ?? null,
      iso(at),
    ],
  );
  return res.rows[0];
}

export async function deleteEndpoint(db: Queryable, siteId: string, id: string): Promise<void> {
  await db.query('DELETE FROM webhook_endpoints WHERE site_id = $1 AND id = $2', [siteId, id]);
}

/**
 * Fans committed events out to the endpoints that want them: claims up to `limit` outbox rows
 * (SKIP LOCKED, so a second server takes others), writes one delivery per matching enabled
 * endpoint, removes the claimed rows — one statement, so it all commits or none. An endpoint
 * wants a type when its list is empty, names the type, or names its prefix ("booking.*").
 * Only booking and series events go out. Answers the claimed events' types.
 */
export async function fanOut(db: Queryable, now: Date, limit: number): Promise<{ type: string }[]> {
  const res = await db.query<{ type: string }>(
    `WITH claimed AS (
       SELECT site_id, event_id FROM webhook_outbox ORDER BY event_id LIMIT $1 FOR UPDATE SKIP LOCKED),
     gone AS (
       DELETE FROM webhook_outbox o USING claimed c
        WHERE o.site_id = c.site_id AND o.event_id = c.event_id RETURNING o.site_id, o.event_id),
     evs AS (
       SELECT e.site_id, e.id, e.type, e.at FROM gone g JOIN events e ON e.site_id = g.site_id AND e.id = g.event_id),
     made AS (
       INSERT INTO webhook_deliveries (site_id, endpoint_id, event_id, event_type, event_at, next_attempt_at)
       SELECT evs.site_id, w.id, evs.id, evs.type, evs.at, $2::timestamptz
         FROM evs JOIN webhook_endpoints w ON w.site_id = evs.site_id AND w.enabled
        WHERE (evs.type LIKE 'booking.%' OR evs.type LIKE 'series.%')
          AND (cardinality(w.event_types) = 0 OR evs.type = ANY(w.event_types)
               OR split_part(evs.type, '.', 1) || '.*' = ANY(w.event_types))
        ORDER BY evs.id
       ON CONFLICT DO NOTHING RETURNING 1)
     SELECT type FROM evs`,
    [limit, iso(now)],
  );
  return res.rows;
}

export interface LeasedEndpoint {
  siteId: string;
  id: string;
  url: string;
  secret: string;
}

/**
 * Leases up to `limit` enabled endpoints whose oldest pending delivery is due and that no other
 * server is delivering to; the lease lasts `leaseMs`. Deliveries of an endpoint go out in event
 * order, so only the head of its queue decides whether it is due.
 */
export async function leaseEndpoints(
  db: Queryable,
  now: Date,
  leaseMs: number,
  limit: number,
): Promise<LeasedEndpoint[]> {
  const res = await db.query<LeasedEndpoint>(
    `UPDATE webhook_endpoints w SET leased_until = $1::timestamptz + make_interval(secs => $2::double precision / 1000)
      WHERE (w.site_id, w.id) IN (
        SELECT e.site_id, e.id FROM webhook_endpoints e
         WHERE e.enabled AND (e.leased_until IS NULL OR e.leased_until < $1::timestamptz)
           AND (SELECT d.next_attempt_at FROM webhook_deliveries d
                 WHERE d.site_id = e.site_id AND d.endpoint_id = e.id AND d.status = 'pending'
                 ORDER BY d.event_id LIMIT 1) <= $1::timestamptz
         LIMIT $3 FOR UPDATE SKIP LOCKED)
      RETURNING w.site_id AS "siteId", w.id, w.url, w.secret`,
    [iso(now), leaseMs, limit],
  );
  return res.rows;
}

export async function releaseEndpoint(db: Queryable, siteId: string, id: string): Promise<void> {
  await db.query('UPDATE webhook_endpoints SET leased_until = NULL WHERE site_id = $1 AND id = $2', [
    siteId,
    id,
  ]);
}

export interface PendingDelivery {
  id: string;
  eventId: string;
  eventType: string;
  eventAt: Date;
  attempts: number;
  nextAttemptAt: Date;
  subjectType: string;
  subjectId: string | null;
  actorId: string | null;
  before: unknown;
  after: unknown;
}

/** The next pending deliveries of an endpoint, in event order, with their events. */
export async function pendingDeliveries(
  db: Queryable,
  siteId: string,
  endpointId: string,
  limit: number,
): Promise<PendingDelivery[]> {
  const res = await db.query<PendingDelivery>(
    `SELECT d.id::text AS id, d.event_id::text AS "eventId", d.event_type AS "eventType", d.event_at AS "eventAt",
            d.attempts, d.next_attempt_at AS "nextAttemptAt", e.subject_type AS "subjectType",
            e.subject_id AS "subjectId", e.actor_id AS "actorId", e.before, e.after
       FROM webhook_deliveries d JOIN events e ON e.site_id = d.site_id AND e.id = d.event_id
      WHERE d.site_id = $1 AND d.endpoint_id = $2 AND d.status = 'pending'
      ORDER BY d.event_id LIMIT $3`,
    [siteId, endpointId, limit],
  );
  return res.rows;
}

/** One attempt of a delivery and its outcome. */
export interface Attempt {
  deliveryId: string;
  at: Date;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  /** delivered, failed (given up), or pending with the next attempt's time. */
  outcome: 'delivered' | 'failed' | 'pending';
  nextAttemptAt?: Date | undefined;
}

/**
 * Records attempts of one site's deliveries and their outcomes, in one statement: a sender records
 * a run of messages at once, not one round trip each (on PGlite's one connection that halves the
 * store work per message).
 */
export async function recordAttempts(db: Queryable, siteId: string, attempts: Attempt[]): Promise<void> {
  if (attempts.length === 0) return;
  await db.query(
    `WITH input AS (
       SELECT * FROM unnest($2::bigint[], $3::text[], $4::int[], $5::text[], $6::int[], $7::timestamptz[], $8::timestamptz[])
                 AS i(id, outcome, status_code, error, duration_ms, next_at, at)),
     d AS (
       UPDATE webhook_deliveries w SET attempts = w.attempts + 1, status = i.outcome, last_status = i.status_code,
              last_error = i.error, last_ms = i.duration_ms, next_attempt_at = COALESCE(i.next_at, w.next_attempt_at),
              delivered_at = CASE WHEN i.outcome = 'delivered' THEN i.at ELSE w.delivered_at END
         FROM input i WHERE w.site_id = $1 AND w.id = i.id
       RETURNING w.id, w.attempts, i.at, i.status_code, i.error, i.duration_ms)
     INSERT INTO webhook_attempts (site_id, delivery_id, attempt, at, status_code, error, duration_ms)
     SELECT $1, d.id, d.attempts, d.at, d.status_code, d.error, d.duration_ms FROM d`,
    [
      siteId,
      attempts.map((a) => a.deliveryId),
      attempts.map((a) => a.outcome),
      attempts.map((a) => a.statusCode),
      attempts.map((a) => a.error),
      attempts.map((a) => a.durationMs),
      attempts.map((a) => (a.nextAttemptAt ? iso(a.nextAttemptAt) : null)),
      attempts.map((a) => iso(a.at)),
    ],
  );
}

export interface DeliveryRow {
  id: string;
  endpointId: string;
  eventId: string;
  eventType: string;
  eventAt: Date;
  status: string;
  attempts: number;
  nextAttemptAt: Date;
  lastStatus: number | null;
  lastError: string | null;
  lastMs: number | null;
  deliveredAt: Date | null;
}

const deliveryColumns = `id::text AS id, endpoint_id AS "endpointId", event_id::text AS "eventId", event_type AS "eventType",
  event_at AS "eventAt", status, attempts, next_attempt_at AS "nextAttemptAt", last_status AS "lastStatus",
  last_error AS "lastError", last_ms AS "lastMs", delivered_at AS "deliveredAt"`;

/** An endpoint's delivery log, newest first, before the id `before` when given. */
export async function listDeliveries(
  db: Queryable,
  siteId: string,
  endpointId: string,
  before: string | undefined,
  limit: number,
): Promise<DeliveryRow[]> {
  const res = await db.query<DeliveryRow>(
    // Ordered by the table's bigint id, not the text alias of the same name.
    `SELECT ${deliveryColumns} FROM webhook_deliveries d
      WHERE d.site_id = $1 AND d.endpoint_id = $2 AND ($3::bigint IS NULL OR d.id < $3::bigint)
      ORDER BY d.id DESC LIMIT $4`,
    [siteId, endpointId, before ?? null, limit],
  );
  return res.rows;
}

/** Puts a delivery back in the queue, due now ("send again"); keeps its id (the webhook-id). */
export async function requeueDelivery(
  db: Queryable,
  siteId: string,
  endpointId: string,
  id: string,
  now: Date,
): Promise<DeliveryRow | undefined> {
  const res = await db.query<DeliveryRow>(
    `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = $4::timestamptz
      WHERE site_id = $1 AND endpoint_id = $2 AND id = $3::bigint RETURNING ${deliveryColumns}`,
    [siteId, endpointId, id, iso(now)],
  );
  return res.rows[0];
}

/** Admins of a site, who hear about an endpoint that was turned off. */
export async function siteAdmins(db: Queryable, siteId: string): Promise<string[]> {
  const res = await db.query<{ id: string }>(`SELECT id FROM members WHERE site_id = $1 AND role = 'admin'`, [
    siteId,
  ]);
  return res.rows.map((r) => r.id);
}

/** Age in seconds of the oldest pending delivery (0 when none); for the metrics. */
export async function oldestPendingAge(db: Queryable, now: Date): Promise<number> {
  const res = await db.query<{ age: number | null }>(
    `SELECT EXTRACT(EPOCH FROM ($1::timestamptz - min(event_at)))::float8 AS age
       FROM webhook_deliveries WHERE status = 'pending'`,
    [iso(now)],
  );
  return Math.max(0, res.rows[0]?.age ?? 0);
}
