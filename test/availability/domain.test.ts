import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { firstSlots, freeIntervals } from '../../src/domain/availability.ts';
import { type Interval, normalize, subtract, withinOne } from '../../src/domain/intervals.ts';
import { type OpeningHours, openPeriods, weekdays } from '../../src/domain/opening-hours.ts';

const utc = (s: string) => Date.parse(s);
const show = (list: Interval[]) =>
  list.map((i) => `${new Date(i.start).toISOString()}/${new Date(i.end).toISOString()}`);

describe('intervals', () => {
  it('normalize sorts, drops empties and merges overlapping and touching intervals', () => {
    assert.deepEqual(
      normalize([
        { start: 5, end: 7 },
        { start: 1, end: 3 },
        { start: 3, end: 4 },
        { start: 6, end: 9 },
        { start: 10, end: 10 },
      ]),
      [
        { start: 1, end: 4 },
        { start: 5, end: 9 },
      ],
    );
  });
  it('subtract cuts holes and edges', () => {
    assert.deepEqual(
      subtract(
        [
          { start: 0, end: 10 },
          { start: 20, end: 30 },
        ],
        [
          { start: -5, end: 2 },
          { start: 4, end: 5 },
          { start: 9, end: 21 },
          { start: 30, end: 40 },
        ],
      ),
      [
        { start: 2, end: 4 },
        { start: 5, end: 9 },
        { start: 21, end: 30 },
      ],
    );
  });
  it('withinOne needs a single interval to hold the whole span', () => {
    const list = normalize([
      { start: 0, end: 5 },
      { start: 6, end: 9 },
    ]);
    assert.equal(withinOne(list, { start: 1, end: 5 }), true);
    assert.equal(withinOne(list, { start: 4, end: 7 }), false);
  });
});

describe('opening hours', () => {
  it('an evening period runs past midnight into the next day', () => {
    const hours: OpeningHours = { mon: [{ open: '18:00', close: '02:00' }] };
    const range = { start: utc('2026-06-01T00:00:00Z'), end: utc('2026-06-03T00:00:00Z') };
    assert.deepEqual(show(openPeriods(hours, 'UTC', range)), [
      '2026-06-01T18:00:00.000Z/2026-06-02T02:00:00.000Z',
    ]);
  });
  it("Sunday's overnight period reaches into a range that starts on Monday", () => {
    const hours: OpeningHours = { sun: [{ open: '22:00', close: '06:00' }] };
    const range = { start: utc('2026-06-01T00:00:00Z'), end: utc('2026-06-01T12:00:00Z') };
    assert.deepEqual(show(openPeriods(hours, 'UTC', range)), [
      '2026-05-31T22:00:00.000Z/2026-06-01T06:00:00.000Z',
    ]);
  });
  it('touching periods merge into one contiguous period; open == close is 24 hours', () => {
    const hours: OpeningHours = {
      mon: [{ open: '00:00', close: '24:00' }],
      tue: [{ open: '00:00', close: '12:00' }],
      thu: [{ open: '07:00', close: '07:00' }],
    };
    const range = { start: utc('2026-06-01T00:00:00Z'), end: utc('2026-06-07T00:00:00Z') };
    assert.deepEqual(show(openPeriods(hours, 'UTC', range)), [
      '2026-06-01T00:00:00.000Z/2026-06-02T12:00:00.000Z',
      '2026-06-04T07:00:00.000Z/2026-06-05T07:00:00.000Z',
    ]);
  });
  it('follows the zone across daylight-saving changes (Europe/Berlin)', () => {
    const hours: OpeningHours = { sun: [{ open: '01:00', close: '04:00' }] };
    const spring = { start: utc('2026-03-28T00:00:00Z'), end: utc('2026-03-30T00:00:00Z') };
    assert.deepEqual(show(openPeriods(hours, 'Europe/Berlin', spring)), [
      '2026-03-29T00:00:00.000Z/2026-03-29T02:00:00.000Z',
    ]);
    const autumn = { start: utc('2026-10-24T00:00:00Z'), end: utc('2026-10-26T00:00:00Z') };
    assert.deepEqual(show(openPeriods(hours, 'Europe/Berlin', autumn)), [
      '2026-10-24T23:00:00.000Z/2026-10-25T03:00:00.000Z',
    ]);
  });
  it('matches a minute-by-minute model on fixed-offset zones (property)', () => {
    const clock = fc.integer({ min: 0, max: 95 }).map((q) => q * 15);
    const hhmm = (m: number) =>
      `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
    const period = fc.record({ open: clock, close: fc.integer({ min: 1, max: 96 }).map((q) => q * 15) });
    const hoursArb = fc.dictionary(fc.constantFrom(...weekdays), fc.array(period, { maxLength: 2 }));
    fc.assert(
      fc.property(
        hoursArb,
        fc.constantFrom(['UTC', 0], ['Asia/Kathmandu', 345] as const),
        fc.integer({ min: 0, max: 7 * 96 }),
        fc.integer({ min: 1, max: 3 * 96 }),
        (raw, [zone, offset], startQ, lengthQ) => {
          const hours: OpeningHours = {};
          for (const [day, ps] of Object.entries(raw))
            hours[day as keyof OpeningHours] = ps.map((p) => ({ open: hhmm(p.open), close: hhmm(p.close) }));
          const base = utc('2026-06-01T00:00:00Z'); // a Monday
          const range = { start: base + startQ * 15 * 60_000, end: base + (startQ + lengthQ) * 15 * 60_000 };
          const periods = openPeriods(hours, zone as string, range);
          for (let t = range.start; t < range.end; t += 15 * 60_000) {
            // Local minutes since the Monday 00:00 local before `base`.
            const local = Math.round((t - base) / 60_000) + (offset as number);
            const dayIndex = Math.floor(local / 1440);
            const tod = local - dayIndex * 1440;
            const rules = (d: number) => hours[weekdays[((d % 7) + 7) % 7]!] ?? [];
            const model =
              rules(dayIndex).some((p) => {
                const o = Number(p.open.slice(0, 2)) * 60 + Number(p.open.slice(3));
                const c = Number(p.close.slice(0, 2)) * 60 + Number(p.close.slice(3));
                return c > o ? tod >= o && tod < c : tod >= o;
              }) ||
              rules(dayIndex - 1).some((p) => {
                const o = Number(p.open.slice(0, 2)) * 60 + Number(p.open.slice(3));
                const c = Number(p.close.slice(0, 2)) * 60 + Number(p.close.slice(3));
                return c <= o && tod < c;
              });
            const open = periods.some((p) => p.start <= t && t < p.end);
            assert.equal(open, model, `${new Date(t).toISOString()} in ${zone} ${JSON.stringify(hours)}`);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});

/** The overlap rule and opening hours, checked directly, minute by minute. */
function acceptedByModel(
  s: number,
  e: number,
  open: Interval[] | null,
  blocked: Interval[],
  changeover: number,
): boolean {
  if (open !== null)
    for (let m = s; m < e; m++) if (!open.some((o) => o.start <= m && m < o.end)) return false;
  return blocked.every((b) => e + changeover <= b.start || s >= b.end);
}

describe('availability (property tests against a brute-force model)', () => {
  const span = (lo: number, hi: number) =>
    fc
      .tuple(fc.integer({ min: lo, max: hi }), fc.integer({ min: 1, max: 40 }))
      .map(([start, len]) => ({ start, end: start + len }));
  const scenario = fc.record({
    open: fc.option(fc.array(span(-30, 140), { maxLength: 5 }), { nil: null }),
    blocked: fc.array(span(-60, 160), { maxLength: 8 }),
    changeover: fc.integer({ min: 0, max: 30 }),
    from: fc.integer({ min: 0, max: 40 }),
    length: fc.integer({ min: 1, max: 100 }),
  });

  it('free intervals are exactly the spans every booking inside of which is accepted', () => {
    fc.assert(
      fc.property(scenario, ({ open, blocked, changeover, from, length }) => {
        const range = { start: from, end: from + length };
        const free = freeIntervals({ range, open, blocked, changeoverMs: changeover });
        for (let i = 0; i < free.length; i++) {
          const f = free[i]!;
          assert.ok(f.start < f.end && f.start >= range.start && f.end <= range.end);
          if (i > 0) assert.ok(free[i - 1]!.end < f.start, 'sorted, disjoint, not touching');
        }
        for (let s = range.start; s < range.end; s++)
          for (let e = s + 1; e <= range.end; e++) {
            const model = acceptedByModel(s, e, open, blocked, changeover);
            const inFree = free.some((f) => f.start <= s && e <= f.end);
            assert.equal(inFree, model, `[${s}, ${e}) free=${JSON.stringify(free)}`);
          }
      }),
      { numRuns: 300 },
    );
  });

  it('the first slots are free, of the length, after notBefore, and as many as fit', () => {
    fc.assert(
      fc.property(
        scenario,
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: -10, max: 120 }),
        ({ open, blocked, changeover, from, length }, slotLength, limit, notBefore) => {
          const range = { start: from, end: from + length };
          const free = freeIntervals({ range, open, blocked, changeoverMs: changeover });
          const slots = firstSlots(free, slotLength, limit, notBefore);
          let fits = 0;
          for (const f of free)
            fits += Math.max(0, Math.floor((f.end - Math.max(f.start, notBefore)) / slotLength));
          assert.equal(slots.length, Math.min(limit, fits));
          for (let i = 0; i < slots.length; i++) {
            const s = slots[i]!;
            assert.equal(s.end - s.start, slotLength);
            assert.ok(s.start >= notBefore);
            assert.ok(acceptedByModel(s.start, s.end, open, blocked, changeover));
            assert.ok(s.start >= range.start && s.end <= range.end);
            if (i > 0) assert.ok(slots[i - 1]!.end <= s.start);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
