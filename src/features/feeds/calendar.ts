import ical, {
  ICalCalendarMethod,
  ICalEventClass,
  type ICalEventData,
  ICalEventStatus,
} from 'ical-generator';
import {
  expandOccurrences,
  type Occurrence,
  parseRRule,
  type RecurrenceRule,
} from '../../domain/recurrence.ts';
import { endOfLocalDate, localDateTimeToInstant, vtimezone, zonedInstant } from '../../domain/time.ts';
import type { FeedBookingRow, FeedScope, FeedSeriesRow, FeedSite } from './repository.ts';

/** What a feed is rendered from: its site, scope, owner's standing and the rows of the store. */
export interface FeedInput {
  site: FeedSite;
  scope: FeedScope;
  ownerIsAdmin: boolean;
  bookings: FeedBookingRow[];
  series: FeedSeriesRow[];
  now: Date;
  /** The host part of UIDs (stable per deployment). */
  domain: string;
}

/** How the owner of a feed sees an item: in full, as "Busy", or not at all. */
type Sight = 'full' | 'busy' | 'none';

function sightOf(input: FeedInput, visibility: 'public' | 'private', involved: boolean): Sight {
  if (visibility === 'public' || involved || input.ownerIsAdmin) return 'full';
  // Private bookings of others show only as busy, and only in space feeds.
  return input.scope === 'space' ? 'busy' : 'none';
}

/** UNTIL as the UTC instant RFC 5545 requires when DTSTART carries a zone. */
function utcUntil(rule: RecurrenceRule, zone: string): RecurrenceRule {
  const u = rule.until;
  if (!u || u.kind === 'instant') return rule;
  const at = u.kind === 'date' ? endOfLocalDate(u.date, zone) : localDateTimeToInstant(u.dateTime, zone);
  return { ...rule, until: { kind: 'instant', at } };
}

/**
 * Expansions of series rules and VTIMEZONEs are pure but slow (a series' expansion costs
 * milliseconds), and calendar apps poll the same feeds again and again: both are kept, keyed by
 * everything they depend on, in small bounded maps (oldest entry dropped first).
 */
const expansions = new Map<string, Occurrence[]>();
const zones = new Map<string, string>();
function remember<T>(cache: Map<string, T>, key: string, make: () => T, max = 2000): T {
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const value = make();
  if (cache.size >= max) cache.delete(cache.keys().next().value!);
  cache.set(key, value);
  return value;
}

const statusOf = (s: string) =>
  s === 'cancelled' || s === 'released' ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED;

/**
 * The iCalendar text of a feed (METHOD:PUBLISH). Single bookings are one VEVENT each; a series is
 * one VEVENT with its RRULE, EXDATEs for occurrences that are not (or no longer) in the feed —
 * cancelled, released, skipped, moved out of its scope — and a VEVENT with RECURRENCE-ID for each
 * occurrence that differs from the rule. Only occurrences up to the series' materialised horizon
 * are compared with the store; beyond it the rule stands for the bookings still to be made.
 */
export function renderFeed(input: FeedInput): string {
  const zone = input.site.timeZone;
  const cal = ical({
    name: `${input.site.subjectName ?? input.site.name} — ${input.site.name}`,
    prodId: { company: 'Shipshape', product: 'feeds', language: 'EN' },
    method: ICalCalendarMethod.PUBLISH,
    // No calendar-wide zone: each event carries its TZID and the generator writes one VTIMEZONE.
    timezone: {
      name: null,
      generator: (tz) => {
        const year = zonedInstant(input.now, tz).year;
        return remember(zones, `${tz}/${year}`, () => vtimezone(tz, year));
      },
    },
    ttl: 15 * 60,
  });
  const uid = (kind: string, id: string) => `${kind}-${id}@${input.domain}`;
  const common = (
    row: { visibility: 'public' | 'private'; version: number; updatedAt: Date; createdAt: Date },
    sight: Sight,
    title: string,
    spaceName: string,
    organizerName: string,
  ): Partial<ICalEventData> => ({
    timezone: zone,
    stamp: input.now,
    created: new Date(row.createdAt),
    lastModified: new Date(row.updatedAt),
    sequence: Math.max(0, row.version - 1),
    summary: sight === 'full' ? title : 'Busy',
    location: spaceName,
    ...(sight === 'full' ? { description: `Organizer: ${organizerName}` } : {}),
    class: row.visibility === 'private' ? ICalEventClass.PRIVATE : ICalEventClass.PUBLIC,
  });

  const seriesShown = new Map<string, FeedSeriesRow>();
  for (const s of input.series)
    if (sightOf(input, s.visibility, s.involved) !== 'none') seriesShown.set(s.id, s);
  const bySeries = new Map<string, Map<number, FeedBookingRow>>();
  const singles: FeedBookingRow[] = [];
  for (const b of input.bookings) {
    if (sightOf(input, b.visibility, b.involved) === 'none') continue;
    if (b.seriesId && b.originalStart && seriesShown.has(b.seriesId)) {
      const m = bySeries.get(b.seriesId) ?? new Map<number, FeedBookingRow>();
      bySeries.set(b.seriesId, m);
      m.set(new Date(b.originalStart).getTime(), b);
    } else singles.push(b);
  }

  for (const s of seriesShown.values()) {
    const rule = utcUntil(parseRRule(s.rrule, 'series.rrule'), s.timeZone);
    const pattern = {
      rule,
      startDate: s.startDate,
      startTime: s.startTime,
      durationMinutes: s.durationMinutes,
      timeZone: s.timeZone,
    };
    const horizon = new Date(s.materializedUntil);
    const from = new Date(endOfLocalDate(s.startDate, s.timeZone).getTime() - 2 * 86_400_000);
    const key = `${s.id}/${s.rrule}/${s.startDate}/${s.startTime}/${s.durationMinutes}/${s.timeZone}/${horizon.getTime()}`;
    const occurrences = remember(expansions, key, () => expandOccurrences(pattern, { from, to: horizon }));
    const booked = bySeries.get(s.id) ?? new Map<number, FeedBookingRow>();
    const first =
      occurrences[0] ??
      expandOccurrences(pattern, { from, to: new Date(from.getTime() + 400 * 86_400_000) })[0];
    if (!first) {
      singles.push(...booked.values());
      continue;
    }
    const seriesSight = sightOf(input, s.visibility, s.involved);
    const exclude: ReturnType<typeof zonedInstant>[] = [];
    const overrides: FeedBookingRow[] = [];
    for (const o of occurrences) {
      const key = o.originalStart.getTime();
      const b = booked.get(key);
      booked.delete(key);
      if (!b) {
        exclude.push(zonedInstant(o.originalStart, s.timeZone));
        continue;
      }
      const same =
        new Date(b.start).getTime() === o.start.getTime() &&
        new Date(b.end).getTime() === o.end.getTime() &&
        b.title === s.title &&
        b.spaceName === s.spaceName &&
        b.version === 1;
      if (!same) overrides.push(b);
    }
    // Bookings of the series the rule no longer produces (kept after a split) stand alone.
    singles.push(...booked.values());
    cal.createEvent({
      ...common(s, seriesSight, s.title, s.spaceName, s.organizerName),
      id: uid('series', s.id),
      start: zonedInstant(first.start, s.timeZone),
      end: zonedInstant(first.end, s.timeZone),
      timezone: s.timeZone,
      status: ICalEventStatus.CONFIRMED,
      repeating: {
        freq: rule.freq as never,
        ...(rule.interval !== 1 ? { interval: rule.interval } : {}),
        ...(rule.count !== undefined ? { count: rule.count } : {}),
        ...(rule.until?.kind === 'instant' ? { until: rule.until.at } : {}),
        ...(rule.byDay ? { byDay: rule.byDay.map((d) => `${d.ordinal ?? ''}${d.weekday}`) as never } : {}),
        ...(rule.byMonthDay ? { byMonthDay: rule.byMonthDay } : {}),
        ...(exclude.length > 0 ? { exclude } : {}),
      },
    });
    for (const b of overrides) {
      const sight = sightOf(input, b.visibility, b.involved);
      cal.createEvent({
        ...common(b, sight, b.title, b.spaceName, b.organizerName),
        id: uid('series', s.id),
        recurrenceId: zonedInstant(new Date(b.originalStart!), s.timeZone),
        start: zonedInstant(new Date(b.start), zone),
        end: zonedInstant(new Date(b.end), zone),
        status: statusOf(b.status),
      });
    }
  }

  for (const b of singles) {
    const sight = sightOf(input, b.visibility, b.involved);
    cal.createEvent({
      ...common(b, sight, b.title, b.spaceName, b.organizerName),
      id: uid('booking', b.id),
      start: zonedInstant(new Date(b.start), zone),
      end: zonedInstant(new Date(b.end), zone),
      status: statusOf(b.status),
    });
  }
  return cal.toString();
}
