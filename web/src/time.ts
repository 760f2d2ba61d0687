/**
 * Wall-clock arithmetic in the site's time zone, with the browser's Intl only (no Temporal
 * polyfill in the bundle). The schedule is always drawn in the site's zone, never the browser's.
 */

export interface LocalDate {
  year: number;
  month: number;
  day: number;
}

export interface LocalParts extends LocalDate {
  hour: number;
  minute: number;
  weekday: number; // 1 = Monday … 7 = Sunday
}

const partsFormatters = new Map<string, Intl.DateTimeFormat>();
const weekdays: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

function partsFormatter(zone: string): Intl.DateTimeFormat {
  let f = partsFormatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      weekday: 'short',
    });
    partsFormatters.set(zone, f);
  }
  return f;
}

/** The wall-clock date and time of an instant in a zone. */
export function localParts(instant: Date | number | string, zone: string): LocalParts {
  const d = instant instanceof Date ? instant : new Date(instant);
  const p: Record<string, string> = {};
  for (const part of partsFormatter(zone).formatToParts(d)) p[part.type] = part.value;
  return {
    year: Number(p.year),
    month: Number(p.month),
    day: Number(p.day),
    hour: Number(p.hour) % 24,
    minute: Number(p.minute),
    weekday: weekdays[p.weekday ?? 'Mon'] ?? 1,
  };
}

function offsetAt(ms: number, zone: string): number {
  const p = localParts(ms, zone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute);
  return asUtc - Math.floor(ms / 60_000) * 60_000;
}

/**
 * The instant of a wall-clock time in a zone. A time in the spring gap moves later by the gap
 * and an ambiguous one takes the earlier instant, as the server does (RFC 5545 §3.3.5).
 */
export function zonedInstant(date: LocalDate, hour: number, minute: number, zone: string): Date {
  const wall = Date.UTC(date.year, date.month - 1, date.day, hour, minute);
  const before = offsetAt(wall - 86_400_000, zone);
  const after = offsetAt(wall + 86_400_000, zone);
  // Try the earlier offset first so an ambiguous time resolves to the earlier instant.
  for (const off of before >= after ? [before, after] : [after, before]) {
    const t = wall - off;
    if (offsetAt(t, zone) === off) return new Date(t);
  }
  // In the gap: neither offset maps back, so shift later by the gap (use the pre-gap offset).
  return new Date(wall - before);
}

/**
 * The instants of a session given by its local date and wall-clock start and end. An end at or
 * before the start runs past midnight: it is that wall-clock time on the next local day (not 24 h
 * after, which is wrong on a daylight-saving night).
 */
export function sessionSpan(
  date: LocalDate,
  start: { hour: number; minute: number },
  end: { hour: number; minute: number },
  zone: string,
): { start: Date; end: Date } {
  const startAt = zonedInstant(date, start.hour, start.minute, zone);
  const overnight = end.hour * 60 + end.minute <= start.hour * 60 + start.minute;
  const endAt = zonedInstant(overnight ? addDays(date, 1) : date, end.hour, end.minute, zone);
  return { start: startAt, end: endAt };
}

export function addDays(date: LocalDate, days: number): LocalDate {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** Monday = 1 … Sunday = 7, of a calendar date (zone-free). */
export function weekdayOf(date: LocalDate): number {
  const wd = new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay();
  return wd === 0 ? 7 : wd;
}

export function sameDate(a: LocalDate, b: LocalDate): boolean {
  return a.year === b.year && a.month === b.month && a.day === b.day;
}

const pad = (n: number) => String(n).padStart(2, '0');

export function isoDate(date: LocalDate): string {
  return `${date.year}-${pad(date.month)}-${pad(date.day)}`;
}

export function parseIsoDate(s: string): LocalDate | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return null;
  return { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
}

export function hhmm(hour: number, minute: number): string {
  return `${pad(hour)}:${pad(minute)}`;
}

export function parseHhmm(s: string): { hour: number; minute: number } | null {
  const m = /^(\d{1,2}):(\d{2})$/.exec(s);
  if (!m) return null;
  const hour = Number(m[1]);
  const minute = Number(m[2]);
  if (hour > 24 || minute > 59) return null;
  return { hour, minute };
}

/** "14:30" in the site's zone. */
export function formatTime(instant: string | Date, zone: string): string {
  const p = localParts(instant, zone);
  return hhmm(p.hour, p.minute);
}

const longDate = new Map<string, Intl.DateTimeFormat>();

/** "Wed 25 Nov" of a calendar date. */
export function formatDate(date: LocalDate, opts: { long?: boolean } = {}): string {
  const key = opts.long ? 'long' : 'short';
  let f = longDate.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone: 'UTC',
      weekday: opts.long ? 'long' : 'short',
      day: 'numeric',
      month: opts.long ? 'long' : 'short',
      ...(opts.long ? { year: 'numeric' } : {}),
    });
    longDate.set(key, f);
  }
  return f.format(new Date(Date.UTC(date.year, date.month - 1, date.day)));
}

/** "Wed 25 Nov, 14:30–15:30" of a booking's span, in the site's zone. */
export function formatSpan(start: string, end: string, zone: string): string {
  const s = localParts(start, zone);
  const e = localParts(end, zone);
  const day = formatDate(s);
  const endDay = sameDate(s, e) ? '' : `${formatDate(e)}, `;
  return `${day}, ${hhmm(s.hour, s.minute)}–${endDay}${hhmm(e.hour, e.minute)}`;
}

/** Minutes since local midnight of `date`, clipped to the day (0…1440). */
export function minuteOfDay(instant: string | Date, date: LocalDate, zone: string): number {
  const p = localParts(instant, zone);
  const cmp = p.year * 10_000 + p.month * 100 + p.day - (date.year * 10_000 + date.month * 100 + date.day);
  if (cmp < 0) return 0;
  if (cmp > 0) return 1440;
  return p.hour * 60 + p.minute;
}
