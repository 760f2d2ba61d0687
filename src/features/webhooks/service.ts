import { randomBytes } from 'node:crypto';
import type { Static } from 'typebox';
import type { Db } from '../../db/store.ts';
import type { Clock } from '../../domain/clock.ts';
import { isUuid } from '../../domain/ids.ts';
import type { BookingSnapshot } from '../bookings/service.ts';
import type { Ctx } from '../context.ts';
import { AppError, checkVersion, invalid } from '../errors.ts';
import { insertEvent } from '../events/repository.ts';
import { typedEvent } from '../events/types.ts';
import { bookingsTotal, webhookDeliveries, webhookDuration } from '../metrics/registry.ts';
import { insertNotices } from '../notifications/repository.ts';
import { requireAdmin } from '../policy.ts';
import type { SeriesView } from '../series/service.ts';
import * as repo from './repository.ts';
import type {
  Delivery,
  DeliveryPage,
  Endpoint,
  EndpointCreated,
  EndpointPatch,
  EventTypeOffered,
  NewEndpoint,
} from './schema.ts';
import { isPrivateHost, type SendResult, sendSigned } from './sender.ts';

/** An endpoint as admins see it (the secret only when made). */
export type EndpointView = Static<typeof Endpoint>;

export function presentEndpoint(e: repo.EndpointRow): EndpointView {
  return {
    id: e.id,
    url: e.url,
    description: e.description,
    eventTypes: e.eventTypes,
    enabled: e.enabled,
    disabledReason: e.disabledReason,
    version: e.version,
    createdAt: new Date(e.createdAt).toISOString(),
    updatedAt: new Date(e.updatedAt).toISOString(),
  };
}

/** A delivery of the log (messageId: the webhook-id header, the same on every attempt). */
export type DeliveryView = Static<typeof Delivery>;

const messageId = (deliveryId: string) => `msg_${deliveryId}`;

function presentDelivery(d: repo.DeliveryRow): DeliveryView {
  return {
    id: d.id,
    messageId: messageId(d.id),
    eventId: d.eventId,
    eventType: d.eventType,
    eventAt: new Date(d.eventAt).toISOString(),
    status: d.status,
    attempts: d.attempts,
    nextAttemptAt: d.status === 'pending' ? new Date(d.nextAttemptAt).toISOString() : null,
    lastStatus: d.lastStatus,
    lastError: d.lastError,
    lastResponseMs: d.lastMs,
    deliveredAt: d.deliveredAt ? new Date(d.deliveredAt).toISOString() : null,
  };
}

/** The event types an endpoint can ask for, in words for the admin who picks them. */
export const webhookEventTypes: readonly Static<typeof EventTypeOffered>[] = [
  { type: 'booking.*', description: 'Every booking event' },
  { type: 'booking.created', description: 'A session is booked' },
  { type: 'booking.updated', description: 'A session is changed (title, people, times)' },
  { type: 'booking.moved', description: 'A session moves to another space or time' },
  { type: 'booking.cancelled', description: 'A session is cancelled' },
  { type: 'booking.checked-in', description: 'Someone checks in to a session' },
  { type: 'booking.checked-out', description: 'A session is checked out early' },
  { type: 'booking.completed', description: 'A session ends' },
  { type: 'booking.released', description: 'A session is released because nobody checked in' },
  { type: 'series.*', description: 'Every series event' },
  { type: 'series.created', description: 'A repeating series is booked' },
  { type: 'series.changed', description: 'A series is changed' },
  { type: 'series.cancelled', description: 'A series (or part of it) is cancelled' },
];

/** The event types endpoints can ask for (admins). */
export function listEventTypes(ctx: Ctx): Static<typeof EventTypeOffered>[] {
  requireAdmin(ctx.actor);
  return [...webhookEventTypes];
}

/** Event types an endpoint can ask for: a booking or series event, or all of one ("booking.*"). */
const eventTypeRe = /^(booking|series)\.(\*|[a-z][a-z-]{0,40})$/;

function cleanUrl(url: string, allowPrivate: boolean): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid('body.url', 'The URL must be a full address, such as https://galley.example/hooks');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
    throw invalid('body.url', 'The URL must start with http:// or https://');
  if (parsed.username || parsed.password)
    throw invalid(
      'body.url',
      'The URL must not carry a user name or password (the signature proves the sender)',
    );
  if (!allowPrivate && isPrivateHost(parsed.hostname))
    throw invalid(
      'body.url',
      'The URL points at a private or loopback address, which this server does not send to (SHIPSHAPE_WEBHOOK_ALLOW_PRIVATE=true allows it)',
    );
  return parsed.toString();
}

function cleanTypes(types: string[] | undefined): string[] | undefined {
  if (types === undefined) return undefined;
  for (const [i, t] of types.entries())
    if (!eventTypeRe.test(t))
      throw invalid(
        `body.eventTypes.${i}`,
        `"${t}" is not an event type an endpoint can ask for (booking.* or series.* ones)`,
      );
  return [...new Set(types)];
}

/** Registers an endpoint (admins); answers it with its signing secret, shown this once. */
export async function createEndpoint(
  ctx: Ctx,
  allowPrivate: boolean,
  input: Static<typeof NewEndpoint>,
): Promise<Static<typeof EndpointCreated>> {
  requireAdmin(ctx.actor);
  const url = cleanUrl(input.url, allowPrivate);
  const eventTypes = cleanTypes(input.eventTypes) ?? [];
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  return ctx.db.transaction(async (tx) => {
    const row = await repo.insertEndpoint(tx, {
      siteId: ctx.actor.siteId,
      url,
      description: input.description?.trim() ?? '',
      eventTypes,
      secret,
      createdBy: ctx.actor.memberId,
      at: ctx.clock.now(),
    });
    await insertEvent(tx, {
      siteId: ctx.actor.siteId,
      actorId: ctx.actor.memberId,
      type: 'webhook.created',
      subjectType: 'webhook',
      subjectId: row.id,
      after: presentEndpoint(row),
    });
    return { endpoint: presentEndpoint(row), secret };
  });
}

export async function listEndpoints(ctx: Ctx): Promise<EndpointView[]> {
  requireAdmin(ctx.actor);
  return (await repo.listEndpoints(ctx.db, ctx.actor.siteId)).map(presentEndpoint);
}

async function endpointOf(ctx: Ctx, id: string, lock = false): Promise<repo.EndpointRow> {
  requireAdmin(ctx.actor);
  const row = isUuid(id) ? await repo.findEndpoint(ctx.db, ctx.actor.siteId, id, { lock }) : undefined;
  if (!row) throw new AppError('not-found', 'No such webhook endpoint', { field: 'path.id' });
  return row;
}

export async function getEndpoint(ctx: Ctx, id: string): Promise<EndpointView> {
  return presentEndpoint(await endpointOf(ctx, id));
}

/** Changes an endpoint; turning it on again clears why it was turned off. */
export async function updateEndpoint(
  ctx: Ctx,
  allowPrivate: boolean,
  id: string,
  expectedVersion: number | undefined,
  p: Static<typeof EndpointPatch>,
): Promise<EndpointView> {
  const url = p.url === undefined ? undefined : cleanUrl(p.url, allowPrivate);
  const eventTypes = cleanTypes(p.eventTypes);
  return ctx.db.transaction(async (tx) => {
    const before = await endpointOf({ ...ctx, db: tx }, id, true);
    checkVersion(before.version, expectedVersion, 'webhook endpoint');
    const after = (await repo.updateEndpoint(
      tx,
      before.siteId,
      before.id,
      {
        ...(url !== undefined ? { url } : {}),
        ...(eventTypes !== undefined ? { eventTypes } : {}),
        ...(p.description !== undefined ? { description: p.description.trim() } : {}),
        ...(p.enabled !== undefined
          ? { enabled: p.enabled, disabledReason: p.enabled ? null : 'turned off by an admin' }
          : {}),
      },
      ctx.clock.now(),
    ))!;
    await insertEvent(tx, {
      siteId: before.siteId,
      actorId: ctx.actor.memberId,
      type: 'webhook.updated',
      subjectType: 'webhook',
      subjectId: before.id,
      before: presentEndpoint(before),
      after: presentEndpoint(after),
    });
    return presentEndpoint(after);
  });
}

export async function deleteEndpoint(ctx: Ctx, id: string): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    const before = await endpointOf({ ...ctx, db: tx }, id, true);
    await repo.deleteEndpoint(tx, before.siteId, before.id);
    await insertEvent(tx, {
      siteId: before.siteId,
      actorId: ctx.actor.memberId,
      type: 'webhook.deleted',
      subjectType: 'webhook',
      subjectId: before.id,
      before: presentEndpoint(before),
    });
  });
}

/** The delivery log of an endpoint, newest first. */
export async function listDeliveries(
  ctx: Ctx,
  id: string,
  q: { before?: string | undefined; limit: number },
): Promise<Static<typeof DeliveryPage>> {
  const e = await endpointOf(ctx, id);
  if (q.before !== undefined && !/^\d{1,18}$/.test(q.before))
    throw invalid('query.before', 'query.before must be a delivery id');
  const limit = Math.max(1, Math.min(200, Math.trunc(q.limit)));
  const rows = await repo.listDeliveries(ctx.db, e.siteId, e.id, q.before, limit + 1);
  const items = rows.slice(0, limit).map(presentDelivery);
  return { items, nextCursor: rows.length > limit ? (items[items.length - 1]?.id ?? null) : null };
}

/** "Send again": the delivery goes back in the queue, due now, with the same webhook-id. */
export async function resendDelivery(ctx: Ctx, id: string, deliveryId: string): Promise<DeliveryView> {
  if (!/^\d{1,18}$/.test(deliveryId))
    throw invalid('path.deliveryId', 'path.deliveryId must be a delivery id');
  return ctx.db.transaction(async (tx) => {
    const e = await endpointOf({ ...ctx, db: tx }, id);
    const row = await repo.requeueDelivery(tx, e.siteId, e.id, deliveryId, ctx.clock.now());
    if (!row) throw new AppError('not-found', 'No such delivery', { field: 'path.deliveryId' });
    await insertEvent(tx, {
      siteId: e.siteId,
      actorId: ctx.actor.memberId,
      type: 'webhook.resent',
      subjectType: 'webhook',
      subjectId: e.id,
      after: { deliveryId, eventId: row.eventId },
    });
    return presentDelivery(row);
  });
}

/**
 * Seconds to wait after the n-th failed attempt (1-based): exponential steps over about a day
 * (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h: the Standard Webhooks reference schedule), each
 * with ±20% jitter so that many endpoints failing together do not retry in step.
 */
export const retrySchedule = [5, 300, 1800, 7200, 18_000, 36_000, 36_000];

export function retryDelayMs(failedAttempts: number, random = Math.random): number | undefined {
  const base = retrySchedule[failedAttempts - 1];
  if (base === undefined) return undefined;
  return Math.round(base * 1000 * (0.8 + 0.4 * random()));
}

/**
 * What a delivered event is about: the booking as an admin sees it (for a notice-like event, the
 * booking it is about) or the series as it was (as made for series.created). Null for a booking or
 * series event without one; neither for other types (which are not delivered).
 */
function subjectOf(d: repo.PendingDelivery): {
  booking?: BookingSnapshot | null;
  series?: SeriesView | null;
} {
  const e = typedEvent({ type: d.eventType, before: d.before, after: d.after });
  switch (e?.type) {
    case 'booking.created':
    case 'booking.updated':
    case 'booking.moved':
    case 'booking.cancelled':
    case 'booking.released':
    case 'booking.checked-in':
    case 'booking.checked-out':
    case 'booking.completed':
      return { booking: e.after };
    case 'booking.checkin-refused':
    case 'booking.space-freed':
      return { booking: e.after.waiting };
    case 'booking.heads-up':
      return { booking: e.after.booking };
    case 'series.created':
      return { series: e.after };
    case 'series.cancelled':
    case 'series.changed':
      return { series: e.before };
  }
  if (d.eventType.startsWith('booking.')) return { booking: null };
  if (d.eventType.startsWith('series.')) return { series: null };
  return {};
}

/** The message body: thin (type, ids, times, version) with the booking as an admin sees it. */
export function payloadOf(d: repo.PendingDelivery, siteId: string): string {
  return JSON.stringify({
    type: d.eventType,
    timestamp: new Date(d.eventAt).toISOString(),
    data: {
      version: 1,
      eventId: d.eventId,
      siteId,
      subject: { type: d.subjectType, id: d.subjectId },
      actorId: d.actorId,
      ...subjectOf(d),
    },
  });
}

const countEvents = (events: { type: string }[]) => {
  for (const e of events) {
    if (e.type === 'booking.created') bookingsTotal.inc({ outcome: 'created' });
    else if (e.type === 'booking.cancelled') bookingsTotal.inc({ outcome: 'cancelled' });
  }
};

export interface DeliveryOptions {
  allowPrivate: boolean;
  timeoutMs?: number;
  /** How long one server keeps an endpoint before handing it back (a lease; renewed per run). */
  leaseMs?: number;
  random?: () => number;
}

/** Turns an endpoint off (410 or gave up) and tells the site's admins, in one transaction. */
async function disableEndpoint(db: Db, ep: repo.LeasedEndpoint, reason: string, now: Date): Promise<void> {
  await db.transaction(async (tx) => {
    const before = await repo.findEndpoint(tx, ep.siteId, ep.id, { lock: true });
    if (!before?.enabled) return;
    const after = (await repo.updateEndpoint(
      tx,
      ep.siteId,
      ep.id,
      { enabled: false, disabledReason: reason },
      now,
    ))!;
    await insertEvent(tx, {
      siteId: ep.siteId,
      actorId: null,
      type: 'webhook.disabled',
      subjectType: 'webhook',
      subjectId: ep.id,
      before: presentEndpoint(before),
      after: presentEndpoint(after),
      reason,
    });
    const ev = await tx.query<{ id: string }>(
      `SELECT max(id)::text AS id FROM events WHERE site_id = $1 AND subject_id = $2 AND type = 'webhook.disabled'`,
      [ep.siteId, ep.id],
    );
    const admins = await repo.siteAdmins(tx, ep.siteId);
    await insertNotices(
      tx,
      admins.map((memberId) => ({
        siteId: ep.siteId,
        memberId,
        kind: 'webhook-disabled',
        eventId: ev.rows[0]!.id,
        bookingId: null,
        title: 'A webhook endpoint was turned off',
        body: `Deliveries to ${before.url} stopped: ${reason}. Fix the receiver, then turn the endpoint on again.`,
        data: { endpointId: ep.id, url: before.url, reason },
        createdAt: now,
      })),
    );
  });
}

/**
 * Sends an endpoint's due deliveries in event order until one fails, the queue empties or time is
 * up. Messages go out one after another (the receiver gets them in event order); their attempts
 * are recorded together after each run of the queue, and always before the endpoint is handed
 * back, so a message is re-sent only if this server dies between sending and recording it.
 */
async function drainEndpoint(
  db: Db,
  clock: Clock,
  ep: repo.LeasedEndpoint,
  opts: DeliveryOptions,
  head: repo.PendingDelivery[],
): Promise<void> {
  const deadline = performance.now() + (opts.leaseMs ?? 60_000) / 2;
  const sent: repo.Attempt[] = [];
  const record = async () => {
    await repo.recordAttempts(db, ep.siteId, sent.splice(0));
  };
  let batch = head;
  try {
    while (performance.now() < deadline) {
      if (batch.length === 0) return;
      for (const d of batch) {
        const now = clock.now();
        if (new Date(d.nextAttemptAt).getTime() > now.getTime()) return; // the head waits: keep the order
        const result: SendResult = await sendSigned(
          ep.url,
          ep.secret,
          messageId(d.id),
          payloadOf(d, ep.siteId),
          {
            allowPrivate: opts.allowPrivate,
            timeoutMs: opts.timeoutMs ?? 15_000,
          },
        );
        webhookDuration.observe(result.durationMs / 1000);
        const at = clock.now();
        const attempt = { deliveryId: d.id, at, ...result };
        const ok = result.statusCode !== null && result.statusCode >= 200 && result.statusCode < 300;
        if (ok) {
          webhookDeliveries.inc({ result: 'delivered' });
          sent.push({ ...attempt, outcome: 'delivered' });
          continue;
        }
        if (result.statusCode === 410) {
          webhookDeliveries.inc({ result: 'gone' });
          sent.push({ ...attempt, outcome: 'pending' });
          await record();
          await disableEndpoint(db, ep, 'the receiver answered 410 Gone', at);
          return;
        }
        const wait = retryDelayMs(d.attempts + 1, opts.random);
        if (wait === undefined) {
          webhookDeliveries.inc({ result: 'gave-up' });
          sent.push({ ...attempt, outcome: 'failed' });
          await record();
          await disableEndpoint(
            db,
            ep,
            `delivery kept failing for a day (last: ${result.statusCode ?? result.error})`,
            at,
          );
          return;
        }
        webhookDeliveries.inc({ result: result.error?.startsWith('refused') ? 'refused' : 'failed' });
        sent.push({ ...attempt, outcome: 'pending', nextAttemptAt: new Date(at.getTime() + wait) });
        return;
      }
      // A short batch was the whole queue; what came since is fanned out by the next round.
      if (batch.length < 100) return;
      await record();
      batch = await repo.pendingDeliveries(db, ep.siteId, ep.id, 100);
    }
  } finally {
    // The attempts and the hand-back in one transaction: one wait for PGlite's one connection.
    const attempts = sent.splice(0);
    await db
      .transaction(async (tx) => {
        await repo.recordAttempts(tx, ep.siteId, attempts);
        await repo.releaseEndpoint(tx, ep.siteId, ep.id);
      })
      .catch(async (err: unknown) => {
        await repo.releaseEndpoint(db, ep.siteId, ep.id);
        throw err;
      });
  }
}

/**
 * One delivery round: fan out new events, lease every endpoint with a due head (SKIP LOCKED: two
 * servers never hold one endpoint) and read the head of each queue — one transaction, so one wait
 * for PGlite's one connection — then drain the endpoints side by side. At least once: a server that
 * dies mid-send leaves the delivery pending, and the lease runs out for another to retry it.
 */
export async function deliverWebhooks(db: Db, clock: Clock, opts: DeliveryOptions): Promise<void> {
  for (;;) {
    const round = await db.transaction(async (tx) => {
      const now = clock.now();
      const events = await repo.fanOut(tx, now, 500);
      const leased = await repo.leaseEndpoints(tx, now, opts.leaseMs ?? 60_000, 20);
      const heads: repo.PendingDelivery[][] = [];
      for (const ep of leased) heads.push(await repo.pendingDeliveries(tx, ep.siteId, ep.id, 100));
      return { events, leased, heads };
    });
    countEvents(round.events);
    await Promise.all(round.leased.map((ep, i) => drainEndpoint(db, clock, ep, opts, round.heads[i]!)));
    if (round.events.length < 500 && round.leased.length < 20) return;
  }
}
