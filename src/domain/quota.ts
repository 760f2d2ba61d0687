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

/** The period of the zone containing `at`, as instants [start, end). */
export function periodOf(at: Date, period: QuotaPeriod, zone: string): Interval {
  const first = periodStartDate(at, period, zone);
  return {
    start: localToInstant(first, 0, zone),
    end: localToInstant(nextPeriodDate(first, period), 0, zone),
  };
}

/** The rule's time-of-day windows that may touch [from, to), as instants (overnight windows included). */
function windowsAround(rule: QuotaRule, from: Date, to: Date, zone: string): Interval[] {
  if (rule.windowStart === null || rule.windowEnd === null) return [{ start: from, end: to }];
  const out: Interval[] = [];
  const overnight = rule.windowEnd <= rule.windowStart;
  // From the day before (an overnight window reaching into `from`) to the last day of the range.
  const last = localDate(to, zone);
  for (let d = addDays(localDate(from, zone), -1); d <= last; d = addDays(d, 1)) {
    const start = localToInstant(d, rule.windowStart, zone);
    const end = localToInstant(overnight ? addDays(d, 1) : d, rule.windowEnd, zone);
    if (end.getTime() > from.getTime() && start.getTime() < to.getTime()) out.push({ start, end });
  }
  return out;
}

/** What one session adds to a rule's count: hours (within the window) or 1 session (if it touches the window). */
export function amountOf(rule: QuotaRule, session: Interval, zone: string): number {
  const windows = windowsAround(rule, session.start, session.end, zone);
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
    let used = 0;
    for (const c of counted)
      if (
        c.ruleIds.has(rule.id) &&
        c.start.getTime() >= period.start.getTime() &&
        c.start.getTime() < period.end.getTime()
      )
        used += amountOf(rule, c, zone);
    const remaining = Math.max(0, rule.maximum - used);
    // A thousandth of an hour (3.6 s) of slack: sums of fractions are not exact.
    if (used + wanted > rule.maximum + 1e-3 && (!worst || remaining < worst.remaining))
      worst = { rule, period, used, remaining, wanted };
  }
  return worst;
}
