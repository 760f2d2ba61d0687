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

export function addDays(date: string, days: number): string {
  return Temporal.PlainDate.from(date).add({ days }).toString();
}

/** An instant as RFC 3339 with the zone's offset, e.g. 2026-11-25T22:00:00+01:00. */
export function formatInZone(instant: Date, zone: string): string {
  const z = Temporal.Instant.fromEpochMilliseconds(instant.getTime()).toZonedDateTimeISO(zone);
  return z.toString({ timeZoneName: 'never', smallestUnit: 'second' });
}
