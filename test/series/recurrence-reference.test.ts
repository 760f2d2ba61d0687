import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { expandOccurrences, formatRRule, type Pattern, parseRRule } from '../../src/domain/recurrence.ts';
import { AppError } from '../../src/features/errors.ts';

/**
 * The recurrence expansion checked against an independent implementation: python-dateutil's
 * rrule on naive local date-times, then zoneinfo with fold=0 (RFC 5545 §3.3.5: a nonexistent time
 * moves later by the gap, an ambiguous one takes the earlier instant), normalised through UTC.
 */
const reference = `
import json, sys
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo
from dateutil.rrule import rrulestr

def parse_instant(s):
    return datetime.fromisoformat(s.replace('Z', '+00:00'))

out = []
for c in json.load(sys.stdin):
    tz = ZoneInfo(c['zone'])
    rule = rrulestr(c['rrule'], dtstart=datetime.fromisoformat(c['dtstart']))
    start, end = parse_instant(c['from']), parse_instant(c['to'])
    # Wall-clock bound with slack (no zone is a day away from UTC), given to dateutil as UNTIL
    # so that a rule that never matches stops iterating.
    bound = end.replace(tzinfo=None) + timedelta(days=2)
    until = c.get('until')
    if until and until['kind'] == 'date':
        bound = min(bound, datetime.fromisoformat(until['value'] + 'T23:59:59'))
    elif until and until['kind'] == 'local':
        bound = min(bound, datetime.fromisoformat(until['value']))
    rule = rule.replace(until=bound)
    found = []
    for dt in rule:
        at = dt.replace(tzinfo=tz, fold=0).astimezone(timezone.utc)
        if until and until['kind'] == 'instant' and at > parse_instant(until['value']):
            break
        if start <= at < end:
            found.append(at.strftime('%Y-%m-%dT%H:%M:%SZ'))
    out.append(found)
json.dump(out, sys.stdout)
`;

interface Case {
  rrule: string;
  zone: string;
  startDate: string;
  startTime: string;
  durationMinutes: number;
  until?: { kind: 'date' | 'local' | 'instant'; value: string };
  from: string;
  to: string;
}

function runReference(cases: Case[]): string[][] {
  const input = cases.map((c) => ({ ...c, dtstart: `${c.startDate}T${c.startTime}` }));
  const stdout = execFileSync('/usr/bin/python3', ['-c', reference], {
    input: JSON.stringify(input),
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(stdout.toString('utf8'));
}

function ours(c: Case): string[] {
  let text = c.rrule;
  if (c.until) {
    const v = c.until.value.replace(/[-:]/g, '');
    text += `;UNTIL=${c.until.kind === 'instant' ? `${v.slice(0, 15)}Z` : v}`;
  }
  const pattern: Pattern = {
    rule: parseRRule(text),
    startDate: c.startDate,
    startTime: c.startTime,
    durationMinutes: c.durationMinutes,
    timeZone: c.zone,
  };
  return expandOccurrences(pattern, { from: new Date(c.from), to: new Date(c.to) }).map(
    (o) => `${o.start.toISOString().slice(0, 19)}Z`,
  );
}

const zones = ['Europe/Berlin', 'America/New_York', 'Australia/Adelaide', 'Asia/Kathmandu', 'UTC'];
// Days of daylight-saving changes in 2026 (both directions) that the start dates cluster around.
const transitions = ['2026-03-08', '2026-03-29', '2026-04-05', '2026-10-04', '2026-10-25', '2026-11-01'];
const days = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const;

const dayOffset = (date: string, n: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
const hhmm = fc
  .tuple(fc.integer({ min: 0, max: 23 }), fc.constantFrom(0, 15, 30, 45))
  .map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`);

const caseArb: fc.Arbitrary<Case> = fc
  .record({
    freq: fc.constantFrom('DAILY', 'WEEKLY', 'MONTHLY'),
    interval: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 4 })),
    byDay: fc.option(fc.uniqueArray(fc.constantFrom(...days), { minLength: 1, maxLength: 4 }), {
      nil: undefined,
    }),
    ordinal: fc.option(fc.constantFrom(1, 2, 3, 4, -1, -2), { nil: undefined }),
    byMonthDay: fc.option(
      fc.uniqueArray(fc.constantFrom(1, 2, 5, 15, 28, 29, 30, 31, -1, -2), { minLength: 1, maxLength: 3 }),
      { nil: undefined },
    ),
    end: fc.constantFrom('count', 'none', 'date', 'local', 'instant'),
    count: fc.integer({ min: 1, max: 40 }),
    zone: fc.constantFrom(...zones),
    anchor: fc.constantFrom(...transitions),
    startShift: fc.integer({ min: -40, max: 10 }),
    // Times in and around the gaps and overlaps of the zones above weigh heavily.
    startTime: fc.oneof(fc.constantFrom('02:30', '02:00', '01:30', '01:00', '03:00', '02:45', '22:00'), hhmm),
    durationMinutes: fc.integer({ min: 15, max: 240 }),
    windowShift: fc.integer({ min: -3, max: 60 }),
    windowDays: fc.integer({ min: 1, max: 420 }),
    untilDays: fc.integer({ min: 0, max: 200 }),
  })
  .map((g) => {
    const parts = [`FREQ=${g.freq}`];
    if (g.interval !== 1) parts.push(`INTERVAL=${g.interval}`);
    if (g.byDay) {
      const withOrdinal = g.freq === 'MONTHLY' && g.ordinal !== undefined;
      parts.push(`BYDAY=${g.byDay.map((d) => (withOrdinal ? `${g.ordinal}${d}` : d)).join(',')}`);
    }
    // No BYMONTHDAY with a positioned BYDAY: such pairs often never match, and dateutil would
    // then search up to the year 9999.
    const positioned = g.freq === 'MONTHLY' && g.byDay && g.ordinal !== undefined;
    if (g.byMonthDay && g.freq !== 'WEEKLY' && !positioned)
      parts.push(`BYMONTHDAY=${g.byMonthDay.join(',')}`);
    if (g.end === 'count') parts.push(`COUNT=${g.count}`);
    const startDate = dayOffset(g.anchor, g.startShift);
    const untilDate = dayOffset(startDate, g.untilDays);
    let until: Case['until'];
    if (g.end === 'date') until = { kind: 'date', value: untilDate };
    else if (g.end === 'local') until = { kind: 'local', value: `${untilDate}T${g.startTime}:00` };
    else if (g.end === 'instant') until = { kind: 'instant', value: `${untilDate}T21:30:00Z` };
    const from = new Date(Date.parse(`${startDate}T00:00:00Z`) + g.windowShift * 86_400_000);
    const to = new Date(from.getTime() + g.windowDays * 86_400_000);
    return {
      rrule: parts.join(';'),
      zone: g.zone,
      startDate,
      startTime: g.startTime,
      durationMinutes: g.durationMinutes,
      ...(until ? { until } : {}),
      from: from.toISOString(),
      to: to.toISOString(),
    };
  });

describe('recurrence against python-dateutil', () => {
  it('expands hundreds of generated rules to the same instants', () => {
    const cases = fc.sample(caseArb, { numRuns: 600, seed: 20261125 });
    const expected = runReference(cases);
    let compared = 0;
    let acrossTransitions = 0;
    for (const [i, c] of cases.entries()) {
      const got = ours(c);
      assert.deepEqual(got, expected[i], `case ${i}: ${JSON.stringify(c)}`);
      compared += got.length;
      if (c.zone !== 'UTC' && c.zone !== 'Asia/Kathmandu' && got.length > 1) acrossTransitions++;
    }
    // The check is only worth something if the generated rules actually produce occurrences.
    assert.ok(compared > 5_000, `only ${compared} instants compared`);
    assert.ok(acrossTransitions > 150, `only ${acrossTransitions} multi-occurrence DST cases`);
  });

  it('keeps a nightly 22:00 at 22:00 local across a DST change', () => {
    const p: Pattern = {
      rule: parseRRule('FREQ=DAILY;COUNT=3'),
      startDate: '2026-10-24',
      startTime: '22:00',
      durationMinutes: 90,
      timeZone: 'Europe/Berlin',
    };
    const got = expandOccurrences(p, {
      from: new Date('2026-10-01T00:00Z'),
      to: new Date('2026-12-01T00:00Z'),
    });
    assert.deepEqual(
      got.map((o) => o.start.toISOString()),
      ['2026-10-24T20:00:00.000Z', '2026-10-25T21:00:00.000Z', '2026-10-26T21:00:00.000Z'],
    );
    assert.equal(got[0]!.end.toISOString(), '2026-10-24T21:30:00.000Z');
  });

  it('moves a nonexistent time later by the gap and takes the earlier of an ambiguous one', () => {
    const at = (date: string, time: string) =>
      expandOccurrences(
        {
          rule: parseRRule('FREQ=DAILY;COUNT=1'),
          startDate: date,
          startTime: time,
          durationMinutes: 30,
          timeZone: 'Europe/Berlin',
        },
        { from: new Date('2026-01-01T00:00Z'), to: new Date('2027-01-01T00:00Z') },
      )[0]!.start.toISOString();
    assert.equal(at('2026-03-29', '02:30'), '2026-03-29T01:30:00.000Z'); // 03:30 CEST
    assert.equal(at('2026-10-25', '02:30'), '2026-10-25T00:30:00.000Z'); // the first 02:30, CEST
  });

  it('refuses unknown parts and malformed values naming the field', () => {
    const bad = [
      'FREQ=YEARLY',
      'FREQ=DAILY;BYHOUR=3',
      'FREQ=DAILY;WKST=SU',
      'FREQ=DAILY;COUNT=3;UNTIL=20261231',
      'FREQ=WEEKLY;BYDAY=2TU',
      'FREQ=WEEKLY;BYMONTHDAY=3',
      'FREQ=DAILY;INTERVAL=0',
      'FREQ=DAILY;COUNT=x',
      'FREQ=DAILY;UNTIL=20260230',
      'FREQ=MONTHLY;BYMONTHDAY=0',
      'FREQ=MONTHLY;BYDAY=6MO',
      'FREQ=DAILY;FREQ=DAILY',
      'INTERVAL=2',
      'FREQ=DAILY;;',
      '',
    ];
    for (const text of bad) {
      assert.throws(
        () => parseRRule(text),
        (err: unknown) =>
          err instanceof AppError && err.code === 'validation' && err.extras.field === 'body.rrule',
        text,
      );
    }
    assert.equal(
      formatRRule(parseRRule('rrule:freq=monthly;byday=-1fr,2TU;count=5')),
      'FREQ=MONTHLY;BYDAY=-1FR,2TU;COUNT=5',
    );
  });
});
