import type { Interval } from './intervals.ts';

/**
 * Finding a time that suits everyone: pure, over free intervals computed elsewhere.
 *
 * A candidate slot [s, s + length) starts on a grid (every `stepMs`, aligned to the quarter hour)
 * inside the window; it suits everyone when it lies inside a free interval of every person and
 * inside a free interval of some allowed space (the space's free intervals already account for
 * opening hours, changeover and the bookings in it). The space chosen is the first that fits, in
 * the order given.
 */

/** Free intervals are normalized (domain/intervals.ts), as freeTime and freeIntervals answer them. */
export interface FindPerson {
  id: string;
  free: readonly Interval[];
}

export interface FindSpace {
  id: string;
  free: readonly Interval[];
}

export type Preference = 'earliest' | 'quiet';

export interface FindInput {
  window: Interval;
  lengthMs: number;
  stepMs: number;
  people: readonly FindPerson[];
  /** Allowed spaces only, in order of preference. */
  spaces: readonly FindSpace[];
  limit: number;
  preference: Preference;
  /** Quiet periods over the window, for the "quiet" preference (least disturbance). */
  quiet: readonly Interval[];
}

export interface FoundSlot {
  start: number;
  end: number;
  spaceId: string;
  /** Minutes of the slot inside quiet hours. */
  quietMinutes: number;
}

export interface PartialSlot extends FoundSlot {
  attendees: string[];
  missing: string[];
}

export interface FindAnswer {
  slots: FoundSlot[];
  /** Only when there is no slot for everyone: the best slots with the fewest people missing. */
  partial: PartialSlot[];
  /** People with no free interval of the length in the window. */
  peopleNeverFree: string[];
  /** Allowed spaces with no free interval of the length in the window. */
  spacesNeverFree: string[];
}

const quarter = 15 * 60_000;

/** Whether [start, end) lies inside one interval of a normalized list (binary search). */
export function covers(list: readonly Interval[], start: number, end: number): boolean {
  let lo = 0;
  let hi = list.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const i = list[mid]!;
    if (i.end <= start) lo = mid + 1;
    else if (i.start > start) hi = mid - 1;
    else return i.end >= end;
  }
  return false;
}

function overlapMs(list: readonly Interval[], start: number, end: number): number {
  let total = 0;
  for (const i of list) {
    if (i.start >= end) break;
    total += Math.max(0, Math.min(i.end, end) - Math.max(i.start, start));
  }
  return total;
}

function hasRoom(list: readonly Interval[], lengthMs: number): boolean {
  return list.some((i) => i.end - i.start >= lengthMs);
}

/** The candidate starts of the window, on the grid. */
function* gridStarts(window: Interval, lengthMs: number, stepMs: number): Generator<number> {
  const first = Math.ceil(window.start / quarter) * quarter;
  for (let s = first; s + lengthMs <= window.end; s += stepMs) yield s;
}

/**
 * The first `limit` slots for everyone by the preference; when there is none, the best partial
 * slots (most people present, then by preference) and why: who and which spaces are never free.
 * Deterministic: the same input gives the same answer.
 */
export function findTimes(input: FindInput): FindAnswer {
  const { window, lengthMs, stepMs, people, spaces, limit } = input;
  const free = people;
  const rooms = spaces;
  const quiet = input.quiet;
  const roomFor = (s: number, e: number) => rooms.find((r) => covers(r.free, s, e))?.id;
  const make = (s: number, spaceId: string): FoundSlot => ({
    start: s,
    end: s + lengthMs,
    spaceId,
    quietMinutes: Math.round(overlapMs(quiet, s, s + lengthMs) / 60_000),
  });
  const order = (a: FoundSlot, b: FoundSlot) =>
    input.preference === 'quiet' ? a.quietMinutes - b.quietMinutes || a.start - b.start : a.start - b.start;

  const slots: FoundSlot[] = [];
  for (const s of gridStarts(window, lengthMs, stepMs)) {
    const e = s + lengthMs;
    if (!free.every((p) => covers(p.free, s, e))) continue;
    const room = roomFor(s, e);
    if (room === undefined) continue;
    slots.push(make(s, room));
    if (input.preference === 'earliest' && slots.length >= limit) break;
  }
  slots.sort(order);

  const peopleNeverFree = free.filter((p) => !hasRoom(p.free, lengthMs)).map((p) => p.id);
  const spacesNeverFree = rooms.filter((r) => !hasRoom(r.free, lengthMs)).map((r) => r.id);
  const partial: PartialSlot[] = [];
  if (slots.length === 0 && free.length > 1) {
    for (const s of gridStarts(window, lengthMs, stepMs)) {
      const e = s + lengthMs;
      const room = roomFor(s, e);
      if (room === undefined) continue;
      const attendees = free.filter((p) => covers(p.free, s, e)).map((p) => p.id);
      if (attendees.length === 0) continue;
      const missing = free.filter((p) => !attendees.includes(p.id)).map((p) => p.id);
      partial.push({ ...make(s, room), attendees, missing });
    }
    partial.sort((a, b) => a.missing.length - b.missing.length || order(a, b));
    partial.splice(limit);
  }
  return { slots: slots.slice(0, limit), partial, peopleNeverFree, spacesNeverFree };
}
