import type { Interval } from './intervals.ts';
import { addDays, isoWeekday, localDate, localToInstant } from './time.ts';

/** How the utilization report groups its figures: local days, local weeks (from Monday), hour of week. */
export type GroupBy = 'day' | 'week' | 'hourOfWeek';

const weekdayKeys = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

/**
 * The local hours of a range, as instants, with the group and the hour of week each falls in.
 * Every figure of the report is summed per hour and then per group, so a day with a daylight-saving
 * change simply has 23 or 25 hours (the repeated hour of an autumn day is one bucket of two real
 * hours, labelled with its local hour).
 */
export interface ReportBuckets {
  /** Bucket i is [bounds[i], bounds[i + 1]), epoch ms; bounds[0] = from, the last = to. */
  bounds: number[];
  /** Per bucket: its index in `groups`. */
  group: number[];
  /** Per bucket: its local hour of week, 0 = Monday 00:00 … 167 = Sunday 23:00. */
  hourOfWeek: number[];
  /** The groups in order: a local date (day; the Monday for week) or "mon 18:00" (hourOfWeek). */
  groups: string[];
}

/** The label of an hour of week, e.g. 42 → "tue 18:00". */
export function hourOfWeekLabel(how: number): string {
  return `${weekdayKeys[Math.floor(how / 24)]} ${String(how % 24).padStart(2, '0')}:00`;
}

/**
 * Splits [from, to) at every local hour start in `zone`. Costs one zone conversion per local day
 * (and one per hour on the two days a year whose length is not 24 hours).
 */
export function reportBuckets(from: Date, to: Date, zone: string, groupBy: GroupBy): ReportBuckets {
  const out: ReportBuckets = { bounds: [from.getTime()], group: [], hourOfWeek: [], groups: [] };
  const groupIndex = new Map<string, number>();
  if (groupBy === 'hourOfWeek') for (let h = 0; h < 168; h++) out.groups.push(hourOfWeekLabel(h));
  const groupOf = (key: string) => {
    let i = groupIndex.get(key);
    if (i === undefined) {
      i = out.groups.length;
      out.groups.push(key);
      groupIndex.set(key, i);
    }
    return i;
  };
  const start = from.getTime();
  const end = to.getTime();
  const lastDay = localDate(new Date(end - 1), zone);
  let day = localDate(from, zone);
  let midnight = localToInstant(day, 0, zone).getTime();
  for (;;) {
    const next = addDays(day, 1);
    const nextMidnight = localToInstant(next, 0, zone).getTime();
    const weekday = isoWeekday(day) - 1;
    const dayGroup =
      groupBy === 'day' ? groupOf(day) : groupBy === 'week' ? groupOf(addDays(day, -weekday)) : -1;
    // The hour starts of the day; on a daylight-saving day each is converted, and a spring-gap hour
    // that lands on the next one's instant gives way to it.
    const hours: { at: number; hour: number }[] = [];
    for (let h = 0; h < 24; h++) {
      const at =
        nextMidnight - midnight === 86_400_000
          ? midnight + h * 3_600_000
          : localToInstant(day, h * 60, zone).getTime();
      const prev = hours[hours.length - 1];
      if (prev && prev.at === at) prev.hour = h;
      else hours.push({ at, hour: h });
    }
    for (const { at, hour } of hours) {
      const how = weekday * 24 + hour;
      const g = groupBy === 'hourOfWeek' ? how : dayGroup;
      if (at <= start) {
        // The hour holding `from` labels the first bucket.
        out.group[0] = g;
        out.hourOfWeek[0] = how;
        continue;
      }
      if (at >= end) break;
      out.bounds.push(at);
      out.group.push(g);
      out.hourOfWeek.push(how);
    }
    if (day >= lastDay) break;
    day = next;
    midnight = nextMidnight;
  }
  out.bounds.push(end);
  return out;
}

/** The index of the bucket holding instant `t` (clamped to the first and last). */
export function bucketOf(bounds: number[], t: number): number {
  let lo = 0;
  let hi = bounds.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (bounds[mid]! <= t) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * Spreads intervals over the buckets: calls `add(bucket, ms)` with the part of each interval in
 * each bucket. Intervals are clipped to the buckets' range.
 */
export function spread(
  bounds: number[],
  intervals: Interval[],
  add: (bucket: number, ms: number) => void,
): void {
  const lastBound = bounds[bounds.length - 1]!;
  for (const iv of intervals) {
    const s = Math.max(iv.start, bounds[0]!);
    const e = Math.min(iv.end, lastBound);
    if (e <= s) continue;
    for (let i = bucketOf(bounds, s); i < bounds.length - 1 && bounds[i]! < e; i++) {
      const part = Math.min(e, bounds[i + 1]!) - Math.max(s, bounds[i]!);
      if (part > 0) add(i, part);
    }
  }
}
