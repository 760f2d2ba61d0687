import { addDays, localDate, localToInstant, parseClock } from '../../domain/time.ts';
import { type CreateBookingInput, cancelBooking, createBooking } from '../bookings/service.ts';
import { checkIn } from '../checkin/service.ts';
import type { Actor, Ctx } from '../context.ts';
import {
  createDiscipline,
  recordResult,
  setMemberDiscipline,
  setPartnerSettings,
} from '../disciplines/service.ts';
import { createDisplayLink } from '../display/service.ts';
import { createDoor } from '../doors/service.ts';
import { AppError } from '../errors.ts';
import { createMember, type MemberView } from '../members/service.ts';
import { createQuotaRule } from '../quotas/service.ts';
import { addDutyShift, addLeave } from '../rosters/service.ts';
import { getSite, type SiteInput } from '../sites/service.ts';
import { createSpace } from '../spaces/service.ts';
import { createSquad } from '../squads/service.ts';
import { joinWaitlist } from '../waitlist/service.ts';

/** The demo vessel's site settings (first start creates the site with them). */
export const demoSite: SiteInput = {
  name: 'ISV Meridian',
  timeZone: 'Pacific/Auckland',
  quietHours: { start: '22:00', end: '06:00' },
};

/** The crew: display name and rank. Emails are derived from the names. */
const crew: [string, string][] = [
  ['Mireille Dubois', 'Commander'],
  ['Tomasz Wójcik', 'Lieutenant Commander'],
  ['Aiko Sato', 'Lieutenant'],
  ['Kwame Mensah', 'Lieutenant'],
  ['Isabela Costa', 'Lieutenant'],
  ['Rohan Iyer', 'Sub-Lieutenant'],
  ['Freya Lindqvist', 'Sub-Lieutenant'],
  ['Mateo Herrera', 'Ensign'],
  ['Nadia Haddad', 'Ensign'],
  ['Liam O’Connell', 'Ensign'],
  ['Hana Kowalczyk', 'Chief Petty Officer'],
  ['Samuel Adeyemi', 'Petty Officer'],
  ['Yusuf Demir', 'Petty Officer'],
  ['Elena Petrova', 'Petty Officer'],
  ['Jonas Becker', 'Leading Hand'],
  ['Priya Nair', 'Leading Hand'],
  ['Tane Ngata', 'Able Crew'],
  ['Chen Wei', 'Able Crew'],
  ['Sofia Rossi', 'Able Crew'],
  ['Malik Johnson', 'Able Crew'],
];

function emailOf(name: string): string {
  const ascii = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/ł/g, 'l')
    .toLowerCase()
    .replace(/[^a-z ]/g, '');
  return `${ascii.split(' ').join('.')}@meridian.example`;
}

/** A small seeded generator (mulberry32), so the same seed gives the same demo. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const everyDay = (open: string, close: string) =>
  Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, [{ open, close }]]));

export interface DemoSummary {
  spaces: number;
  members: number;
  squads: number;
  bookings: number;
  disciplines: number;
  results: number;
  dutyShifts: number;
  quotaRules: number;
  waitlistEntries: number;
  /** The secret of the Training Lounge's room display: its page is /display/{token}. */
  displayToken: string;
}

/**
 * Loads the demo vessel into the actor's site through the services: five spaces (two of them
 * private cabins), twenty crew with ranks, two squads, and a week of bookings around today in the
 * site's zone (past ones too, some private, many at night). Deterministic for a seed and a clock.
 * The actor must be an admin of the site.
 */
export async function loadDemo(ctx: Ctx, opts: { seed?: number } = {}): Promise<DemoSummary> {
  const rand = random(opts.seed ?? 20261125);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  const { timeZone: zone } = await getSite(ctx);

  return ctx.db.transaction(async (tx) => {
    const admin: Ctx = { ...ctx, db: tx };
    const people: MemberView[] = [];
    for (const [displayName, rank] of crew)
      people.push(
        await createMember(admin, {
          email: emailOf(displayName),
          displayName,
          // No password: only an admin's reset gives one (the admin's password is theirs alone).
          rank,
        }),
      );
    const [dubois, wojcik, sato, mensah, costa, iyer, lindqvist, herrera, haddad, oconnell, kowalczyk] =
      people.map((p) => p.id) as [
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
      ];
    const idOf = (n: number) => people[n]!.id;

    const nightWatch = await createSquad(admin, {
      name: 'Night Watch',
      leaderIds: [kowalczyk],
      memberIds: [kowalczyk, idOf(11), idOf(12), idOf(13), idOf(14), idOf(16)],
    });
    const boarding = await createSquad(admin, {
      name: 'Boarding Team Aurora',
      leaderIds: [mensah],
      memberIds: [mensah, herrera, haddad, oconnell, idOf(15), idOf(17), idOf(18), idOf(19)],
    });

    const lounge = await createSpace(admin, {
      name: 'Training Lounge',
      kind: 'training',
      capacity: 12,
      changeoverMinutes: 10,
      minMinutes: 30,
      maxMinutes: 180,
    });
    const ring = await createSpace(admin, {
      name: 'Sparring Ring',
      kind: 'sparring',
      capacity: 4,
      changeoverMinutes: 15,
      // Open from six in the morning until two at night: the close past midnight runs over.
      openingHours: everyDay('06:00', '02:00'),
      minMinutes: 30,
      maxMinutes: 120,
    });
    const briefing = await createSpace(admin, {
      name: 'Briefing Room',
      kind: 'briefing',
      capacity: 20,
      changeoverMinutes: 5,
      openingHours: everyDay('07:00', '22:00'),
      minMinutes: 15,
      maxMinutes: 240,
    });
    const cabinOf = (owner: string, name: string) =>
      createSpace(admin, {
        name,
        kind: 'cabin',
        capacity: 2,
        access: 'owner',
        ownerId: owner,
        hasDoor: true,
        minMinutes: 15,
        maxMinutes: 480,
      });
    const cabinSato = await cabinOf(sato, 'Cabin 7 (Lt Sato)');
    const cabinCosta = await cabinOf(costa, 'Cabin 12 (Lt Costa)');
    // Doors whose locks `shipshape door-sim` simulates: the two cabins (with contact sensors) and the lounge.
    const doorSettings = { confirmMs: 10_000, staleSeconds: 0 };
    const door = (spaceId: string, topic: string, hasContact: boolean, relockSeconds: number) =>
      createDoor(admin, { spaceId, name: 'Door', topic, hasContact, relockSeconds }, doorSettings);
    await door(cabinSato.id, 'zigbee2mqtt/cabin-7-lock', true, 0);
    await door(cabinCosta.id, 'zigbee2mqtt/cabin-12-lock', true, 0);
    await door(lounge.id, 'zigbee2mqtt/lounge-lock', false, 300);

    const as = (memberId: string, extra: Partial<Actor> = {}): Ctx => ({
      ...admin,
      actor: { siteId: ctx.actor.siteId, memberId, role: 'member', squadIds: [], leaderOf: [], ...extra },
    });
    let bookings = 0;
    const book = async (
      who: Ctx,
      input: Omit<CreateBookingInput, 'start' | 'end'>,
      at: [Date, Date],
    ): Promise<string> => {
      const result = await createBooking(who, { ...input, start: at[0], end: at[1] }, { allowPast: true });
      if (!result.ok)
        throw new AppError('invalid-state', `The demo collides with existing bookings of ${input.spaceId}`);
      bookings += 1;
      return result.booking.id;
    };
    /** Sparring sessions in the ring: who fought whom, for results once they are over. */
    const bouts: { id: string; a: string; b: string; end: Date }[] = [];
    /** [start, end] on a local date; an end at or before the start is on the next day. */
    const slot = (date: string, start: string, end: string): [Date, Date] => {
      const s = parseClock(start)!;
      const e = parseClock(end)!;
      const startDate = s < 6 * 60 ? addDays(date, 1) : date; // small hours belong to the night before
      const endDate = e <= s ? addDays(startDate, 1) : startDate;
      return [localToInstant(startDate, s, zone), localToInstant(endDate, e, zone)];
    };

    const today = localDate(ctx.clock.now(), zone);
    const sparringTitles = ['Sparring rounds', 'Grappling drills', 'Pad work', 'Footwork and counters'];
    const morning = ['Morning PT', 'Mobility and core', 'Circuit training'];
    const crewIds = people.map((p) => p.id);
    for (let offset = -3; offset <= 3; offset++) {
      const date = addDays(today, offset);
      // The standing nightly session of two partners, the story Shipshape exists for.
      await book(
        as(sato),
        {
          spaceId: lounge.id,
          title: 'Nightly training',
          participants: { members: [lindqvist] },
          headcount: 2,
        },
        slot(date, '22:30', '23:30'),
      );
      if (offset % 2 === 0)
        await book(
          as(kowalczyk, { squadIds: [nightWatch.id], leaderOf: [nightWatch.id] }),
          {
            spaceId: lounge.id,
            title: 'Night Watch conditioning',
            participants: { squads: [nightWatch.id] },
            headcount: 6,
          },
          slot(date, '23:45', '00:45'),
        );
      await book(
        as(pick(crewIds)),
        { spaceId: lounge.id, title: pick(morning), headcount: 1 + Math.floor(rand() * 8) },
        slot(date, '06:30', '07:30'),
      );
      const fighter = pick(crewIds);
      const opponent = pick(crewIds.filter((m) => m !== fighter));
      const bout = slot(date, '19:00', '20:00');
      bouts.push({
        id: await book(
          as(fighter),
          {
            spaceId: ring.id,
            title: pick(sparringTitles),
            participants: { members: [opponent] },
            headcount: 2,
          },
          bout,
        ),
        a: fighter,
        b: opponent,
        end: bout[1],
      });
      if (rand() < 0.6) {
        const late = slot(date, '00:30', '01:30');
        bouts.push({
          id: await book(
            as(iyer),
            { spaceId: ring.id, title: 'Late sparring', participants: { members: [herrera] }, headcount: 2 },
            late,
          ),
          a: iyer,
          b: herrera,
          end: late[1],
        });
      }
      await book(
        as(dubois),
        { spaceId: briefing.id, title: 'Morning briefing', headcount: 14 },
        slot(date, '08:00', '08:30'),
      );
      if (offset === -1 || offset === 2)
        await book(
          as(mensah, { squadIds: [boarding.id], leaderOf: [boarding.id] }),
          {
            spaceId: briefing.id,
            title: 'Boarding Team Aurora: drill debrief',
            participants: { squads: [boarding.id] },
            headcount: 8,
          },
          slot(date, '14:00', '15:30'),
        );
      if (offset === 1)
        await book(
          as(wojcik),
          { spaceId: briefing.id, title: 'Engineering review', headcount: 6 },
          slot(date, '16:00', '17:00'),
        );
      // Cabins are private: others see only "busy".
      await book(
        as(sato),
        { spaceId: cabinSato.id, title: 'Rest', visibility: 'private', headcount: 1 },
        slot(date, '13:00', '14:00'),
      );
      if (rand() < 0.5)
        await book(
          as(costa),
          {
            spaceId: cabinCosta.id,
            title: 'Study session',
            visibility: 'private',
            participants: { members: [pick(crewIds.filter((m) => m !== costa))] },
            headcount: 2,
          },
          slot(date, '20:30', '21:30'),
        );
    }

    // Partners: disciplines with self-assessed levels, results of the bouts already over (ratings
    // follow), duty rosters and some leave, so that a new user sees real suggestions.
    const levels = ['beginner', 'intermediate', 'intermediate', 'advanced', 'expert'] as const;
    const disciplines = ['Boxing', 'Grappling', 'Fencing'];
    for (const name of disciplines) await createDiscipline(admin, { name });
    for (const id of crewIds) {
      await setMemberDiscipline(as(id), id, 'Boxing', { level: pick(levels) });
      if (rand() < 0.5) await setMemberDiscipline(as(id), id, 'Grappling', { level: pick(levels) });
      if (rand() < 0.3) await setMemberDiscipline(as(id), id, 'Fencing', { level: pick(levels) });
    }
    // The admin, the one person who can sign in at first, boxes too: the partner page shows real
    // suggestions on the first visit, not only a form to list a discipline.
    await setMemberDiscipline(admin, ctx.actor.memberId, 'Boxing', { level: 'intermediate' });
    // Those who train at night count quiet hours as free.
    for (const id of [sato, lindqvist, iyer, herrera, kowalczyk])
      await setPartnerSettings(as(id), id, { nightTraining: true });
    let results = 0;
    for (const b of bouts) {
      if (b.end.getTime() > ctx.clock.now().getTime()) continue;
      const r = rand();
      await recordResult(as(b.a), {
        bookingId: b.id,
        discipline: 'Boxing',
        memberA: b.a,
        memberB: b.b,
        outcome: r < 0.45 ? 'win' : r < 0.8 ? 'loss' : 'even',
      });
      results += 1;
    }
    // A month of history before that week, so the utilization report has something to show: the
    // lounge's mornings and evenings and the daily briefing, most checked in to (hours used), some
    // left as no-shows (the release job lets them go), some cancelled, a few within the hour.
    const atTime = (who: Ctx, instant: Date): Ctx => ({ ...who, clock: { now: () => instant } });
    for (let offset = -31; offset <= -4; offset++) {
      const date = addDays(today, offset);
      const plans: [string, string, string, string, string][] = [
        [lounge.id, '07:00', '08:00', pick(morning), pick(crewIds)],
        [briefing.id, '09:00', '09:30', 'Daily briefing', mensah],
        [lounge.id, '19:00', '20:30', 'Evening circuit', pick(crewIds)],
      ];
      for (const [spaceId, from, to, title, organizer] of plans) {
        const when = slot(date, from, to);
        const id = await book(as(organizer), { spaceId, title }, when);
        const start = when[0].getTime();
        const r = rand();
        if (r < 0.65)
          await checkIn(atTime(as(organizer), new Date(start + Math.floor(rand() * 10) * 60_000)), id);
        else if (r < 0.8)
          continue; // a no-show
        else if (r < 0.9) await cancelBooking(atTime(as(organizer), new Date(start - 20 * 60_000)), id);
        else await cancelBooking(atTime(as(organizer), new Date(start - 2 * 86_400_000)), id);
      }
    }
    // The lounge's door display (its link is printed at first start).
    const display = await createDisplayLink(admin, lounge.id);
    // Watches: the Night Watch keeps the small hours, engineering the mornings of weekdays.
    const rosterStart = addDays(today, -7);
    let dutyShifts = 0;
    for (const id of nightWatch.members.map((m) => m.id)) {
      await addDutyShift(admin, id, {
        title: 'Night watch',
        rrule: 'FREQ=DAILY',
        startDate: rosterStart,
        startTime: '02:00',
        durationMinutes: 240,
      });
      dutyShifts += 1;
    }
    for (const id of [wojcik, idOf(12), idOf(14), costa]) {
      await addDutyShift(admin, id, {
        title: 'Engine room watch',
        rrule: 'FREQ=WEEKLY;BYDAY=MO,WE,FR',
        startDate: rosterStart,
        startTime: '09:00',
        durationMinutes: 240,
      });
      dutyShifts += 1;
    }
    await addDutyShift(admin, mensah, {
      title: 'Boarding readiness',
      rrule: 'FREQ=WEEKLY;BYDAY=TU,TH',
      startDate: rosterStart,
      startTime: '10:00',
      durationMinutes: 180,
    });
    dutyShifts += 1;
    const leaveStart = localToInstant(addDays(today, 2), 0, zone);
    await addLeave(admin, oconnell, {
      start: leaveStart.toISOString(),
      end: new Date(leaveStart.getTime() + 3 * 86_400_000).toISOString(),
      reason: 'Shore leave',
    });
    // Fair use: the ring is shared, so each member organizes at most three bouts a week; and a
    // sub-lieutenant waits for tomorrow's nightly slot in the lounge, should the pair give it up.
    await createQuotaRule(admin, {
      name: 'Sparring Ring fair use',
      spaceKind: 'sparring',
      metric: 'sessions',
      period: 'week',
      maximum: 3,
    });
    const [nightStart, nightEnd] = slot(addDays(today, 1), '22:30', '23:30');
    await joinWaitlist(as(iyer), {
      spaceId: lounge.id,
      start: nightStart.toISOString(),
      end: nightEnd.toISOString(),
      title: 'Late drills',
    });
    return {
      spaces: 5,
      members: people.length,
      squads: 2,
      bookings,
      disciplines: disciplines.length,
      results,
      dutyShifts,
      quotaRules: 1,
      waitlistEntries: 1,
      displayToken: display.token,
    };
  });
}
