import { RRuleTemporal } from 'rrule-temporal';
import { Temporal } from 'temporal-polyfill';
import { invalid } from '../features/errors.ts';
import { localDateTime, localToInstant, parseClock } from './time.ts';

/**
 * Recurrence of a series: an RFC 5545 RRULE (the subset FREQ DAILY/WEEKLY/MONTHLY, INTERVAL,
 * BYDAY, BYMONTHDAY, COUNT, UNTIL) expanded in local wall time.
 *
 * The rule is expanded by rrule-temporal on a floating calendar (wall times carried as if UTC,
 * so no zone rules apply during expansion), and each wall time is then placed in the site's zone
 * by time.ts. That split is what RFC 5545 §3.3.5 asks for: a nonexistent local time moves later by
 * the gap and an ambiguous one takes the earlier instant, where rrule-temporal's own zoned mode
 * would drop occurrences that fall into a gap.
 */

export type Freq = 'DAILY' | 'WEEKLY' | 'MONTHLY';
export type Weekday = 'MO' | 'TU' | 'WE' | 'TH' | 'FR' | 'SA' | 'SU';

export interface ByDay {
  weekday: Weekday;
  /** Only with FREQ=MONTHLY: the n-th (1..5) or n-th from last (-1..-5) such weekday of the month. */
  ordinal?: number;
}

/**
 * UNTIL as a local date (inclusive: occurrences on that local date still count), a floating
 * local date-time, or a UTC instant (the RFC 5545 form when DTSTART has a zone).
 */
export type Until =
  | { kind: 'date'; date: string }
  | { kind: 'local'; dateTime: string }
  | { kind: 'instant'; at: Date };

export interface RecurrenceRule {
  freq: Freq;
  interval: number;
  byDay?: ByDay[];
  byMonthDay?: number[];
  count?: number;
  until?: Until;
}

const maxCount = 1000;

/**
 * Parses an RRULE strictly: unknown or repeated parts, malformed values and combinations RFC 5545
 * forbids (COUNT with UNTIL, ordinal BYDAY outside MONTHLY) are a validation error naming `field`.
 * Accepts an optional leading "RRULE:".
 */
export function parseRRule(text: string, field = 'body.rrule'): RecurrenceRule {
  const bad = (why: string) => invalid(field, `rrule ${why}`);
  const body = text.trim().replace(/^RRULE:/i, '');
  if (body.length === 0 || body.length > 500)
    throw bad('must be a non-empty RRULE of at most 500 characters');
  const parts = new Map<string, string>();
  for (const piece of body.split(';')) {
    const eq = piece.indexOf('=');
    if (eq <= 0) throw bad(`has a malformed part "${piece}"`);
    const name = piece.slice(0, eq).toUpperCase();
    const value = piece.slice(eq + 1).toUpperCase();
    if (!['FREQ', 'INTERVAL', 'BYDAY', 'BYMONTHDAY', 'COUNT', 'UNTIL'].includes(name))
      throw bad(`part ${name} is not supported (use FREQ, INTERVAL, BYDAY, BYMONTHDAY, COUNT, UNTIL)`);
    if (parts.has(name)) throw bad(`repeats ${name}`);
    if (value.length === 0) throw bad(`${name} is empty`);
    parts.set(name, value);
  }
  const freq = parts.get('FREQ');
  if (freq === undefined) throw bad('needs FREQ');
  if (freq !== 'DAILY' && freq !== 'WEEKLY' && freq !== 'MONTHLY')
    throw bad(`FREQ=${freq} is not supported (DAILY, WEEKLY or MONTHLY)`);
  const rule: RecurrenceRule = { freq, interval: 1 };

  const int = (name: string, raw: string, min: number, max: number): number => {
    if (!/^[+-]?\d{1,4}$/.test(raw)) throw bad(`${name} must be an integer`);
    const n = Number(raw);
    if (n < min || n > max) throw bad(`${name} must be between ${min} and ${max}`);
    return n;
  };

  const interval = parts.get('INTERVAL');
  if (interval !== undefined) rule.interval = int('INTERVAL', interval, 1, 366);

  const byDay = parts.get('BYDAY');
  if (byDay !== undefined) {
    const seen = new Set<string>();
    rule.byDay = byDay.split(',').map((token) => {
      const m = /^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$/.exec(token);
      if (!m) throw bad(`BYDAY has a malformed day "${token}"`);
      if (seen.has(token)) throw bad(`BYDAY repeats ${token}`);
      seen.add(token);
      const entry: ByDay = { weekday: m[2] as Weekday };
      if (m[1] !== undefined) {
        if (freq !== 'MONTHLY') throw bad('BYDAY with a position (e.g. 2TU) needs FREQ=MONTHLY');
        const n = Number(m[1]);
        if (n === 0 || n < -5 || n > 5) throw bad('a BYDAY position must be 1..5 or -1..-5');
        entry.ordinal = n;
      }
      return entry;
    });
  }

  const byMonthDay = parts.get('BYMONTHDAY');
  if (byMonthDay !== undefined) {
    if (freq === 'WEEKLY') throw bad('BYMONTHDAY is not allowed with FREQ=WEEKLY');
    const seen = new Set<number>();
    rule.byMonthDay = byMonthDay.split(',').map((token) => {
      const n = int('BYMONTHDAY', token, -31, 31);
      if (n === 0) throw bad('BYMONTHDAY must not be 0');
      if (seen.has(n)) throw bad(`BYMONTHDAY repeats ${n}`);
      seen.add(n);
      return n;
    });
  }

  const count = parts.get('COUNT');
  const until = parts.get('UNTIL');
  if (count !== undefined && until !== undefined) throw bad('must not have both COUNT and UNTIL');
  if (count !== undefined) rule.count = int('COUNT', count, 1, maxCount);
  if (until !== undefined) rule.until = parseUntil(until, bad);
  return rule;
}

function parseUntil(raw: string, bad: (why: string) => Error): Until {
  const m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z)?)?$/.exec(raw);
  if (!m) throw bad('UNTIL must be YYYYMMDD, YYYYMMDDTHHMMSS or YYYYMMDDTHHMMSSZ');
  try {
    const date = Temporal.PlainDate.from(
      { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) },
      { overflow: 'reject' },
    ).toString();
    if (m[4] === undefined) return { kind: 'date', date };
    const time = Temporal.PlainTime.from(
      { hour: Number(m[4]), minute: Number(m[5]), second: Number(m[6]) },
      { overflow: 'reject' },
    ).toString();
    if (m[7]) return { kind: 'instant', at: new Date(`${date}T${time}Z`) };
    return { kind: 'local', dateTime: `${date}T${time}` };
  } catch {
    throw bad('UNTIL is not a real date or time');
  }
}

/** The canonical text of a rule (what is stored), e.g. "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH". */
export function formatRRule(rule: RecurrenceRule): string {
  const out = [`FREQ=${rule.freq}`];
  if (rule.interval !== 1) out.push(`INTERVAL=${rule.interval}`);
  if (rule.byDay) out.push(`BYDAY=${rule.byDay.map((d) => `${d.ordinal ?? ''}${d.weekday}`).join(',')}`);
  if (rule.byMonthDay) out.push(`BYMONTHDAY=${rule.byMonthDay.join(',')}`);
  if (rule.count !== undefined) out.push(`COUNT=${rule.count}`);
  if (rule.until) {
    const u = rule.until;
    const compact = (s: string) => s.replace(/[-:]/g, '');
    if (u.kind === 'date') out.push(`UNTIL=${compact(u.date)}`);
    else if (u.kind === 'local') out.push(`UNTIL=${compact(u.dateTime)}`);
    else out.push(`UNTIL=${compact(u.at.toISOString().slice(0, 19))}Z`);
  }
  return out.join(';');
}

/** A series' pattern: the rule, the first local date, the local start time, length and zone. */
export interface Pattern {
  rule: RecurrenceRule;
  /** Local date of DTSTART, YYYY-MM-DD. */
  startDate: string;
  /** Local wall time HH:MM. */
  startTime: string;
  durationMinutes: number;
  timeZone: string;
}

export interface Occurrence {
  /** The occurrence's identity: its start as the rule produces it (before any edit). */
  originalStart: Date;
  start: Date;
  end: Date;
  /** The local date the occurrence falls on. */
  localDate: string;
}

/** Validates "HH:MM" as a start of day 00:00..23:59; minutes after midnight. */
export function parseStartTime(text: string, field = 'body.startTime'): number {
  const minutes = parseClock(text);
  if (minutes === undefined || minutes >= 24 * 60)
    throw invalid(field, 'startTime must be HH:MM, 00:00 to 23:59');
  return minutes;
}

function floating(date: string, minutes: number): Temporal.ZonedDateTime {
  return Temporal.PlainDate.from(date)
    .toPlainDateTime({ hour: Math.floor(minutes / 60), minute: minutes % 60 })
    .toZonedDateTime('UTC');
}

function libraryRule(p: Pattern, minutes: number): RRuleTemporal {
  const { rule } = p;
  return new RRuleTemporal({
    freq: rule.freq,
    interval: rule.interval,
    ...(rule.count !== undefined ? { count: rule.count } : {}),
    ...(rule.byDay ? { byDay: rule.byDay.map((d) => `${d.ordinal ?? ''}${d.weekday}`) } : {}),
    ...(rule.byMonthDay ? { byMonthDay: rule.byMonthDay } : {}),
    wkst: 'MO',
    dtstart: floating(p.startDate, minutes),
    tzid: 'UTC',
  });
}

function withinUntil(until: Until | undefined, wall: string, instant: Date): boolean {
  if (!until) return true;
  switch (until.kind) {
    case 'date':
      return wall.slice(0, 10) <= until.date;
    case 'local':
      return wall <= until.dateTime;
    case 'instant':
      return instant.getTime() <= until.at.getTime();
  }
}

/**
 * The occurrences whose start lies in [from, to), in order. Expansion runs on the floating
 * calendar with a day of slack each side (zone offsets are under a day), then each wall time is
 * placed in the zone and the exact window applied on instants.
 */
export function expandOccurrences(p: Pattern, window: { from: Date; to: Date }): Occurrence[] {
  const minutes = parseStartTime(p.startTime);
  if (window.to.getTime() <= window.from.getTime()) return [];
  const slack = 2 * 86_400_000;
  const lib = libraryRule(p, minutes);
  const wallFrom = floatingOf(window.from, p.timeZone, -slack);
  const wallTo = floatingOf(window.to, p.timeZone, slack);
  const out: Occurrence[] = [];
  for (const z of lib.between(wallFrom, wallTo, true)) {
    const date = z.toPlainDate().toString();
    const start = localToInstant(date, minutes, p.timeZone);
    const wall = z.toPlainDateTime().toString({ smallestUnit: 'second' });
    if (!withinUntil(p.rule.until, wall, start)) break;
    if (start.getTime() < window.from.getTime() || start.getTime() >= window.to.getTime()) continue;
    out.push({
      originalStart: start,
      start,
      end: new Date(start.getTime() + p.durationMinutes * 60_000),
      localDate: date,
    });
  }
  return out;
}

/** The wall time of an instant in the zone, as a Date on the floating (UTC) calendar, shifted by ms. */
function floatingOf(instant: Date, zone: string, shiftMs: number): Date {
  const wall = localDateTime(instant, zone);
  return new Date(new Date(`${wall}:00Z`).getTime() + shiftMs);
}

/** Whether the rule has an end (COUNT or UNTIL), so that all occurrences can be listed. */
export function hasEnd(rule: RecurrenceRule): boolean {
  return rule.count !== undefined || rule.until !== undefined;
}
