import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { addDays, localDateTime, localToInstant } from '../../src/domain/time.ts';
import { rruleOf } from '../../web/src/series-rule.ts';
import { isoDate, localParts, parseIsoDate, sessionSpan, zonedInstant } from '../../web/src/time.ts';

// The web app's Intl-only time module (web/src/time.ts) against the server's Temporal one
// (src/domain/time.ts): they must agree on every wall-clock conversion, DST nights included.

/** Zones with daylight saving (both hemispheres, a half-hour shift, a 30-minute offset) and none. */
const zones = [
  'Australia/Adelaide',
  'Australia/Lord_Howe',
  'Europe/Berlin',
  'America/New_York',
  'America/Santiago',
  'Asia/Kathmandu',
  'Pacific/Chatham',
  'UTC',
];

const zone = fc.constantFrom(...zones);
/** A local date from 2020 to 2032, weighted to the days around DST changes by the generator's edges. */
const date = fc
  .date({ min: new Date(Date.UTC(2020, 0, 1)), max: new Date(Date.UTC(2032, 11, 31)), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10));
const minute = fc.integer({ min: 0, max: 1439 });
const runs = { numRuns: 400 };

/** The local dates around each change of a zone's offset, 2024–2027: where the bugs live. */
function transitionDates(z: string): string[] {
  const offset = (ms: number) => {
    const p = localParts(ms, z);
    return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute) - Math.floor(ms / 60_000) * 60_000;
  };
  const out = new Set<string>();
  for (let t = Date.UTC(2024, 0, 1); t < Date.UTC(2028, 0, 1); t += 86_400_000) {
    if (offset(t) === offset(t + 86_400_000)) continue;
    out.add(localDateTime(new Date(t), z).slice(0, 10));
    out.add(localDateTime(new Date(t + 86_400_000), z).slice(0, 10));
  }
  return [...out];
}
const dstDate = fc.constantFrom(...zones).chain((z) => {
  const dates = transitionDates(z);
  return fc.tuple(fc.constant(z), dates.length ? fc.constantFrom(...dates) : date);
});

describe('web/src/time.ts agrees with the server', () => {
  it('zonedInstant equals localToInstant (gap moves later, overlap takes the earlier instant)', () => {
    fc.assert(
      fc.property(zone, date, minute, (z, d, m) => {
        const web = zonedInstant(parseIsoDate(d)!, Math.floor(m / 60), m % 60, z);
        assert.equal(web.toISOString(), localToInstant(d, m, z).toISOString());
      }),
      runs,
    );
  });

  it('zonedInstant equals localToInstant on the nights the clocks change', () => {
    fc.assert(
      fc.property(dstDate, minute, ([z, d], m) => {
        const web = zonedInstant(parseIsoDate(d)!, Math.floor(m / 60), m % 60, z);
        assert.equal(web.toISOString(), localToInstant(d, m, z).toISOString());
      }),
      runs,
    );
  });

  it('localParts equals the server local date and time of any instant', () => {
    fc.assert(
      fc.property(zone, fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2032, 0, 1) }), (z, ms) => {
        const p = localParts(ms, z);
        const wall = `${isoDate(p)}T${String(p.hour).padStart(2, '0')}:${String(p.minute).padStart(2, '0')}`;
        assert.equal(wall, localDateTime(new Date(ms), z).slice(0, 16));
      }),
      runs,
    );
  });

  it('a session past midnight ends at its wall-clock time on the next local day, DST nights included', () => {
    fc.assert(
      fc.property(dstDate, minute, minute, ([z, d], s, e) => {
        const span = sessionSpan(
          parseIsoDate(d)!,
          { hour: Math.floor(s / 60), minute: s % 60 },
          { hour: Math.floor(e / 60), minute: e % 60 },
          z,
        );
        const endDate = e <= s ? addDays(d, 1) : d;
        assert.equal(span.start.toISOString(), localToInstant(d, s, z).toISOString());
        assert.equal(span.end.toISOString(), localToInstant(endDate, e, z).toISOString());
      }),
      runs,
    );
  });

  it('22:00 to 04:00 across the autumn change in Adelaide lasts seven hours and ends at 04:00', () => {
    // 2026-04-05 03:00 ACDT → 02:00 ACST: that night has an extra hour; adding 24 h would end at 03:00.
    const span = sessionSpan(
      { year: 2026, month: 4, day: 4 },
      { hour: 22, minute: 0 },
      { hour: 4, minute: 0 },
      'Australia/Adelaide',
    );
    assert.equal((span.end.getTime() - span.start.getTime()) / 3_600_000, 7);
    assert.equal(localDateTime(span.end, 'Australia/Adelaide').slice(0, 16), '2026-04-05T04:00');
  });
});

describe('the series form', () => {
  it('sends UNTIL as the local last date, never a UTC time that is a day off east or west of UTC', () => {
    const rule = rruleOf({ freq: 'daily', days: new Set(), ends: 'until', count: '', until: '2026-12-10' });
    assert.equal(rule, 'FREQ=DAILY;UNTIL=20261210');
  });
});
