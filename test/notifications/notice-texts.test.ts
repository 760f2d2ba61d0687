import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeClock } from '../../src/domain/clock.ts';
import { parseRRule } from '../../src/domain/recurrence.ts';
import { formatLocalRange, formatLocalWhen } from '../../src/domain/time.ts';
import { runDelivery } from '../../src/features/notifications/service.ts';
import { duration, ruleInWords } from '../../src/features/notifications/wording.ts';
import type { Caller, TestApp } from '../support/app.ts';
import { startTestApp } from '../support/app.ts';
import { buildSpace } from '../support/factories.ts';
import { storeKinds } from '../support/store.ts';

// Issue 7.14: notice texts say the day when it is not today (site time), lengths in hours and
// minutes, series in words, counts that match, and link to their booking.

describe('notice wording', () => {
  it('says the day only when it is not the day of the reference, in the site zone', () => {
    const zone = 'Asia/Kathmandu'; // +05:45
    const ref = new Date('2027-03-10T12:00:00Z'); // 17:45 local
    assert.equal(formatLocalWhen(new Date('2027-03-10T16:15:00Z'), zone, ref), '22:00');
    // 18:15Z is past local midnight: tomorrow there.
    assert.equal(formatLocalWhen(new Date('2027-03-10T18:15:00Z'), zone, ref), 'Thu 11 Mar 00:00');
    assert.equal(formatLocalWhen(new Date('2028-01-02T04:15:00Z'), zone, ref), 'Sun 2 Jan 2028 10:00');
  });

  it('gives lengths in hours and minutes', () => {
    assert.equal(duration(1350), '22 h 30 min');
    assert.equal(duration(90), '1 h 30 min');
    assert.equal(duration(120), '2 h');
    assert.equal(duration(45), '45 min');
  });

  it('says rules in words', () => {
    assert.equal(ruleInWords(parseRRule('FREQ=DAILY;COUNT=10')), 'daily');
    assert.equal(
      ruleInWords(parseRRule('FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH')),
      'every 2 weeks on Monday and Thursday',
    );
    assert.equal(ruleInWords(parseRRule('FREQ=MONTHLY;BYDAY=-1FR')), 'monthly on the last Friday');
    assert.equal(ruleInWords(parseRRule('FREQ=MONTHLY;BYMONTHDAY=1,15')), 'monthly on the 1st and the 15th');
  });

  it('gives CLI spans in the zone with its offset, and both offsets across a change', () => {
    const zone = 'Australia/Adelaide';
    assert.equal(
      formatLocalRange(new Date('2026-11-25T11:30:00Z'), new Date('2026-11-25T13:00:00Z'), zone),
      '2026-11-25 22:00–23:30 +10:30',
    );
    // Daylight saving ends at 03:00 local on 5 April 2026.
    assert.equal(
      formatLocalRange(new Date('2026-04-04T15:30:00Z'), new Date('2026-04-04T17:30:00Z'), zone),
      '2026-04-05 02:00 +10:30–03:00 +09:30',
    );
  });
});

const t0 = '2027-03-10T02:00:00.000Z'; // 07:45 in Kathmandu

for (const kind of storeKinds()) {
  describe(`notice texts (${kind})`, () => {
    let t: TestApp;
    let clock: FakeClock;
    let olga: Caller;
    let aiko: Caller;
    let eve: Caller;
    let lounge: string;

    const book = async (as: Caller, body: Record<string, unknown>) => {
      const res = await t.request('POST', '/api/v1/bookings', { as, body: { title: 'Session', ...body } });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body as { id: string };
    };
    const feed = async (who: Caller) => {
      const res = await t.request('GET', '/api/v1/notifications?limit=200', { as: who });
      assert.equal(res.status, 200);
      return res.body.items as { kind: string; title: string; body: string; bookingId: string | null }[];
    };

    before(async () => {
      clock = new FakeClock(t0);
      t = await startTestApp(kind, { clock, site: { name: 'Vessel', timeZone: 'Asia/Kathmandu' } });
      olga = await t.buildMember({ displayName: 'Olga' });
      aiko = await t.buildMember({ displayName: 'Aiko' });
      eve = await t.buildMember({ displayName: 'Eve' });
      lounge = await buildSpace(t, { name: 'Lounge', maxMinutes: 600 });
      const site = await t.request('PATCH', '/api/v1/site', { as: t.admin, body: { adjacencyMinutes: 720 } });
      assert.equal(site.status, 200, JSON.stringify(site.body));
    });
    after(() => t.close());

    it('an adjacency notice gives the gap in hours and minutes and the day of the session', async () => {
      // 2027-03-11 08:00–09:00 local, then Eve from 19:30 local: 10 h 30 min later.
      const mine = await book(olga, {
        spaceId: lounge,
        start: '2027-03-11T08:00:00+05:45',
        end: '2027-03-11T09:00:00+05:45',
        participants: { members: [aiko.id] },
      });
      await book(eve, {
        spaceId: lounge,
        start: '2027-03-11T19:30:00+05:45',
        end: '2027-03-11T20:30:00+05:45',
      });
      await runDelivery(t.db, () => clock.now());
      const n = (await feed(aiko)).filter((x) => x.kind === 'adjacent-booking');
      assert.equal(n.length, 1);
      assert.equal(n[0]!.bookingId, mine.id);
      assert.equal(
        n[0]!.body,
        'Eve booked Lounge for 1 person from Thu 11 Mar 19:30, 10 h 30 min after your session ends.',
      );
    });

    it('a series notice says the rule in words with counts that match, and links to its first session', async () => {
      // Three of the ten evenings are taken.
      for (const day of ['2027-03-13', '2027-03-15', '2027-03-18'])
        await book(eve, { spaceId: lounge, start: `${day}T22:30:00+05:45`, end: `${day}T23:00:00+05:45` });
      const res = await t.request('POST', '/api/v1/series', {
        as: olga,
        body: {
          spaceId: lounge,
          title: 'Sparring',
          rrule: 'FREQ=DAILY;COUNT=10',
          startDate: '2027-03-12',
          startTime: '22:00',
          durationMinutes: 90,
          policy: 'skip-conflicts',
          participants: { members: [aiko.id] },
        },
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal(res.body.booked.length, 7);
      assert.equal(res.body.skipped.length, 3);
      await runDelivery(t.db, () => clock.now());
      const added = (await feed(aiko)).filter((x) => x.kind === 'added-to-series');
      assert.equal(added.length, 1);
      assert.equal(
        added[0]!.body,
        'Sparring in Lounge: daily at 22:00 for 1 h 30 min, 7 sessions booked, 3 skipped; the first Fri 12 Mar 22:00.',
      );
      assert.doesNotMatch(added[0]!.body, /FREQ|RRULE/);
      assert.equal(added[0]!.bookingId, res.body.booked[0].id);

      // Cancelling the rest counts only what it cancelled: one session was cancelled already.
      const one = await t.request(
        'DELETE',
        `/api/v1/series/${res.body.series.id}?scope=one&occurrence=${encodeURIComponent(res.body.booked[1].start)}`,
        { as: olga },
      );
      assert.equal(one.status, 200, JSON.stringify(one.body));
      const all = await t.request('DELETE', `/api/v1/series/${res.body.series.id}?scope=all`, { as: olga });
      assert.equal(all.status, 200, JSON.stringify(all.body));
      await runDelivery(t.db, () => clock.now());
      const cancelled = (await feed(aiko)).filter((x) => x.kind === 'booking-cancelled');
      const whole = cancelled.find((x) => x.body.startsWith('The series'))!;
      assert.equal(
        whole.body,
        'The series Sparring was cancelled: 6 sessions cancelled, the first Fri 12 Mar 22:00.',
      );
      assert.equal(whole.bookingId, res.body.booked[0].id);
      const single = cancelled.find((x) => x.bookingId === res.body.booked[1].id)!;
      assert.equal(single.body, 'Sparring in Lounge, Sun 14 Mar 22:00 to 23:30, was cancelled.');
    });

    it('every notice links to its booking and no text shows a UTC date or raw minutes over an hour', async () => {
      const all = [...(await feed(aiko)), ...(await feed(olga)), ...(await feed(eve))];
      assert.ok(all.length >= 4);
      for (const n of all) {
        assert.ok(n.bookingId, `${n.kind} links to a booking`);
        assert.doesNotMatch(n.body, /\d{4}-\d\d-\d\d|T\d\d:\d\d/);
        for (const m of n.body.matchAll(/(\d+) min/g)) assert.ok(Number(m[1]) < 60, n.body);
      }
    });
  });
}
