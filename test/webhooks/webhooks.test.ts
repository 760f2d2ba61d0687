import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeClock } from '../../src/domain/clock.ts';
import { insertEvent } from '../../src/features/events/repository.ts';
import { sendSigned } from '../../src/features/webhooks/sender.ts';
import { createEndpoint, deliverWebhooks, retrySchedule } from '../../src/features/webhooks/service.ts';
import type { Caller, TestApp } from '../support/app.ts';
import { startTestApp } from '../support/app.ts';
import { at, buildSpace } from '../support/factories.ts';
import { storeKinds } from '../support/store.ts';
import { Receiver } from './receiver.ts';

for (const kind of storeKinds()) {
  describe(`webhooks (${kind})`, () => {
    let t: TestApp;
    const clock = new FakeClock('2026-11-02T00:00:00Z');
    let member: Caller;
    let space: string;
    let secret = '';
    let endpointId = '';
    const receiver = new Receiver(() => secret);
    const deliver = () =>
      deliverWebhooks(t.db, clock, { allowPrivate: true, random: () => 0.5, timeoutMs: 5000 });
    let slot = 0;
    const book = async (extra: Record<string, unknown> = {}) => {
      slot += 1;
      const start = at('2026-11-03T00:00:00Z', slot * 60);
      const res = await t.request('POST', '/api/v1/bookings', {
        as: member,
        body: { spaceId: space, title: `Session ${slot}`, start, end: at(start, 30), ...extra },
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body as { id: string };
    };

    before(async () => {
      t = await startTestApp(kind, { clock, env: { SHIPSHAPE_WEBHOOK_ALLOW_PRIVATE: 'true' } });
      member = await t.buildMember({ displayName: 'Mara' });
      space = await buildSpace(t, { name: 'Galley' });
      await receiver.start();
    });
    after(async () => {
      await receiver.stop();
      await t.close();
    });

    it('lets only admins register endpoints, and refuses bad input naming the field', async () => {
      const denied = await t.request('POST', '/api/v1/webhooks', { as: member, body: { url: receiver.url } });
      assert.equal(denied.status, 403);
      const bad = await t.request('POST', '/api/v1/webhooks', {
        as: t.admin,
        body: { url: 'ftp://galley.example/x' },
      });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.field, 'body.url');
      const badType = await t.request('POST', '/api/v1/webhooks', {
        as: t.admin,
        body: { url: receiver.url, eventTypes: ['member.created'] },
      });
      assert.equal(badType.status, 400);
      assert.equal(badType.body.field, 'body.eventTypes.0');
      // Without the allowance, private and loopback targets are refused, at registration and at send time.
      const ctx = { db: t.db, clock, actor: t.admin.actor };
      await assert.rejects(
        createEndpoint(ctx, false, { url: 'http://127.0.0.1:9/x' }),
        (err: any) => err.extras.field === 'body.url',
      );
      await assert.rejects(
        createEndpoint(ctx, false, { url: 'http://[::1]/x' }),
        (err: any) => err.extras.field === 'body.url',
      );
      const refused = await sendSigned(
        receiver.url,
        'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
        'msg_1',
        '{}',
        {
          allowPrivate: false,
          timeoutMs: 1000,
        },
      );
      assert.match(String(refused.error), /refused/);
      assert.equal(receiver.received.length + receiver.rejected.length, 0, 'nothing reached the receiver');
      const count = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM webhook_endpoints');
      assert.equal(count.rows[0]!.n, 0, 'nothing was registered');

      const made = await t.request('POST', '/api/v1/webhooks', {
        as: t.admin,
        body: { url: receiver.url, eventTypes: ['booking.*'], description: 'Galley' },
      });
      assert.equal(made.status, 201, JSON.stringify(made.body));
      assert.match(made.body.secret, /^whsec_/);
      secret = made.body.secret;
      endpointId = made.body.endpoint.id;
      const listed = await t.request('GET', '/api/v1/webhooks', { as: t.admin });
      assert.ok(!JSON.stringify(listed.body).includes(secret), 'the secret is shown only once');
    });

    it('delivers signed, thin messages in event order, with private bookings as an admin sees them', async () => {
      const a = await book();
      const b = await book({ visibility: 'private', title: 'Private talk' });
      const cancel = await t.request('POST', `/api/v1/bookings/${a.id}/cancel`, { as: member, body: {} });
      assert.equal(cancel.status, 200);
      await deliver();
      assert.equal(receiver.rejected.length, 0, receiver.rejected.join('\n'));
      const got = receiver.received.map((m) => [m.body.type, m.body.data.booking.id]);
      assert.deepEqual(got, [
        ['booking.created', a.id],
        ['booking.created', b.id],
        ['booking.cancelled', a.id],
      ]);
      const first = receiver.received[0]!;
      assert.match(first.id, /^msg_\d+$/);
      assert.equal(first.body.data.version, 1);
      assert.equal(first.body.data.siteId, t.siteId);
      assert.ok(first.body.data.eventId && first.body.timestamp);
      assert.equal(
        receiver.received[1]!.body.data.booking.title,
        'Private talk',
        'as the API shows it to an admin',
      );
      assert.equal(new Set(receiver.received.map((m) => m.id)).size, 3);
      const times = receiver.received.map((m) => Date.parse(m.body.timestamp));
      assert.deepEqual(
        times,
        [...times].sort((x, y) => x - y),
        'ordered by event time',
      );
      await deliver();
      assert.equal(receiver.received.length, 3, 'nothing is sent twice');
    });

    it('retries with backoff, and a receiver down for a while gets everything after', async () => {
      receiver.received = [];
      receiver.mode = 'down';
      const made = [await book(), await book(), await book()];
      await deliver();
      const log1 = await t.request('GET', `/api/v1/webhooks/${endpointId}/deliveries`, { as: t.admin });
      const failing = log1.body.items.filter((d: any) => d.status === 'pending');
      assert.equal(failing.length, 3);
      const head = failing[failing.length - 1];
      assert.equal(head.attempts, 1, 'the head was tried once');
      assert.equal(head.lastStatus, 503);
      assert.equal(typeof head.lastResponseMs, 'number');
      assert.equal(failing[0].attempts, 0, 'later ones wait behind the head (order is kept)');
      assert.equal(Date.parse(head.nextAttemptAt) - clock.now().getTime(), retrySchedule[0]! * 1000);
      clock.advance(retrySchedule[0]! * 1000);
      await deliver();
      clock.advance(retrySchedule[1]! * 1000);
      receiver.mode = 'ok';
      await deliver();
      assert.deepEqual(
        receiver.received.map((m) => m.body.data.booking.id),
        made.map((b) => b.id),
      );
      const log2 = await t.request('GET', `/api/v1/webhooks/${endpointId}/deliveries`, { as: t.admin });
      const headNow = log2.body.items.find((d: any) => d.id === head.id);
      assert.equal(headNow.status, 'delivered');
      assert.equal(headNow.attempts, 3);
      const attempts = await t.db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM webhook_attempts WHERE delivery_id = $1',
        [head.id],
      );
      assert.equal(attempts.rows[0]!.n, 3);
    });

    it('sends a delivery again on request, with the same webhook-id', async () => {
      const log = await t.request('GET', `/api/v1/webhooks/${endpointId}/deliveries?limit=1`, {
        as: t.admin,
      });
      const d = log.body.items[0];
      receiver.received = [];
      const again = await t.request('POST', `/api/v1/webhooks/${endpointId}/deliveries/${d.id}/resend`, {
        as: t.admin,
        body: {},
      });
      assert.equal(again.status, 200, JSON.stringify(again.body));
      await deliver();
      assert.deepEqual(
        receiver.received.map((m) => m.id),
        [d.messageId],
      );
      const missing = await t.request('POST', `/api/v1/webhooks/${endpointId}/deliveries/999999/resend`, {
        as: t.admin,
        body: {},
      });
      assert.equal(missing.status, 404);
      assert.equal(missing.body.field, 'path.deliveryId');
    });

    it('two deliverers at once send each event exactly once', async () => {
      receiver.received = [];
      const ids: string[] = [];
      for (let i = 0; i < 30; i++) ids.push((await book()).id);
      await Promise.all([deliver(), deliver(), deliver()]);
      await deliver();
      const got = receiver.received.map((m) => m.body.data.booking.id);
      assert.deepEqual(got, ids, 'each once, in order');
      assert.equal(new Set(receiver.received.map((m) => m.id)).size, 30);
    });

    it('turns off an endpoint that answers 410, and tells the admins', async () => {
      receiver.mode = 'gone';
      await book();
      await deliver();
      const ep = await t.request('GET', `/api/v1/webhooks/${endpointId}`, { as: t.admin });
      assert.equal(ep.body.enabled, false);
      assert.match(ep.body.disabledReason, /410/);
      const notices = await t.request('GET', '/api/v1/notifications', { as: t.admin });
      assert.ok(
        notices.body.items.some(
          (n: any) => n.kind === 'webhook-disabled' && n.data.endpointId === endpointId,
        ),
      );
      const memberNotices = await t.request('GET', '/api/v1/notifications', { as: member });
      assert.ok(
        !memberNotices.body.items.some((n: any) => n.kind === 'webhook-disabled'),
        'members are not told',
      );
      // Turned on again (If-Match with its ETag), it gets what waited.
      receiver.mode = 'ok';
      receiver.received = [];
      const on = await t.request('PATCH', `/api/v1/webhooks/${endpointId}`, {
        as: t.admin,
        headers: { 'if-match': String(ep.headers.etag) },
        body: { enabled: true },
      });
      assert.equal(on.status, 200, JSON.stringify(on.body));
      await deliver();
      assert.equal(receiver.received.length, 1);
    });

    it('gives up after about a day of failures and turns the endpoint off', async () => {
      receiver.mode = 'down';
      await book();
      await deliver();
      for (const seconds of retrySchedule) {
        clock.advance(seconds * 1000);
        await deliver();
      }
      const ep = await t.request('GET', `/api/v1/webhooks/${endpointId}`, { as: t.admin });
      assert.equal(ep.body.enabled, false);
      assert.match(ep.body.disabledReason, /kept failing/);
      const log = await t.request('GET', `/api/v1/webhooks/${endpointId}/deliveries?limit=1`, {
        as: t.admin,
      });
      assert.equal(log.body.items[0].status, 'failed', JSON.stringify(log.body.items));
      assert.equal(log.body.items[0].attempts, retrySchedule.length + 1);
      const total = retrySchedule.reduce((s, x) => s + x, 0) / 3600;
      assert.ok(total > 20 && total < 30, `retries span about a day (${total} h)`);
    });

    it('names the event types an endpoint can ask for, each accepted, to admins only', async () => {
      const denied = await t.request('GET', '/api/v1/webhooks/event-types', { as: member });
      assert.equal(denied.status, 403);
      const res = await t.request('GET', '/api/v1/webhooks/event-types', { as: t.admin });
      assert.equal(res.status, 200);
      const types = (res.body.items as { type: string; description: string }[]).map((x) => x.type);
      for (const expected of ['booking.*', 'booking.created', 'booking.cancelled', 'series.created'])
        assert.ok(types.includes(expected), expected);
      assert.ok((res.body.items as { description: string }[]).every((x) => x.description.length > 0));
      // Every type offered is one the endpoint's validation takes (checked without saving a change).
      const ep = await t.request('GET', `/api/v1/webhooks/${endpointId}`, { as: t.admin });
      const wrongVersion = await t.request('PATCH', `/api/v1/webhooks/${endpointId}`, {
        as: t.admin,
        headers: { 'if-match': `"${ep.body.version + 100}"` },
        body: { eventTypes: types },
      });
      assert.equal(wrongVersion.status, 412, JSON.stringify(wrongVersion.body));
    });

    it('wakes the senders when an event commits, and not when it rolls back', async () => {
      let woken = 0;
      const stop = await t.db.listen('shipshape_webhooks', () => {
        woken += 1;
      });
      try {
        const until = Date.now() + 5000;
        await book();
        while (woken === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
        assert.ok(woken >= 1, 'the committed booking wakes the senders');
        await new Promise((r) => setTimeout(r, 100));
        const seen = woken;
        await assert.rejects(
          t.db.transaction(async (tx) => {
            await insertEvent(tx, {
              siteId: t.admin.actor.siteId,
              actorId: null,
              type: 'webhook.updated',
              subjectType: 'webhook',
              subjectId: null,
            });
            throw new Error('rolled back');
          }),
          /rolled back/,
        );
        await new Promise((r) => setTimeout(r, 300));
        assert.equal(woken, seen, 'a rolled-back event wakes nobody');
      } finally {
        await stop();
      }
    });
  });
}
