import { clip, type Interval, normalize, subtract } from './intervals.ts';

export interface AvailabilityInput {
  /** The range asked about. */
  range: Interval;
  /** The space's open periods (merged, see openPeriods), or null when it is always open. */
  open: readonly Interval[] | null;
  /** Blocked ranges of the space's active bookings: [start, end + their changeover). */
  blocked: readonly Interval[];
  /** The space's changeover now, in ms: a new booking blocks [start, end + changeover). */
  changeoverMs: number;
}

/**
 * Free intervals of one space within `range`, sorted, disjoint and not touching.
 *
 * Definition: [a, b) is free when every booking [s, e) with a ≤ s < e ≤ b would be accepted by
 * the overlap rule and by opening hours (length, horizon and the other rules aside), and the
 * intervals are maximal within `range`. The overlap rule accepts [s, e) when its blocked range
 * [s, e + changeover) meets no existing blocked range [bs, be), i.e. e ≤ bs − changeover or
 * s ≥ be; opening hours accept it when it lies inside one contiguous open period. So the free
 * set is (open ∩ range) minus every [bs − changeover, be). A booking may end exactly where the
 * next one's changeover-shifted start lies, and start exactly where a blocked range ends.
 */
export function freeIntervals(input: AvailabilityInput): Interval[] {
  const { range } = input;
  if (range.end <= range.start) return [];
  const open = input.open === null ? [range] : clip(normalize(input.open), range);
  const taken = normalize(input.blocked.map((b) => ({ start: b.start - input.changeoverMs, end: b.end })));
  return subtract(open, taken);
}

/**
 * The first `limit` slots of `lengthMs` in free intervals, each starting at or after
 * `notBefore`. Slots are alternatives (each could be booked on its own): within a free
 * interval they start at its beginning (or `notBefore`) and follow back to back.
 */
export function firstSlots(
  free: readonly Interval[],
  lengthMs: number,
  limit: number,
  notBefore = Number.NEGATIVE_INFINITY,
): Interval[] {
  const out: Interval[] = [];
  if (lengthMs <= 0) return out;
  for (const f of free) {
    for (let start = Math.max(f.start, notBefore); start + lengthMs <= f.end; start += lengthMs) {
      if (out.length >= limit) return out;
      out.push({ start, end: start + lengthMs });
    }
  }
  return out;
}
