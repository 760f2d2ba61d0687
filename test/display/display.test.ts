import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeClock } from '../../src/domain/clock.ts';
import { type Caller, startTestApp, type TestApp } from '../support/app.ts';
import { buildSpace } from '../support/factories.ts';
import { storeKinds } from '../support/store.ts';

/** Reads Server-Sent Events from a fetch body, one { event, data } at a time. */
function sseReader(body: ReadableStream<Uint8Array>) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  return async function next(): Promise<{ event: string; data: any }> {
    for (;;) {
      const cut = buffer.indexOf('\n\n');
      if (cut >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event && data) return { event, data: JSON.parse(data) };
        continue;
      }
      const { value, done } = await reader.read();
      if (done) throw new Error('stream ended');
      buffer += decoder.decode(value, { stream: true });
    }
  };
}

for (const kind of storeKinds()) {
  describe(`room display (${kind})`, () => {
    let t: TestApp;
    let clock: FakeClock;
    let alice: Caller;
    let bob: Caller;
    let space: string;
    let token: string;
    let linkId: string;
    before(async () => {
      clock = new FakeClock('2026-06-02T09:00:00Z');
      t = await startTestApp(kind, { clock, site: { timeZone: 'Australia/Adelaide' } });
      alice = await t.buildMember({ displayName: 'Alice Able' });
      bob = await t.buildMember({ displayName: 'Bob Bland' });
      space = await buildSpace(t, { name: 'Lounge', changeoverMinutes: 10 });
    });
    after(() => t.close());

    const book = async (as: Caller, start: string, end: string, extra = {}) => {
      const res = await t.request('POST', '/api/v1/bookings', {
        as,
        body: { spaceId: space, start, end, title: 'Morning drill', ...extra },
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body.id as string;
    };
    const show = (tok = token) => t.request('GET', `/api/v1/display/${tok}`, { as: '' });

    it('admins make a display link; members may not', async () => {
      const refused = await t.request('POST', `/api/v1/spaces/${space}/display-links`, { as: alice });
      assert.equal(refused.status, 403);
      const res = await t.request('POST', `/api/v1/spaces/${space}/display-links`, { as: t.admin });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      token = res.body.token;
      linkId = res.body.link.id;
      assert.match(res.body.url, /\/display\/sd_[A-Za-z0-9_-]{43}$/);
      const stored = await t.db.query<{ token_hash: string }>('SELECT token_hash FROM display_links');
      assert.ok(
        stored.rows.every((r) => r.token_hash !== token),
        'only the hash is stored',
      );
      const listed = await t.request('GET', '/api/v1/display-links', { as: t.admin });
      assert.deepEqual(
        listed.body.items.map((l: any) => [l.id, l.spaceName]),
        [[linkId, 'Lounge']],
      );
      assert.equal((await t.request('GET', '/api/v1/display-links', { as: alice })).status, 403);
    });

    it('shows free, the next sessions today, and a private session only as Busy, without a login', async () => {
      // 18:30 local (+09:30) on Tuesday 2026-06-02.
      await book(alice, '2026-06-02T10:00:00Z', '2026-06-02T11:00:00Z');
      await book(bob, '2026-06-02T11:10:00Z', '2026-06-02T12:00:00Z', {
        title: 'Secret sparring',
        visibility: 'private',
      });
      await book(alice, '2026-06-03T10:00:00Z', '2026-06-03T11:00:00Z', { title: 'Tomorrow' });
      const res = await show();
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(res.body, {
        space: { id: space, name: 'Lounge' },
        timeZone: 'Australia/Adelaide',
        now: '2026-06-02T09:00:00.000Z',
        status: 'free',
        current: null,
        next: [
          {
            title: 'Morning drill',
            start: '2026-06-02T10:00:00.000Z',
            end: '2026-06-02T11:00:00.000Z',
            checkedIn: false,
          },
          {
            title: 'Busy',
            start: '2026-06-02T11:10:00.000Z',
            end: '2026-06-02T12:00:00.000Z',
            checkedIn: false,
          },
        ],
        freeAt: null,
        freeUntil: '2026-06-02T10:00:00.000Z',
        checkInOpen: false,
      });
      assert.ok(!JSON.stringify(res.body).includes('Secret'), 'the display is an uninvolved viewer');
      assert.ok(!JSON.stringify(res.body).includes('Bob'));
    });

    it('is busy during a session and frees after back-to-back sessions and their changeovers', async () => {
      clock.set('2026-06-02T10:30:00Z');
      const res = await show();
      assert.equal(res.body.status, 'busy');
      assert.equal(res.body.current.title, 'Morning drill');
      // 11:00 + 10 min changeover = 11:10, when the private one starts; it ends 12:00 + 10.
      assert.equal(res.body.freeAt, '2026-06-02T12:10:00.000Z');
      assert.equal(res.body.freeUntil, null);
      clock.set('2026-06-02T11:20:00Z');
      const priv = await show();
      assert.deepEqual(priv.body.current, {
        title: 'Busy',
        start: '2026-06-02T11:10:00.000Z',
        end: '2026-06-02T12:00:00.000Z',
        checkedIn: false,
      });
    });

    it("gives the check-in code to the booking's people only, and checks in with it at the display", async () => {
      clock.set('2026-06-02T12:30:00Z');
      const id = await book(alice, '2026-06-02T13:00:00Z', '2026-06-02T14:00:00Z', {
        participants: { members: [bob.id] },
      });
      const own = await t.request('GET', `/api/v1/bookings/${id}`, { as: alice });
      const code = own.body.checkinCode as string;
      assert.match(code, /^[0-9]{6}$/);
      assert.equal((await t.request('GET', `/api/v1/bookings/${id}`, { as: bob })).body.checkinCode, code);
      const carol = await t.buildMember();
      assert.equal(
        (await t.request('GET', `/api/v1/bookings/${id}`, { as: carol })).body.checkinCode,
        undefined,
      );
      assert.equal(
        (await t.request('GET', `/api/v1/bookings/${id}`, { as: t.admin })).body.checkinCode,
        undefined,
      );
      const listed = await t.request(
        'GET',
        `/api/v1/bookings?space=${space}&from=2026-06-02T12:00:00Z&to=2026-06-02T15:00:00Z`,
        {
          as: carol,
        },
      );
      assert.ok(!JSON.stringify(listed.body).includes(code));

      // Before the check-in window (10 minutes before the start) the code opens nothing.
      const early = await t.request('POST', `/api/v1/display/${token}/check-in`, { as: '', body: { code } });
      assert.equal(early.status, 404);
      assert.equal(early.body.field, 'body.code');
      clock.set('2026-06-02T12:55:00Z');
      assert.equal((await show()).body.checkInOpen, true);
      const wrong = await t.request('POST', `/api/v1/display/${token}/check-in`, {
        as: '',
        body: { code: code === '000000' ? '000001' : '000000' },
      });
      assert.equal(wrong.status, 404);
      const malformed = await t.request('POST', `/api/v1/display/${token}/check-in`, {
        as: '',
        body: { code: '12' },
      });
      assert.equal(malformed.status, 400);
      assert.equal(malformed.body.field, 'body.code');
      const ok = await t.request('POST', `/api/v1/display/${token}/check-in`, { as: '', body: { code } });
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      assert.equal(ok.body.session.checkedIn, true);
      assert.equal(
        (await t.request('GET', `/api/v1/bookings/${id}`, { as: alice })).body.status,
        'checked_in',
      );
      const events = await t.db.query<{ actor_id: string }>(
        `SELECT actor_id FROM events WHERE subject_id = $1 AND type = 'booking.checked-in'`,
        [id],
      );
      assert.deepEqual(
        events.rows.map((r) => r.actor_id),
        [alice.id],
      );
    });

    it('books now for 30 minutes with a member code, when the room is free', async () => {
      const mine = await t.request('GET', '/api/v1/me/display-code', { as: bob });
      assert.equal(mine.status, 200);
      const memberCode = mine.body.code as string;
      assert.match(memberCode, /^[0-9]{8}$/);
      const post = (body: unknown) => t.request('POST', `/api/v1/display/${token}/book`, { as: '', body });
      // 12:55: the checked-in session holds the room.
      const held = await post({ memberCode });
      assert.equal(held.status, 409, JSON.stringify(held.body));
      assert.deepEqual(held.body, { booked: false, reason: 'The room is not free for the next 30 minutes' });
      const malformed = await post({ memberCode: '12' });
      assert.equal(malformed.status, 400);
      assert.equal(malformed.body.field, 'body.memberCode');
      const unknown = await post({ memberCode: memberCode === '00000000' ? '00000001' : '00000000' });
      assert.equal(unknown.status, 404);
      assert.equal(unknown.body.field, 'body.memberCode');
      clock.set('2026-06-02T15:00:00Z');
      const booked = await post({ memberCode });
      assert.equal(booked.status, 201, JSON.stringify(booked.body));
      assert.deepEqual(booked.body.session, {
        title: 'Booked at the door',
        start: '2026-06-02T15:00:00.000Z',
        end: '2026-06-02T15:30:00.000Z',
        checkedIn: false,
      });
      const hers = await t.request(
        'GET',
        `/api/v1/bookings?member=${bob.id}&from=2026-06-02T15:00:00Z&to=2026-06-02T16:00:00Z`,
        {
          as: bob,
        },
      );
      assert.deepEqual(
        hers.body.items.map((b: any) => [b.organizer.id, b.start]),
        [[bob.id, '2026-06-02T15:00:00.000Z']],
      );
      clock.set('2026-06-02T12:55:00Z');
    });

    it('streams the state live, and ends the stream and the page when the link is revoked', {
      timeout: 120_000,
    }, async () => {
      const url = await t.app.listen({ port: 0, host: '127.0.0.1' });
      const res = await fetch(`${url}/api/v1/display/${token}/stream`);
      assert.equal(res.status, 200);
      const next = sseReader(res.body!);
      const first = await next();
      assert.equal(first.event, 'state');
      assert.equal(first.data.current.checkedIn, true);
      // 23:40 local: still today.
      await book(alice, '2026-06-02T14:10:00Z', '2026-06-02T14:25:00Z', { title: 'Evening drill' });
      let changed = await next();
      while (!changed.data.next.some((s: any) => s.title === 'Evening drill')) changed = await next();
      assert.equal(changed.event, 'state');
      assert.equal(
        (await t.request('DELETE', `/api/v1/display-links/${linkId}`, { as: t.admin })).status,
        204,
      );
      let last = await next();
      while (last.event !== 'end') last = await next();
      assert.deepEqual(last.data, { reason: 'revoked' });
      assert.equal((await show()).status, 404);
      assert.equal((await fetch(`${url}/api/v1/display/${token}/stream`)).status, 404);
      assert.equal((await show('sd_nonsense')).status, 404);
    });
  });
}
