import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeClock } from '../../src/domain/clock.ts';
import { releaseNoShows } from '../../src/features/checkin/service.ts';
import { cli } from '../cli/support.ts';
import { type Caller, startTestApp, type TestApp } from '../support/app.ts';
import { buildSpace, buildSquad } from '../support/factories.ts';
import { storeKinds } from '../support/store.ts';

// Adelaide: +09:30 in winter, +10:30 in summer; summer time ends 2026-04-05 03:00 (back to
// 02:00: a 25-hour day) and starts 2026-10-04 02:00 (on to 03:00: a 23-hour day).
const zone = 'Australia/Adelaide';
const everyDay = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const eightToEight = Object.fromEntries(everyDay.map((d) => [d, [{ open: '08:00', close: '20:00' }]]));

for (const kind of storeKinds()) {
  describe(`utilization report (${kind})`, () => {
    let t: TestApp;
    let clock: FakeClock;
    let alice: Caller;
    let bob: Caller;
    let carol: Caller;
    before(async () => {
      clock = new FakeClock('2026-06-01T00:00:00Z');
      t = await startTestApp(kind, { clock, site: { timeZone: zone } });
      alice = await t.buildMember({ displayName: 'Alice Able' });
      bob = await t.buildMember({ displayName: 'Bob Bland' });
      carol = await t.buildMember({ displayName: 'Carol Covert' });
    });
    after(() => t.close());

    const book = async (as: Caller, spaceId: string, start: string, end: string, extra = {}) => {
      const res = await t.request('POST', '/api/v1/bookings', {
        as,
        body: { spaceId, start, end, title: 'Drill', ...extra },
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body.id as string;
    };
    const report = (query: string, as: Caller = t.admin, headers: Record<string, string> = {}) =>
      t.request('GET', `/api/v1/reports/utilization?${query}`, { as, headers });
    const q = (from: string, to: string, rest = '') =>
      `from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}${rest}`;

    let lounge: string;
    let squad: string;
    it('counts a day: open, booked, used, no-shows, late cancellations and peak hours', async () => {
      lounge = await buildSpace(t, { name: 'Lounge', openingHours: eightToEight });
      squad = await buildSquad(t, { name: 'Night squad', leaders: [carol.id] });
      // Tuesday 2026-06-02, local times at +09:30.
      const b1 = await book(alice, lounge, '2026-06-02T10:00:00+09:30', '2026-06-02T11:00:00+09:30');
      await book(bob, lounge, '2026-06-02T12:00:00+09:30', '2026-06-02T14:00:00+09:30');
      const b3 = await book(alice, lounge, '2026-06-02T15:00:00+09:30', '2026-06-02T16:00:00+09:30');
      const b4 = await book(alice, lounge, '2026-06-02T17:00:00+09:30', '2026-06-02T18:00:00+09:30');
      await book(carol, lounge, '2026-06-02T18:00:00+09:30', '2026-06-02T19:30:00+09:30', {
        title: 'Secret sparring',
        visibility: 'private',
        participants: { squads: [squad] },
      });
      // Cancelled the day before: not late.
      assert.equal((await t.request('POST', `/api/v1/bookings/${b4}/cancel`, { as: alice })).status, 200);
      clock.set('2026-06-02T10:15:00+09:30');
      assert.equal((await t.request('POST', `/api/v1/bookings/${b1}/check-in`, { as: alice })).status, 200);
      clock.set('2026-06-02T12:30:00+09:30');
      assert.equal(await releaseNoShows(t.db, clock.now()), 1);
      clock.set('2026-06-02T14:30:00+09:30');
      assert.equal((await t.request('POST', `/api/v1/bookings/${b3}/cancel`, { as: alice })).status, 200);
      clock.set('2026-06-02T20:00:00+09:30');

      const day = q('2026-06-02T00:00:00+09:30', '2026-06-03T00:00:00+09:30', `&space=${lounge}`);
      const res = await report(day);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const totals = { openHours: 12, bookedHours: 2.5, usedHours: 0.75, noShows: 1, lateCancellations: 1 };
      assert.deepEqual(res.body.spaces, [
        {
          spaceId: lounge,
          name: 'Lounge',
          kind: 'training',
          totals,
          peakHours: [
            { hourOfWeek: 34, label: 'tue 10:00', bookedHours: 1 },
            { hourOfWeek: 42, label: 'tue 18:00', bookedHours: 1 },
            { hourOfWeek: 43, label: 'tue 19:00', bookedHours: 0.5 },
          ],
          groups: [{ key: '2026-06-02', ...totals }],
        },
      ]);
      const figures = { noShows: 0, lateCancellations: 0, usedHours: 0 };
      assert.deepEqual(res.body.members, [
        {
          memberId: alice.id,
          name: 'Alice Able',
          sessions: 1,
          bookedHours: 1,
          usedHours: 0.75,
          noShows: 0,
          lateCancellations: 1,
        },
        { memberId: bob.id, name: 'Bob Bland', sessions: 0, bookedHours: 0, ...figures, noShows: 1 },
        { memberId: carol.id, name: 'Carol Covert', sessions: 1, bookedHours: 1.5, ...figures },
      ]);
      assert.deepEqual(res.body.squads, [
        { squadId: squad, name: 'Night squad', sessions: 1, bookedHours: 1.5, ...figures },
      ]);
      // Of every space (the only bookings are the lounge's): from the rollups per member and squad, over
      // the whole day and over a range cut inside two days.
      for (const range of [
        q('2026-06-02T00:00:00+09:30', '2026-06-03T00:00:00+09:30'),
        q('2026-06-01T21:00:00+09:30', '2026-06-03T07:30:00+09:30'),
      ]) {
        const all = await report(range);
        assert.equal(all.status, 200, JSON.stringify(all.body));
        assert.deepEqual(all.body.members, res.body.members, range);
        assert.deepEqual(all.body.squads, res.body.squads, range);
      }
    });

    it('shows a member the same figures for the spaces, and nothing about people or private sessions', async () => {
      const day = q('2026-06-02T00:00:00+09:30', '2026-06-03T00:00:00+09:30', `&space=${lounge}`);
      const res = await report(day, bob);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.spaces[0].totals.bookedHours, 2.5, 'the private session is busy time');
      assert.equal(res.body.members, undefined);
      assert.equal(res.body.squads, undefined);
      const all = await report(q('2026-06-02T00:00:00+09:30', '2026-06-03T00:00:00+09:30'), bob);
      assert.equal(all.status, 200);
      assert.equal(all.body.members, undefined, 'not from the rollups either');
      assert.equal(all.body.squads, undefined);
      assert.ok(!JSON.stringify(all.body).includes('Carol') && !JSON.stringify(all.body).includes(squad));
      const text = JSON.stringify(res.body);
      for (const secret of ['Secret sparring', 'Carol', carol.id, squad, 'Night squad'])
        assert.ok(!text.includes(secret), `${secret} is not in a member's report`);
      const csv = await report(day, bob, { accept: 'text/csv' });
      assert.equal(csv.status, 200);
      assert.ok(!String(csv.body).includes('Carol') && !String(csv.body).includes('Night squad'));
    });

    it('exports CSV with Accept: text/csv', async () => {
      const res = await report(
        q('2026-06-02T00:00:00+09:30', '2026-06-03T00:00:00+09:30', `&space=${lounge}`),
        t.admin,
        {
          accept: 'text/csv',
        },
      );
      assert.equal(res.status, 200);
      assert.match(String(res.headers['content-type']), /^text\/csv/);
      const lines = String(res.body).trimEnd().split('\r\n');
      assert.deepEqual(lines.slice(0, 3), [
        'section,id,name,kind,group,open_hours,booked_hours,used_hours,no_shows,late_cancellations',
        `space,${lounge},Lounge,training,2026-06-02,12,2.5,0.75,1,1`,
        `space,${lounge},Lounge,training,total,12,2.5,0.75,1,1`,
      ]);
      assert.ok(lines.includes(`member,${alice.id},Alice Able,,total,,1,0.75,0,1`));
      assert.ok(lines.includes(`squad,${squad},Night squad,,total,,1.5,0,0,0`));
    });

    it('shipshape report prints the table and --csv the CSV', async () => {
      const url = await t.app.listen({ port: 0, host: '127.0.0.1' });
      const env = { SHIPSHAPE_URL: url, SHIPSHAPE_TOKEN: t.admin.token, HOME: '/nonexistent' };
      const args = ['report', '--from', '2026-06-02', '--to', '2026-06-03', '--space', 'lounge'];
      const csv = await cli([...args, '--csv'], env);
      assert.equal(csv.code, 0, csv.stderr);
      assert.match(csv.stdout, new RegExp(`^space,${lounge},Lounge,training,total,12,2.5,0.75,1,1\r$`, 'm'));
      const text = await cli(args, env);
      assert.equal(text.code, 0, text.stderr);
      assert.match(text.stdout, /Utilization 2026-06-02 to 2026-06-02 \(Australia\/Adelaide\)/);
      assert.match(
        text.stdout,
        /Lounge\s+12\s+2\.5\s+21%\s+0\.75\s+30%\s+1\s+1\s+tue 10:00, tue 18:00, tue 19:00/,
      );
      assert.match(text.stdout, /Alice Able\s+1\s+1\s+0\.75\s+0\s+1/);
      const bad = await cli(['report', '--from', '2026-06-03', '--to', '2026-06-02'], env);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /query\.to must be after query\.from \[query\.to\]/);
    });

    it('counts local hours on the 25-hour day summer time ends', async () => {
      clock.set('2026-03-20T00:00:00Z');
      const space = await buildSpace(t, { name: 'Ring', kind: 'sparring', openingHours: null });
      // 01:30 summer time to 03:30 winter time: three real hours over local hours 1, 2 (twice) and 3.
      await book(alice, space, '2026-04-05T01:30:00+10:30', '2026-04-05T03:30:00+09:30');
      clock.set('2026-04-10T00:00:00Z');
      const day = q('2026-04-05T00:00:00+10:30', '2026-04-06T00:00:00+09:30', `&space=${space}`);
      const res = await report(`${day}&groupBy=day`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(res.body.spaces[0].groups, [
        { key: '2026-04-05', openHours: 25, bookedHours: 3, usedHours: 0, noShows: 0, lateCancellations: 0 },
      ]);
      // Of every space, from the rollup per member: the three hours of the one session.
      const all = await report(q('2026-04-05T00:00:00+10:30', '2026-04-06T00:00:00+09:30'));
      assert.deepEqual(all.body.members, [
        {
          memberId: alice.id,
          name: 'Alice Able',
          sessions: 1,
          bookedHours: 3,
          usedHours: 0,
          noShows: 0,
          lateCancellations: 0,
        },
      ]);
      const week = await report(`${day}&groupBy=hourOfWeek`);
      const sunday = week.body.spaces[0].groups
        .slice(144, 148)
        .map((g: any) => [g.key, g.openHours, g.bookedHours]);
      assert.deepEqual(sunday, [
        ['sun 00:00', 1, 0],
        ['sun 01:00', 1, 0.5],
        ['sun 02:00', 2, 2],
        ['sun 03:00', 1, 0.5],
      ]);
      assert.equal(week.body.spaces[0].groups.length, 168);
      assert.deepEqual(week.body.spaces[0].peakHours[0], {
        hourOfWeek: 146,
        label: 'sun 02:00',
        bookedHours: 2,
      });
    });

    it('counts local hours on the 23-hour day summer time starts, and groups by local week', async () => {
      clock.set('2026-09-20T00:00:00Z');
      const space = await buildSpace(t, { name: 'Briefing', kind: 'briefing', openingHours: null });
      // 01:00 winter time to 04:00 summer time: two real hours.
      await book(alice, space, '2026-10-04T01:00:00+09:30', '2026-10-04T04:00:00+10:30');
      clock.set('2026-10-20T00:00:00Z');
      const day = q('2026-10-04T00:00:00+09:30', '2026-10-05T00:00:00+10:30', `&space=${space}`);
      const res = await report(`${day}&groupBy=hourOfWeek`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const sunday = res.body.spaces[0].groups
        .slice(144, 148)
        .map((g: any) => [g.key, g.openHours, g.bookedHours]);
      assert.deepEqual(sunday, [
        ['sun 00:00', 1, 0],
        ['sun 01:00', 1, 1],
        ['sun 02:00', 0, 0],
        ['sun 03:00', 1, 1],
      ]);
      assert.equal(res.body.spaces[0].totals.openHours, 23);
      // Monday 2026-09-28 to Monday 2026-10-12, local: a 167-hour week, then a 168-hour one.
      const weeks = await report(
        `${q('2026-09-28T00:00:00+09:30', '2026-10-12T00:00:00+10:30', `&space=${space}`)}&groupBy=week`,
      );
      assert.deepEqual(
        weeks.body.spaces[0].groups.map((g: any) => [g.key, g.openHours, g.bookedHours]),
        [
          ['2026-09-28', 167, 2],
          ['2026-10-05', 168, 0],
        ],
      );
    });

    it('filters by kind, and refuses bad input naming the field', async () => {
      const res = await report(
        `${q('2026-06-02T00:00:00+09:30', '2026-06-03T00:00:00+09:30')}&kind=sparring`,
      );
      assert.deepEqual(
        res.body.spaces.map((s: any) => s.name),
        ['Ring'],
      );
      const backwards = await report(q('2026-06-03T00:00:00+09:30', '2026-06-02T00:00:00+09:30'));
      assert.equal(backwards.status, 400);
      assert.equal(backwards.body.field, 'query.to');
      const tooLong = await report(q('2026-01-01T00:00:00Z', '2027-06-01T00:00:00Z'));
      assert.equal(tooLong.status, 400);
      assert.equal(tooLong.body.field, 'query.to');
      const badGroup = await report(`${q('2026-06-02T00:00:00Z', '2026-06-03T00:00:00Z')}&groupBy=month`);
      assert.equal(badGroup.status, 400);
      assert.match(badGroup.body.detail, /groupBy/);
      const unknown = await report(
        `${q('2026-06-02T00:00:00Z', '2026-06-03T00:00:00Z')}&space=00000000-0000-4000-8000-000000000000`,
      );
      assert.equal(unknown.status, 404);
      assert.equal(unknown.body.field, 'query.space');
    });
  });
}
