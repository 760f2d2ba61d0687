import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeClock } from '../../src/domain/clock.ts';
import { listBookings } from '../../src/features/bookings/service.ts';
import { demoSite, loadDemo } from '../../src/features/demo/service.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { storeKinds } from '../support/store.ts';

for (const kind of storeKinds()) {
  describe(`demo vessel (${kind})`, () => {
    let a: TestApp;
    let b: TestApp;
    before(async () => {
      // A date across New Zealand's daylight-saving change, in the site's own zone.
      a = await startTestApp(kind, { clock: new FakeClock('2026-09-27T03:00:00Z'), site: demoSite });
      b = await startTestApp(kind, { clock: new FakeClock('2026-09-27T03:00:00Z'), site: demoSite });
    });
    after(async () => {
      await a?.close();
      await b?.close();
    });

    const snapshot = async (t: TestApp) => {
      const ctx = { db: t.db, clock: t.clock, actor: t.admin.actor };
      const { items } = await listBookings(ctx, { limit: 500 });
      return items.map((x) => [x.title, x.start, x.end, x.visibility, x.headcount, x.organizer?.displayName]);
    };

    it('is the same for the same seed and clock, and refuses to load twice', async () => {
      const summary = await loadDemo({ db: a.db, clock: a.clock, actor: a.admin.actor }, { seed: 7 });
      await loadDemo({ db: b.db, clock: b.clock, actor: b.admin.actor }, { seed: 7 });
      assert.deepEqual(summary.spaces, 5);
      assert.equal(summary.members, 20);
      const first = await snapshot(a);
      assert.equal(first.length, summary.bookings);
      assert.deepEqual(first, await snapshot(b));
      const before = await a.db.query<{ n: number }>('SELECT count(*)::int AS n FROM members');
      await assert.rejects(loadDemo({ db: a.db, clock: a.clock, actor: a.admin.actor }, { seed: 7 }));
      const afterwards = await a.db.query<{ n: number }>('SELECT count(*)::int AS n FROM members');
      assert.equal(afterwards.rows[0]!.n, before.rows[0]!.n, 'a failed load leaves nothing behind');
    });
  });
}
