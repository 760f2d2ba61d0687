import type { RecurrenceRule, Weekday } from '../../domain/recurrence.ts';
import { formatLocalWhen } from '../../domain/time.ts';

/**
 * How notices say things, so every notice says them alike: times in the site's zone with the day
 * whenever it is not the day the notice is written, lengths in hours and minutes, series in words.
 */

/** "22:00" today (site time, at `now`), else "Thu 26 Nov 22:00". */
export function when(at: Date | string, zone: string, now: Date): string {
  return formatLocalWhen(new Date(at), zone, now);
}

/** "45 min", "2 h", "22 h 30 min". */
export function duration(minutes: number): string {
  const m = Math.max(0, Math.round(minutes));
  const h = Math.floor(m / 60);
  const rest = m % 60;
  if (h === 0) return `${rest} min`;
  return rest === 0 ? `${h} h` : `${h} h ${rest} min`;
}

/** "1 session", "7 sessions". */
export function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

const dayWords: Record<Weekday, string> = {
  MO: 'Monday',
  TU: 'Tuesday',
  WE: 'Wednesday',
  TH: 'Thursday',
  FR: 'Friday',
  SA: 'Saturday',
  SU: 'Sunday',
};

const ordinalWords: Record<string, string> = {
  '1': 'first',
  '2': 'second',
  '3': 'third',
  '4': 'fourth',
  '5': 'fifth',
  '-1': 'last',
  '-2': 'second to last',
  '-3': 'third to last',
  '-4': 'fourth to last',
  '-5': 'fifth to last',
};

const nth = (n: number) => {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  return `${n}${['th', 'st', 'nd', 'rd'][n % 10] ?? 'th'}`;
};

function list(words: string[]): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

/** A recurrence rule in words: "daily", "every 2 weeks on Monday and Thursday", "monthly on the last Friday". */
export function ruleInWords(rule: RecurrenceRule): string {
  const unit = { DAILY: 'day', WEEKLY: 'week', MONTHLY: 'month' }[rule.freq];
  const base =
    rule.interval === 1
      ? { DAILY: 'daily', WEEKLY: 'weekly', MONTHLY: 'monthly' }[rule.freq]
      : `every ${rule.interval} ${unit}s`;
  const days = rule.byDay?.map((d) =>
    d.ordinal === undefined
      ? dayWords[d.weekday]
      : `the ${ordinalWords[String(d.ordinal)]} ${dayWords[d.weekday]}`,
  );
  const monthDays = rule.byMonthDay?.map((d) =>
    d < 0 ? (d === -1 ? 'the last day' : `${-d} days before the end`) : `the ${nth(d)}`,
  );
  const on = [...(days ?? []), ...(monthDays ?? [])];
  return on.length > 0 ? `${base} on ${list(on)}` : base;
}
