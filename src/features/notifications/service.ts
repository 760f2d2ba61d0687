import type { Db, Queryable } from '../../db/store.ts';
import { localDateTime } from '../../domain/time.ts';
import { invalid } from '../../http/errors.ts';
import type { Ctx } from '../context.ts';
import { hubFor } from './live.ts';
import * as repo from './repository.ts';

/** Every kind of notice; each can be turned off per member. */
export const noticeKinds = [
  'adjacent-booking',
  'heads-up',
  'next-group-waiting',
  'booking-moved',
  'booking-released',
  'booking-cancelled',
  'added-to-series',
] as const;
export type NoticeKind = (typeof noticeKinds)[number];

export interface NoticeView {
  id: string;
  kind: string;
  title: string;
  body: string;
  bookingId: string | null;
  data: Record<string, unknown>;
  createdAt: string;
  read: boolean;
}

export function presentNotice(n: repo.NoticeRow): NoticeView {
  return {
    id: n.id,
    kind: n.kind,
    title: n.title,
    body: n.body,
    bookingId: n.bookingId,
    data: n.data,
    createdAt: new Date(n.createdAt).toISOString(),
    read: n.readAt !== null,
  };
}

/** The booking snapshot events carry (bookings' presentBooking). */
interface BookingSnapshot {
  id: string;
  spaceId: string;
  title: string;
  start: string;
  end: string;
  headcount: number;
  status: string;
  visibility?: string;
  organizer: { id: string; displayName: string } | null;
  participants?: { members: { id: string }[]; squads: { id: string }[] };
}

const active = (b: BookingSnapshot | undefined) => b?.status === 'confirmed' || b?.status === 'checked_in';
const clock = (at: Date | string, zone: string) => localDateTime(new Date(at), zone).slice(11);
const minutesBetween = (a: Date | string, b: Date | string) =>
  Math.round((new Date(b).getTime() - new Date(a).getTime()) / 60_000);

/** Notices for other bookings of the space within the adjacency window of `b`. */
async function adjacencyNotices(
  db: Queryable,
  e: repo.OutboxEvent,
  b: BookingSnapshot,
): Promise<repo.NewNotice[]> {
  const place = await repo.findPlace(db, e.siteId, b.spaceId);
  if (!place || place.adjacencyMinutes <= 0) return [];
  const start = new Date(b.start);
  const end = new Date(b.end);
  const neighbours = await repo.findAdjacent(
    db,
    e.siteId,
    b.spaceId,
    start,
    end,
    place.adjacencyMinutes,
    b.id,
  );
  if (neighbours.length === 0) return [];
  const audiences = await repo.bookingAudiences(db, e.siteId, [b.id, ...neighbours.map((n) => n.id)]);
  const own = new Set(audiences.get(b.id) ?? []);
  if (e.actorId) own.add(e.actorId);
  // A private booking shows others only that the space is busy.
  const hidden = b.visibility === 'private';
  const who = hidden ? 'Someone' : (b.organizer?.displayName ?? 'Someone');
  const out: repo.NewNotice[] = [];
  for (const n of neighbours) {
    const after = new Date(n.start).getTime() < start.getTime();
    const gap = after ? minutesBetween(n.end, start) : minutesBetween(end, n.start);
    const when = after
      ? `from ${clock(start, place.timeZone)}, ${gap} min after your session ends`
      : `until ${clock(end, place.timeZone)}, ${gap} min before your session starts`;
    const title = after
      ? `${place.spaceName} is booked right after you`
      : `${place.spaceName} is booked right before you`;
    const people = hidden ? '' : ` for ${b.headcount} ${b.headcount === 1 ? 'person' : 'people'}`;
    const body = `${who} booked ${place.spaceName}${people} ${when}.`;
    for (const memberId of audiences.get(n.id) ?? []) {
      if (own.has(memberId)) continue;
      out.push({
        siteId: e.siteId,
        memberId,
        kind: 'adjacent-booking',
        eventId: e.id,
        bookingId: n.id,
        title,
        body,
        data: {
          otherBookingId: b.id,
          organizer: hidden ? null : b.organizer,
          headcount: hidden ? null : b.headcount,
          start: b.start,
          end: b.end,
          gapMinutes: gap,
          position: after ? 'after' : 'before',
          spaceId: b.spaceId,
          spaceName: place.spaceName,
        },
        createdAt: new Date(e.at),
      });
    }
  }
  return out;
}

/** One notice of `kind` for each member behind `bookingId`, except the one who acted. */
async function audienceNotices(
  db: Queryable,
  e: repo.OutboxEvent,
  bookingId: string,
  kind: NoticeKind,
  title: string,
  body: string,
  data: Record<string, unknown>,
  opts: { includeActor?: boolean } = {},
): Promise<repo.NewNotice[]> {
  const members = await repo.bookingAudience(db, e.siteId, bookingId);
  return members
    .filter((m) => opts.includeActor || m !== e.actorId)
    .map((memberId) => ({
      siteId: e.siteId,
      memberId,
      kind,
      eventId: e.id,
      bookingId,
      title,
      body,
      data,
      createdAt: new Date(e.at),
    }));
}

/** The notices an event gives rise to. Events of other kinds give none. */
async function deriveNotices(db: Queryable, e: repo.OutboxEvent): Promise<repo.NewNotice[]> {
  const after = e.after as BookingSnapshot | undefined;
  const before = e.before as BookingSnapshot | undefined;
  switch (e.type) {
    case 'booking.created':
      return active(after) ? adjacencyNotices(db, e, after!) : [];
    case 'booking.updated': {
      const moved =
        before &&
        after &&
        (before.start !== after.start || before.end !== after.end || before.spaceId !== after.spaceId);
      return moved && active(after) ? adjacencyNotices(db, e, after!) : [];
    }
    case 'booking.moved': {
      if (!after) return [];
      const place = await repo.findPlace(db, e.siteId, after.spaceId);
      const zone = place?.timeZone ?? 'UTC';
      const where = place?.spaceName ?? 'another space';
      const message = e.reason ? ` "${e.reason}"` : '';
      const moved = await audienceNotices(
        db,
        e,
        after.id,
        'booking-moved',
        `${after.title} moved to ${where}`,
        `${after.title} now takes place in ${where} from ${clock(after.start, zone)} to ${clock(after.end, zone)}.${message}`,
        { spaceId: after.spaceId, spaceName: where, start: after.start, end: after.end, message: e.reason },
      );
      return [...moved, ...(active(after) ? await adjacencyNotices(db, e, after) : [])];
    }
    case 'booking.cancelled':
      // Occurrences cancelled with their series are told once, by the series.cancelled event.
      if (!after || (after as { bySeries?: boolean }).bySeries) return [];
      return audienceNotices(
        db,
        e,
        after.id,
        'booking-cancelled',
        `${after.title} was cancelled`,
        `${after.title} on ${after.start.slice(0, 10)} was cancelled.`,
        {
          start: after.start,
        },
      );
    case 'booking.released': {
      if (!after) return [];
      const place = await repo.findPlace(db, e.siteId, after.spaceId);
      const where = place?.spaceName ?? 'the space';
      return audienceNotices(
        db,
        e,
        after.id,
        'booking-released',
        `${after.title} was released`,
        `Nobody checked in, so ${where} was released for others.`,
        { spaceId: after.spaceId },
        { includeActor: true },
      );
    }
    case 'booking.checkin-refused': {
      const d = e.after as { holderIds: string[]; freeAt: string; waiting: BookingSnapshot };
      const place = await repo.findPlace(db, e.siteId, d.waiting.spaceId);
      const zone = place?.timeZone ?? 'UTC';
      const out: repo.NewNotice[] = [];
      for (const holder of d.holderIds)
        out.push(
          ...(await audienceNotices(
            db,
            e,
            holder,
            'next-group-waiting',
            'The next group is waiting',
            `${d.waiting.visibility === 'private' ? 'The next group' : `${d.waiting.organizer?.displayName ?? 'The next group'} (${d.waiting.headcount})`} is waiting to start${d.waiting.visibility === 'private' ? '' : ` ${d.waiting.title}`} in ${place?.spaceName ?? 'the space'} at ${clock(d.waiting.start, zone)}.`,
            { waitingBookingId: d.waiting.id, freeAt: d.freeAt },
          )),
        );
      return out;
    }
    case 'booking.heads-up': {
      const d = e.after as { booking: BookingSnapshot; next: BookingSnapshot };
      const place = await repo.findPlace(db, e.siteId, d.booking.spaceId);
      const zone = place?.timeZone ?? 'UTC';
      return audienceNotices(
        db,
        e,
        d.booking.id,
        'heads-up',
        `${d.booking.title} ends at ${clock(d.booking.end, zone)}`,
        `The next group (${d.next.visibility === 'private' ? 'a private booking' : `${d.next.organizer?.displayName ?? 'someone'}, ${d.next.headcount}`}) is due in ${place?.spaceName ?? 'the space'} at ${clock(d.next.start, zone)}.`,
        { nextBookingId: d.next.id, nextStart: d.next.start },
        { includeActor: true },
      );
    }
    case 'series.cancelled': {
      const c = e.after as {
        scope: string;
        occurrence: string | null;
        cancelled: number;
        title: string;
        memberIds?: string[];
        squadIds?: string[];
        organizerId?: string;
      };
      if (c.scope === 'one' || !c.memberIds) return [];
      const members = new Set([
        c.organizerId ?? '',
        ...c.memberIds,
        ...(await repo.squadMembers(db, e.siteId, c.squadIds ?? [])),
      ]);
      members.delete('');
      if (e.actorId) members.delete(e.actorId);
      const from = c.scope === 'following' && c.occurrence ? ` from ${c.occurrence.slice(0, 10)}` : '';
      return [...members].map((memberId) => ({
        siteId: e.siteId,
        memberId,
        kind: 'booking-cancelled' as const,
        eventId: e.id,
        bookingId: null,
        title: `${c.title} was cancelled${from}`,
        body: `The series ${c.title} was cancelled${from}: ${c.cancelled} session(s).`,
        data: { seriesId: e.subjectId, scope: c.scope, cancelled: c.cancelled },
        createdAt: new Date(e.at),
      }));
    }
    case 'series.created': {
      const s = e.after as {
        id: string;
        title: string;
        memberIds: string[];
        rrule: string;
        startTime: string;
      };
      return (s.memberIds ?? [])
        .filter((m) => m !== e.actorId)
        .map((memberId) => ({
          siteId: e.siteId,
          memberId,
          kind: 'added-to-series' as const,
          eventId: e.id,
          bookingId: null,
          title: `You were added to ${s.title}`,
          body: `${s.title}: ${s.rrule} at ${s.startTime}.`,
          data: { seriesId: s.id },
          createdAt: new Date(e.at),
        }));
    }
    default:
      return [];
  }
}

/**
 * Turns undelivered events into notices, once: the events are claimed (SKIP LOCKED), their notices
 * written and the claims removed in one transaction.
 */
export async function deliverPending(
  db: Db,
  limit = 200,
): Promise<{ claimed: number; notices: repo.NoticeRow[] }> {
  return db.transaction(async (tx) => {
    const events = await repo.claimOutbox(tx, limit);
    if (events.length === 0) return { claimed: 0, notices: [] };
    const notices: repo.NewNotice[] = [];
    for (const e of events) notices.push(...(await deriveNotices(tx, e)));
    const written = await repo.insertNotices(tx, notices);
    return { claimed: events.length, notices: written };
  });
}

/** Delivers pending events until none are left and pushes the new notices to live connections. */
export async function runDelivery(db: Db): Promise<number> {
  const batch = 200;
  let total = 0;
  for (;;) {
    const { claimed, notices } = await deliverPending(db, batch);
    hubFor(db).publish(notices);
    total += notices.length;
    // A short batch means the outbox was drained (or the rest is claimed by another server).
    if (claimed < batch) return total;
  }
}

const idRe = /^\d{1,18}$/;

/** The caller's notices after `afterId`, oldest first (the replay of a reconnecting stream). */
export async function noticesAfter(ctx: Ctx, afterId: string): Promise<repo.NoticeRow[]> {
  if (!idRe.test(afterId)) throw invalid('header.last-event-id', 'Last-Event-ID must be a notification id');
  return repo.listNoticesAfter(ctx.db, ctx.actor.siteId, ctx.actor.memberId, afterId, 500);
}

export async function listMyNotifications(
  ctx: Ctx,
  q: { before?: string | undefined; unread?: boolean | undefined; limit: number },
): Promise<{ items: NoticeView[]; unreadCount: number; nextCursor: string | null }> {
  if (q.before !== undefined && !idRe.test(q.before))
    throw invalid('query.before', 'query.before must be a notification id');
  const limit = Math.max(1, Math.min(200, Math.trunc(q.limit)));
  const rows = await repo.listNotices(ctx.db, ctx.actor.siteId, ctx.actor.memberId, {
    before: q.before,
    unreadOnly: q.unread ?? false,
    limit: limit + 1,
  });
  const items = rows.slice(0, limit).map(presentNotice);
  return {
    items,
    unreadCount: await repo.countUnread(ctx.db, ctx.actor.siteId, ctx.actor.memberId),
    nextCursor: rows.length > limit ? (items[items.length - 1]?.id ?? null) : null,
  };
}

/** Marks the caller's notices read: the listed ids, or all of them. */
export async function markNotificationsRead(
  ctx: Ctx,
  input: { ids?: string[] | undefined; all?: boolean | undefined },
): Promise<{ updated: number; unreadCount: number }> {
  if (!input.all && (!input.ids || input.ids.length === 0))
    throw invalid('body.ids', 'Send ids of notices to mark read, or all: true');
  if (input.ids?.some((id) => !idRe.test(id))) throw invalid('body.ids', 'body.ids must be notification ids');
  const updated = await repo.markRead(
    ctx.db,
    ctx.actor.siteId,
    ctx.actor.memberId,
    input.all ? undefined : input.ids,
    ctx.clock.now(),
  );
  return { updated, unreadCount: await repo.countUnread(ctx.db, ctx.actor.siteId, ctx.actor.memberId) };
}

export type Preferences = Record<NoticeKind, boolean>;

export async function getPreferences(ctx: Ctx): Promise<Preferences> {
  const rows = await repo.listPreferences(ctx.db, ctx.actor.siteId, ctx.actor.memberId);
  const prefs = Object.fromEntries(noticeKinds.map((k) => [k, true])) as Preferences;
  for (const r of rows)
    if ((noticeKinds as readonly string[]).includes(r.kind)) prefs[r.kind as NoticeKind] = r.enabled;
  return prefs;
}

/** Turns kinds on or off for the caller; unknown kinds are a field error. */
export async function setPreferences(ctx: Ctx, changes: Record<string, boolean>): Promise<Preferences> {
  for (const [kind, enabled] of Object.entries(changes)) {
    if (!(noticeKinds as readonly string[]).includes(kind))
      throw invalid(`body.${kind}`, `${kind} is not a kind of notice (${noticeKinds.join(', ')})`);
    if (typeof enabled !== 'boolean') throw invalid(`body.${kind}`, `body.${kind} must be true or false`);
  }
  await ctx.db.transaction(async (tx) => {
    for (const [kind, enabled] of Object.entries(changes))
      await repo.setPreference(tx, ctx.actor.siteId, ctx.actor.memberId, kind, enabled);
  });
  return getPreferences(ctx);
}
