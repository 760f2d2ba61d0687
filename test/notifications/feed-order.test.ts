import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeClock } from '../../src/domain/clock.ts';
import { runDelivery } from '../../src/features/notifications/service.ts';
import type { Caller, TestApp } from '../support/app.ts';
import { startTestApp } from '../support/app.ts';
import { at, buildSpace } from '../support/factories.ts';
import { storeKinds } from '../support/store.ts';

const t0 = '2026-11-25T10:00:00.000Z';

// Issue 7.13: the feed is newest first by creation, also when an event is delivered late.
for (const kind of storeKinds()) {
  describe(`notification feed order (${kind})`, () => {
    let t: TestApp;
    let olga: Caller;
    let aiko: Caller;
    let lounge: string;
    before(async () => {
      t = await startTestApp(kind, { clock: new FakeClock(t0), site: { name: 'Vessel', timeZone: 'UTC' } });
      olga = await t.buildMember({ displayName: 'Olga' });
      aiko = await t.buildMember({ displayName: 'Aiko' });
      lounge = await buildSpace(t, { name: 'Lounge' });
    });
    after(() => t.close());

    it('orders by creation, newest first, and pages in that order', async () => {
      const book = async (minutes: number, title: string) => {
        const res = await t.request('POST', '/api/v1/bookings', {
          as: olga,
          body: {
            spaceId: lounge,
            start: at(t0, minutes),
            end: at(t0, minutes + 60),
            title,
            participants: { members: [aiko.id] },
          },
        });
        assert.equal(res.status, 201, JSON.stringify(res.body));
        return res.body.id as string;
      };
      const first = await book(600, 'First');
      const second = await book(900, 'Second');
      await runDelivery(t.db);
      const cancel = async (id: string) =>
        assert.equal((await t.request('POST', `/api/v1/bookings/${id}/cancel`, { as: olga })).status, 200);
      await cancel(first);
      await runDelivery(t.db);
      // The second cancellation's transaction began an hour before the first's but committed after
      // it: its event is older, delivered later, and so its notice has the higher id.
      await cancel(second);
      await t.db.query(
        `UPDATE events SET at = at - interval '1 hour'
          WHERE site_id = $1 AND subject_id = $2 AND type = 'booking.cancelled'`,
        [t.siteId, second],
      );
      await runDelivery(t.db);

      const feed = await t.request('GET', '/api/v1/notifications', { as: aiko });
      assert.equal(feed.status, 200);
      const items = feed.body.items as { id: string; bookingId: string; createdAt: string; kind: string }[];
      const cancelled = items.filter((n) => n.kind === 'booking-cancelled');
      assert.deepEqual(
        cancelled.map((n) => n.bookingId),
        [first, second],
      );
      assert.ok(Number(cancelled[1]!.id) > Number(cancelled[0]!.id), 'the older one was delivered later');
      const times = items.map((n) => Date.parse(n.createdAt));
      assert.deepEqual(
        times,
        [...times].sort((x, y) => y - x),
        'newest first by creation',
      );

      // Paging follows the same order.
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const url: string = `/api/v1/notifications?limit=1${cursor ? `&before=${cursor}` : ''}`;
        const page = await t.request('GET', url, { as: aiko });
        assert.equal(page.status, 200);
        seen.push(...page.body.items.map((n: { id: string }) => n.id));
        cursor = page.body.nextCursor;
      } while (cursor);
      assert.deepEqual(
        seen,
        items.map((n) => n.id),
      );
    });
  });
}
