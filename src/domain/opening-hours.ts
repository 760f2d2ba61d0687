import { type Interval, normalize } from './intervals.ts';
import { addDays, isoWeekday, localDate, localToInstant, parseClock } from './time.ts';

/**
 * Opening hours of a space, per weekday in the site's zone:
 * {"mon": [{"open": "18:00", "close": "02:00"}], ...}. A close at or before the open runs past
 * midnight into the next day (open == close is a full 24 hours). Null means always open.
 */
export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';
export type OpeningHours = Partial<Record<Weekday, { open: string; close: string }[]>>;

export const weekdays: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/** The problem with a stored or submitted opening-hours value, or undefined when it is well-formed. */
export function openingHoursProblem(value: unknown): string | undefined {
  if (value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) return 'must be an object keyed by weekday';
  for (const [day, periods] of Object.entries(value as Record<string, unknown>)) {
    if (!weekdays.includes(day as Weekday)) return `${day} is not a weekday (mon … sun)`;
    if (!Array.isArray(periods)) return `${day} must be a list of {open, close}`;
    for (const p of periods) {
      const open = parseClock(String((p as { open?: unknown })?.open));
      const close = parseClock(String((p as { close?: unknown })?.close));
      if (open === undefined || close === undefined || open >= 24 * 60)
        return `${day} has a period that is not {open: "HH:MM", close: "HH:MM"}`;
    }
  }
  return undefined;
}

/**
 * The open periods of a space as instants, merged where they touch or overlap, for every
 * period that may intersect `range`. Periods are not clipped to `range`. Malformed entries are
 * skipped (spaces validate on write). `null` hours give the whole range.
 */
export function openPeriods(hours: OpeningHours | null, zone: string, range: Interval): Interval[] {
  if (hours === null) return [{ start: range.start, end: range.end }];
  const out: Interval[] = [];
  // A period opening on the day before yesterday may still run into range.start (24 h + a DST hour).
  const last = localDate(new Date(range.end), zone);
  for (let day = nextDay(localDate(new Date(range.start), zone), -2); day <= last; day = nextDay(day, 1)) {
    for (const p of dayPeriods(hours, zone, day))
      if (p.end > range.start && p.start < range.end) out.push({ start: p.start, end: p.end });
  }
  return normalize(out);
}

// Zone conversions are the costly part of availability (tens of µs each), and the same days
// and hours are asked about again and again: memoize them, bounded.
const memoLimit = 50_000;
const dayMemo = new Map<string, Interval[]>();
const nextDayMemo = new Map<string, string>();

function remember<V>(memo: Map<string, V>, key: string, make: () => V): V {
  let value = memo.get(key);
  if (value === undefined) {
    if (memo.size >= memoLimit) memo.clear();
    value = make();
    memo.set(key, value);
  }
  return value;
}

function nextDay(day: string, days: number): string {
  return remember(nextDayMemo, `${day}|${days}`, () => addDays(day, days));
}

/** The open periods that start on one local date, as instants. */
function dayPeriods(hours: OpeningHours, zone: string, day: string): Interval[] {
  const weekday = weekdays[isoWeekday(day) - 1]!;
  const periods = hours[weekday] ?? [];
  if (periods.length === 0) return [];
  const key = `${zone}|${day}|${periods.map((p) => `${p.open}-${p.close}`).join(',')}`;
  return remember(dayMemo, key, () => {
    const out: Interval[] = [];
    for (const p of periods) {
      const open = parseClock(p.open);
      const close = parseClock(p.close);
      if (open === undefined || close === undefined || open >= 24 * 60) continue;
      const start = localToInstant(day, open, zone).getTime();
      const end = (
        close > open ? localToInstant(day, close, zone) : localToInstant(nextDay(day, 1), close, zone)
      ).getTime();
      out.push({ start, end });
    }
    return out;
  });
}
