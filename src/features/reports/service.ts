import type { Static } from 'typebox';
import type { Queryable } from '../../db/store.ts';
import type { Interval } from '../../domain/intervals.ts';
import { openPeriods } from '../../domain/opening-hours.ts';
import {
  type GroupBy,
  hourOfWeekLabel,
  type ReportBuckets,
  reportBuckets,
  spread,
} from '../../domain/report-buckets.ts';
import { addDays, localDate, localToInstant, parseInstant } from '../../domain/time.ts';
import type { Ctx } from '../context.ts';
import { AppError, invalid } from '../errors.ts';
import {
  type BucketSums,
  findPeopleNames,
  findPeopleUnderWay,
  findReportSpaces,
  findSessionsUnderWay,
  type PeopleFigures,
  type PeopleSums,
  type ReportSpace,
  type RollupFigures,
  sumBuckets,
  sumPeopleDays,
  sumPeopleFigures,
  sumSpaceDays,
} from './repository.ts';
import type { SpaceFigures, Utilization } from './schema.ts';

/** The longest range one report covers: a year, whichever days it starts and ends on. */
export const maxReportDays = 371;

export interface UtilizationQuery {
  from: string;
  to: string;
  spaceId?: string | undefined;
  kind?: string | undefined;
  groupBy?: GroupBy | undefined;
}

/** A space's figures over the range or one group of it (hours open, booked and used; counts). */
export type Figures = Static<typeof SpaceFigures>;

/** The utilization report as the API answers it (members and squads for admins only). */
export type UtilizationView = Static<typeof Utilization>;

const hours = (ms: number) => Math.round(ms / 36_000) / 100;

function instant(text: string, field: string): Date {
  const d = parseInstant(text);
  if (!d) throw invalid(field, `${field} must be an RFC 3339 instant with an offset`);
  return d;
}

interface Acc {
  openMs: number;
  bookedMs: number;
  usedMs: number;
  noShows: number;
  lateCancellations: number;
}
const emptyAcc = (): Acc => ({ openMs: 0, bookedMs: 0, usedMs: 0, noShows: 0, lateCancellations: 0 });
const present = (a: Acc): Figures => ({
  openHours: hours(a.openMs),
  bookedHours: hours(a.bookedMs),
  usedHours: hours(a.usedMs),
  noShows: a.noShows,
  lateCancellations: a.lateCancellations,
});

/**
 * How the spaces were used over [from, to): per space and per group (local day, week or hour of
 * week in the site's zone), hours open (opening hours), booked, used (checked in until check-out or
 * the end), no-show releases, cancellations within an hour of the start, and the three busiest
 * hours of the week. Private sessions count as booked and used hours like any other: the figures
 * name no session and no person. Admins also get the figures per member and per squad.
 */
export async function getUtilization(
  ctx: Ctx,
  q: UtilizationQuery,
  source: 'rollup' | 'bookings' = 'rollup',
): Promise<UtilizationView> {
  const from = instant(q.from, 'query.from');
  const to = instant(q.to, 'query.to');
  if (to.getTime() <= from.getTime()) throw invalid('query.to', 'query.to must be after query.from');
  if (to.getTime() - from.getTime() > maxReportDays * 86_400_000)
    throw invalid('query.to', `A report covers at most ${maxReportDays} days`);
  const groupBy = q.groupBy ?? 'day';
  const found = await findReportSpaces(ctx.db, ctx.actor.siteId, { spaceId: q.spaceId, kind: q.kind });
  if (!found) throw new AppError('not-found', 'No such site');
  if (q.spaceId !== undefined && found.spaces.length === 0)
    throw new AppError('not-found', 'No such space', { field: 'query.space' });
  const { timeZone, spaces } = found;
  const b = reportBuckets(from, to, timeZone, groupBy);
  const now = ctx.clock.now();
  const spaceIds = spaces.map((s) => s.id);
  const sums =
    spaceIds.length === 0
      ? []
      : source === 'rollup'
        ? await sumFromRollup(ctx.db, ctx.actor.siteId, spaceIds, b, groupBy, timeZone, now)
        : await sumBuckets(ctx.db, ctx.actor.siteId, spaceIds, b, now);
  const range = { start: from.getTime(), end: to.getTime() };
  // Spaces mostly share their opening hours: each set is laid out over the range once.
  const opened = new Map<string, Interval[]>();
  const openOf = (hours: ReportSpace['openingHours']) => {
    const key = JSON.stringify(hours);
    let periods = opened.get(key);
    if (!periods) {
      periods = openPeriods(hours, timeZone, range);
      opened.set(key, periods);
    }
    return periods;
  };

  const view: UtilizationView = {
    from: from.toISOString(),
    to: to.toISOString(),
    timeZone,
    groupBy,
    spaces: spaces.map((space) => {
      const groups = b.groups.map(emptyAcc);
      const byHour = new Array<number>(168).fill(0);
      const total = emptyAcc();
      spread(b.bounds, openOf(space.openingHours), (i, ms) => {
        groups[b.group[i]!]!.openMs += ms;
        total.openMs += ms;
      });
      for (const r of sums) {
        if (r.spaceId !== space.id) continue;
        if (r.how !== null) {
          byHour[r.how] = (byHour[r.how] ?? 0) + r.bookedSeconds * 1000;
          continue;
        }
        if (r.grp === null) continue;
        for (const acc of [groups[r.grp]!, total]) {
          acc.bookedMs += r.bookedSeconds * 1000;
          acc.usedMs += r.usedSeconds * 1000;
          acc.noShows += r.noShows;
          acc.lateCancellations += r.lateCancellations;
        }
      }
      const peakHours = byHour
        .map((ms, how) => ({ how, ms }))
        .filter((h) => h.ms > 0)
        .sort((x, y) => y.ms - x.ms || x.how - y.how)
        .slice(0, 3)
        .map((h) => ({ hourOfWeek: h.how, label: hourOfWeekLabel(h.how), bookedHours: hours(h.ms) }));
      return {
        spaceId: space.id,
        name: space.name,
        kind: space.kind,
        totals: present(total),
        peakHours,
        groups: b.groups.map((key, i) => ({ key, ...present(groups[i]!) })),
      };
    }),
  };
  if (ctx.actor.role === 'admin') {
    // The rollups cover every space of the site: a report of all of them reads them.
    const all = q.spaceId === undefined && q.kind === undefined;
    const people =
      spaceIds.length === 0
        ? { members: [], squads: [] }
        : await sumPeople(ctx.db, ctx.actor.siteId, all ? null : spaceIds, from, to, timeZone, now, source);
    const figures = (p: PeopleSums) => ({
      name: p.name,
      sessions: p.sessions,
      bookedHours: hours(p.bookedSeconds * 1000),
      usedHours: hours(p.usedSeconds * 1000),
      noShows: p.noShows,
      lateCancellations: p.lateCancellations,
    });
    view.members = people.members.map((p) => ({ memberId: p.id, ...figures(p) }));
    view.squads = people.squads.map((p) => ({ squadId: p.id, ...figures(p) }));
  }
  return view;
}

/**
 * The figures per member and per squad over [from, to), ordered by name. Of every space (spaceIds
 * null) from the rollups (member_days, squad_days) for the whole local days of the range, and from
 * the bookings for the parts of a day at either end, the sessions that run into the first whole
 * day, and the part after `now` of the sessions under way; of some spaces, or with source
 * 'bookings', from the bookings alone. Both give the same (test/reports/people-rollup.test.ts).
 */
export async function sumPeople(
  db: Queryable,
  siteId: string,
  spaceIds: string[] | null,
  from: Date,
  to: Date,
  zone: string,
  now: Date,
  source: 'rollup' | 'bookings' = 'rollup',
): Promise<{ members: PeopleSums[]; squads: PeopleSums[] }> {
  // Milliseconds as whole numbers, so the sums of the pieces are exact whichever way they are cut.
  type Sum = Omit<PeopleFigures, 'bookedSeconds' | 'usedSeconds'> & {
    listed: boolean;
    bookedMs: number;
    usedMs: number;
  };
  type Row = PeopleFigures & { listed?: boolean };
  const members = new Map<string, Sum>();
  const squads = new Map<string, Sum>();
  const add = (into: Map<string, Sum>, rows: Row[]) => {
    for (const r of rows) {
      const v = into.get(r.id) ?? {
        id: r.id,
        listed: false,
        sessions: 0,
        bookedMs: 0,
        usedMs: 0,
        noShows: 0,
        lateCancellations: 0,
      };
      into.set(r.id, v);
      v.listed ||= r.listed ?? true;
      v.sessions += r.sessions;
      v.bookedMs += Math.round(r.bookedSeconds * 1000);
      v.usedMs += Math.round(r.usedSeconds * 1000);
      v.noShows += r.noShows;
      v.lateCancellations += r.lateCancellations;
    }
  };
  const addAll = (p: { members: Row[]; squads: Row[] }) => {
    add(members, p.members);
    add(squads, p.squads);
  };
  const first = midnightFrom(from.getTime(), zone);
  const last = midnightFrom(to.getTime(), zone);
  const lastAt = last.at > to.getTime() ? localToInstant(addDays(last.day, -1), 0, zone).getTime() : last.at;
  if (source === 'bookings' || spaceIds !== null || lastAt <= first.at) {
    addAll(await sumPeopleFigures(db, siteId, spaceIds, from, to, now));
  } else {
    const D1 = new Date(first.at);
    const D2 = new Date(lastAt);
    // Before the first whole day: its part of the range, and every session that runs into that day
    // (from = D1 gives those alone); after the last: its part, the sessions that start in it.
    addAll(await sumPeopleFigures(db, siteId, null, from, D1, now));
    if (lastAt < to.getTime()) addAll(await sumPeopleFigures(db, siteId, null, D2, to, now, D2));
    addAll(await sumPeopleDays(db, siteId, first.day, localDate(D2, zone)));
    // The rollups count a session under way as used to its end: the part after `now` comes off.
    const off = (id: string) => ({
      id,
      listed: false,
      sessions: 0,
      bookedSeconds: 0,
      noShows: 0,
      lateCancellations: 0,
    });
    for (const s of await findPeopleUnderWay(db, siteId, D1, D2, now)) {
      const start = Math.max(s.startAt.getTime(), s.checkedInAt?.getTime() ?? 0, now.getTime(), first.at);
      const ms = Math.min(s.endAt.getTime(), lastAt) - start;
      if (ms <= 0) continue;
      add(
        members,
        s.memberIds.map((id) => ({ ...off(id), usedSeconds: -ms / 1000 })),
      );
      add(
        squads,
        s.squadIds.map((id) => ({ ...off(id), usedSeconds: -ms / 1000 })),
      );
    }
  }
  const listed = (m: Map<string, Sum>) => [...m.values()].filter((v) => v.listed).map((v) => v.id);
  const names = await findPeopleNames(db, siteId, listed(members), listed(squads));
  const named = (m: Map<string, Sum>, rows: { id: string; name: string }[]): PeopleSums[] =>
    rows.map(({ id, name }) => {
      const { listed: _, bookedMs, usedMs, ...f } = m.get(id)!;
      return { ...f, name, bookedSeconds: bookedMs / 1000, usedSeconds: usedMs / 1000 };
    });
  return { members: named(members, names.members), squads: named(squads, names.squads) };
}

/** The first local midnight at or after `t`. */
function midnightFrom(t: number, zone: string): { day: string; at: number } {
  let day = localDate(new Date(t), zone);
  let at = localToInstant(day, 0, zone).getTime();
  if (at < t) {
    day = addDays(day, 1);
    at = localToInstant(day, 0, zone).getTime();
  }
  return { day, at };
}

/**
 * The per-bucket sums from the rollup (space_days) for the whole local days of the range, and by
 * cutting the bookings (sumBuckets) for the parts of a day at either end. The rollup counts a
 * checked-in session's use to its end; the part after `now` of the sessions under way is taken off.
 * Gives what sumBuckets gives over the whole range (test/reports/rollup.test.ts checks it).
 */
export async function sumFromRollup(
  db: Queryable,
  siteId: string,
  spaceIds: string[],
  b: ReportBuckets,
  groupBy: GroupBy,
  zone: string,
  now: Date,
): Promise<BucketSums[]> {
  const n = b.bounds.length - 1;
  const first = midnightFrom(b.bounds[0]!, zone);
  const last = midnightFrom(b.bounds[n]!, zone);
  const lastAt = last.at > b.bounds[n]! ? localToInstant(addDays(last.day, -1), 0, zone).getTime() : last.at;
  const iS = b.bounds.indexOf(first.at);
  const iE = b.bounds.indexOf(lastAt);
  if (iS < 0 || iE <= iS) return sumBuckets(db, siteId, spaceIds, b, now);
  const slice = (lo: number, hi: number): ReportBuckets => ({
    bounds: b.bounds.slice(lo, hi + 1),
    group: b.group.slice(lo, hi),
    hourOfWeek: b.hourOfWeek.slice(lo, hi),
    groups: b.groups,
  });
  const out: BucketSums[] = [];
  if (iS > 0) out.push(...(await sumBuckets(db, siteId, spaceIds, slice(0, iS), now)));
  if (iE < n) out.push(...(await sumBuckets(db, siteId, spaceIds, slice(iE, n), now)));

  const { groups, hours } = await sumSpaceDays(
    db,
    siteId,
    spaceIds,
    first.day,
    localDate(new Date(lastAt), zone),
    groupBy === 'hourOfWeek' ? null : groupBy,
  );
  const groupIndex = new Map(b.groups.map((key, i) => [key, i]));
  const row = (spaceId: string, grp: number | null, how: number | null, f: RollupFigures): BucketSums => ({
    spaceId,
    grp,
    how,
    bookedSeconds: f[0] / 1000,
    usedSeconds: f[1] / 1000,
    noShows: f[2],
    lateCancellations: f[3],
  });
  for (const g of groups)
    for (const [key, ...f] of g.rows) {
      const grp = groupIndex.get(key);
      if (grp === undefined) throw new Error(`The rollup's day ${key} is not a group of the report`);
      out.push(row(g.spaceId, grp, null, f));
    }
  for (const w of hours)
    for (let h = 0; h < 24; h++) {
      const f: RollupFigures = [
        w.bookedMs[h]!,
        w.usedMs?.[h] ?? 0,
        w.noShows?.[h] ?? 0,
        w.lateCancellations?.[h] ?? 0,
      ];
      const how = w.weekday * 24 + h;
      out.push(row(w.spaceId, null, how, f));
      if (groupBy === 'hourOfWeek') out.push(row(w.spaceId, how, null, f));
    }
  // The rollup counts a session under way as used to its end: the part after `now` comes off.
  const wholeDays = b.bounds.slice(iS, iE + 1);
  for (const s of await findSessionsUnderWay(
    db,
    siteId,
    spaceIds,
    new Date(first.at),
    new Date(lastAt),
    now,
  )) {
    const from = Math.max(s.startAt.getTime(), s.checkedInAt?.getTime() ?? 0, now.getTime());
    spread(wholeDays, [{ start: from, end: s.endAt.getTime() }], (i, ms) => {
      out.push(row(s.spaceId, b.group[iS + i]!, null, [0, -ms, 0, 0]));
      out.push(row(s.spaceId, null, b.hourOfWeek[iS + i]!, [0, -ms, 0, 0]));
    });
  }
  return out;
}

const csvCell = (v: string | number) => {
  const s = String(v);
  // A cell a spreadsheet would run as a formula is quoted with a leading apostrophe.
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
};

/**
 * The report as CSV (RFC 4180): one row per space and group, then a total per space and, for
 * admins, one per member and per squad. Times are the group keys in the site's zone.
 */
export function utilizationCsv(v: UtilizationView): string {
  const rows: (string | number)[][] = [
    [
      'section',
      'id',
      'name',
      'kind',
      'group',
      'open_hours',
      'booked_hours',
      'used_hours',
      'no_shows',
      'late_cancellations',
    ],
  ];
  for (const s of v.spaces) {
    for (const g of s.groups)
      rows.push([
        'space',
        s.spaceId,
        s.name,
        s.kind,
        g.key,
        g.openHours,
        g.bookedHours,
        g.usedHours,
        g.noShows,
        g.lateCancellations,
      ]);
    const t = s.totals;
    rows.push([
      'space',
      s.spaceId,
      s.name,
      s.kind,
      'total',
      t.openHours,
      t.bookedHours,
      t.usedHours,
      t.noShows,
      t.lateCancellations,
    ]);
  }
  for (const m of v.members ?? [])
    rows.push([
      'member',
      m.memberId,
      m.name,
      '',
      'total',
      '',
      m.bookedHours,
      m.usedHours,
      m.noShows,
      m.lateCancellations,
    ]);
  for (const q of v.squads ?? [])
    rows.push([
      'squad',
      q.squadId,
      q.name,
      '',
      'total',
      '',
      q.bookedHours,
      q.usedHours,
      q.noShows,
      q.lateCancellations,
    ]);
  return `${rows.map((r) => r.map(csvCell).join(',')).join('\r\n')}\r\n`;
}
