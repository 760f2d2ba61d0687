import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeClock } from '../../src/domain/clock.ts';
import { extendHorizons, nextHorizonDue } from '../../src/features/series/horizon.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { buildSpace } from '../support/factories.ts';
import { storeKinds } from '../support/store.ts';

// The horizon job falls due the moment a series' next occurrence comes within the site's horizon,
// so the scheduler can run it then instead of on its quarter-hour poll.
for (const kind of storeKinds()) {
  describe(`the horizon job's due instant (${kind})`, () => {
    let t: TestApp;
    // 10:00 in Berlin, summer time until 25 October.
    const clock = new FakeClock('2026-10-20T08:00:00Z');
    before(async () => {
      t = await startTestApp(kind, { clock, site: { name: 'Vessel', timeZone: 'Europe/Berlin' } });
      await t.db.query('UPDATE sites SET horizon_days = 14 WHERE site_id = $1', [t.siteId]);
    });
    after(() => t.close());

    const starts = async (seriesId: string) =>
      (
        await t.db.query<{ start: Date }>(
          `SELECT start_at AS start FROM bookings WHERE series_id = $1 AND status = 'confirmed' ORDER BY start_at`,
          [seriesId],
        )
      ).rows.map((r) => new Date(r.start).toISOString());

    it('is when the next occurrence comes within the horizon, and the job books it then, not before', async () => {
      const space = await buildSpace(t);
      const made = await t.request('POST', '/api/v1/series', {
        as: t.admin,
        body: {
          spaceId: space,
          rrule: 'FREQ=DAILY',
          startTime: '22:00',
          durationMinutes: 60,
          startDate: '2026-10-20',
          title: 'Nightly',
        },
      });
      assert.equal(made.status, 201, JSON.stringify(made.body));
      const id = made.body.series.id;
      // Booked up to 3 November 10:00; the next is 3 November 22:00 CET (21:00Z).
      assert.equal((await starts(id)).at(-1), '2026-11-02T21:00:00.000Z');
      const row = await t.db.query<{ until: Date }>(
        'SELECT materialized_until AS until FROM series WHERE id = $1',
        [id],
      );
      assert.equal(new Date(row.rows[0]!.until).toISOString(), '2026-11-03T21:00:00.000Z');
      const dayLater = new Date('2026-10-21T08:00:00Z');
      const due = await nextHorizonDue(t.db, clock.now(), dayLater);
      assert.equal(due?.toISOString(), '2026-10-20T21:00:00.000Z', 'fourteen days before 3 November 21:00Z');

      // A second before, there is nothing to book.
      clock.set('2026-10-20T20:59:59Z');
      assert.equal(await extendHorizons(t.db, clock), 0);
      assert.equal((await starts(id)).length, 14);

      // Just after, the occurrence is booked, and the next falls due a day later.
      clock.set(new Date(due!.getTime() + 1));
      assert.equal(await extendHorizons(t.db, clock), 1);
      assert.equal((await starts(id)).at(-1), '2026-11-03T21:00:00.000Z');
      assert.equal(
        (await nextHorizonDue(t.db, clock.now(), new Date('2026-10-22T08:00:00Z')))?.toISOString(),
        '2026-10-21T21:00:00.000Z',
      );
      // Nothing falls due in a window before it.
      assert.equal(await nextHorizonDue(t.db, clock.now(), new Date('2026-10-21T20:00:00Z')), null);
    });

    it('a series that has ended falls due no more', async () => {
      const space = await buildSpace(t);
      const made = await t.request('POST', '/api/v1/series', {
        as: t.admin,
        body: {
          spaceId: space,
          rrule: 'FREQ=DAILY;COUNT=3',
          startTime: '06:00',
          durationMinutes: 30,
          startDate: '2026-10-22',
          title: 'Three mornings',
        },
      });
      assert.equal(made.status, 201, JSON.stringify(made.body));
      assert.equal((await starts(made.body.series.id)).length, 3);
      const row = await t.db.query<{ until: Date }>(
        'SELECT materialized_until AS until FROM series WHERE id = $1',
        [made.body.series.id],
      );
      // No occurrence after the horizon: it looks again a year on, far outside any due window.
      assert.ok(new Date(row.rows[0]!.until).getTime() > clock.now().getTime() + 300 * 86_400_000);
    });
  });
}
