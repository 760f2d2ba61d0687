import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { maintainEmbeddedStore } from '../../src/db/maintain.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { buildSpace } from '../support/factories.ts';

// PGlite runs no autovacuum: without the hourly task its planner has no statistics and dead rows stay.
describe('the embedded store is vacuumed and analyzed (pglite)', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp('pglite');
  });
  after(() => t.close());

  const stats = async () => {
    // Counters reach the statistics at most once a second unless forced: force them at the end of
    // this statement, so the next one reads every change made so far.
    await t.db.query('SELECT pg_stat_force_next_flush()');
    return (
      await t.db.query<{ analyzed: Date | null; vacuumed: Date | null; dead: number }>(
        `SELECT last_analyze AS analyzed, last_vacuum AS vacuumed, n_dead_tup::int AS dead
           FROM pg_stat_user_tables WHERE relname = 'bookings'`,
      )
    ).rows[0]!;
  };

  it('gives the planner statistics and vacuums away dead rows', async () => {
    const space = await buildSpace(t);
    for (let i = 0; i < 20; i++) {
      const start = new Date(t.clock.now().getTime() + (24 + i) * 3_600_000);
      const made = await t.request('POST', '/api/v1/bookings', {
        as: t.admin,
        body: { spaceId: space, title: 'Drill', start, end: new Date(start.getTime() + 30 * 60_000) },
      });
      assert.equal(made.status, 201, JSON.stringify(made.body));
      await t.request('POST', `/api/v1/bookings/${made.body.id}/cancel`, { as: t.admin });
    }
    const before = await stats();
    assert.equal(before.analyzed, null, 'nothing analyzes the embedded store on its own');
    assert.equal(before.vacuumed, null, 'nor vacuums it');
    assert.ok(before.dead > 0, 'the cancels left dead row versions');
    await maintainEmbeddedStore(t.db);
    const after = await stats();
    assert.ok(after.analyzed, 'analyzed');
    assert.ok(after.vacuumed, 'vacuumed');
    // The planner now knows the table's size instead of assuming an empty one.
    const planned = await t.db.query<{ n: number }>(
      `SELECT reltuples::int AS n FROM pg_class WHERE relname = 'bookings'`,
    );
    assert.ok(planned.rows[0]!.n >= 20, `reltuples ${planned.rows[0]!.n}`);
  });
});
