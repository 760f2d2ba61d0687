import type { Static } from 'typebox';
import type { Db, Queryable } from '../../db/store.ts';
import { parseRRule } from '../../domain/recurrence.ts';
import type { Ctx } from '../context.ts';
import { doorNotices } from '../doors/notices.ts';
import { invalid } from '../errors.ts';
import { type TypedEvent, typedEvent } from '../events/types.ts';
import { noticesDelivered } from '../metrics/registry.ts';
import { hubFor } from './live.ts';
import * as repo from './repository.ts';
import type { Notice } from './schema.ts';
import { count, duration, ruleInWords, when } from './wording.ts';

/** Every kind of notice; each can be turned off per member. */
export const noticeKinds = [
  'adjacent-booking',
  'heads-up',
  'next-group-waiting',
  'booking-moved',
  'booking-released',
  'booking-cancelled',
  'added-to-series',
  'space-free',
  'door-request',
  'door-alarm',
  'partner-proposal',
  'waitlist-offer',
  'waitlist-booked',
] as const;
export type NoticeKind = (typeof noticeKinds)[number];

export type NoticeView = Static<typeof Notice>;

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
const minutesBetween = (a: Date | string, b: Date | string) =>
  Math.round((new Date(b).getTime() - new Date(a).getTime()) / 60_000);
/** "Thu 26 Nov 22:00 to 23:30": the end carries its day only when it is not the start's. */
const span = (start: Date | string, end: Date | string, zone: string, now: Date) =>
  `${when(start, zone, now)} to ${when(end, zone, new Date(start))}`;

/** What every notice takes from its event: where, who acted, which event and when. */
type EventHead = Pick<repo.OutboxEvent, 'siteId' | 'id' | 'at' | 'actorId' | 'subjectId' | 'reason'>;

/** Notices for other bookings of the space within the adjacency window of `b`. */
async function adjacencyNotices(
  db: Queryable,
  e: EventHead,
  b: BookingSnapshot,
  now: Date,
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
    const gapWords = gap === 0 ? 'right' : duration(gap);
    const when_ = after
      ? `from ${when(start, place.timeZone, now)}, ${gapWords} after your session ends`
      : `until ${when(end, place.timeZone, now)}, ${gapWords} before your session starts`;
    const title = after
      ? `${place.spaceName} is booked right after you`
      : `${place.spaceName} is booked right before you`;
    const people = hidden ? '' : ` for ${count(b.headcount, 'person', 'people')}`;
    const body = `${who} booked ${place.spaceName}${people} ${when_}.`;
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
  e: EventHead,
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
async function deriveNotices(db: Queryable, row: repo.OutboxEvent, now: Date): Promise<repo.NewNotice[]> {
  const e = typedEvent(row);
  if (!e) return [];
  switch (e.type) {
    case 'booking.created':
      return active(e.after) ? adjacencyNotices(db, e, e.after, now) : [];
    case 'booking.updated': {
      const { before, after } = e;
      const moved =
        before.start !== after.start || before.end !== after.end || before.spaceId !== after.spaceId;
      return moved && active(after) ? adjacencyNotices(db, e, after, now) : [];
    }
    case 'booking.moved': {
      const { after } = e;
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
        `${after.title} now takes place in ${where}, ${span(after.start, after.end, zone, now)}.${message}`,
        { spaceId: after.spaceId, spaceName: where, start: after.start, end: after.end, message: e.reason },
      );
      return [...moved, ...(active(after) ? await adjacencyNotices(db, e, after, now) : [])];
    }
    case 'booking.cancelled': {
      // Occurrences cancelled with their series are told once, by the series.cancelled event.
      const { after } = e;
      if (after.bySeries) return [];
      const place = await repo.findPlace(db, e.siteId, after.spaceId);
      const zone = place?.timeZone ?? 'UTC';
      return audienceNotices(
        db,
        e,
        after.id,
        'booking-cancelled',
        `${after.title} was cancelled`,
        `${after.title} in ${place?.spaceName ?? 'its space'}, ${span(after.start, after.end, zone, now)}, was cancelled.`,
        { start: after.start, end: after.end, spaceId: after.spaceId },
      );
    }
    case 'booking.released': {
      const { after } = e;
      const place = await repo.findPlace(db, e.siteId, after.spaceId);
      const zone = place?.timeZone ?? 'UTC';
      const where = place?.spaceName ?? 'the space';
      return audienceNotices(
        db,
        e,
        after.id,
        'booking-released',
        `${after.title} was released`,
        `Nobody checked in to ${after.title} (${span(after.start, after.end, zone, now)}), so ${where} was released for others.`,
        { spaceId: after.spaceId, start: after.start },
        { includeActor: true },
      );
    }
    case 'booking.checkin-refused': {
      const d = e.after;
      const place = await repo.findPlace(db, e.siteId, d.waiting.spaceId);
      const zone = place?.timeZone ?? 'UTC';
      const where = place?.spaceName ?? 'the space';
      // Who tried is named; of a private booking, its people see nothing but that a group waits.
      const hidden = d.waiting.visibility === 'private';
      const who = hidden || !e.actorId ? 'The next group' : await repo.memberName(db, e.siteId, e.actorId);
      const what = hidden ? '' : ` ${d.waiting.title}`;
      const body =
        `${who}${hidden ? ' is' : ` (${count(d.waiting.headcount, 'person', 'people')}) is`} waiting to start${what} ` +
        `in ${where} at ${when(d.waiting.start, zone, now)}` +
        (new Date(d.freeAt).getTime() !== new Date(d.waiting.start).getTime()
          ? `; your session holds it until ${when(d.freeAt, zone, now)}.`
          : '.');
      const out: repo.NewNotice[] = [];
      for (const holder of d.holderIds)
        out.push(
          ...(await audienceNotices(db, e, holder, 'next-group-waiting', 'The next group is waiting', body, {
            waitingBookingId: d.waiting.id,
            freeAt: d.freeAt,
            attempter: hidden ? null : e.actorId,
          })),
        );
      return out;
    }
    case 'booking.space-freed': {
      const d = e.after;
      const why = d.how === 'checked-out' ? 'checked out early' : 'moved out';
      const place = await repo.findPlace(db, e.siteId, d.waiting.spaceId);
      const zone = place?.timeZone ?? 'UTC';
      const where = place?.spaceName ?? 'The space';
      return audienceNotices(
        db,
        e,
        d.waiting.id,
        'space-free',
        `${where} is free`,
        `The session before yours ${why}: ${where} is free, and you can check in to ${d.waiting.title} (${span(d.waiting.start, d.waiting.end, zone, now)}).`,
        { spaceId: d.waiting.spaceId, start: d.waiting.start, freedBy: d.freedBy },
      );
    }
    case 'waitlist.offered':
    case 'waitlist.booked': {
      // Only the member who waits is told; the entry's booking is theirs.
      const d = e.after;
      const place = await repo.findPlace(db, e.siteId, d.booking.spaceId);
      const zone = place?.timeZone ?? 'UTC';
      const where = place?.spaceName ?? 'The space';
      const offered = e.type === 'waitlist.offered';
      return [
        {
          siteId: e.siteId,
          memberId: d.memberId,
          kind: offered ? 'waitlist-offer' : 'waitlist-booked',
          eventId: e.id,
          bookingId: d.booking.id,
          title: offered ? `${where} is free for you` : `Booked from the waitlist: ${where}`,
          body: offered
            ? `A slot you waited for freed: ${where}, ${span(d.booking.start, d.booking.end, zone, now)}. It is held for you until ${when(d.entry.offerExpiresAt!, zone, now)}; accept it to keep it.`
            : `A slot you waited for freed and is booked for you: ${d.booking.title} in ${where}, ${span(d.booking.start, d.booking.end, zone, now)}.`,
          data: {
            entryId: d.entry.id,
            spaceId: d.booking.spaceId,
            start: d.booking.start,
            end: d.booking.end,
            offerExpiresAt: d.entry.offerExpiresAt,
          },
          createdAt: new Date(e.at),
        },
      ];
    }
    case 'waitlist.expired': {
      // The member whose hold ran out is told; the slot has passed to the next in line.
      const d = e.after;
      if (!d.booking) return [];
      const place = await repo.findPlace(db, e.siteId, d.booking.spaceId);
      const zone = place?.timeZone ?? 'UTC';
      const where = place?.spaceName ?? 'The space';
      return [
        {
          siteId: e.siteId,
          memberId: d.memberId,
          kind: 'waitlist-offer',
          eventId: e.id,
          bookingId: d.booking.id,
          title: `Your hold on ${where} ran out`,
          body: `The slot held for you, ${where}, ${span(d.booking.start, d.booking.end, zone, now)}, was not accepted in time and has passed to the next in line. You are no longer waiting for it.`,
          data: {
            entryId: d.entry.id,
            spaceId: d.booking.spaceId,
            start: d.booking.start,
            end: d.booking.end,
          },
          createdAt: new Date(e.at),
        },
      ];
    }
    case 'booking.heads-up': {
      const d = e.after;
      const place = await repo.findPlace(db, e.siteId, d.booking.spaceId);
      const zone = place?.timeZone ?? 'UTC';
      return audienceNotices(
        db,
        e,
        d.booking.id,
        'heads-up',
        `${d.booking.title} ends at ${when(d.booking.end, zone, now)}`,
        `The next group (${d.next.visibility === 'private' ? 'a private booking' : `${d.next.organizer?.displayName ?? 'someone'}, ${count(d.next.headcount, 'person', 'people')}`}) is due in ${place?.spaceName ?? 'the space'} at ${when(d.next.start, zone, now)}.`,
        { nextBookingId: d.next.id, nextStart: d.next.start },
        { includeActor: true },
      );
    }
    case 'series.cancelled': {
      const c = e.after;
      if (c.scope === 'one' || !c.memberIds) return [];
      const members = new Set([
        c.organizerId ?? '',
        ...c.memberIds,
        ...(await repo.squadMembers(db, e.siteId, c.squadIds ?? [])),
      ]);
      members.delete('');
      if (e.actorId) members.delete(e.actorId);
      const place = c.spaceId ? await repo.findPlace(db, e.siteId, c.spaceId) : undefined;
      const zone = place?.timeZone ?? 'UTC';
      const from = c.scope === 'following' && c.occurrence ? ` from ${when(c.occurrence, zone, now)}` : '';
      const first = c.firstStart ? `, the first ${when(c.firstStart, zone, now)}` : '';
      return [...members].map((memberId) => ({
        siteId: e.siteId,
        memberId,
        kind: 'booking-cancelled' as const,
        eventId: e.id,
        bookingId: c.firstBookingId ?? null,
        title: `${c.title} was cancelled${from}`,
        body: `The series ${c.title} was cancelled${from}: ${count(c.cancelled, 'session')} cancelled${first}.`,
        data: { seriesId: e.subjectId, scope: c.scope, cancelled: c.cancelled, start: c.firstStart ?? null },
        createdAt: new Date(e.at),
      }));
    }
    case 'series.created': {
      const s = e.after;
      const place = await repo.findPlace(db, e.siteId, s.spaceId);
      const zone = place?.timeZone ?? 'UTC';
      const booked = count(s.booked ?? 0, 'session');
      const skipped = s.skipped ? `, ${s.skipped} skipped` : '';
      const first = s.firstStart ? `; the first ${when(s.firstStart, zone, now)}` : '';
      const body =
        `${s.title} in ${place?.spaceName ?? 'its space'}: ${seriesRuleWords(s.rrule)} at ${s.startTime} ` +
        `for ${duration(s.durationMinutes)}, ${booked} booked${skipped}${first}.`;
      return (s.memberIds ?? [])
        .filter((m) => m !== e.actorId)
        .map((memberId) => ({
          siteId: e.siteId,
          memberId,
          kind: 'added-to-series' as const,
          eventId: e.id,
          bookingId: s.firstBookingId ?? null,
          title: `You were added to ${s.title}`,
          body,
          data: { seriesId: s.id, start: s.firstStart ?? null },
          createdAt: new Date(e.at),
        }));
    }
    case 'partner.proposed':
    case 'partner.accepted':
    case 'partner.declined':
      return partnerNotices(db, e);
    case 'door.confirmed':
    case 'door.timed-out':
    case 'door.alarm':
      return doorNotices(db, e);
    // Read back elsewhere (webhooks, the door log), told to nobody here.
    case 'booking.checked-in':
    case 'booking.checked-out':
    case 'booking.completed':
    case 'series.changed':
    case 'door.created':
    case 'door.updated':
    case 'door.requested':
    case 'door.refused':
    case 'door.state':
    case 'door.availability':
    case 'door.alarm-cleared':
    case 'door.guest-set':
    case 'door.guest-removed':
      return [];
  }
}

/** The rule of a series in words; a rule this server did not write falls back to "repeating". */
function seriesRuleWords(rrule: string): string {
  try {
    return ruleInWords(parseRRule(rrule));
  } catch {
    return 'repeating';
  }
}

/** A proposal to train together goes to the partner (with Accept and Decline); the answer to the proposer. */
async function partnerNotices(
  db: Queryable,
  e: EventHead & Extract<TypedEvent, { type: `partner.${string}` }>,
): Promise<repo.NewNotice[]> {
  const p = e.after;
  const place = await repo.findPlace(db, e.siteId, p.space.id);
  const zone = place?.timeZone ?? 'UTC';
  const at = span(p.start, p.end, zone, new Date(e.at));
  const base = {
    siteId: e.siteId,
    kind: 'partner-proposal' as const,
    eventId: e.id,
    createdAt: new Date(e.at),
  };
  if (e.type === 'partner.proposed')
    return [
      {
        ...base,
        memberId: p.to.id,
        bookingId: null,
        title: `${p.from.displayName} proposes ${p.discipline}`,
        body: `${p.from.displayName} proposes ${p.discipline} in ${p.space.name}, ${at}. Accept to book it for you both.`,
        data: {
          proposalId: p.id,
          actions: ['accept', 'decline'],
          start: p.start,
          end: p.end,
          spaceId: p.space.id,
        },
      },
    ];
  const accepted = e.type === 'partner.accepted';
  return [
    {
      ...base,
      memberId: p.from.id,
      bookingId: accepted ? p.bookingId : null,
      title: `${p.to.displayName} ${accepted ? 'accepted' : 'declined'} ${p.discipline}`,
      body: accepted
        ? `${p.to.displayName} accepted: ${p.discipline} in ${p.space.name}, ${at}, is booked.`
        : `${p.to.displayName} declined ${p.discipline} in ${p.space.name}, ${at}.`,
      data: { proposalId: p.id, start: p.start, end: p.end, spaceId: p.space.id },
    },
  ];
}

/**
 * Turns undelivered events into notices, once: the events are claimed (SKIP LOCKED), their notices
 * written and the claims removed in one transaction.
 */
export async function deliverPending(
  db: Db,
  limit = 200,
  now: () => Date = () => new Date(),
): Promise<{ claimed: number; notices: repo.NoticeRow[] }> {
  return db.transaction(async (tx) => {
    const events = await repo.claimOutbox(tx, limit);
    if (events.length === 0) return { claimed: 0, notices: [] };
    const notices: repo.NewNotice[] = [];
    // The words are written as of now: "today" is the site's day when the notice is written.
    const at = now();
    for (const e of events) notices.push(...(await deriveNotices(tx, e, at)));
    const written = await repo.insertNotices(tx, notices);
    return { claimed: events.length, notices: written };
  });
}

/**
 * Delivers pending events until none are left and pushes the new notices to live connections.
 * `now` is the server's clock: notice texts leave out the day when it is today.
 */
export async function runDelivery(db: Db, now: () => Date = () => new Date()): Promise<number> {
  const batch = 200;
  let total = 0;
  for (;;) {
    const { claimed, notices } = await deliverPending(db, batch, now);
    hubFor(db).publish(notices);
    noticesDelivered.inc(notices.length);
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
