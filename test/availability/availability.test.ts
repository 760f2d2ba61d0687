import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeClock } from '../../src/domain/clock.ts';
import { type Caller, startTestApp, type TestApp } from '../support/app.ts';
import { at, buildOtherSite, buildSpace } from '../support/factories.ts';
import { storeKinds } from '../support/store.ts';

const now = '2026-06-01T00:00:00Z';

for (const kind of storeKinds()) {
  describe(`availability (${kind})`, () => {
    let t: TestApp;
    let alice: Caller;
    before(async () => {
      t = await startTestApp(kind, { clock: new FakeClock(now), site: { timeZone: 'UTC' } });
      alice = await t.buildMember();
    });
    after(() => t.close());

    const book = (spaceId: string, start: string, end: string, extra: Record<string, unknown> = {}) =>
      t.request('POST', '/api/v1/bookings', {
        as: alice,
        body: { spaceId, start, end, title: 'x', ...extra },
      });
    const ask = (query: string) => t.request('GET', `/api/v1/availability?${query}`, { as: alice });

    it('free intervals leave out bookings and the changeover before each', async () => {
      const space = await buildSpace(t, { changeoverMinutes: 15 });
      assert.equal((await book(space, '2026-06-02T10:00:00Z', '2026-06-02T11:00:00Z')).status, 201);
      assert.equal(
        (await book(space, '2026-06-02T12:00:00Z', '2026-06-02T12:30:00Z', { visibility: 'private' })).status,
        201,
      );
      const res = await ask(`space=${space}&from=2026-06-02T08:00:00Z&to=2026-06-02T14:00:00Z`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(res.body, {
        spaces: [
          {
            spaceId: space,
            free: [
              { start: '2026-06-02T08:00:00.000Z', end: '2026-06-02T09:45:00.000Z' },
              { start: '2026-06-02T11:15:00.000Z', end: '2026-06-02T11:45:00.000Z' },
              { start: '2026-06-02T12:45:00.000Z', end: '2026-06-02T14:00:00.000Z' },
            ],
          },
        ],
      });
      // Every free interval is bookable end to end, and its edges are tight.
      assert.equal((await book(space, '2026-06-02T08:00:00Z', '2026-06-02T09:45:00Z')).status, 201);
      assert.equal((await book(space, '2026-06-02T11:15:00Z', '2026-06-02T11:46:00Z')).status, 409);
      assert.equal((await book(space, '2026-06-02T11:15:00Z', '2026-06-02T11:45:00Z')).status, 201);
      assert.equal((await book(space, '2026-06-02T12:44:00Z', '2026-06-02T13:30:00Z')).status, 409);
    });

    it('respects opening hours in the site zone, and cancelled bookings free the slot', async () => {
      const space = await buildSpace(t, { openingHours: { tue: [{ open: '18:00', close: '02:00' }] } });
      const b = await book(space, '2026-06-02T20:00:00Z', '2026-06-02T21:00:00Z');
      const query = `space=${space}&from=2026-06-02T00:00:00Z&to=2026-06-04T00:00:00Z`;
      assert.deepEqual((await ask(query)).body.spaces[0].free, [
        { start: '2026-06-02T18:00:00.000Z', end: '2026-06-02T20:00:00.000Z' },
        { start: '2026-06-02T21:00:00.000Z', end: '2026-06-03T02:00:00.000Z' },
      ]);
      await t.request('POST', `/api/v1/bookings/${b.body.id}/cancel`, { as: alice });
      assert.deepEqual((await ask(query)).body.spaces[0].free, [
        { start: '2026-06-02T18:00:00.000Z', end: '2026-06-03T02:00:00.000Z' },
      ]);
    });

    it('answers several spaces in the order asked, with the first slots of a length', async () => {
      const a = await buildSpace(t, { changeoverMinutes: 15 });
      const b = await buildSpace(t);
      await book(a, '2026-06-05T09:00:00Z', '2026-06-05T10:00:00Z');
      const res = await ask(
        `space=${b}&space=${a}&from=2026-06-05T08:00:00Z&to=2026-06-05T12:00:00Z&length=45&limit=3`,
      );
      assert.equal(res.status, 200);
      assert.deepEqual(
        res.body.spaces.map((s: any) => s.spaceId),
        [b, a],
      );
      assert.deepEqual(res.body.spaces[1].slots, [
        // 08:00–08:45 fits before 09:00 minus 15 minutes of changeover; 08:45–09:30 does not.
        { start: '2026-06-05T08:00:00.000Z', end: '2026-06-05T08:45:00.000Z' },
        // The booking blocks until 10:15 (its own changeover).
        { start: '2026-06-05T10:15:00.000Z', end: '2026-06-05T11:00:00.000Z' },
        { start: '2026-06-05T11:00:00.000Z', end: '2026-06-05T11:45:00.000Z' },
      ]);
      assert.equal(res.body.spaces[0].slots.length, 3);
      assert.equal(res.body.spaces[0].slots[0].start, '2026-06-05T08:00:00.000Z');
    });

    it('slots start no earlier than now', async () => {
      const space = await buildSpace(t);
      const res = await ask(`space=${space}&from=${at(now, -120)}&to=${at(now, 120)}&length=60`);
      assert.equal(res.body.spaces[0].slots[0].start, '2026-06-01T00:00:00.000Z');
      assert.equal(res.body.spaces[0].free[0].start, at(now, -120));
    });

    it('slots only of a bookable length, and not beyond the horizon', async () => {
      const space = await buildSpace(t, { minMinutes: 30, maxMinutes: 90 });
      const q = (length: number, from: string, to: string) =>
        ask(`space=${space}&from=${from}&to=${to}&length=${length}&limit=2`);
      assert.deepEqual(
        (await q(20, '2026-06-02T00:00:00Z', '2026-06-03T00:00:00Z')).body.spaces[0].slots,
        [],
      );
      assert.deepEqual(
        (await q(120, '2026-06-02T00:00:00Z', '2026-06-03T00:00:00Z')).body.spaces[0].slots,
        [],
      );
      assert.equal(
        (await q(60, '2026-06-02T00:00:00Z', '2026-06-03T00:00:00Z')).body.spaces[0].slots.length,
        2,
      );
      // The horizon is 60 days: 31 July 2026 00:00 is the last start.
      const late = await q(60, '2026-07-30T23:00:00Z', '2026-08-01T00:00:00Z');
      assert.deepEqual(late.body.spaces[0].slots, [
        { start: '2026-07-30T23:00:00.000Z', end: '2026-07-31T00:00:00.000Z' },
        { start: '2026-07-31T00:00:00.000Z', end: '2026-07-31T01:00:00.000Z' },
      ]);
      const beyond = await q(60, '2026-07-31T00:01:00Z', '2026-08-01T00:00:00Z');
      assert.deepEqual(beyond.body.spaces[0].slots, []);
      assert.equal(beyond.body.spaces[0].free.length, 1);
    });

    describe('bad queries', () => {
      let space: string;
      before(async () => {
        space = await buildSpace(t);
      });
      const cases: [string, () => string, number, string][] = [
        [
          'to before from',
          () => `space=${space}&from=2026-06-02T10:00:00Z&to=2026-06-02T09:00:00Z`,
          400,
          'query.to',
        ],
        [
          'range too long',
          () => `space=${space}&from=2026-06-02T00:00:00Z&to=2026-09-02T00:00:00Z`,
          400,
          'query.to',
        ],
        [
          'impossible date',
          () => `space=${space}&from=2026-02-30T00:00:00Z&to=2026-03-02T00:00:00Z`,
          400,
          'query.from',
        ],
        [
          'no offset',
          () => `space=${space}&from=2026-06-02T00:00:00&to=2026-06-03T00:00:00Z`,
          400,
          'query.from',
        ],
        ['no space', () => 'from=2026-06-02T00:00:00Z&to=2026-06-03T00:00:00Z', 400, 'query.space'],
        [
          'bad space id',
          () => 'space=cabin&from=2026-06-02T00:00:00Z&to=2026-06-03T00:00:00Z',
          400,
          'query.space.0',
        ],
        [
          'zero length',
          () => `space=${space}&from=2026-06-02T00:00:00Z&to=2026-06-03T00:00:00Z&length=0`,
          400,
          'query.length',
        ],
        [
          'unknown space',
          () =>
            'space=00000000-0000-4000-8000-000000000000&from=2026-06-02T00:00:00Z&to=2026-06-03T00:00:00Z',
          404,
          'query.space',
        ],
      ];
      for (const [name, query, status, field] of cases)
        it(name, async () => {
          const res = await ask(query());
          assert.equal(res.status, status, JSON.stringify(res.body));
          assert.equal(res.body.field, field);
        });

      it("another site's space is not found; no token is 401", async () => {
        const other = await buildOtherSite(t);
        const theirs = await t.db.query<{ id: string }>(
          `INSERT INTO spaces (site_id, name, kind, capacity) VALUES ($1, 'Theirs', 'other', 5) RETURNING id`,
          [other.siteId],
        );
        const res = await ask(
          `space=${theirs.rows[0]!.id}&from=2026-06-02T00:00:00Z&to=2026-06-03T00:00:00Z`,
        );
        assert.equal(res.status, 404);
        const anon = await t.request(
          'GET',
          `/api/v1/availability?space=${space}&from=2026-06-02T00:00:00Z&to=2026-06-03T00:00:00Z`,
        );
        assert.equal(anon.status, 401);
      });
    });
  });
}
