import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeClock } from '../../src/domain/clock.ts';
import { Scheduler } from '../../src/jobs/scheduler.ts';
import { serverTasks } from '../../src/jobs/tasks.ts';
import type { TestApp } from '../support/app.ts';
import { startTestApp } from '../support/app.ts';
import { buildSpace } from '../support/factories.ts';
import { storeKinds } from '../support/store.ts';

for (const kind of storeKinds()) {
  describe(`scheduler with a fake clock (${kind})`, () => {
    let t: TestApp;
    const clock = new FakeClock('2026-03-01T09:00:00Z');
    before(async () => {
      t = await startTestApp(kind, { clock, site: { name: 'Vessel', timeZone: 'America/New_York' } });
      await t.db.query('UPDATE sites SET horizon_days = 7 WHERE site_id = $1', [t.siteId]);
    });
    after(() => t.close());

    it('runs tasks when due on the clock, extends horizons across a restart without losing or repeating', async () => {
      const space = await buildSpace(t);
      const res = await t.request('POST', '/api/v1/series', {
        as: t.admin,
        body: {
          spaceId: space,
          rrule: 'FREQ=DAILY',
          startTime: '02:30',
          durationMinutes: 60,
          startDate: '2026-03-02',
          title: 'Small hours',
        },
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      const id = res.body.series.id as string;
      const starts = async () =>
        (
          await t.db.query<{ s: Date }>(
            `SELECT start_at AS s FROM bookings WHERE series_id = $1 ORDER BY start_at`,
            [id],
          )
        ).rows.map((r) => new Date(r.s).toISOString());
      assert.equal((await starts()).length, 7);

      let scheduler = new Scheduler(serverTasks(t.db), { clock });
      const ran = await scheduler.runDue();
      assert.ok(ran.includes('extend-horizons'));
      assert.deepEqual(await scheduler.runDue(), [], 'nothing is due again at the same instant');

      // Down for three days; the next start books what came due meanwhile, and only that.
      await scheduler.stop();
      clock.set('2026-03-04T09:00:00Z');
      scheduler = new Scheduler(serverTasks(t.db), { clock });
      await scheduler.runDue();
      const after3 = await starts();
      assert.equal(after3.length, 10);
      // New York springs forward on 8 March at 02:00: 02:30 does not exist and moves to 03:30 EDT.
      assert.ok(after3.includes('2026-03-08T07:30:00.000Z'), after3.join(' '));
      assert.ok(after3.includes('2026-03-09T06:30:00.000Z'));
      await scheduler.runDue();
      scheduler = new Scheduler(serverTasks(t.db), { clock });
      await scheduler.runDue();
      assert.equal((await starts()).length, 10, 'a restart at the same instant repeats nothing');
      // The sessions nobody checked in to while the server was down were released at the restart.
      const released = await t.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM bookings WHERE series_id = $1 AND status = 'released'`,
        [id],
      );
      assert.equal(released.rows[0]!.n, 3);
      await scheduler.stop();
    });
  });
}
