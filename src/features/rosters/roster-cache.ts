import type { Queryable } from '../../db/store.ts';
import { daySpan, rosterIntervals } from '../../domain/free-time.ts';
import { clip, type Interval } from '../../domain/intervals.ts';
import type { Pattern } from '../../domain/recurrence.ts';
import { listDutyShifts, listLeave } from './repository.ts';
import { shiftPattern } from './service.ts';

/**
 * Members' rosters kept between requests: each member's duty shifts (parsed) and leave, and their
 * busy time expanded over whole UTC days, so finding a time reads and expands a roster only when it
 * changed. Exact: every entry carries the roster version the database raises on each change to the
 * member's shifts or leave (migration 0018's trigger); the caller reads the version with the member,
 * before the roster, and a different version reloads the entry. A roster read after its version is
 * at least as new as that version, so an entry is never older than the version it is kept under.
 */

/** Members kept; past it the cache starts again (a site has hundreds, not tens of thousands). */
const maxEntries = 20_000;
/** Expanded spans kept per member: the windows in use (this week, next, a fortnight). */
const maxSpans = 6;

interface Entry {
  version: number;
  shifts: Pattern[];
  leave: Interval[];
  /** Busy time over a day-aligned span, normalized, by `${start}/${end}`. */
  spans: Map<string, Interval[]>;
}

const entries = new Map<string, Entry>();
let loads = 0;

/** How many members' rosters were read from the store since start: lets a test see a hit. */
export function rosterLoads(): number {
  return loads;
}

export interface RosterKey {
  id: string;
  /** The roster version read with the member. */
  rosterVersion: number;
}

/**
 * Busy time from the duty rosters (shift occurrences and leave) of each member within `range`,
 * normalized; only the members whose entry is missing or stale are read, in one query per table.
 */
export async function rosterBusy(
  db: Queryable,
  siteId: string,
  people: readonly RosterKey[],
  range: Interval,
): Promise<Map<string, Interval[]>> {
  const stale = people.filter((p) => entries.get(`${siteId}/${p.id}`)?.version !== p.rosterVersion);
  if (stale.length > 0) {
    const ids = stale.map((p) => p.id);
    const [shifts, leave] = [await listDutyShifts(db, siteId, ids), await listLeave(db, siteId, ids)];
    if (entries.size + stale.length > maxEntries) entries.clear();
    for (const p of stale)
      entries.set(`${siteId}/${p.id}`, {
        version: p.rosterVersion,
        shifts: [],
        leave: [],
        spans: new Map(),
      });
    for (const s of shifts) entries.get(`${siteId}/${s.memberId}`)!.shifts.push(shiftPattern(s));
    for (const l of leave)
      entries
        .get(`${siteId}/${l.memberId}`)!
        .leave.push({ start: +new Date(l.start), end: +new Date(l.end) });
    loads += stale.length;
  }
  const span = daySpan(range);
  const spanKey = `${span.start}/${span.end}`;
  const out = new Map<string, Interval[]>();
  for (const p of people) {
    const entry = entries.get(`${siteId}/${p.id}`)!;
    let busy = entry.spans.get(spanKey);
    if (busy === undefined) {
      busy = rosterIntervals(entry.shifts, entry.leave, span);
      if (entry.spans.size >= maxSpans) entry.spans.delete(entry.spans.keys().next().value!);
      entry.spans.set(spanKey, busy);
    }
    out.set(p.id, span.start === range.start && span.end === range.end ? busy : clip(busy, range));
  }
  return out;
}
