import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { covers, findTimes } from '../../src/domain/find-time.ts';
import {
  daySpan,
  freeTime,
  intersect,
  quietPeriods,
  rebasePattern,
  rosterIntervals,
  shiftIntervals,
} from '../../src/domain/free-time.ts';
import { clip } from '../../src/domain/intervals.ts';
import { expandOccurrences, parseRRule } from '../../src/domain/recurrence.ts';
import { addDays, localDate } from '../../src/domain/time.ts';

const zones = [
  'Australia/Adelaide',
  'Europe/Berlin',
  'Pacific/Auckland',
  'America/New_York',
  'Asia/Kathmandu',
];

describe('free time (domain)', () => {
  it('rebasing a roster to near the window never changes its occurrences in the window', () => {
    const rule = fc
      .record({
        freq: fc.constantFrom('DAILY', 'WEEKLY'),
        interval: fc.integer({ min: 1, max: 4 }),
        byDay: fc.subarray(['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'], { minLength: 0 }),
        until: fc.option(fc.integer({ min: 0, max: 400 })),
      })
      .map((r) => {
        const parts = [`FREQ=${r.freq}`, `INTERVAL=${r.interval}`];
        if (r.byDay.length > 0) parts.push(`BYDAY=${r.byDay.join(',')}`);
        return { text: parts.join(';'), until: r.until };
      });
    fc.assert(
      fc.property(
        rule,
        fc.integer({ min: 0, max: 300 }),
        fc.integer({ min: 0, max: 300 }),
        fc.integer({ min: 0, max: 23 * 60 + 59 }),
        fc.constantFrom(...zones),
        (r, startOffset, windowOffset, minutes, zone) => {
          const startDate = addDays('2026-01-01', startOffset);
          const text =
            r.until === null ? r.text : `${r.text};UNTIL=${addDays(startDate, r.until).replace(/-/g, '')}`;
          const p = {
            rule: parseRRule(text),
            startDate,
            startTime: `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`,
            durationMinutes: 90,
            timeZone: zone,
          };
          const from = new Date(Date.parse('2026-01-01T00:00:00Z') + windowOffset * 86_400_000);
          const window = { from, to: new Date(from.getTime() + 14 * 86_400_000) };
          const rebased = rebasePattern(p, localDate(from, zone));
          assert.deepEqual(expandOccurrences(rebased, window), expandOccurrences(p, window));
        },
      ),
      { seed: 77, numRuns: 150 },
    );
  });

  it('a roster expanded over whole days and clipped gives the same free time as expanding it for the range', () => {
    const shift = fc.record({
      rule: fc.constantFrom(
        'FREQ=DAILY',
        'FREQ=WEEKLY;BYDAY=MO,WE,FR',
        'FREQ=DAILY;INTERVAL=3',
        'FREQ=WEEKLY;BYDAY=SA',
      ),
      startOffset: fc.integer({ min: 0, max: 60 }),
      minutes: fc.integer({ min: 0, max: 23 * 60 + 59 }),
      duration: fc.integer({ min: 1, max: 1440 }),
    });
    const interval = fc
      .tuple(fc.integer({ min: 0, max: 90 * 24 * 60 }), fc.integer({ min: 1, max: 5 * 24 * 60 }))
      .map(([s, l]) => ({ start: base + s * 60_000, end: base + (s + l) * 60_000 }));
    const base = Date.parse('2026-01-01T00:00:00Z');
    fc.assert(
      fc.property(
        fc.array(shift, { maxLength: 3 }),
        fc.array(interval, { maxLength: 3 }),
        fc.array(interval, { maxLength: 6 }),
        fc.integer({ min: 0, max: 80 * 24 * 60 }),
        fc.integer({ min: 1, max: 31 * 24 * 60 }),
        fc.constantFrom(...zones),
        fc.boolean(),
        (shifts, leave, sessions, offset, length, zone, night) => {
          const patterns = shifts.map((x) => ({
            rule: parseRRule(x.rule),
            startDate: addDays('2026-01-01', x.startOffset),
            startTime: `${String(Math.floor(x.minutes / 60)).padStart(2, '0')}:${String(x.minutes % 60).padStart(2, '0')}`,
            durationMinutes: x.duration,
            timeZone: zone,
          }));
          const range = { start: base + offset * 60_000, end: base + (offset + length) * 60_000 };
          const quiet = quietPeriods({ start: '22:00', end: '06:00', zone }, range);
          const direct = freeTime({ sessions, shifts: patterns, leave, nightTraining: night }, quiet, range);
          const rostered = clip(rosterIntervals(patterns, leave, daySpan(range)), range);
          const viaSpan = freeTime(
            { sessions, shifts: [], leave: rostered, nightTraining: night },
            quiet,
            range,
          );
          assert.deepEqual(viaSpan, direct);
        },
      ),
      { seed: 91, numRuns: 200 },
    );
  });

  it('shift occurrences that begin before the range still make it busy', () => {
    const p = {
      rule: parseRRule('FREQ=DAILY'),
      startDate: '2026-03-01',
      startTime: '23:00',
      durationMinutes: 180,
      timeZone: 'Europe/Berlin',
    };
    // 23:00-02:00 Berlin (+01:00) = 22:00Z-01:00Z; asking from 00:00Z catches the tail.
    const range = { start: Date.parse('2026-03-10T00:00:00Z'), end: Date.parse('2026-03-10T12:00:00Z') };
    assert.deepEqual(shiftIntervals([p], range), [
      { start: Date.parse('2026-03-09T22:00:00Z'), end: Date.parse('2026-03-10T01:00:00Z') },
    ]);
  });

  it('intersect and covers agree with a brute-force check', () => {
    const list = fc
      .array(fc.tuple(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 1, max: 30 })), { maxLength: 12 })
      .map((xs) => {
        const out: { start: number; end: number }[] = [];
        let at = 0;
        for (const [gap, len] of xs) {
          at += gap + 1;
          out.push({ start: at, end: at + len });
          at += len;
        }
        return out;
      });
    fc.assert(
      fc.property(
        list,
        list,
        fc.integer({ min: 0, max: 3000 }),
        fc.integer({ min: 1, max: 40 }),
        (a, b, s, len) => {
          const both = intersect(a, b);
          for (let x = 0; x < 3000; x += 7) {
            const inA = a.some((i) => i.start <= x && x < i.end);
            const inB = b.some((i) => i.start <= x && x < i.end);
            assert.equal(
              both.some((i) => i.start <= x && x < i.end),
              inA && inB,
            );
          }
          assert.equal(
            covers(a, s, s + len),
            a.some((i) => i.start <= s && s + len <= i.end),
          );
        },
      ),
      { seed: 5, numRuns: 300 },
    );
  });

  it('findTimes: the fewest missing come first when nobody fits all, and the answer is deterministic', () => {
    const h = 3_600_000;
    const input = {
      window: { start: 0, end: 10 * h },
      lengthMs: h,
      stepMs: h,
      people: [
        { id: 'a', free: [{ start: 0, end: 4 * h }] },
        { id: 'b', free: [{ start: 2 * h, end: 6 * h }] },
        { id: 'c', free: [{ start: 6 * h, end: 10 * h }] },
      ],
      spaces: [{ id: 'room', free: [{ start: 0, end: 10 * h }] }],
      limit: 3,
      preference: 'earliest' as const,
      quiet: [],
    };
    const answer = findTimes(input);
    assert.deepEqual(answer.slots, []);
    assert.deepEqual(
      answer.partial.map((p) => [p.start / h, p.attendees, p.missing]),
      [
        [2, ['a', 'b'], ['c']],
        [3, ['a', 'b'], ['c']],
        [0, ['a'], ['b', 'c']],
      ],
    );
    assert.deepEqual(findTimes(input), answer);
  });
});
