import { createHash, randomBytes } from 'node:crypto';
import type { Static } from 'typebox';
import type { Db } from '../../db/store.ts';
import type { Clock } from '../../domain/clock.ts';
import { isUuid } from '../../domain/ids.ts';
import { addDays, localDate, localToInstant } from '../../domain/time.ts';
import { createBooking } from '../bookings/service.ts';
import { checkIn } from '../checkin/service.ts';
import type { Ctx } from '../context.ts';
import { AppError, invalid } from '../errors.ts';
import { insertEvent } from '../events/repository.ts';
import { requireAdmin } from '../policy.ts';
import { memberActor } from '../series/repository.ts';
import * as repo from './repository.ts';
import type {
  DisplayLink,
  DisplaySession as DisplaySessionSchema,
  DisplayState as DisplayStateSchema,
} from './schema.ts';

/** A display link as admins see it; the token itself is shown only when made. */
export type DisplayLinkView = Static<typeof DisplayLink>;

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');
/** 32 random bytes, URL-safe; "sd_" tells a leaked one apart in logs. */
const newToken = () => `sd_${randomBytes(32).toString('base64url')}`;
export const displayTokenRe = /^sd_[A-Za-z0-9_-]{43}$/;

const present = (r: repo.DisplayLinkRow): DisplayLinkView => ({
  id: r.id,
  spaceId: r.spaceId,
  spaceName: r.spaceName,
  createdAt: new Date(r.createdAt).toISOString(),
});

/** Makes a secret display link for a space (admins). The page is /display/{token}. */
export async function createDisplayLink(
  ctx: Ctx,
  spaceId: string,
): Promise<{ link: DisplayLinkView; token: string }> {
  requireAdmin(ctx.actor);
  if (!isUuid(spaceId) || !(await repo.spaceExists(ctx.db, ctx.actor.siteId, spaceId)))
    throw new AppError('not-found', 'No such space', { field: 'path.id' });
  const token = newToken();
  const row = await repo.insertDisplayLink(ctx.db, {
    siteId: ctx.actor.siteId,
    spaceId,
    tokenHash: hashToken(token),
    createdBy: ctx.actor.memberId,
    at: ctx.clock.now(),
  });
  await insertEvent(ctx.db, {
    siteId: ctx.actor.siteId,
    actorId: ctx.actor.memberId,
    type: 'display-link.created',
    subjectType: 'display-link',
    subjectId: row.id,
    after: present(row),
  });
  return { link: present(row), token };
}

export async function listDisplayLinks(ctx: Ctx): Promise<DisplayLinkView[]> {
  requireAdmin(ctx.actor);
  return (await repo.listDisplayLinks(ctx.db, ctx.actor.siteId)).map(present);
}

/** Revokes a display link: its page and its live stream stop working. */
export async function revokeDisplayLink(ctx: Ctx, id: string): Promise<void> {
  requireAdmin(ctx.actor);
  const at = ctx.clock.now();
  if (!isUuid(id) || !(await repo.revokeDisplayLink(ctx.db, ctx.actor.siteId, id, at)))
    throw new AppError('not-found', 'No such display link', { field: 'path.id' });
  await insertEvent(ctx.db, {
    siteId: ctx.actor.siteId,
    actorId: ctx.actor.memberId,
    type: 'display-link.revoked',
    subjectType: 'display-link',
    subjectId: id,
  });
}

/** The live link of a token, or not found (unknown, malformed and revoked alike). */
export async function liveLink(db: Db, token: string): Promise<repo.LiveLink> {
  const link = displayTokenRe.test(token) ? await repo.findLiveLink(db, hashToken(token)) : undefined;
  if (!link)
    throw new AppError('not-found', 'No such display (unknown or revoked link)', { field: 'path.token' });
  return link;
}

/** A session as the display shows it ("Busy" for a private one). */
export type DisplaySession = Static<typeof DisplaySessionSchema>;
/** What a room display shows now. */
export type DisplayState = Static<typeof DisplayStateSchema>;

const session = (b: repo.DisplayBookingRow): DisplaySession => ({
  title: b.visibility === 'public' ? b.title : 'Busy',
  start: new Date(b.start).toISOString(),
  end: new Date(b.end).toISOString(),
  checkedIn: b.status === 'checked_in',
});

/** What the display of a link shows now. */
export async function displayState(db: Db, clock: Clock, link: repo.LiveLink): Promise<DisplayState> {
  const now = clock.now();
  const t = now.getTime();
  const zone = link.timeZone;
  const endOfToday = localToInstant(addDays(localDate(now, zone), 1), 0, zone);
  // A day past the end of today, so a run of back-to-back sessions past midnight still ends somewhere.
  const rows = await repo.activeBookings(
    db,
    link.siteId,
    link.spaceId,
    now,
    new Date(endOfToday.getTime() + 86_400_000),
  );
  // A session checked in to early holds the space from then on.
  const begun = (b: repo.DisplayBookingRow) => new Date(b.start).getTime() <= t || b.status === 'checked_in';
  const holder = rows.find((b) => begun(b) && t < new Date(b.blockedEnd).getTime());
  let freeAt: number | null = null;
  if (holder) {
    freeAt = new Date(holder.blockedEnd).getTime();
    for (const b of rows)
      if (new Date(b.start).getTime() <= freeAt) freeAt = Math.max(freeAt, new Date(b.blockedEnd).getTime());
  }
  const current = rows.find((b) => begun(b) && t < new Date(b.end).getTime());
  const upcoming = rows.filter(
    (b) => b !== current && new Date(b.start).getTime() > t && new Date(b.start) < endOfToday,
  );
  const open = link.checkinOpenMinutes * 60_000;
  return {
    space: { id: link.spaceId, name: link.spaceName },
    timeZone: zone,
    now: now.toISOString(),
    status: holder ? 'busy' : 'free',
    current: current ? session(current) : null,
    next: upcoming.slice(0, 6).map(session),
    freeAt: freeAt === null ? null : new Date(freeAt).toISOString(),
    freeUntil: holder ? null : upcoming[0] ? new Date(upcoming[0].start).toISOString() : null,
    checkInOpen: rows.some(
      (b) =>
        b.status === 'confirmed' && new Date(b.start).getTime() - open <= t && t < new Date(b.end).getTime(),
    ),
  };
}

/**
 * Checks in at the display with the code its people see in their booking: the booking of this
 * space whose check-in window is open and whose code it is, checked in for its organizer through
 * the check-in service (so every rule of a check-in applies, and it is audited as theirs).
 */
export async function checkInAtDisplay(
  db: Db,
  clock: Clock,
  token: string,
  code: string,
): Promise<{ ok: true; session: DisplaySession } | { ok: false; freeAt: string }> {
  const link = await liveLink(db, token);
  if (!/^[0-9]{6}$/.test(code))
    throw invalid('body.code', 'The code is the six digits shown in your booking');
  const found = await repo.findByCheckinCode(db, link.siteId, link.spaceId, code, clock.now());
  const who = found ? await memberActor(db, link.siteId, found.organizerId) : undefined;
  if (!found || !who)
    throw new AppError('not-found', 'No session here is open for check-in with that code', {
      field: 'body.code',
    });
  const result = await checkIn(
    { db, clock, actor: { siteId: link.siteId, memberId: found.organizerId, ...who } },
    found.id,
  );
  if (!result.ok) return { ok: false, freeAt: result.freeAt };
  const b = result.booking;
  return {
    ok: true,
    session: {
      title: b.visibility === 'public' ? b.title : 'Busy',
      start: b.start,
      end: b.end,
      checkedIn: true,
    },
  };
}

/** The caller's own code for "book now" at a room display. */
export async function myDisplayCode(ctx: Ctx): Promise<{ code: string }> {
  const code = await repo.findDisplayCode(ctx.db, ctx.actor.siteId, ctx.actor.memberId);
  if (!code) throw new AppError('not-found', 'No such member');
  return { code };
}

/** How long "book now" at a display books for. */
export const bookNowMinutes = 30;

/**
 * "Book now for 30 minutes" at the display, for the member whose display code it is: a booking
 * from now through the booking service as that member, so every rule (opening hours, length,
 * the space's access, one person one place) and the no-overlap constraint decide.
 */
export async function bookNowAtDisplay(
  db: Db,
  clock: Clock,
  token: string,
  memberCode: string,
): Promise<{ ok: true; session: DisplaySession } | { ok: false; reason: string }> {
  const link = await liveLink(db, token);
  if (!/^[0-9]{8}$/.test(memberCode))
    throw invalid('body.memberCode', 'The member code is the eight digits shown in your settings');
  const memberId = await repo.findMemberByDisplayCode(db, link.siteId, memberCode);
  const who = memberId ? await memberActor(db, link.siteId, memberId) : undefined;
  if (!memberId || !who)
    throw new AppError('not-found', 'No member has that code', { field: 'body.memberCode' });
  // From the start of this minute: "now" must not fall into the past between here and the rule
  // check (allowPast lifts only that rule, for a start at most a minute back).
  const start = new Date(Math.floor(clock.now().getTime() / 60_000) * 60_000);
  const result = await createBooking(
    { db, clock, actor: { siteId: link.siteId, memberId, ...who } },
    {
      spaceId: link.spaceId,
      title: 'Booked at the door',
      start,
      end: new Date(start.getTime() + bookNowMinutes * 60_000),
    },
    { allowPast: true },
  );
  if (!result.ok)
    return {
      ok: false,
      reason:
        'conflicts' in result
          ? `The room is not free for the next ${bookNowMinutes} minutes`
          : 'You are already in a session then',
    };
  const b = result.booking;
  return {
    ok: true,
    session: {
      title: b.visibility === 'public' ? b.title : 'Busy',
      start: b.start,
      end: b.end,
      checkedIn: false,
    },
  };
}
