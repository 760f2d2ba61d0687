import { createHash, randomBytes } from 'node:crypto';
import type { Static } from 'typebox';
import type { Queryable } from '../../db/store.ts';
import type { Clock } from '../../domain/clock.ts';
import { isUuid } from '../../domain/ids.ts';
import { zonedInstant } from '../../domain/time.ts';
import type { Ctx } from '../context.ts';
import { AppError, invalid } from '../errors.ts';
import { insertEvent } from '../events/repository.ts';
import { memberActor } from '../series/repository.ts';
import { renderFeed } from './calendar.ts';
import * as repo from './repository.ts';
import { type Feed, type FeedCreated as FeedCreatedSchema, feedScopes, type NewFeed } from './schema.ts';

export type FeedScope = repo.FeedScope;

/** A feed as its owner sees it; the token itself is shown only when made (or rotated). */
export type FeedView = Static<typeof Feed>;

/** A feed made or rotated, as the service answers it: the route adds its addresses. */
export type FeedCreated = Omit<Static<typeof FeedCreatedSchema>, 'url' | 'webcal'>;

/** At most this many bookings go into one feed (the newest are kept out past it). */
const feedLimit = 5000;

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');
/** A feed token: 32 random bytes, URL-safe; the "sf_" prefix tells a leaked one apart in logs. */
const newToken = () => `sf_${randomBytes(32).toString('base64url')}`;
export const feedTokenRe = /^sf_[A-Za-z0-9_-]{43}$/;

function present(r: repo.FeedTokenRow): FeedView {
  return {
    id: r.id,
    scope: r.scope,
    subjectId: r.subjectId,
    createdAt: new Date(r.createdAt).toISOString(),
    lastUsedAt: r.lastUsedAt ? new Date(r.lastUsedAt).toISOString() : null,
  };
}

/**
 * Who may have a feed of what: their own sessions (member), any space of the site, a squad they
 * belong to or lead. Admins any squad. A subject that is not there, or not theirs, is not found.
 */
async function authorizeSubject(ctx: Ctx, scope: FeedScope, subjectId: string): Promise<void> {
  const notFound = () => new AppError('not-found', `No such ${scope}`, { field: 'body.subjectId' });
  if (!isUuid(subjectId)) throw invalid('body.subjectId', 'body.subjectId must be an id');
  if (scope === 'member' && subjectId !== ctx.actor.memberId) throw notFound();
  if (
    scope === 'squad' &&
    ctx.actor.role !== 'admin' &&
    !ctx.actor.squadIds.includes(subjectId) &&
    !ctx.actor.leaderOf.includes(subjectId)
  )
    throw notFound();
  if (!(await repo.subjectExists(ctx.db, ctx.actor.siteId, scope, subjectId))) throw notFound();
}

async function issue(ctx: Ctx, db: Queryable, scope: FeedScope, subjectId: string): Promise<FeedCreated> {
  const token = newToken();
  const row = await repo.insertFeedToken(db, {
    siteId: ctx.actor.siteId,
    ownerId: ctx.actor.memberId,
    scope,
    subjectId,
    tokenHash: hashToken(token),
    at: ctx.clock.now(),
  });
  return { feed: present(row), token };
}

/** Makes a secret feed URL of the caller's sessions, a space or a squad. */
export async function createFeed(ctx: Ctx, input: Static<typeof NewFeed>): Promise<FeedCreated> {
  if (!feedScopes.includes(input.scope))
    throw invalid('body.scope', `body.scope must be one of ${feedScopes.join(', ')}`);
  const subjectId = input.subjectId ?? (input.scope === 'member' ? ctx.actor.memberId : undefined);
  if (!subjectId) throw invalid('body.subjectId', `A ${input.scope} feed needs body.subjectId`);
  await authorizeSubject(ctx, input.scope, subjectId);
  return ctx.db.transaction(async (tx) => {
    const made = await issue(ctx, tx, input.scope, subjectId);
    await insertEvent(tx, {
      siteId: ctx.actor.siteId,
      actorId: ctx.actor.memberId,
      type: 'feed.created',
      subjectType: 'feed',
      subjectId: made.feed.id,
      after: made.feed,
    });
    return made;
  });
}

export async function listFeeds(ctx: Ctx): Promise<FeedView[]> {
  return (await repo.listFeedTokens(ctx.db, ctx.actor.siteId, ctx.actor.memberId)).map(present);
}

async function ownFeed(ctx: Ctx, db: Queryable, id: string): Promise<repo.FeedTokenRow> {
  const row = isUuid(id) ? await repo.findFeedToken(db, ctx.actor.siteId, id) : undefined;
  if (!row || row.revokedAt || row.ownerId !== ctx.actor.memberId)
    throw new AppError('not-found', 'No such feed', { field: 'path.id' });
  return row;
}

/** Revokes a feed: its URL stops working at once. */
export async function revokeFeed(ctx: Ctx, id: string): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    const row = await ownFeed(ctx, tx, id);
    await repo.revokeFeedToken(tx, row.siteId, row.id, ctx.clock.now());
    await insertEvent(tx, {
      siteId: row.siteId,
      actorId: ctx.actor.memberId,
      type: 'feed.revoked',
      subjectType: 'feed',
      subjectId: row.id,
      before: present(row),
    });
  });
}

/** Replaces a feed's URL with a new one (the old stops working); same scope and subject. */
export async function rotateFeed(ctx: Ctx, id: string): Promise<FeedCreated> {
  return ctx.db.transaction(async (tx) => {
    const row = await ownFeed(ctx, tx, id);
    await repo.revokeFeedToken(tx, row.siteId, row.id, ctx.clock.now());
    const made = await issue(ctx, tx, row.scope, row.subjectId);
    await insertEvent(tx, {
      siteId: row.siteId,
      actorId: ctx.actor.memberId,
      type: 'feed.rotated',
      subjectType: 'feed',
      subjectId: made.feed.id,
      before: present(row),
      after: made.feed,
    });
    return made;
  });
}

/**
 * The last text rendered per feed, with the fingerprint of what it was rendered from. Calendar
 * apps fetch the same feed again and again while little changes; rendering is most of a fetch.
 * Bounded (the oldest feed dropped first); DTSTAMP in a text served again is when it was rendered.
 */
const rendered = new Map<string, { key: string; text: string }>();
const renderedMax = 500;

/**
 * The iCalendar text of the feed behind a token, as its owner may see it now; undefined when the
 * token is unknown or revoked (the caller answers 404 either way).
 */
export async function feedCalendar(
  db: Queryable,
  clock: Clock,
  token: string,
  domain: string,
): Promise<string | undefined> {
  if (!feedTokenRe.test(token)) return undefined;
  const feed = await repo.findFeedByHash(db, hashToken(token));
  if (!feed) return undefined;
  const owner = await memberActor(db, feed.siteId, feed.ownerId);
  const site = await repo.feedSite(db, feed.siteId, feed.scope, feed.subjectId);
  if (!owner || !site) return undefined;
  const now = clock.now();
  const [bookings, series] = await Promise.all([
    repo.feedBookings(db, feed.siteId, feed.scope, feed.subjectId, feed.ownerId, feedLimit),
    repo.feedSeries(db, feed.siteId, feed.scope, feed.subjectId, feed.ownerId),
  ]);
  await repo.touchFeedToken(db, feed.siteId, feed.id, now);
  const input = {
    site,
    scope: feed.scope,
    ownerIsAdmin: owner.role === 'admin',
    bookings,
    series,
    now,
    domain,
  };
  // The text is a function of the rows read above (and of the year in each zone, for the
  // VTIMEZONEs): the same rows give the same text, so a fingerprint of them keys it exactly; any
  // change to them renders anew.
  const years = [site.timeZone, ...series.map((s) => s.timeZone)].map((z) => zonedInstant(now, z).year);
  const key = createHash('sha256')
    .update(JSON.stringify({ ...input, now: years }))
    .digest('base64');
  const hit = rendered.get(feed.id);
  if (hit?.key === key) return hit.text;
  const text = renderFeed(input);
  if (rendered.size >= renderedMax && !rendered.has(feed.id)) rendered.delete(rendered.keys().next().value!);
  rendered.set(feed.id, { key, text });
  return text;
}
