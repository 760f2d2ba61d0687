import { addDays, isoWeekday, localDate, localToInstant } from './time.ts';

/**
 * Fair-use quotas, pure: which period of the site's zone an instant falls in, how much of a booking
 * a rule counts, and whether new sessions fit. A booking belongs to the period its start falls in.
 */

export type QuotaPeriod = 'day' | 'week' | 'month';
export type QuotaMetric = 'hours' | 'sessions';

export interface QuotaRule {
  id: string;
  name: string;
  metric: QuotaMetric;
  period: QuotaPeriod;
  maximum: number;
  /** Minutes after local midnight; only the part of a session in this window counts. */
  windowStart: number | null;
  windowEnd: number | null;
  countParticipants: boolean;
}

export interface Interval {
  start: Date;
  end: Date;
}

/** The local date (YYYY-MM-DD) a period of the zone containing `at` starts on (weeks start Monday). */
function periodStartDate(at: Date, period: QuotaPeriod, zone: string): string {
  const date = localDate(at, zone);
  if (period === 'day') return date;
  if (period === 'week') return addDays(date, 1 - isoWeekday(date));
  return `${date.slice(0, 8)}01`;
}

function nextPeriodDate(startDate: string, period: QuotaPeriod): string {
  if (period === 'day') return addDays(startDate, 1);
  if (period === 'week') return addDays(startDate, 7);
  const [y, m] = startDate.split('-').map(Number) as [number, number];
  const ny = m === 12 ? y + 1 : y;
  const nm = m === 12 ? 1 : m + 1;
  return `${ny}-${String(nm).padStart(2, '0')}-01`;
}

/** Periods already worked out, per zone and kind: a lookup by instant instead of zone arithmetic. */
const periodCache = new Map<string, Interval[]>();

function cachedContaining(key: string, at: Date, make: () => Interval): Interval {
  let list = periodCache.get(key);
  if (!list) {
    list = [];
    periodCache.set(key, list);
  }
  const t = at.getTime();
  for (const p of list) if (t >= p.start.getTime() && t < p.end.getTime()) return p;
  const made = make();
  if (list.length >= 2000) list.length = 0;
  list.push(made);
  return made;
}

/** The period of the zone containing `at`, as instants [start, end). */
export function periodOf(at: Date, period: QuotaPeriod, zone: string): Interval {
  return cachedContaining(`${zone}|${period}`, at, () => {
    const first = periodStartDate(at, period, zone);
    return {
      start: localToInstant(first, 0, zone),
      end: localToInstant(nextPeriodDate(first, period), 0, zone),
    };
  });
}

/** The local date of an instant, through the day periods already worked out. */
function dayOf(at: Date, zone: string): string {
  const start = periodOf(at, 'day', zone).start;
  const key = `${zone}|${start.getTime()}`;
  let date = dayDates.get(key);
  if (date === undefined) {
    date = localDate(start, zone);
    if (dayDates.size >= 20_000) dayDates.clear();
    dayDates.set(key, date);
  }
  return date;
}
const dayDates = new Map<string, string>();

/**
 * One local day's window as instants, and the next local date. Zone arithmetic (Temporal) costs
 * about 0.1 ms a call here, and a month's windows are asked for on every booking a rule applies
 * to, so days are remembered (a bounded cache: entries are pure functions of their key).
 */
const dayCache = new Map<string, { window: Interval; next: string }>();

function dayWindow(
  date: string,
  start: number,
  end: number,
  zone: string,
): { window: Interval; next: string } {
  const key = `${zone}|${date}|${start}|${end}`;
  let hit = dayCache.get(key);
  if (!hit) {
    const next = addDays(date, 1);
    hit = {
      window: {
        start: localToInstant(date, start, zone),
        end: localToInstant(end <= start ? next : date, end, zone),
      },
      next,
    };
    if (dayCache.size >= 20_000) dayCache.clear();
    dayCache.set(key, hit);
  }
  return hit;
}

/** The rule's time-of-day windows that may touch [from, to), as instants (overnight windows included). */
export function windowsFor(rule: QuotaRule, from: Date, to: Date, zone: string): Interval[] {
  if (rule.windowStart === null || rule.windowEnd === null) return [{ start: from, end: to }];
  const out: Interval[] = [];
  // From the day before (an overnight window reaching into `from`) to the last day of the range.
  const last = dayOf(new Date(to.getTime() - 1), zone);
  for (let d = dayOf(new Date(from.getTime() - 86_400_000), zone); d <= last; ) {
    const { window, next } = dayWindow(d, rule.windowStart, rule.windowEnd, zone);
    if (window.end.getTime() > from.getTime() && window.start.getTime() < to.getTime()) out.push(window);
    d = next;
  }
  return out;
}

/** What one session adds to a rule's count: hours (within the window) or 1 session (if it touches the window). */
export function amountOf(rule: QuotaRule, session: Interval, zone: string): number {
  return amountIn(rule, session, windowsFor(rule, session.start, session.end, zone));
}

/** amountOf with the rule's windows worked out already (windowsFor over a range covering the session). */
export function amountIn(rule: QuotaRule, session: Interval, windows: readonly Interval[]): number {
  let ms = 0;
  for (const w of windows)
    ms += Math.max(
      0,
      Math.min(w.end.getTime(), session.end.getTime()) - Math.max(w.start.getTime(), session.start.getTime()),
    );
  if (rule.metric === 'hours') return ms / 3_600_000;
  return ms > 0 ? 1 : 0;
}

export interface QuotaExcess {
  rule: QuotaRule;
  period: Interval;
  used: number;
  remaining: number;
  wanted: number;
}

/**
 * Whether `session` fits every rule given what is already counted (`counted`, sessions of the same
 * member the rules apply to, each with the rules it counts for). Of the rules it would exceed, the
 * strictest (least remaining) is answered; null when it fits.
 */
export function findExcess(
  rules: readonly QuotaRule[],
  counted: readonly (Interval & { ruleIds: ReadonlySet<string> })[],
  session: Interval,
  zone: string,
): QuotaExcess | null {
  let worst: QuotaExcess | null = null;
  for (const rule of rules) {
    const wanted = amountOf(rule, session, zone);
    if (wanted === 0) continue;
    const period = periodOf(session.start, rule.period, zone);
    // The windows once per rule (zone arithmetic is the costly part), reaching past the period's
    // end for the sessions that start in it and end after it.
    const windows = windowsFor(rule, period.start, new Date(period.end.getTime() + 2 * 86_400_000), zone);
    let used = 0;
    for (const c of counted)
      if (
        c.ruleIds.has(rule.id) &&
        c.start.getTime() >= period.start.getTime() &&
        c.start.getTime() < period.end.getTime()
      )
        used += amountIn(rule, c, windows);
    const remaining = Math.max(0, rule.maximum - used);
    // A thousandth of an hour (3.6 s) of slack: sums of fractions are not exact.
    if (used + wanted > rule.maximum + 1e-3 && (!worst || remaining < worst.remaining))
      worst = { rule, period, used, remaining, wanted };
  }
  return worst;
}
