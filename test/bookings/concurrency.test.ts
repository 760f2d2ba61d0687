import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeClock } from '../../src/domain/clock.ts';
import { type Caller, startTestApp, type TestApp } from '../support/app.ts';
import { at, buildSpace } from '../support/factories.ts';
import { storeKinds } from '../support/store.ts';

const now = '2026-06-01T00:00:00Z';
const day = '2026-06-04T00:00:00Z';

for (const kind of storeKinds()) {
  describe(`booking retries and races (${kind})`, () => {
    let t: TestApp;
    let alice: Caller;
    let space: string;
    const count = async (where = 'TRUE', params: unknown[] = []) =>
      (await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM bookings WHERE ${where}`, params))
        .rows[0]!.n;

    before(async () => {
      t = await startTestApp(kind, { clock: new FakeClock(now) });
      alice = await t.buildMember();
      space = await buildSpace(t, { changeoverMinutes: 10 });
    });
    after(() => t.close());

    const post = (body: Record<string, unknown>, key?: string, as: Caller = alice) =>
      t.request('POST', '/api/v1/bookings', {
        as,
        body: { spaceId: space, title: 'Drill', ...body },
        headers: key ? { 'idempotency-key': key } : {},
      });

    it('a retry with the same Idempotency-Key returns the first answer and books nothing twice', async () => {
      const body = { start: at(day, 0), end: at(day, 60) };
      const first = await post(body, 'key-retry-1');
      assert.equal(first.status, 201);
      const again = await post(body, 'key-retry-1');
      assert.equal(again.status, 201);
      assert.equal(again.body.id, first.body.id);
      assert.deepEqual(again.body, first.body);
      assert.equal(again.headers['idempotent-replayed'], 'true');
      assert.equal(await count('space_id = $1 AND start_at = $2', [space, body.start]), 1);
      // Without the key the same body is a new request, and the slot is taken.
      assert.equal((await post(body)).status, 409);
    });

    it('the same key with another body is a 422', async () => {
      const first = await post({ start: at(day, 120), end: at(day, 180) }, 'key-reuse-1');
      assert.equal(first.status, 201);
      const before = await count();
      const other = await post({ start: at(day, 240), end: at(day, 300) }, 'key-reuse-1');
      assert.equal(other.status, 422);
      assert.equal(other.body.code, 'idempotency-key-reused');
      assert.equal(other.body.field, 'header.idempotency-key');
      assert.equal(await count(), before);
    });

    it('keys are per member: the same key from two members is two requests', async () => {
      const bob = await t.buildMember();
      const a = await post({ start: at(day, 360), end: at(day, 400) }, 'shared-key');
      const b = await post({ start: at(day, 420), end: at(day, 460) }, 'shared-key', bob);
      assert.equal(a.status, 201);
      assert.equal(b.status, 201);
      assert.notEqual(a.body.id, b.body.id);
    });

    it('a failed request (conflict) may be retried with its key once the slot is free', async () => {
      const s = { start: at(day, 500), end: at(day, 560) };
      const holder = await post(s);
      const refused = await post(s, 'key-after-conflict');
      assert.equal(refused.status, 409);
      await t.request('POST', `/api/v1/bookings/${holder.body.id}/cancel`, { as: alice });
      const retried = await post(s, 'key-after-conflict');
      assert.equal(retried.status, 201);
    });

    it('two concurrent requests with one key make one booking', async () => {
      const body = { start: at(day, 600), end: at(day, 660) };
      const [a, b] = await Promise.all([post(body, 'key-twins'), post(body, 'key-twins')]);
      assert.equal(a.status, 201, JSON.stringify(a.body));
      assert.equal(b.status, 201, JSON.stringify(b.body));
      assert.equal(a.body.id, b.body.id);
      assert.equal(await count('space_id = $1 AND start_at = $2', [space, body.start]), 1);
    });

    it('50 concurrent requests for overlapping slots: one 201, 49 409, no overlap in the table', async () => {
      const race = await buildSpace(t, { changeoverMinutes: 15 });
      const members = await Promise.all(Array.from({ length: 5 }, () => t.buildMember()));
      const base = at(day, 24 * 60);
      const answers = await Promise.all(
        Array.from({ length: 50 }, (_, i) => {
          // Starts spread over 49 minutes, each an hour long: every pair overlaps.
          const start = at(base, i);
          return post({ spaceId: race, start, end: at(start, 60) }, `race-${i}`, members[i % 5]);
        }),
      );
      const statuses = answers.map((a) => a.status).sort();
      assert.equal(statuses.filter((s) => s === 201).length, 1, JSON.stringify(statuses));
      assert.equal(statuses.filter((s) => s === 409).length, 49, JSON.stringify(statuses));
      const winner = answers.find((a) => a.status === 201)!.body.id;
      for (const a of answers.filter((x) => x.status === 409))
        assert.deepEqual(
          a.body.conflicts.map((c: any) => c.id),
          [winner],
        );
      const overlaps = await t.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM bookings a JOIN bookings b
           ON a.site_id = b.site_id AND a.space_id = b.space_id AND a.id < b.id AND a.blocked && b.blocked
          WHERE a.status IN ('confirmed', 'checked_in') AND b.status IN ('confirmed', 'checked_in')`,
      );
      assert.equal(overlaps.rows[0]!.n, 0);
      assert.equal(await count('space_id = $1', [race]), 1);
    });
  });
}
