import { Temporal } from 'temporal-polyfill';

/**
 * The only module that converts between instants, zones and wall-clock times.
 * Instants travel as JS Dates (UTC); local dates and times as ISO strings.
 */

export function isValidTimeZone(zone: string): boolean {
  try {
    Temporal.ZonedDateTime.from({ timeZone: zone, year: 2026, month: 1, day: 1 });
    return zone.length <= 64;
  } catch {
    return false;
  }
}

/**
 * Whether an RFC 3339 text names a leap second (seconds 60). Temporal, like most libraries, would
 * silently read 23:59:60 as 23:59:59: an instant that never existed would be stored as another.
 */
export function isLeapSecond(text: string): boolean {
  return /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:60/.test(text);
}

/**
 * Parses an RFC 3339 instant that carries an offset; undefined when it is not one, the date is
 * impossible or it is a leap second (refused like any other unreal instant).
 */
export function parseInstant(text: string): Date | undefined {
  if (!/^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?([Zz]|[+-]\d{2}:\d{2})$/.test(text))
    return undefined;
  if (isLeapSecond(text)) return undefined;
  try {
    const instant = Temporal.Instant.from(text);
    return new Date(instant.epochMilliseconds);
  } catch {
    return undefined;
  }
}

/** "HH:MM", 00:00 to 24:00, to minutes after midnight; undefined when malformed. */
export function parseClock(text: string): number | undefined {
  const m = /^([01]\d|2[0-4]):([0-5]\d)$/.exec(text);
  if (!m) return undefined;
  const minutes = Number(m[1]) * 60 + Number(m[2]);
  return minutes <= 24 * 60 ? minutes : undefined;
}

/**
 * The instant of a wall-clock time on a local date in a zone. A time in the spring gap
 * moves later by the gap; an ambiguous one takes the earlier instant (RFC 5545 §3.3.5).
 */
export function localToInstant(date: string, minutesAfterMidnight: number, zone: string): Date {
  const day = Temporal.PlainDate.from(date);
  const at = day.toPlainDateTime({ hour: 0 }).add({ minutes: minutesAfterMidnight });
  const zoned = at.toZonedDateTime(zone, { disambiguation: 'compatible' });
  return new Date(zoned.epochMilliseconds);
}

/** The local calendar date (YYYY-MM-DD) of an instant in a zone. */
export function localDate(instant: Date, zone: string): string {
  return Temporal.Instant.fromEpochMilliseconds(instant.getTime())
    .toZonedDateTimeISO(zone)
    .toPlainDate()
    .toString();
}

/** The local date and time (YYYY-MM-DDTHH:MM) of an instant in a zone. */
export function localDateTime(instant: Date, zone: string): string {
  return Temporal.Instant.fromEpochMilliseconds(instant.getTime())
    .toZonedDateTimeISO(zone)
    .toPlainDateTime()
    .toString({ smallestUnit: 'minute' });
}

/** Day of week of a local date, 1 = Monday … 7 = Sunday. */
export function isoWeekday(date: string): number {
  return Temporal.PlainDate.from(date).dayOfWeek;
}

/** Whole days from local date `a` to local date `b` (negative when b is earlier). */
export function daysBetween(a: string, b: string): number {
  return Temporal.PlainDate.from(a).until(Temporal.PlainDate.from(b), { largestUnit: 'days' }).days;
}

export function addDays(date: string, days: number): string {
  return Temporal.PlainDate.from(date).add({ days }).toString();
}

/** An instant as RFC 3339 with the zone's offset, e.g. 2026-11-25T22:00:00+01:00. */
export function formatInZone(instant: Date, zone: string): string {
  const z = Temporal.Instant.fromEpochMilliseconds(instant.getTime()).toZonedDateTimeISO(zone);
  return z.toString({ timeZoneName: 'never', smallestUnit: 'second' });
}

const weekdayNames = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const monthNames = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * An instant as people read it in a zone: "22:00" when it falls on the same local day as
 * `reference` (the moment the words are written), else with the day: "Thu 26 Nov 22:00", and the
 * year too when it differs.
 */
export function formatLocalWhen(instant: Date, zone: string, reference: Date): string {
  const z = Temporal.Instant.fromEpochMilliseconds(instant.getTime()).toZonedDateTimeISO(zone);
  const r = Temporal.Instant.fromEpochMilliseconds(reference.getTime()).toZonedDateTimeISO(zone);
  const clock = `${String(z.hour).padStart(2, '0')}:${String(z.minute).padStart(2, '0')}`;
  if (z.toPlainDate().equals(r.toPlainDate())) return clock;
  const day = `${weekdayNames[z.dayOfWeek - 1]} ${z.day} ${monthNames[z.month - 1]}`;
  return z.year === r.year ? `${day} ${clock}` : `${day} ${z.year} ${clock}`;
}

/** A local date (YYYY-MM-DD) as people read it: "Thu 26 Nov" (with the year when not `referenceYear`). */
export function formatLocalDate(date: string, referenceYear?: number): string {
  const d = Temporal.PlainDate.from(date);
  const day = `${weekdayNames[d.dayOfWeek - 1]} ${d.day} ${monthNames[d.month - 1]}`;
  return referenceYear === undefined || d.year === referenceYear ? day : `${day} ${d.year}`;
}

/** The local calendar year of an instant in a zone. */
export function localYear(instant: Date, zone: string): number {
  return Temporal.Instant.fromEpochMilliseconds(instant.getTime()).toZonedDateTimeISO(zone).year;
}

function zonedParts(instant: Date, zone: string): { date: string; clock: string; offset: string } {
  const z = Temporal.Instant.fromEpochMilliseconds(instant.getTime()).toZonedDateTimeISO(zone);
  return {
    date: z.toPlainDate().toString(),
    clock: `${String(z.hour).padStart(2, '0')}:${String(z.minute).padStart(2, '0')}`,
    offset: z.offset,
  };
}

/** An instant for people, in a zone with its offset: "2026-11-25 22:00 +10:30". */
export function formatLocalWithOffset(instant: Date, zone: string): string {
  const p = zonedParts(instant, zone);
  return `${p.date} ${p.clock} ${p.offset}`;
}

/**
 * A span for people, in a zone with its offset: "2026-11-25 22:00–23:30 +10:30"; the end carries
 * its date when it is another day, and its own offset when daylight saving changed in between.
 */
export function formatLocalRange(start: Date, end: Date, zone: string): string {
  const s = zonedParts(start, zone);
  const e = zonedParts(end, zone);
  const endText = e.date === s.date ? e.clock : `${e.date} ${e.clock}`;
  return s.offset === e.offset
    ? `${s.date} ${s.clock}–${endText} ${s.offset}`
    : `${s.date} ${s.clock} ${s.offset}–${endText} ${e.offset}`;
}

/** An instant as a Temporal.ZonedDateTime in a zone (what the calendar generator formats with TZID). */
export function zonedInstant(instant: Date, zone: string): Temporal.ZonedDateTime {
  return Temporal.Instant.fromEpochMilliseconds(instant.getTime()).toZonedDateTimeISO(zone);
}

/** The end of a local date in a zone (the instant of the next midnight, minus a second). */
export function endOfLocalDate(date: string, zone: string): Date {
  const next = Temporal.PlainDate.from(date).add({ days: 1 }).toZonedDateTime({ timeZone: zone });
  return new Date(next.epochMilliseconds - 1000);
}

/** A local date-time "YYYY-MM-DDTHH:MM[:SS]" in a zone as an instant (§3.3.5 disambiguation). */
export function localDateTimeToInstant(dateTime: string, zone: string): Date {
  const zoned = Temporal.PlainDateTime.from(dateTime).toZonedDateTime(zone, { disambiguation: 'compatible' });
  return new Date(zoned.epochMilliseconds);
}

const weekdayCodes = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const;

function icalOffset(ns: number): string {
  const minutes = Math.round(ns / 60e9);
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
}

/**
 * A VTIMEZONE for a zone in the form Outlook accepts: one STANDARD and, where the zone keeps
 * daylight saving, one DAYLIGHT observance, each a yearly RRULE (BYMONTH and a n-th or last
 * weekday) with a DTSTART in 1601 — the shape Outlook and Exchange write themselves. The rules are
 * those in force in `year`; a zone without transitions that year gets one fixed STANDARD.
 */
export function vtimezone(zone: string, year: number): string {
  const start = Temporal.ZonedDateTime.from({ timeZone: zone, year, month: 1, day: 1 });
  const end = start.add({ years: 1 });
  const transitions: Temporal.ZonedDateTime[] = [];
  let cursor: Temporal.ZonedDateTime | null = start;
  for (let i = 0; i < 4; i++) {
    cursor = cursor.getTimeZoneTransition('next');
    if (!cursor || Temporal.ZonedDateTime.compare(cursor, end) >= 0) break;
    transitions.push(cursor);
  }
  const lines = ['BEGIN:VTIMEZONE', `TZID:${zone}`];
  if (transitions.length < 2) {
    const offset = icalOffset(start.offsetNanoseconds);
    lines.push(
      'BEGIN:STANDARD',
      'DTSTART:16010101T000000',
      `TZOFFSETFROM:${offset}`,
      `TZOFFSETTO:${offset}`,
      'END:STANDARD',
    );
  } else {
    for (const t of transitions.slice(0, 2)) {
      const before = t.subtract({ nanoseconds: 1 });
      const from = before.offsetNanoseconds;
      const to = t.offsetNanoseconds;
      // The wall time the change happens at, as the clocks showed it just before.
      const wall = before.toPlainDateTime().add({ nanoseconds: 1 });
      const nth = wall.day + 7 > wall.daysInMonth ? -1 : Math.ceil(wall.day / 7);
      const kind = to > from ? 'DAYLIGHT' : 'STANDARD';
      const hhmmss = `${String(wall.hour).padStart(2, '0')}${String(wall.minute).padStart(2, '0')}00`;
      lines.push(
        `BEGIN:${kind}`,
        `DTSTART:16010101T${hhmmss}`,
        `RRULE:FREQ=YEARLY;BYMONTH=${wall.month};BYDAY=${nth}${weekdayCodes[wall.dayOfWeek - 1]}`,
        `TZOFFSETFROM:${icalOffset(from)}`,
        `TZOFFSETTO:${icalOffset(to)}`,
        `END:${kind}`,
      );
    }
  }
  lines.push('END:VTIMEZONE');
  return lines.join('\r\n');
}

/**
 * When `now` falls in the site's quiet hours ("HH:MM" start and end in the zone; the end may be
 * the next day), the instant they end; otherwise undefined.
 */
export function quietHoursEnd(now: Date, zone: string, start: string, end: string): Date | undefined {
  const s = parseClock(start);
  const e = parseClock(end);
  if (s === undefined || e === undefined || s === e) return undefined;
  const wall = localDateTime(now, zone);
  const today = wall.slice(0, 10);
  const m = Number(wall.slice(11, 13)) * 60 + Number(wall.slice(14, 16));
  if (s < e) return m >= s && m < e ? localToInstant(today, e, zone) : undefined;
  if (m >= s) return localToInstant(addDays(today, 1), e, zone);
  if (m < e) return localToInstant(today, e, zone);
  return undefined;
}
