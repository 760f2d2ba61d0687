import type { Static } from 'typebox';
import type { Db } from '../../db/store.ts';
import { isValidTimeZone, parseClock } from '../../domain/time.ts';
import type { Ctx } from '../context.ts';
import { AppError, invalid } from '../errors.ts';
import { insertEvent } from '../events/repository.ts';
import { insertMember } from '../members/repository.ts';
import { requireAdmin } from '../policy.ts';
import * as repo from './repository.ts';
import type { Site } from './schema.ts';

export type SiteView = Static<typeof Site>;

export function presentSite(s: repo.SiteRow): SiteView {
  return {
    id: s.siteId,
    name: s.name,
    timeZone: s.timeZone,
    quietHours: s.quietStart && s.quietEnd ? { start: s.quietStart, end: s.quietEnd } : null,
    horizonDays: s.horizonDays,
    adjacencyMinutes: s.adjacencyMinutes,
    headsUpMinutes: s.headsUpMinutes,
    waitlistHoldMinutes: s.waitlistHoldMinutes,
  };
}

export interface SiteInput {
  name?: string | undefined;
  timeZone?: string | undefined;
  quietHours?: { start: string; end: string } | null | undefined;
  horizonDays?: number | undefined;
  adjacencyMinutes?: number | undefined;
  headsUpMinutes?: number | undefined;
  /** How long a slot freed for someone on the waitlist is held for them to accept. */
  waitlistHoldMinutes?: number | undefined;
}

/** Validates and merges site fields over the current ones (or defaults). */
export function mergeSiteFields(
  current: repo.SiteFields | undefined,
  input: SiteInput,
  field = 'body',
): repo.SiteFields {
  const timeZone = input.timeZone ?? current?.timeZone ?? 'UTC';
  if (!isValidTimeZone(timeZone)) throw invalid(`${field}.timeZone`, `${timeZone} is not an IANA time zone`);
  let quietStart = current?.quietStart ?? null;
  let quietEnd = current?.quietEnd ?? null;
  if (input.quietHours !== undefined) {
    if (input.quietHours === null) {
      quietStart = null;
      quietEnd = null;
    } else {
      if (parseClock(input.quietHours.start) === undefined || input.quietHours.start === '24:00')
        throw invalid(`${field}.quietHours.start`, 'must be HH:MM');
      if (parseClock(input.quietHours.end) === undefined || input.quietHours.end === '24:00')
        throw invalid(`${field}.quietHours.end`, 'must be HH:MM');
      quietStart = input.quietHours.start;
      quietEnd = input.quietHours.end;
    }
  }
  const headsUpMinutes = input.headsUpMinutes ?? current?.headsUpMinutes ?? 10;
  // The route's schema checks this too; callers without one (CLI, first start) rely on this check.
  if (!Number.isInteger(headsUpMinutes) || headsUpMinutes < 0 || headsUpMinutes > 240)
    throw invalid(`${field}.headsUpMinutes`, 'must be a whole number of minutes from 0 to 240');
  const waitlistHoldMinutes = input.waitlistHoldMinutes ?? current?.waitlistHoldMinutes ?? 15;
  if (!Number.isInteger(waitlistHoldMinutes) || waitlistHoldMinutes < 1 || waitlistHoldMinutes > 1440)
    throw invalid(`${field}.waitlistHoldMinutes`, 'must be a whole number of minutes from 1 to 1440');
  return {
    name: input.name ?? current?.name ?? 'Shipshape',
    timeZone,
    quietStart,
    quietEnd,
    horizonDays: input.horizonDays ?? current?.horizonDays ?? 60,
    adjacencyMinutes: input.adjacencyMinutes ?? current?.adjacencyMinutes ?? 30,
    headsUpMinutes,
    waitlistHoldMinutes,
  };
}

export async function getSite(ctx: Ctx): Promise<SiteView> {
  const s = await repo.findSite(ctx.db, ctx.actor.siteId);
  if (!s) throw new AppError('not-found', 'No such site');
  return presentSite(s);
}

/** Changes the caller's site settings (admins only). */
export async function updateSite(ctx: Ctx, input: SiteInput): Promise<SiteView> {
  requireAdmin(ctx.actor);
  return ctx.db.transaction(async (tx) => {
    const before = await repo.findSite(tx, ctx.actor.siteId);
    if (!before) throw new AppError('not-found', 'No such site');
    const fields = mergeSiteFields(before, input);
    await repo.updateSite(tx, ctx.actor.siteId, fields);
    const after = presentSite((await repo.findSite(tx, ctx.actor.siteId))!);
    await insertEvent(tx, {
      siteId: ctx.actor.siteId,
      actorId: ctx.actor.memberId,
      type: 'site.updated',
      subjectType: 'site',
      subjectId: ctx.actor.siteId,
      before: presentSite(before),
      after,
    });
    return after;
  });
}

/**
 * Creates a site and its first admin in one transaction. Used by first start, `shipshape admin
 * create --new-site`, and tests; the caller is the system, not a member.
 */
export async function createSiteWithAdmin(
  db: Db,
  input: {
    site: SiteInput;
    admin: { email: string; displayName: string; passwordHash: string | null; rank?: string };
  },
): Promise<{ siteId: string; adminId: string }> {
  const fields = mergeSiteFields(undefined, input.site);
  return db.transaction(async (tx) => {
    const siteId = await repo.insertSite(tx, fields);
    const adminId = await insertMember(tx, {
      siteId,
      email: input.admin.email,
      displayName: input.admin.displayName,
      rank: input.admin.rank ?? '',
      role: 'admin',
      passwordHash: input.admin.passwordHash,
    });
    await insertEvent(tx, {
      siteId,
      actorId: null,
      type: 'site.created',
      subjectType: 'site',
      subjectId: siteId,
      after: { ...fields, adminId },
    });
    return { siteId, adminId };
  });
}
