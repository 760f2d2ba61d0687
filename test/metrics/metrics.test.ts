import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeClock } from '../../src/domain/clock.ts';
import { runDelivery } from '../../src/features/notifications/service.ts';
import { deliverWebhooks } from '../../src/features/webhooks/service.ts';
import type { Caller, TestApp } from '../support/app.ts';
import { startTestApp } from '../support/app.ts';
import { buildSpace } from '../support/factories.ts';
import { storeKinds } from '../support/store.ts';

/** The value of one sample line of the Prometheus text (0 when absent). */
function sample(text: string, name: string, labels = ''): number {
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`${name}${labels} `) || (labels === '' && l.startsWith(`${name} `)));
  return line ? Number(line.split(' ').pop()) : 0;
}

for (const kind of storeKinds()) {
  describe(`metrics (${kind})`, () => {
    let t: TestApp;
    const clock = new FakeClock('2026-11-02T00:00:00Z');
    let member: Caller;
    let space: string;
    const token = 'metrics-secret-for-tests';
    before(async () => {
      t = await startTestApp(kind, { clock, env: { SHIPSHAPE_METRICS_TOKEN: token } });
      member = await t.buildMember();
      space = await buildSpace(t);
    });
    after(() => t.close());

    const scrape = async () => {
      const res = await t.request('GET', '/metrics', { headers: { authorization: `Bearer ${token}` } });
      assert.equal(res.status, 200);
      assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
      return res.body as string;
    };

    it('is behind the bearer token when one is set', async () => {
      assert.equal((await t.request('GET', '/metrics')).status, 401);
      assert.equal(
        (await t.request('GET', '/metrics', { headers: { authorization: 'Bearer wrong' } })).status,
        401,
      );
    });

    it('counts requests, bookings, conflicts, notices and outbox state; the counters move', async () => {
      const before = await scrape();
      const body = (start: string, end: string) => ({ spaceId: space, title: 'Drill', start, end });
      const made = await t.request('POST', '/api/v1/bookings', {
        as: member,
        body: body('2026-11-03T10:00:00Z', '2026-11-03T11:00:00Z'),
      });
      assert.equal(made.status, 201);
      const clash = await t.request('POST', '/api/v1/bookings', {
        as: member,
        body: body('2026-11-03T10:30:00Z', '2026-11-03T11:30:00Z'),
      });
      assert.equal(clash.status, 409);
      // Another member's adjacent booking gives the first a notice.
      const other = await t.buildMember();
      await t.request('POST', '/api/v1/bookings', {
        as: other,
        body: body('2026-11-03T11:00:00Z', '2026-11-03T12:00:00Z'),
      });
      await t.request('POST', `/api/v1/bookings/${made.body.id}/cancel`, { as: member, body: {} });

      const waiting = await scrape();
      assert.ok(
        sample(waiting, 'shipshape_outbox_pending', '{outbox="webhook-fanout"}') >= 3,
        'events wait to be fanned out',
      );
      assert.ok(sample(waiting, 'shipshape_outbox_pending', '{outbox="notices"}') >= 3);
      assert.match(waiting, /^shipshape_outbox_lag_seconds\{outbox="notices"\} [0-9.e+-]+$/m);

      await runDelivery(t.db);
      await deliverWebhooks(t.db, clock, { allowPrivate: true });
      const afterText = await scrape();
      const delta = (name: string, labels = '') =>
        sample(afterText, name, labels) - sample(before, name, labels);
      assert.equal(delta('shipshape_bookings_total', '{outcome="created"}'), 2);
      assert.equal(delta('shipshape_bookings_total', '{outcome="cancelled"}'), 1);
      assert.equal(delta('shipshape_bookings_total', '{outcome="conflict"}'), 1);
      assert.ok(delta('shipshape_notices_delivered_total') >= 1, 'notices delivered moved');
      assert.equal(sample(afterText, 'shipshape_outbox_pending', '{outbox="notices"}'), 0);
      assert.equal(sample(afterText, 'shipshape_outbox_pending', '{outbox="webhook-fanout"}'), 0);
      assert.ok(
        delta(
          'shipshape_http_request_duration_seconds_count',
          '{method="POST",route="/api/v1/bookings",status="201"}',
        ) === 2,
      );
      assert.ok(
        delta(
          'shipshape_http_request_duration_seconds_count',
          '{method="POST",route="/api/v1/bookings",status="409"}',
        ) === 1,
      );
      assert.match(afterText, /^shipshape_sse_connections \d+$/m);
      assert.match(afterText, /^shipshape_store_pool_connections\{state="total"\} \d+$/m);
      assert.match(afterText, /^process_resident_memory_bytes \d+/m);
      assert.ok(!afterText.includes('Drill'), 'no booking details in the metrics');
    });
  });
}
