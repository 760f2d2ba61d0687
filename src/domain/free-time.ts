import { clip, type Interval, normalize, subtract } from './intervals.ts';
import { expandOccurrences, formatRRule, type Pattern } from './recurrence.ts';
import { addDays, daysBetween, localDate, localToInstant, parseClock } from './time.ts';

/**
 * A person's free time: a window minus their busy time. Busy is their active sessions (as
 * organizer, named member or squad member), the occurrences of their duty shifts (expanded in
 * the site's wall time exactly as series are, so DST follows RFC 5545 §3.3.5), their leave,
 * and — unless they train at night — the site's quiet hours.
 */
export interface BusySources {
  sessions: readonly Interval[];
  shifts: readonly Pattern[];
  leave: readonly Interval[];
  nightTraining: boolean;
}

export interface QuietHours {
  start: string;
  end: string;
  zone: string;
}

/** The quiet-hours periods that may meet `range`; an end at or before the start runs past midnight. */
export function quietPeriods(q: QuietHours | null, range: Interval): Interval[] {
  if (!q || range.end <= range.start) return [];
  const start = parseClock(q.start);
  const end = parseClock(q.end);
  if (start === undefined || end === undefined || start === end) return [];
  const out: Interval[] = [];
  const last = localDate(new Date(range.end), q.zone);
  for (let day = addDays(localDate(new Date(range.start), q.zone), -1); day <= last; day = addDays(day, 1)) {
    const s = localToInstant(day, start, q.zone).getTime();
    const e = (
      end > start ? localToInstant(day, end, q.zone) : localToInstant(addDays(day, 1), end, q.zone)
    ).getTime();
    if (e > range.start && s < range.end) out.push({ start: s, end: e });
  }
  return normalize(out);
}

/**
 * The same pattern with its first date moved forward by whole periods to shortly before `day`, so
 * that expansion does not walk every period since a roster began. Only where that cannot change
 * the occurrences: DAILY and WEEKLY rules without COUNT (UNTIL is absolute), moved by a multiple of
 * the period (INTERVAL days, or INTERVAL weeks, which keeps the weekday and the week phase). The new
 * first date stays more than a week before `day`, so the first date itself (which a rule may count
 * even off its BYDAY) falls before any window that starts on `day`.
 */
export function rebasePattern(p: Pattern, day: string): Pattern {
  if (p.rule.count !== undefined || p.rule.freq === 'MONTHLY') return p;
  const period = p.rule.freq === 'DAILY' ? p.rule.interval : 7 * p.rule.interval;
  const gap = daysBetween(p.startDate, addDays(day, -8));
  const periods = Math.floor(gap / period);
  return periods > 0 ? { ...p, startDate: addDays(p.startDate, periods * period) } : p;
}

// Rosters repeat: a watch pattern is usually shared by a whole squad, and the same windows are
// asked about again and again. Expansion costs zone conversions per occurrence: memoize, bounded.
const memoLimit = 20_000;
const expansionMemo = new Map<string, Interval[]>();

/** Occurrences of duty shifts that overlap `range` (one that began before it may run into it). */
export function shiftIntervals(shifts: readonly Pattern[], range: Interval): Interval[] {
  const out: Interval[] = [];
  for (const shift of shifts) {
    const from = new Date(range.start - shift.durationMinutes * 60_000);
    // The key is built from plain fields, so a hit costs no zone conversion at all.
    const key = `${formatRRule(shift.rule)}|${shift.startDate}|${shift.startTime}|${shift.durationMinutes}|${shift.timeZone}|${range.start}|${range.end}`;
    let list = expansionMemo.get(key);
    if (list === undefined) {
      const p = rebasePattern(shift, localDate(from, shift.timeZone));
      list = expandOccurrences(p, { from, to: new Date(range.end) })
        .map((o) => ({ start: o.start.getTime(), end: o.end.getTime() }))
        .filter((i) => i.end > range.start && i.start < range.end);
      if (expansionMemo.size >= memoLimit) expansionMemo.clear();
      expansionMemo.set(key, list);
    }
    out.push(...list);
  }
  return out;
}

const day = 86_400_000;

/** The whole UTC days around `range`: rosters expanded over these serve every range inside them. */
export function daySpan(range: Interval): Interval {
  return { start: Math.floor(range.start / day) * day, end: Math.ceil(range.end / day) * day };
}

/**
 * A roster's busy time (shift occurrences and leave) over `span`, normalized and clipped to it. For
 * any range inside the span, clipping this to the range and counting it as leave gives the same free
 * time as the shifts and leave themselves (the property test in test/partners/free-time.test.ts).
 */
export function rosterIntervals(
  shifts: readonly Pattern[],
  leave: readonly Interval[],
  span: Interval,
): Interval[] {
  return clip(normalize([...shiftIntervals(shifts, span), ...leave]), span);
}

/** Busy intervals within `range`, normalized. `quiet` is the site's quiet periods over the range. */
export function busyIntervals(b: BusySources, quiet: readonly Interval[], range: Interval): Interval[] {
  return normalize([
    ...b.sessions,
    ...shiftIntervals(b.shifts, range),
    ...b.leave,
    ...(b.nightTraining ? [] : quiet),
  ]).filter((i) => i.end > range.start && i.start < range.end);
}

/** Free intervals within `range`: the range minus the busy intervals. */
export function freeTime(b: BusySources, quiet: readonly Interval[], range: Interval): Interval[] {
  if (range.end <= range.start) return [];
  return subtract([range], busyIntervals(b, quiet, range));
}

/** The intersection of two normalized lists, normalized. Linear in their lengths. */
export function intersect(a: readonly Interval[], b: readonly Interval[]): Interval[] {
  const out: Interval[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    const start = Math.max(x.start, y.start);
    const end = Math.min(x.end, y.end);
    if (end > start) out.push({ start, end });
    if (x.end < y.end) i++;
    else j++;
  }
  return out;
}
