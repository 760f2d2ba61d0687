/**
 * Half-open intervals [start, end) of epoch milliseconds, and the set operations the booking
 * rules and availability need. Lists are "normalized" when sorted, non-empty and neither
 * overlapping nor touching (touching intervals are merged: [a,b) ∪ [b,c) = [a,c)).
 */
export interface Interval {
  start: number;
  end: number;
}

/** Sorts, drops empty intervals and merges overlapping or touching ones. */
export function normalize(list: readonly Interval[]): Interval[] {
  const sorted = list.filter((i) => i.end > i.start).sort((a, b) => a.start - b.start || a.end - b.end);
  const out: Interval[] = [];
  for (const i of sorted) {
    const last = out[out.length - 1];
    if (last && i.start <= last.end) last.end = Math.max(last.end, i.end);
    else out.push({ start: i.start, end: i.end });
  }
  return out;
}

/** The parts of a normalized list inside `range`. */
export function clip(list: readonly Interval[], range: Interval): Interval[] {
  const out: Interval[] = [];
  for (const i of list) {
    const start = Math.max(i.start, range.start);
    const end = Math.min(i.end, range.end);
    if (end > start) out.push({ start, end });
  }
  return out;
}

/** `from` minus `cut`; both normalized, and so is the result. Linear in the two lengths. */
export function subtract(from: readonly Interval[], cut: readonly Interval[]): Interval[] {
  const out: Interval[] = [];
  let j = 0;
  for (const i of from) {
    let cursor = i.start;
    while (j < cut.length && cut[j]!.end <= cursor) j++;
    let k = j;
    while (k < cut.length && cut[k]!.start < i.end) {
      const c = cut[k]!;
      if (c.start > cursor) out.push({ start: cursor, end: c.start });
      cursor = Math.max(cursor, c.end);
      if (cursor >= i.end) break;
      k++;
    }
    if (cursor < i.end) out.push({ start: cursor, end: i.end });
  }
  return out;
}

/** Whether `x` lies wholly inside one interval of a normalized list. */
export function withinOne(list: readonly Interval[], x: Interval): boolean {
  return list.some((i) => i.start <= x.start && x.end <= i.end);
}
