import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeClock } from '../../src/domain/clock.ts';
import { purgeIdempotencyKeys } from '../../src/features/idempotency/service.ts';
import { serverTasks } from '../../src/jobs/tasks.ts';
import { type Caller, startTestApp, type TestApp } from '../support/app.ts';
import { at, buildSpace } from '../support/factories.ts';
import { storeKinds } from '../support/store.ts';

const now = '2026-06-01T00:00:00Z';
const day = '2026-06-02T04:00:00Z';

for (const kind of storeKinds()) {
  describe(`idempotency records: secrets, purge, one rule (${kind})`, () => {
    let t: TestApp;
    let alice: Caller;
    let bob: Caller;
    let space: string;
    const clock = new FakeClock(now);
    before(async () => {
      t = await startTestApp(kind, { clock });
      alice = await t.buildMember({ displayName: 'Alice' });
      bob = await t.buildMember({ displayName: 'Bob' });
      space = await buildSpace(t, { maxMinutes: 24 * 60 });
    });
    after(() => t.close());

    it('never stores a new API token in its replay record; a retry answers 409 naming the token', async () => {
      const headers = { 'idempotency-key': 'token-key-1' };
      const first = await t.request('POST', '/api/v1/tokens', { as: alice, body: { name: 'cli' }, headers });
      assert.equal(first.status, 201);
      assert.match(first.body.token, /^ss_/);
      const rows = await t.db.query<{ text: string }>('SELECT response::text AS text FROM idempotency_keys');
      assert.ok(rows.rows.length > 0);
      assert.ok(
        rows.rows.every((r) => !r.text.includes(first.body.token)),
        'the token is not kept',
      );
      const again = await t.request('POST', '/api/v1/tokens', { as: alice, body: { name: 'cli' }, headers });
      assert.equal(again.status, 409);
      assert.equal(again.body.code, 'secret-not-replayed');
      assert.equal(again.body.created.id, first.body.id);
      assert.equal(again.body.created.token, undefined);
      assert.equal(again.headers['idempotent-replayed'], 'true');
      // Nothing was created twice.
      const tokens = await t.request('GET', '/api/v1/tokens', { as: alice });
      assert.equal(tokens.body.items.filter((x: { name: string }) => x.name === 'cli').length, 1);
    });

    it('purges records older than 24 hours, by the scheduler task, and keeps younger ones', async () => {
      const headers = (k: string) => ({ 'idempotency-key': k });
      const body = (n: number) => ({ spaceId: space, title: 'Old', start: at(day, n), end: at(day, n + 30) });
      assert.equal(
        (await t.request('POST', '/api/v1/bookings', { as: bob, body: body(0), headers: headers('old') }))
          .status,
        201,
      );
      assert.equal(
        (await t.request('POST', '/api/v1/bookings', { as: bob, body: body(60), headers: headers('young') }))
          .status,
        201,
      );
      const real = new Date();
      await t.db.query("UPDATE idempotency_keys SET created_at = $1 WHERE key = 'old'", [
        new Date(real.getTime() - 25 * 3_600_000),
      ]);
      await t.db.query("UPDATE idempotency_keys SET created_at = $1 WHERE key = 'young'", [
        new Date(real.getTime() - 23 * 3_600_000),
      ]);
      assert.ok(serverTasks(t.db).some((task) => task.name === 'purge-idempotency-keys'));
      assert.equal(await purgeIdempotencyKeys(t.db, real), 1);
      const left = await t.db.query<{ key: string }>(
        "SELECT key FROM idempotency_keys WHERE key IN ('old', 'young') ORDER BY key",
      );
      assert.deepEqual(
        left.rows.map((r) => r.key),
        ['young'],
      );
    });

    it('a refused check-in (409) is not replayed: the retry after the space frees checks in', async () => {
      const holder = await t.request('POST', '/api/v1/bookings', {
        as: alice,
        body: {
          spaceId: space,
          title: 'Holding',
          start: '2026-06-03T03:00:00Z',
          end: '2026-06-03T04:00:00Z',
        },
      });
      const waiting = await t.request('POST', '/api/v1/bookings', {
        as: bob,
        body: { spaceId: space, title: 'Next', start: '2026-06-03T04:00:00Z', end: '2026-06-03T05:00:00Z' },
      });
      assert.equal(holder.status, 201);
      assert.equal(waiting.status, 201);
      clock.set('2026-06-03T03:30:00Z');
      const headers = { 'idempotency-key': 'checkin-1' };
      const url = `/api/v1/bookings/${waiting.body.id}/check-in`;
      const refused = await t.request('POST', url, { as: bob, headers });
      assert.equal(refused.status, 409);
      clock.set('2026-06-03T03:55:00Z');
      const cancelled = await t.request('POST', `/api/v1/bookings/${holder.body.id}/cancel`, { as: alice });
      assert.equal(cancelled.status, 200);
      const retried = await t.request('POST', url, { as: bob, headers });
      assert.equal(retried.status, 200, JSON.stringify(retried.body));
      assert.equal(retried.body.status, 'checked_in');
      assert.equal(retried.headers['idempotent-replayed'], undefined);
    });

    it('concurrent twins of a refused create answer the same refusal; a later retry runs afresh', async () => {
      const slot = { start: '2026-06-05T10:00:00Z', end: '2026-06-05T11:00:00Z' };
      const held = await t.request('POST', '/api/v1/bookings', {
        as: alice,
        body: { spaceId: space, title: 'In the way', ...slot },
      });
      assert.equal(held.status, 201);
      const send = () =>
        t.request('POST', '/api/v1/bookings', {
          as: bob,
          body: { spaceId: space, title: 'Twin', ...slot },
          headers: { 'idempotency-key': 'twins-refused' },
        });
      const answers = await Promise.all([send(), send(), send()]);
      assert.deepEqual(
        answers.map((a) => a.status),
        [409, 409, 409],
      );
      assert.deepEqual(answers[1]!.body, answers[0]!.body);
      assert.equal(
        answers.filter((a) => a.headers['idempotent-replayed'] === 'true').length,
        2,
        'the twins waited for the first and answered its refusal, without running again',
      );
      assert.equal(
        (await t.request('POST', `/api/v1/bookings/${held.body.id}/cancel`, { as: alice })).status,
        200,
      );
      const retry = await send();
      assert.equal(retry.status, 201, JSON.stringify(retry.body));
      const replay = await send();
      assert.equal(replay.status, 201);
      assert.equal(replay.body.id, retry.body.id);
      assert.equal(replay.headers['idempotent-replayed'], 'true');
    });
  });
}
