import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeClock } from '../../src/domain/clock.ts';
import { parseInstant } from '../../src/domain/time.ts';
import { type Caller, startTestApp, type TestApp } from '../support/app.ts';
import { buildSpace } from '../support/factories.ts';
import { storeKinds } from '../support/store.ts';

// A leap second is not an instant PostgreSQL or Temporal can hold: it used to be read as 23:59:59.
const leap = '2026-12-31T23:59:60Z';

describe('leap seconds (domain)', () => {
  it('parseInstant refuses a leap second like any unreal instant', () => {
    assert.equal(parseInstant(leap), undefined);
    assert.equal(parseInstant('2026-12-31T23:59:60.5+00:00'), undefined);
    assert.equal(parseInstant('2026-12-31T23:59:59Z')?.toISOString(), '2026-12-31T23:59:59.000Z');
  });
});

for (const kind of storeKinds()) {
  describe(`leap seconds (${kind})`, () => {
    let t: TestApp;
    let alice: Caller;
    let space: string;
    before(async () => {
      t = await startTestApp(kind, { clock: new FakeClock('2026-12-30T00:00:00Z') });
      alice = await t.buildMember();
      space = await buildSpace(t, { maxMinutes: 24 * 60 });
    });
    after(() => t.close());

    it('refuses a booking that ends on a leap second with a 400 naming the field, and books nothing', async () => {
      const res = await t.request('POST', '/api/v1/bookings', {
        as: alice,
        body: { spaceId: space, title: 'New year drill', start: '2026-12-31T23:00:00Z', end: leap },
      });
      assert.equal(res.status, 400);
      assert.equal(res.body.code, 'validation');
      assert.equal(res.body.field, 'body.end');
      const rows = await t.db.query('SELECT 1 FROM bookings WHERE site_id = $1', [t.siteId]);
      assert.equal(rows.rows.length, 0);
    });

    it('refuses a leap second in a query', async () => {
      const res = await t.request(
        'GET',
        `/api/v1/bookings?space=${space}&from=${encodeURIComponent(leap)}&to=2027-01-02T00:00:00Z`,
        { as: alice },
      );
      assert.equal(res.status, 400);
      assert.equal(res.body.field, 'query.from');
    });
  });
}
