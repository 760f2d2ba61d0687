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
  for (let day = addDays(localDate(new Date(range.start), zone), -2); day <= last; day = addDays(day, 1)) {
    const periods = hours[weekdays[isoWeekday(day) - 1]!] ?? [];
    for (const p of periods) {
      const open = parseClock(p.open);
      const close = parseClock(p.close);
      if (open === undefined || close === undefined || open >= 24 * 60) continue;
      const start = localToInstant(day, open, zone).getTime();
      const end = (
        close > open ? localToInstant(day, close, zone) : localToInstant(addDays(day, 1), close, zone)
      ).getTime();
      if (end > range.start && start < range.end) out.push({ start, end });
    }
  }
  return normalize(out);
}
