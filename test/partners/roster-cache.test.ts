import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeClock } from '../../src/domain/clock.ts';
import { rosterLoads } from '../../src/features/rosters/roster-cache.ts';
import { type Caller, startTestApp, type TestApp } from '../support/app.ts';
import { storeKinds } from '../support/store.ts';

// Rosters are kept between requests and read again exactly when they change: through the API, or
// by another writer of the same store (another server), which the database's roster version shows.

const now = '2026-09-28T00:00:00Z';
const window = 'from=2026-10-02T00:00:00Z&to=2026-10-03T00:00:00Z';
const whole = [{ start: '2026-10-02T00:00:00.000Z', end: '2026-10-03T00:00:00.000Z' }];

for (const kind of storeKinds()) {
  describe(`roster cache (${kind})`, () => {
    let t: TestApp;
    let eve: Caller;
    let finn: Caller;
    before(async () => {
      t = await startTestApp(kind, { clock: new FakeClock(now), site: { timeZone: 'Australia/Adelaide' } });
      eve = await t.buildMember({ displayName: 'Eve' });
      finn = await t.buildMember({ displayName: 'Finn' });
    });
    after(() => t.close());

    const freeOf = async (who: Caller) => {
      const res = await t.request('GET', `/api/v1/members/${who.id}/free?${window}`, { as: finn });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body.free;
    };

    it('reads a roster once, then again only after it changes', async () => {
      assert.deepEqual(await freeOf(eve), whole);
      const loaded = rosterLoads();
      assert.deepEqual(await freeOf(eve), whole);
      assert.equal(rosterLoads(), loaded, 'an unchanged roster is not read again');

      // A duty shift 10:00-12:00 local (ACST, +09:30) makes 00:30-02:30Z busy at once.
      const shift = await t.request('POST', `/api/v1/members/${eve.id}/duty-shifts`, {
        as: eve,
        body: {
          title: 'Galley',
          rrule: 'FREQ=DAILY',
          startDate: '2026-10-01',
          startTime: '10:00',
          durationMinutes: 120,
        },
      });
      assert.equal(shift.status, 201, JSON.stringify(shift.body));
      const withShift = [
        { start: '2026-10-02T00:00:00.000Z', end: '2026-10-02T00:30:00.000Z' },
        { start: '2026-10-02T02:30:00.000Z', end: '2026-10-03T00:00:00.000Z' },
      ];
      assert.deepEqual(await freeOf(eve), withShift);
      assert.equal(rosterLoads(), loaded + 1);
      assert.deepEqual(await freeOf(eve), withShift);
      assert.equal(rosterLoads(), loaded + 1, 'read once after the change');

      // Leave, then its removal.
      const leave = await t.request('POST', `/api/v1/members/${eve.id}/leave`, {
        as: eve,
        body: { start: '2026-10-02T20:00:00Z', end: '2026-10-04T00:00:00Z' },
      });
      assert.equal(leave.status, 201);
      assert.deepEqual(await freeOf(eve), [
        withShift[0],
        { ...withShift[1], end: '2026-10-02T20:00:00.000Z' },
      ]);
      assert.equal((await t.request('DELETE', `/api/v1/leave/${leave.body.id}`, { as: eve })).status, 204);
      assert.deepEqual(await freeOf(eve), withShift);

      // Another writer of the store (say, a second server) moves the shift: seen on the next read.
      await t.db.query(`UPDATE duty_shifts SET start_time = '12:00' WHERE site_id = $1 AND id = $2`, [
        t.siteId,
        shift.body.id,
      ]);
      assert.deepEqual(await freeOf(eve), [
        { start: '2026-10-02T00:00:00.000Z', end: '2026-10-02T02:30:00.000Z' },
        { start: '2026-10-02T04:30:00.000Z', end: '2026-10-03T00:00:00.000Z' },
      ]);
      assert.equal(
        (await t.request('DELETE', `/api/v1/duty-shifts/${shift.body.id}`, { as: eve })).status,
        204,
      );
      assert.deepEqual(await freeOf(eve), whole);

      // One member's change leaves the other's roster where it was.
      assert.deepEqual(await freeOf(finn), whole);
      const before = rosterLoads();
      await t.request('POST', `/api/v1/members/${eve.id}/leave`, {
        as: eve,
        body: { start: '2026-10-02T00:00:00Z', end: '2026-10-02T01:00:00Z' },
      });
      assert.deepEqual(await freeOf(finn), whole);
      assert.equal(rosterLoads(), before);
    });
  });
}
