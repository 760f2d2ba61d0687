import type { Static } from 'typebox';
import { freeIntervals } from '../../domain/availability.ts';
import { findTimes } from '../../domain/find-time.ts';
import { freeTime, intersect, quietPeriods } from '../../domain/free-time.ts';
import { isUuid } from '../../domain/ids.ts';
import type { Interval } from '../../domain/intervals.ts';
import { openPeriods } from '../../domain/opening-hours.ts';
import { fairness, type Rating, winProbability } from '../../domain/ratings.ts';
import { parseInstant } from '../../domain/time.ts';
import { mayBook } from '../bookings/policy.ts';
import { type BookingResult, createBooking } from '../bookings/service.ts';
import type { Actor, Ctx } from '../context.ts';
import * as disciplines from '../disciplines/repository.ts';
import { currentRating, requireDiscipline } from '../disciplines/service.ts';
import { AppError, invalid, ruleViolation } from '../errors.ts';
import { insertEvent } from '../events/repository.ts';
import { rosterBusy } from '../rosters/roster-cache.ts';
import * as repo from './repository.ts';
import type {
  FindTime,
  FindTimeAnswer as FindTimeAnswerSchema,
  FreeTime,
  FreeTimeQuery,
  NewProposal,
  PartnerSuggestion as PartnerSuggestionSchema,
  PartnerSuggestions,
  PartnersQuery,
  Proposal,
  Ref,
  SpaceRef as SpaceRefSchema,
  Span as SpanSchema,
} from './schema.ts';

/**
 * Free time, partner suggestions, finding a time (and a space) that suits everyone, and partner
 * proposals. Busy time comes from the bookings, participants and squad tables (active sessions),
 * duty rosters and leave; only free intervals ever leave this module, never what makes someone busy.
 */

const minute = 60_000;
const day = 86_400_000;
/** The longest window one request may ask about. */
export const maxWindowDays = 31;
/** Candidates whose free time is computed at once when suggesting partners. */
const batchSize = 40;
/** How far from now a window may lie. */
const maxReachYears = 5;
/** Candidate slots start every half hour (on the quarter-hour grid). */
const stepMs = 30 * minute;

type Span = Static<typeof SpanSchema>;
const iso = (ms: number) => new Date(ms).toISOString();
const span = (i: Interval): Span => ({ start: iso(i.start), end: iso(i.end) });

function instant(value: string | Date | undefined, field: string): Date | undefined {
  if (value === undefined) return undefined;
  const d = value instanceof Date ? value : typeof value === 'string' ? parseInstant(value) : undefined;
  if (!d || Number.isNaN(d.getTime()))
    throw invalid(field, `${field} must be an RFC 3339 instant with an offset`);
  return d;
}

function windowOf(
  from: string | Date | undefined,
  to: string | Date | undefined,
  part: 'query' | 'body',
  now: Date,
  defaultDays: number,
): Interval {
  const f = instant(from, `${part}.from`) ?? now;
  const t = instant(to, `${part}.to`) ?? new Date(f.getTime() + defaultDays * day);
  if (t.getTime() <= f.getTime()) throw invalid(`${part}.to`, `${part}.to must be after ${part}.from`);
  for (const [d, name] of [
    [f, 'from'],
    [t, 'to'],
  ] as const)
    if (Math.abs(d.getTime() - now.getTime()) > maxReachYears * 366 * day)
      throw invalid(`${part}.${name}`, `${part}.${name} must be within ${maxReachYears} years of now`);
  if (t.getTime() - f.getTime() > maxWindowDays * day)
    throw invalid(`${part}.to`, `Ask about at most ${maxWindowDays} days at a time`);
  return { start: f.getTime(), end: t.getTime() };
}

function lengthOf(value: number | undefined, field: string, fallback: number): number {
  const n = value ?? fallback;
  if (!Number.isInteger(n) || n < 5 || n > 1440)
    throw invalid(field, `${field} must be a whole number of minutes from 5 to 1440`);
  return n;
}

function pairs(flat: readonly number[]): Interval[] {
  const out: Interval[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push({ start: Number(flat[i]), end: Number(flat[i + 1]) });
  return out;
}

const actorOf = (siteId: string, p: repo.PersonRow): Actor => ({
  siteId,
  memberId: p.id,
  role: p.role,
  squadIds: p.squadIds,
  leaderOf: p.leaderOf,
});

/**
 * Free intervals of each person over `range` (domain/free-time.ts): their sessions in one read,
 * their rosters from the roster cache (read only when changed).
 */
async function freeOfPeople(
  ctx: Ctx,
  people: readonly repo.PersonRow[],
  range: Interval,
  site: repo.SiteClock,
): Promise<Map<string, Interval[]>> {
  const sessions = await repo.sessionsOf(
    ctx.db,
    ctx.actor.siteId,
    people.map((p) => p.id),
    new Date(range.start),
    new Date(range.end),
  );
  const rostered = await rosterBusy(ctx.db, ctx.actor.siteId, people, range);
  const quiet =
    site.quietStart && site.quietEnd
      ? quietPeriods({ start: site.quietStart, end: site.quietEnd, zone: site.timeZone }, range)
      : [];
  const out = new Map<string, Interval[]>();
  for (const p of people)
    out.set(
      p.id,
      freeTime(
        {
          sessions: pairs(sessions.get(p.id) ?? []),
          // The roster arrives expanded (shift occurrences and leave): busy time like leave.
          shifts: [],
          leave: rostered.get(p.id) ?? [],
          nightTraining: p.nightTraining,
        },
        quiet,
        range,
      ),
    );
  return out;
}

function spaceFree(space: repo.SpaceForFinding, range: Interval): Interval[] {
  return freeIntervals({
    range,
    open: space.openingHours === null ? null : openPeriods(space.openingHours, space.timeZone, range),
    blocked: pairs(space.blocked),
    changeoverMs: space.changeoverMinutes * minute,
  });
}

/** Why a space cannot take a booking of this length and size by these people; undefined when it can. */
function whyNotAllowed(
  space: repo.SpaceForFinding,
  bookers: readonly Actor[],
  lengthMinutes: number,
  minCapacity: number,
): string | undefined {
  if (!bookers.every((a) => mayBook(a, space))) return 'not open to everyone who would book it';
  if (space.capacity < minCapacity) return `holds ${space.capacity}, fewer than ${minCapacity}`;
  if (lengthMinutes < space.minMinutes || lengthMinutes > space.maxMinutes)
    return `bookings there last ${space.minMinutes} to ${space.maxMinutes} minutes`;
  return undefined;
}

async function requirePerson(ctx: Ctx, id: string, field: string): Promise<repo.PersonRow> {
  const p = isUuid(id)
    ? (await repo.peopleByIds(ctx.db, ctx.actor.siteId, [id.toLowerCase()]))[0]
    : undefined;
  if (!p) throw new AppError('not-found', 'No such member', { field });
  return p;
}

/** `GET /members/{id}/free`: a member's free intervals; why they are busy never shows. */
export async function getFreeTime(
  ctx: Ctx,
  memberId: string,
  q: Static<typeof FreeTimeQuery>,
): Promise<Static<typeof FreeTime>> {
  const range = windowOf(q.from, q.to, 'query', ctx.clock.now(), 7);
  const person = await requirePerson(ctx, memberId, 'path.id');
  const site = await repo.siteClock(ctx.db, ctx.actor.siteId);
  const free = (await freeOfPeople(ctx, [person], range, site)).get(person.id)!;
  return { memberId: person.id, free: free.map(span) };
}

/** A suggested partner, with the fairness of the match and shared slots. */
export type PartnerSuggestion = Static<typeof PartnerSuggestionSchema>;

const kindOrder = ['sparring', 'training', 'other', 'briefing', 'cabin'];
const bySuitability = (a: repo.SpaceForFinding, b: repo.SpaceForFinding) =>
  kindOrder.indexOf(a.kind) - kindOrder.indexOf(b.kind) ||
  a.capacity - b.capacity ||
  a.name.localeCompare(b.name);

/**
 * `GET /partners`: members training the discipline, closest match first — by the probability of a
 * fair match (Glicko-2 expected score with both deviations), then by shared free time — each with
 * up to three shared slots with a space both may book. Hidden members and the caller never appear.
 */
export async function suggestPartners(
  ctx: Ctx,
  q: Static<typeof PartnersQuery>,
): Promise<Static<typeof PartnerSuggestions>> {
  const now = ctx.clock.now();
  const window = windowOf(q.from, q.to, 'query', now, 7);
  const lengthMinutes = lengthOf(q.length, 'query.length', 60);
  const limit = Math.max(1, Math.min(100, q.limit ?? 20));
  const d = await requireDiscipline(ctx, q.discipline, 'query.discipline');
  const rows = await disciplines.disciplineMembers(ctx.db, ctx.actor.siteId, d.id);
  const mine = rows.find((r) => r.memberId === ctx.actor.memberId);
  if (!mine)
    throw ruleViolation(
      'discipline',
      'query.discipline',
      `You do not train ${d.name}: add it to your disciplines first`,
    );
  const range = { start: Math.max(window.start, now.getTime()), end: window.end };
  const site = await repo.siteClock(ctx.db, ctx.actor.siteId);
  const allSpaces = await repo.spacesForFinding(
    ctx.db,
    ctx.actor.siteId,
    new Date(range.start),
    new Date(range.end),
  );
  let spaces: repo.SpaceForFinding[] = [];
  const spaceFreeById = new Map<string, Interval[]>();
  const myRating = currentRating(mine, now);
  const lengthMs = lengthMinutes * minute;
  // Fairest first: who may be suggested is known from a light read of everyone; their details and
  // free time (the costly part) are read in batches in this order, and the search stops once
  // `limit` candidates with a slot are found. Every candidate not reached is no fairer than those
  // found (a batch takes in all ties), so the answer is the same as ranking everyone.
  const eligible = await repo.suggestable(ctx.db, ctx.actor.siteId, d.id);
  const candidates = rows
    .filter((r) => r.memberId !== ctx.actor.memberId && eligible.has(r.memberId))
    .map((row) => {
      const theirs: Rating = currentRating(row, now);
      return {
        id: row.memberId,
        name: eligible.get(row.memberId)!,
        row,
        theirs,
        fair: fairness(myRating, theirs),
      };
    })
    .sort((a, b) => b.fair - a.fair || a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  const free = new Map<string, Interval[]>();
  const items: (PartnerSuggestion & { fair: number })[] = [];
  let me: repo.PersonRow | undefined;
  let withSlots = 0;
  for (let next = 0; next < candidates.length && withSlots < limit; ) {
    let end = Math.min(candidates.length, next + batchSize);
    while (end < candidates.length && candidates[end]!.fair === candidates[end - 1]!.fair) end++;
    const ids = candidates.slice(next, end).map((c) => c.id);
    // The caller's own details and free time come with the first batch.
    const people = await repo.peopleByIds(ctx.db, ctx.actor.siteId, me ? ids : [ctx.actor.memberId, ...ids]);
    if (!me) {
      me = people.find((p) => p.id === ctx.actor.memberId)!;
      const myActor = actorOf(ctx.actor.siteId, me);
      spaces = allSpaces
        .filter((s) => whyNotAllowed(s, [myActor], lengthMinutes, 2) === undefined)
        .sort(bySuitability);
      for (const s of spaces) spaceFreeById.set(s.id, spaceFree(s, range));
    }
    const personOf = new Map(people.map((p) => [p.id, p]));
    const batch = candidates
      .slice(next, end)
      .filter((c) => personOf.has(c.id))
      .map((c) => ({ ...c, p: personOf.get(c.id)! }));
    next = end;
    if (range.end > range.start)
      for (const [id, f] of await freeOfPeople(ctx, people, range, site)) free.set(id, f);
    for (const { p, row, theirs, fair } of batch) {
      const shared = intersect(free.get(me.id) ?? [], free.get(p.id) ?? []).filter(
        (i) => i.end - i.start >= lengthMs,
      );
      const theirActor = actorOf(ctx.actor.siteId, p);
      const both = spaces.filter((s) => mayBook(theirActor, s));
      // A slot lies inside a shared stretch of the length: with none, there is no slot to look for.
      const found =
        shared.length === 0
          ? { slots: [] }
          : findTimes({
              window: range,
              lengthMs,
              stepMs,
              people: [
                { id: me.id, free: free.get(me.id) ?? [] },
                { id: p.id, free: free.get(p.id) ?? [] },
              ],
              spaces: both.map((s) => ({ id: s.id, free: spaceFreeById.get(s.id)! })),
              limit: 3,
              preference: 'earliest',
              quiet: [],
            });
      if (found.slots.length > 0) withSlots++;
      items.push({
        member: { id: p.id, displayName: p.displayName },
        level: row.level,
        rating: Math.round(theirs.rating * 100) / 100,
        rd: Math.round(theirs.rd * 100) / 100,
        winProbability: Math.round(winProbability(myRating, theirs) * 1000) / 1000,
        fairness: Math.round(fair * 1000) / 1000,
        sharedMinutes: Math.round(shared.reduce((t, i) => t + (i.end - i.start), 0) / minute),
        slots: found.slots.map((s) => ({
          ...span(s),
          space: { id: s.spaceId, name: both.find((x) => x.id === s.spaceId)!.name },
        })),
        fair,
      });
    }
  }
  items.sort(
    (a, b) =>
      Number(b.slots.length > 0) - Number(a.slots.length > 0) ||
      b.fair - a.fair ||
      b.sharedMinutes - a.sharedMinutes ||
      a.member.displayName.localeCompare(b.member.displayName) ||
      a.member.id.localeCompare(b.member.id),
  );
  return {
    discipline: { id: d.id, name: d.name },
    me: { rating: Math.round(myRating.rating * 100) / 100, rd: Math.round(myRating.rd * 100) / 100 },
    items: items.slice(0, limit).map(({ fair: _fair, ...rest }) => rest),
  };
}

/** What to find a time for (includeMe: whether the caller attends, default true; the caller books either way). */
export type FindTimeInput = Static<typeof FindTime>;

type PersonRef = Static<typeof Ref>;
type SpaceRef = Static<typeof SpaceRefSchema>;

/** Slots that suit everyone; when none, why, and the slots with the fewest people missing. */
export type FindTimeAnswer = Static<typeof FindTimeAnswerSchema>;

function idList(value: unknown, field: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.length > 200 || value.some((x) => typeof x !== 'string' || !isUuid(x)))
    throw invalid(field, `${field} must be a list of at most 200 ids`);
  return [...new Set((value as string[]).map((x) => x.toLowerCase()))];
}

/**
 * `POST /find-time`: the first slots (by preference) in which every person named — members, the
 * members of the squads, and the caller unless `includeMe` is false — is free and some space the
 * caller may book is free for the length, within opening hours, changeover, length limits,
 * capacity (default: the head count), now and the horizon. With none, says why and offers the
 * slots with the fewest people missing. Booking one goes through POST /bookings.
 */
export async function findTime(ctx: Ctx, input: FindTimeInput): Promise<FindTimeAnswer> {
  const now = ctx.clock.now();
  const window = windowOf(input.from, input.to, 'body', now, 7);
  const lengthMinutes = lengthOf(input.lengthMinutes, 'body.lengthMinutes', 60);
  const memberIds = idList(input.members, 'body.members');
  const squadIds = idList(input.squads, 'body.squads');
  const includeMe = input.includeMe ?? true;
  const preference = input.preference ?? 'earliest';
  if (preference !== 'earliest' && preference !== 'quiet')
    throw invalid('body.preference', 'body.preference must be earliest or quiet');
  const limit = input.limit ?? 5;
  if (!Number.isInteger(limit) || limit < 1 || limit > 50)
    throw invalid('body.limit', 'body.limit must be 1 to 50');
  if (input.spaceId !== undefined && (typeof input.spaceId !== 'string' || !isUuid(input.spaceId)))
    throw invalid('body.spaceId', 'body.spaceId must be an id');
  if (input.spaceKind !== undefined && !kindOrder.includes(input.spaceKind))
    throw invalid('body.spaceKind', `body.spaceKind must be one of ${kindOrder.join(', ')}`);

  const squads = await repo.squadsWithMembers(ctx.db, ctx.actor.siteId, squadIds);
  const unknownSquads = squadIds.filter((id) => !squads.some((s) => s.id === id));
  if (unknownSquads.length > 0)
    throw new AppError('not-found', `No such squad: ${unknownSquads.join(', ')}`, { field: 'body.squads' });
  const everyone = new Set([...memberIds, ...squads.flatMap((s) => s.memberIds)]);
  if (includeMe) everyone.add(ctx.actor.memberId);
  if (everyone.size === 0) throw invalid('body.members', 'Name at least one member or squad');
  if (everyone.size > 500) throw invalid('body.members', 'At most 500 people at a time');
  const people = await repo.peopleByIds(ctx.db, ctx.actor.siteId, [...everyone]);
  const unknown = memberIds.filter((id) => !people.some((p) => p.id === id));
  if (unknown.length > 0)
    throw new AppError('not-found', `No such member: ${unknown.join(', ')}`, { field: 'body.members' });
  const headcount = people.length;
  const minCapacity = input.minCapacity ?? headcount;
  if (!Number.isInteger(minCapacity) || minCapacity < 1 || minCapacity > 10_000)
    throw invalid('body.minCapacity', 'body.minCapacity must be a whole number from 1');

  const site = await repo.siteClock(ctx.db, ctx.actor.siteId);
  const lengthMs = lengthMinutes * minute;
  // Slots are bookable now: they start no earlier than now and no later than the horizon.
  const range = {
    start: Math.max(window.start, now.getTime()),
    end: Math.min(window.end, now.getTime() + site.horizonDays * day + lengthMs),
  };
  const ref = (p: repo.PersonRow): PersonRef => ({ id: p.id, displayName: p.displayName });
  const spaceRef = (s: repo.SpaceForFinding): SpaceRef => ({
    id: s.id,
    name: s.name,
    kind: s.kind,
    capacity: s.capacity,
  });
  const allSpaces = (
    await repo.spacesForFinding(
      ctx.db,
      ctx.actor.siteId,
      new Date(range.start),
      new Date(Math.max(range.end, range.start)),
    )
  ).filter(
    (s) =>
      (input.spaceId === undefined || s.id === input.spaceId.toLowerCase()) &&
      (input.spaceKind === undefined || s.kind === input.spaceKind),
  );
  if (input.spaceId !== undefined && allSpaces.length === 0)
    throw new AppError('not-found', 'No such space', { field: 'body.spaceId' });
  const notAllowed: (SpaceRef & { reason: string })[] = [];
  const allowed: repo.SpaceForFinding[] = [];
  for (const s of allSpaces) {
    const why = whyNotAllowed(s, [ctx.actor], lengthMinutes, minCapacity);
    if (why) notAllowed.push({ ...spaceRef(s), reason: why });
    else allowed.push(s);
  }
  // The smallest room that holds everyone first: the big lounge stays free for big groups.
  allowed.sort((a, b) => a.capacity - b.capacity || a.name.localeCompare(b.name) || a.id.localeCompare(b.id));

  const empty = range.end - range.start < lengthMs;
  const free = empty ? new Map<string, Interval[]>() : await freeOfPeople(ctx, people, range, site);
  const quiet =
    site.quietStart && site.quietEnd && !empty
      ? quietPeriods({ start: site.quietStart, end: site.quietEnd, zone: site.timeZone }, range)
      : [];
  const found = findTimes({
    window: empty ? { start: range.start, end: range.start } : range,
    lengthMs,
    stepMs,
    people: people.map((p) => ({ id: p.id, free: free.get(p.id) ?? [] })),
    spaces: allowed.map((s) => ({ id: s.id, free: empty ? [] : spaceFree(s, range) })),
    limit,
    preference,
    quiet,
  });
  const spaceById = new Map(allSpaces.map((s) => [s.id, s]));
  const personById = new Map(people.map((p) => [p.id, p]));
  const participants = {
    members: memberIds.filter((id) => id !== ctx.actor.memberId),
    squads: squads.map((s) => s.id),
  };
  const answer: FindTimeAnswer = {
    people: people.map(ref),
    headcount,
    slots: found.slots.map((s) => ({
      ...span(s),
      space: spaceRef(spaceById.get(s.spaceId)!),
      quietMinutes: s.quietMinutes,
      booking: {
        spaceId: s.spaceId,
        ...span(s),
        headcount: Math.min(headcount, spaceById.get(s.spaceId)!.capacity),
        participants,
      },
    })),
    emptyReason: null,
    partial: [],
  };
  if (answer.slots.length > 0) return answer;

  const neverFree = found.peopleNeverFree.map((id) => ref(personById.get(id)!));
  const spacesNeverFree = found.spacesNeverFree.map((id) => spaceRef(spaceById.get(id)!));
  const words: string[] = [];
  if (empty)
    words.push('The window holds no bookable time (it is in the past or beyond the booking horizon).');
  if (neverFree.length > 0)
    words.push(
      `Never free for ${lengthMinutes} minutes in the window: ${neverFree.map((p) => p.displayName).join(', ')}.`,
    );
  if (allowed.length === 0)
    words.push(
      allSpaces.length === 0
        ? 'No space matches the space or kind asked for.'
        : `No space may be booked: ${notAllowed.map((s) => `${s.name} (${s.reason})`).join('; ')}.`,
    );
  else if (spacesNeverFree.length === allowed.length)
    words.push(`No allowed space is free for ${lengthMinutes} minutes in the window.`);
  if (words.length === 0)
    words.push('Everyone has free time, but never at the same time as each other and a free space.');
  answer.emptyReason = {
    message: words.join(' '),
    peopleNeverFree: neverFree,
    spacesNeverFree,
    spacesNotAllowed: notAllowed,
  };
  answer.partial = found.partial.map((s) => ({
    ...span(s),
    space: spaceRef(spaceById.get(s.spaceId)!),
    attendees: s.attendees.map((id) => ref(personById.get(id)!)),
    missing: s.missing.map((id) => ref(personById.get(id)!)),
    attendancePercentage: Math.round((100 * s.attendees.length) / people.length),
  }));
  return answer;
}

/** A partner proposal as both of its members see it. */
export type ProposalView = Static<typeof Proposal>;

const presentProposal = (p: repo.ProposalRow): ProposalView => ({
  id: p.id,
  from: p.fromMember,
  to: p.toMember,
  disciplineId: p.disciplineId,
  discipline: p.discipline,
  space: { id: p.spaceId, name: p.spaceName },
  start: new Date(p.start).toISOString(),
  end: new Date(p.end).toISOString(),
  status: p.status,
  bookingId: p.bookingId,
  createdAt: new Date(p.createdAt).toISOString(),
});

/** Proposes a slot to a partner: a notice with Accept and Decline. Both must train the discipline. */
export async function proposePartner(ctx: Ctx, input: Static<typeof NewProposal>): Promise<ProposalView> {
  const start = instant(input.start, 'body.start')!;
  const end = instant(input.end, 'body.end')!;
  if (end.getTime() <= start.getTime()) throw invalid('body.end', 'body.end must be after body.start');
  if (start.getTime() < ctx.clock.now().getTime())
    throw ruleViolation('past', 'body.start', 'The slot has already begun');
  if (typeof input.spaceId !== 'string' || !isUuid(input.spaceId))
    throw invalid('body.spaceId', 'body.spaceId must be an id');
  if (input.memberId === ctx.actor.memberId)
    throw invalid('body.memberId', 'Propose to someone other than yourself');
  return ctx.db.transaction(async (tx) => {
    const c: Ctx = { ...ctx, db: tx };
    const partner = await requirePerson(c, input.memberId, 'body.memberId');
    const d = await requireDiscipline(c, input.discipline, 'body.discipline');
    const trains = new Set(
      (await disciplines.disciplineMembers(tx, ctx.actor.siteId, d.id)).map((r) => r.memberId),
    );
    if (!trains.has(ctx.actor.memberId))
      throw ruleViolation('discipline', 'body.discipline', `You do not train ${d.name}`);
    if (!trains.has(partner.id) || partner.hidden || partner.inactive)
      throw ruleViolation(
        'discipline',
        'body.memberId',
        `${partner.displayName} is not looking for ${d.name} partners`,
      );
    const spaces = await repo.spacesForFinding(tx, ctx.actor.siteId, start, end);
    if (!spaces.some((s) => s.id === input.spaceId.toLowerCase()))
      throw new AppError('not-found', 'No such space', { field: 'body.spaceId' });
    const id = await repo.insertProposal(tx, ctx.actor.siteId, {
      from: ctx.actor.memberId,
      to: partner.id,
      disciplineId: d.id,
      spaceId: input.spaceId.toLowerCase(),
      start,
      end,
      now: ctx.clock.now(),
    });
    const view = presentProposal((await repo.findProposal(tx, ctx.actor.siteId, id))!);
    await insertEvent(tx, {
      siteId: ctx.actor.siteId,
      actorId: ctx.actor.memberId,
      type: 'partner.proposed',
      subjectType: 'proposal',
      subjectId: id,
      after: view,
    });
    return view;
  });
}

export async function listProposals(ctx: Ctx): Promise<ProposalView[]> {
  return (await repo.listProposals(ctx.db, ctx.actor.siteId, ctx.actor.memberId, 100)).map(presentProposal);
}

export type AnswerResult = { ok: true; proposal: ProposalView } | Exclude<BookingResult, { ok: true }>;

/**
 * The partner accepts (which books the slot through the booking service, with the proposer as
 * participant, so the database decides and every booking rule applies) or declines.
 */
export async function answerProposal(ctx: Ctx, id: string, accept: boolean): Promise<AnswerResult> {
  return ctx.db.transaction(async (tx) => {
    const c: Ctx = { ...ctx, db: tx };
    const p = isUuid(id) ? await repo.findProposal(tx, ctx.actor.siteId, id, true) : undefined;
    if (!p || (p.toMember.id !== ctx.actor.memberId && p.fromMember.id !== ctx.actor.memberId))
      throw new AppError('not-found', 'No such proposal', { field: 'path.id' });
    if (p.toMember.id !== ctx.actor.memberId)
      throw new AppError('forbidden', 'Only the member it was proposed to may answer it');
    if (p.status !== 'pending') throw new AppError('invalid-state', `The proposal was already ${p.status}`);
    let bookingId: string | null = null;
    if (accept) {
      const booked = await createBooking(c, {
        spaceId: p.spaceId,
        start: new Date(p.start),
        end: new Date(p.end),
        title: `${p.discipline}: ${p.fromMember.displayName} & ${p.toMember.displayName}`,
        headcount: 2,
        participants: { members: [p.fromMember.id] },
      });
      if (!booked.ok) return booked;
      bookingId = booked.booking.id;
    }
    await repo.answerProposal(tx, ctx.actor.siteId, p.id, accept ? 'accepted' : 'declined', bookingId);
    const view = presentProposal((await repo.findProposal(tx, ctx.actor.siteId, p.id))!);
    await insertEvent(tx, {
      siteId: ctx.actor.siteId,
      actorId: ctx.actor.memberId,
      type: accept ? 'partner.accepted' : 'partner.declined',
      subjectType: 'proposal',
      subjectId: p.id,
      before: presentProposal(p),
      after: view,
    });
    return { ok: true, proposal: view };
  });
}
