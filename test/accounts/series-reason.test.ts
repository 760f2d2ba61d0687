import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeClock } from '../../src/domain/clock.ts';
import { type Caller, startTestApp, type TestApp } from '../support/app.ts';
import { buildSpace } from '../support/factories.ts';
import { storeKinds } from '../support/store.ts';

for (const kind of storeKinds()) {
  describe(`an admin changing someone else's series gives a reason (${kind})`, () => {
    let t: TestApp;
    let owner: Caller;
    let seriesId: string;
    let etag: string;
    let occurrence: string;
    before(async () => {
      t = await startTestApp(kind, {
        clock: new FakeClock('2026-10-20T08:00:00Z'),
        site: { name: 'Vessel', timeZone: 'Europe/Berlin' },
      });
      await t.db.query('UPDATE sites SET horizon_days = 7 WHERE site_id = $1', [t.siteId]);
      owner = await t.buildMember({ displayName: 'Owner' });
      const space = await buildSpace(t);
      const res = await t.request('POST', '/api/v1/series', {
        as: owner,
        body: {
          spaceId: space,
          rrule: 'FREQ=DAILY',
          startTime: '22:00',
          durationMinutes: 60,
          startDate: '2026-10-20',
          title: 'Nightly',
        },
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      seriesId = res.body.series.id;
      occurrence = res.body.booked[1].start;
      etag = String((await t.request('GET', `/api/v1/series/${seriesId}`, { as: owner })).headers.etag);
    });
    after(() => t.close());

    const cancelled = async () =>
      (
        await t.db.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM bookings WHERE series_id = $1 AND status = 'cancelled'",
          [seriesId],
        )
      ).rows[0]!.n;

    it('DELETE without a reason is refused (422 naming query.reason) and cancels nothing', async () => {
      for (const scope of ['one', 'all']) {
        const q = scope === 'one' ? `scope=one&occurrence=${encodeURIComponent(occurrence)}` : 'scope=all';
        const res = await t.request('DELETE', `/api/v1/series/${seriesId}?${q}`, { as: t.admin });
        assert.equal(res.status, 422, JSON.stringify(res.body));
        assert.equal(res.body.rule, 'reason-required');
        assert.equal(res.body.field, 'query.reason');
      }
      assert.equal(await cancelled(), 0);
    });

    it('PATCH without a reason is refused (422 naming body.reason) and changes nothing', async () => {
      const res = await t.request('PATCH', `/api/v1/series/${seriesId}`, {
        as: t.admin,
        headers: { 'if-match': etag },
        body: { scope: 'all', title: 'Renamed by the admin' },
      });
      assert.equal(res.status, 422, JSON.stringify(res.body));
      assert.equal(res.body.field, 'body.reason');
      const s = await t.request('GET', `/api/v1/series/${seriesId}`, { as: owner });
      assert.equal(s.body.title, 'Nightly');
    });

    it('with a reason the admin may, and the event records it; the organizer needs none', async () => {
      const patched = await t.request('PATCH', `/api/v1/series/${seriesId}`, {
        as: t.admin,
        headers: { 'if-match': etag },
        body: { scope: 'one', occurrence, title: 'Moved for the drill', reason: 'Fire drill' },
      });
      assert.equal(patched.status, 200, JSON.stringify(patched.body));
      const res = await t.request(
        'DELETE',
        `/api/v1/series/${seriesId}?scope=one&occurrence=${encodeURIComponent(occurrence)}&reason=${encodeURIComponent('Hull repair')}`,
        { as: t.admin },
      );
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const events = await t.db.query<{ reason: string }>(
        "SELECT reason FROM events WHERE subject_id = $1 AND type = 'series.cancelled'",
        [seriesId],
      );
      assert.deepEqual(
        events.rows.map((e) => e.reason),
        ['Hull repair'],
      );
      const own = await t.request('DELETE', `/api/v1/series/${seriesId}?scope=all`, { as: owner });
      assert.equal(own.status, 200, JSON.stringify(own.body));
    });
  });
}
