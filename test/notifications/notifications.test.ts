import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { FakeClock } from '../../src/domain/clock.ts';
import { releaseNoShows, sendHeadsUps } from '../../src/features/checkin/service.ts';
import { runDelivery } from '../../src/features/notifications/service.ts';
import { Scheduler } from '../../src/jobs/scheduler.ts';
import { serverTasks } from '../../src/jobs/tasks.ts';
import type { Caller, TestApp } from '../support/app.ts';
import { startTestApp } from '../support/app.ts';
import { at, buildSpace, buildSquad } from '../support/factories.ts';
import { storeKinds } from '../support/store.ts';

const t0 = '2026-11-25T10:00:00.000Z';

async function book(
  t: TestApp,
  as: Caller,
  body: {
    spaceId: string;
    start: string;
    end: string;
    title?: string;
    headcount?: number;
    members?: string[];
    squads?: string[];
  },
) {
  const res = await t.request('POST', '/api/v1/bookings', {
    as,
    body: {
      spaceId: body.spaceId,
      start: body.start,
      end: body.end,
      title: body.title ?? 'Session',
      headcount: body.headcount ?? 1,
      participants: { members: body.members ?? [], squads: body.squads ?? [] },
    },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body as { id: string; status: string; end: string };
}

async function feed(t: TestApp, as: Caller) {
  const res = await t.request('GET', '/api/v1/notifications', { as });
  assert.equal(res.status, 200);
  return res.body as {
    items: { id: string; kind: string; body: string; data: any; read: boolean }[];
    unreadCount: number;
  };
}

for (const kind of storeKinds()) {
  describe(`notifications, check-in and jobs (${kind})`, () => {
    let t: TestApp;
    let clock: FakeClock;
    let a: Caller;
    let b: Caller;
    let c: Caller;
    let d: Caller;
    let squad: string;
    let lounge: string;
    before(async () => {
      clock = new FakeClock(t0);
      t = await startTestApp(kind, { clock, site: { name: 'Vessel', timeZone: 'Europe/Berlin' } });
      a = await t.buildMember({ displayName: 'Aiko' });
      b = await t.buildMember({ displayName: 'Bram' });
      c = await t.buildMember({ displayName: 'Cleo' });
      d = await t.buildMember({ displayName: 'Dov' });
      squad = await buildSquad(t, { name: 'Troopers', leaders: [c.id], members: [d.id] });
      lounge = await buildSpace(t, { name: 'Training lounge', capacity: 12 });
    });
    after(() => t.close());

    it('tells the other booking adjacent in the window: who, how many, from when; once; preferences apply', async () => {
      const pair = await book(t, a, {
        spaceId: lounge,
        start: at(t0, 600),
        end: at(t0, 720),
        members: [b.id],
        headcount: 2,
      });
      await runDelivery(t.db);
      assert.equal((await feed(t, a)).items.length, 0);
      await book(t, c, {
        spaceId: lounge,
        start: at(t0, 730),
        end: at(t0, 820),
        squads: [squad],
        headcount: 6,
        title: 'Drill',
      });
      await runDelivery(t.db);
      await runDelivery(t.db);
      for (const who of [a, b]) {
        const f = await feed(t, who);
        assert.equal(f.items.length, 1, 'one notice, delivered once');
        assert.equal(f.unreadCount, 1);
        const n = f.items[0]!;
        assert.equal(n.kind, 'adjacent-booking');
        assert.equal(n.data.gapMinutes, 10);
        assert.equal(n.data.headcount, 6);
        assert.equal(n.data.position, 'after');
        assert.equal(n.data.organizer.displayName, 'Cleo');
        // 10:00Z + 730 min = 22:10Z, 23:10 in Berlin (UTC+1 in November).
        // The day shows unless the session is on the day of the booking (site time).
        assert.match(
          n.body,
          /Cleo booked Training lounge for 6 people from (\w{3} \d+ \w{3} )?23:10, 10 min after/,
        );
      }
      // The squad's own members are not told about the pair's booking they caused nothing to.
      assert.equal((await feed(t, c)).items.length, 0);
      assert.equal((await feed(t, d)).items.length, 0);

      const read = await t.request('POST', '/api/v1/notifications/read', { as: a, body: { all: true } });
      assert.equal(read.status, 200);
      assert.deepEqual(read.body, { updated: 1, unreadCount: 0 });
      assert.equal((await feed(t, a)).items[0]!.read, true);

      const off = await t.request('PUT', '/api/v1/notifications/preferences', {
        as: b,
        body: { 'adjacent-booking': false },
      });
      assert.equal(off.status, 200);
      assert.equal(off.body['adjacent-booking'], false);
      const bad = await t.request('PUT', '/api/v1/notifications/preferences', {
        as: b,
        body: { nope: true },
      });
      assert.equal(bad.status, 400);
      await book(t, d, { spaceId: lounge, start: at(t0, 560), end: at(t0, 590) });
      await runDelivery(t.db);
      assert.equal((await feed(t, a)).items.length, 2);
      assert.equal((await feed(t, b)).items.length, 1, 'b turned adjacency notices off');
      assert.ok(pair.id);

      // A private booking shows the neighbours only that the space is taken.
      const secret = await t.request('POST', '/api/v1/bookings', {
        as: a,
        body: {
          spaceId: lounge,
          start: at(t0, 830),
          end: at(t0, 860),
          title: 'Secret',
          visibility: 'private',
          headcount: 3,
        },
      });
      assert.equal(secret.status, 201);
      await runDelivery(t.db);
      const toCleo = (await feed(t, c)).items.filter((n) => n.data.otherBookingId === secret.body.id);
      assert.equal(toCleo.length, 1);
      assert.equal(toCleo[0]!.data.organizer, null);
      assert.equal(toCleo[0]!.data.headcount, null);
      assert.match(toCleo[0]!.body, /^Someone booked Training lounge from /);
      assert.doesNotMatch(toCleo[0]!.body, /Aiko|Secret|3 people/);
    });

    it('refuses an early check-in with the time the space frees and tells the holders; check-out frees the slot', async () => {
      const space = await buildSpace(t, { name: 'Ring', capacity: 8, minMinutes: 5 });
      const base = at(t0, 24 * 60);
      const pair = await book(t, a, {
        spaceId: space,
        start: at(base, 60),
        end: at(base, 180),
        members: [b.id],
        headcount: 2,
      });
      const next = await book(t, c, {
        spaceId: space,
        start: at(base, 180),
        end: at(base, 270),
        squads: [squad],
        headcount: 5,
      });
      await runDelivery(t.db);
      const before = (await feed(t, a)).items.length;

      clock.set(at(base, 30));
      const tooEarlyFree = await t.request('POST', `/api/v1/bookings/${pair.id}/check-in`, { as: b });
      assert.equal(tooEarlyFree.status, 409);
      assert.equal(tooEarlyFree.body.code, 'invalid-state');
      clock.set(at(base, 55));
      const inn = await t.request('POST', `/api/v1/bookings/${pair.id}/check-in`, { as: b });
      assert.equal(inn.status, 200, JSON.stringify(inn.body));
      assert.equal(inn.body.status, 'checked_in');

      // Within the next booking's check-in window (10 minutes): refused while the pair hold the space.
      clock.set(at(base, 171));
      const early = await t.request('POST', `/api/v1/bookings/${next.id}/check-in`, { as: d });
      assert.equal(early.status, 409);
      assert.equal(early.headers['content-type'], 'application/problem+json; charset=utf-8');
      assert.equal(early.body.freeAt, at(base, 180));
      assert.deepEqual(early.body.holders, [pair.id]);
      await runDelivery(t.db);
      for (const who of [a, b]) {
        const waiting = (await feed(t, who)).items.filter((n) => n.kind === 'next-group-waiting');
        assert.equal(waiting.length, 1);
        assert.equal(waiting[0]!.data.freeAt, at(base, 180));
      }
      assert.equal((await feed(t, a)).items.length, before + 1);

      clock.set(at(base, 172));
      const out = await t.request('POST', `/api/v1/bookings/${pair.id}/check-out`, { as: a });
      assert.equal(out.status, 200);
      assert.equal(out.body.status, 'completed');
      assert.equal(out.body.end, at(base, 172));
      const inNow = await t.request('POST', `/api/v1/bookings/${next.id}/check-in`, { as: d });
      assert.equal(inNow.status, 200);
      // The freed rest of the slot can be booked at once.
      const rest = await book(t, b, { spaceId: space, start: at(base, 173), end: at(base, 180) });
      assert.equal(rest.status, 'confirmed');
    });

    it('releases no-shows and sends heads-ups once, across a scheduler restart', async () => {
      const space = await buildSpace(t, { name: 'Briefing', capacity: 8 });
      const base = at(t0, 2 * 24 * 60);
      clock.set(base);
      const first = await book(t, a, {
        spaceId: space,
        start: at(base, 60),
        end: at(base, 120),
        members: [b.id],
      });
      const second = await book(t, c, { spaceId: space, start: at(base, 125), end: at(base, 185) });
      const lonely = await book(t, d, { spaceId: space, start: at(base, 300), end: at(base, 360) });

      const tasks = serverTasks(t.db);
      let scheduler = new Scheduler(tasks, { clock });
      clock.set(at(base, 58));
      await t.request('POST', `/api/v1/bookings/${first.id}/check-in`, { as: a });
      clock.set(at(base, 111));
      await scheduler.runDue();
      // Restart: a new scheduler on the same store and clock.
      await scheduler.stop();
      scheduler = new Scheduler(tasks, { clock });
      await scheduler.runDue();
      assert.equal(await sendHeadsUps(t.db, clock.now()), 0, 'the heads-up is not repeated');
      await runDelivery(t.db);
      for (const who of [a, b]) {
        const heads = (await feed(t, who)).items.filter((n) => n.kind === 'heads-up');
        assert.equal(heads.length, 1, JSON.stringify(heads));
        assert.equal(heads[0]!.data.nextBookingId, second.id);
      }

      // Down while the release delays pass: nothing is lost at the next start.
      await scheduler.stop();
      clock.set(at(base, 400));
      scheduler = new Scheduler(tasks, { clock });
      await scheduler.runDue();
      const secondNow = await t.request('GET', `/api/v1/bookings/${second.id}`, { as: c });
      const lonelyNow = await t.request('GET', `/api/v1/bookings/${lonely.id}`, { as: d });
      assert.equal(secondNow.body.status, 'released');
      assert.equal(lonelyNow.body.status, 'released');
      const firstNow = await t.request('GET', `/api/v1/bookings/${first.id}`, { as: a });
      assert.equal(firstNow.body.status, 'completed');
      assert.equal(await releaseNoShows(t.db, clock.now()), 0);
      await runDelivery(t.db);
      const released = (await feed(t, d)).items.filter(
        (n) => n.kind === 'booking-released' && (n as { bookingId?: string }).bookingId === lonely.id,
      );
      assert.equal(released.length, 1);
      const events = await t.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM events WHERE type = 'booking.released' AND subject_id = $1`,
        [lonely.id],
      );
      assert.equal(events.rows[0]!.n, 1);
      // The freed slot can be booked again.
      clock.set(at(base, 250));
      await book(t, a, { spaceId: space, start: at(base, 300), end: at(base, 330) });
      await scheduler.stop();
    });

    it('streams notices over SSE, replaying after Last-Event-ID', async () => {
      const space = await buildSpace(t, { name: 'Cabin', kind: 'cabin', capacity: 2 });
      const base = at(t0, 3 * 24 * 60);
      clock.set(base);
      await book(t, a, { spaceId: space, start: at(base, 60), end: at(base, 120) });
      await t.app.listen({ port: 0, host: '127.0.0.1' });
      const port = (t.app.server.address() as { port: number }).port;
      const chunks: string[] = [];
      let resolveFirst: (text: string) => void;
      const first = new Promise<string>((r) => {
        resolveFirst = r;
      });
      const req = httpRequest({
        host: '127.0.0.1',
        port,
        path: '/api/v1/notifications/stream',
        headers: { authorization: `Bearer ${a.token}`, accept: 'text/event-stream' },
      });
      const response = new Promise<number>((resolve) => {
        req.on('response', (res) => {
          resolve(res.statusCode ?? 0);
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            chunks.push(chunk);
            const all = chunks.join('');
            if (all.includes('event: notification')) resolveFirst(all);
          });
        });
      });
      req.on('error', () => undefined);
      req.end();
      assert.equal(await response, 200);
      // Wait until the stream is subscribed (it says so), then cause a notice.
      while (!chunks.join('').includes(': ready')) await new Promise((r) => setTimeout(r, 10));
      await book(t, c, { spaceId: space, start: at(base, 130), end: at(base, 150), headcount: 2 });
      await runDelivery(t.db);
      const text = await first;
      const m = /id: (\d+)\nevent: notification\ndata: (.*)\n/.exec(text);
      assert.ok(m, text);
      const notice = JSON.parse(m[2]!);
      assert.equal(notice.kind, 'adjacent-booking');
      req.destroy();

      const replay = await t.request('GET', `/api/v1/notifications/stream?after=abc`, { as: a });
      assert.equal(replay.status, 400);
      const last = Number(m[1]) - 1;
      const again = await new Promise<string>((resolve) => {
        const r2 = httpRequest({
          host: '127.0.0.1',
          port,
          path: '/api/v1/notifications/stream',
          headers: { authorization: `Bearer ${a.token}`, 'last-event-id': String(last) },
        });
        r2.on('response', (res) => {
          res.setEncoding('utf8');
          let all = '';
          res.on('data', (chunk: string) => {
            all += chunk;
            if (all.includes(': ready')) {
              resolve(all);
              r2.destroy();
            }
          });
        });
        r2.on('error', () => undefined);
        r2.end();
      });
      assert.match(again, new RegExp(`id: ${m[1]}\\nevent: notification`));
    });
  });
}
