import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeClock } from '../../src/domain/clock.ts';
import { releaseNoShows } from '../../src/features/checkin/service.ts';
import { runDelivery } from '../../src/features/notifications/service.ts';
import { serveWaitlists } from '../../src/features/waitlist/service.ts';
import { serverTasks } from '../../src/jobs/tasks.ts';
import { type Caller, startTestApp, type TestApp } from '../support/app.ts';
import { at, buildSpace, buildSquad } from '../support/factories.ts';
import { storeKinds } from '../support/store.ts';

const now = '2026-06-01T00:00:00Z';
const day = '2026-06-04T00:00:00Z';

for (const kind of storeKinds()) {
  describe(`waitlists (${kind})`, () => {
    let t: TestApp;
    let clock: FakeClock;
    let bob: Caller;
    let wen: Caller;
    let xia: Caller;

    const book = (as: Caller, space: string, from: number, to: number, extra: Record<string, unknown> = {}) =>
      t.request('POST', '/api/v1/bookings', {
        as,
        body: { spaceId: space, title: 'Secret sparring', start: at(day, from), end: at(day, to), ...extra },
      });
    const join = (as: Caller, body: Record<string, unknown>) =>
      t.request('POST', '/api/v1/waitlist', { as, body: { title: 'Waiting drill', ...body } });
    const cancel = (as: Caller, id: string) => t.request('POST', `/api/v1/bookings/${id}/cancel`, { as });
    const mine = async (as: Caller) => (await t.request('GET', '/api/v1/waitlist', { as })).body.items;
    const serve = () => serveWaitlists(t.db, clock);

    before(async () => {
      clock = new FakeClock(now);
      t = await startTestApp(kind, { clock });
      bob = await t.buildMember({ displayName: 'Bob' });
      wen = await t.buildMember({ displayName: 'Wen' });
      xia = await t.buildMember({ displayName: 'Xia' });
    });
    after(() => t.close());

    it('refuses bad requests with the field named, and a free slot', async () => {
      const space = await buildSpace(t);
      const backwards = await join(wen, { spaceId: space, start: at(day, 60), end: at(day, 0) });
      assert.equal(backwards.status, 400);
      assert.equal(backwards.body.field, 'body.end');
      const tooLong = await join(wen, {
        spaceId: space,
        start: at(day, 0),
        end: at(day, 60),
        lengthMinutes: 90,
      });
      assert.equal(tooLong.status, 400);
      assert.equal(tooLong.body.field, 'body.lengthMinutes');
      const free = await join(wen, { spaceId: space, start: at(day, 0), end: at(day, 60) });
      assert.equal(free.status, 409);
      const squad = await buildSquad(t, { members: [wen.id] });
      await book(bob, space, 0, 60);
      const notLeader = await join(wen, {
        spaceId: space,
        start: at(day, 0),
        end: at(day, 60),
        squadId: squad,
      });
      assert.equal(notLeader.status, 403);
      assert.equal(notLeader.body.field, 'body.squadId');
      assert.equal((await mine(wen)).length, 0);
    });

    it('a freed exact slot is booked for the first in line; the next keeps a place; privacy of the slot', async () => {
      const space = await buildSpace(t);
      const held = await book(bob, space, 120, 180, { visibility: 'private' });
      assert.equal(held.status, 201);
      const w = await join(wen, { spaceId: space, start: at(day, 120), end: at(day, 180) });
      assert.equal(w.status, 201);
      assert.equal(w.body.position, 1);
      assert.equal(w.body.autoBook, true);
      const x = await join(xia, { spaceId: space, start: at(day, 120), end: at(day, 180) });
      assert.equal(x.body.position, 2);
      // The waiter learns nothing of the private session in the way.
      const seen = JSON.stringify([w.body, x.body, await mine(wen)]);
      assert.doesNotMatch(seen, /Secret sparring|Bob/);
      assert.doesNotMatch(seen, new RegExp(held.body.id));

      assert.equal((await cancel(bob, held.body.id)).status, 200);
      await serve();
      const [wenEntry] = await mine(wen);
      assert.equal(wenEntry.status, 'booked');
      const booking = await t.request('GET', `/api/v1/bookings/${wenEntry.bookingId}`, { as: wen });
      assert.equal(booking.body.organizer.id, wen.id);
      assert.equal(booking.body.start, new Date(at(day, 120)).toISOString());
      const [xiaEntry] = await mine(xia);
      assert.equal(xiaEntry.status, 'waiting');
      assert.equal(xiaEntry.position, 1);

      await runDelivery(t.db, () => clock.now());
      const notices = (await t.request('GET', '/api/v1/notifications', { as: wen })).body.items;
      const n = notices.find((x: { kind: string }) => x.kind === 'waitlist-booked');
      assert.ok(n, 'Wen is told she was booked from the waitlist');
      assert.doesNotMatch(JSON.stringify(notices), /Secret sparring|Bob/);
      // Turned off, the kind gives no notice (preferences are obeyed).
      const xiaPrefs = await t.request('PUT', '/api/v1/notifications/preferences', {
        as: xia,
        body: { 'waitlist-booked': false },
      });
      assert.ok(xiaPrefs.status < 300, JSON.stringify(xiaPrefs.body));
      await cancel(wen, wenEntry.bookingId);
      await serve();
      assert.equal((await mine(xia))[0].status, 'booked');
      await runDelivery(t.db, () => clock.now());
      const xiaNotices = (await t.request('GET', '/api/v1/notifications', { as: xia })).body.items;
      assert.equal(xiaNotices.filter((x: { kind: string }) => x.kind === 'waitlist-booked').length, 0);
    });

    it('a range request is offered with a hold; accepted it stays, unaccepted it passes to the next', async () => {
      const space = await buildSpace(t, { changeoverMinutes: 10 });
      // The hold is a site setting (admins).
      const bad = await t.request('PATCH', '/api/v1/site', { as: t.admin, body: { waitlistHoldMinutes: 0 } });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.field, 'body.waitlistHoldMinutes');
      const hold = await t.request('PATCH', '/api/v1/site', {
        as: t.admin,
        body: { waitlistHoldMinutes: 20 },
      });
      assert.equal(hold.body.waitlistHoldMinutes, 20);
      const a = await book(bob, space, 300, 360);
      const b = await book(bob, space, 370, 430);
      const wOffer = await join(wen, {
        spaceId: space,
        start: at(day, 300),
        end: at(day, 430),
        lengthMinutes: 45,
      });
      assert.equal(wOffer.status, 201);
      assert.equal(wOffer.body.autoBook, false);
      const xOffer = await join(xia, {
        spaceId: space,
        start: at(day, 300),
        end: at(day, 430),
        lengthMinutes: 45,
      });
      assert.equal(xOffer.body.position, 2);
      await cancel(bob, a.body.id);
      await serve();
      const offered = (await mine(wen)).find((e: { id: string }) => e.id === wOffer.body.id);
      assert.equal(offered.status, 'offered');
      assert.equal(offered.offerExpiresAt, new Date(clock.now().getTime() + 20 * 60_000).toISOString());
      const slot = await t.request('GET', `/api/v1/bookings/${offered.bookingId}`, { as: wen });
      assert.equal(slot.body.start, new Date(at(day, 300)).toISOString());
      assert.equal(slot.body.end, new Date(at(day, 345)).toISOString());
      // Wen lets it run out: it passes to Xia.
      clock.advance(21 * 60_000);
      await serve();
      const gone = (await mine(wen)).find((e: { id: string }) => e.id === wOffer.body.id);
      assert.equal(gone.status, 'expired');
      assert.equal(
        (await t.request('GET', `/api/v1/bookings/${offered.bookingId}`, { as: wen })).body.status,
        'cancelled',
      );
      const xiaOffer = (await mine(xia)).find((e: { id: string }) => e.id === xOffer.body.id);
      assert.equal(xiaOffer.status, 'offered');
      // Wen is told the hold ran out; Xia, who did nothing with Wen's slot, hears only of her own offer.
      await runDelivery(t.db, () => clock.now());
      const wenNotices = (await t.request('GET', '/api/v1/notifications', { as: wen })).body.items;
      const ranOut = wenNotices.filter((x: { title: string }) => x.title.includes('ran out'));
      assert.equal(ranOut.length, 1, JSON.stringify(wenNotices));
      assert.equal(ranOut[0].kind, 'waitlist-offer');
      assert.equal(ranOut[0].data.entryId, wOffer.body.id);
      assert.match(ranOut[0].body, /not accepted in time and has passed to the next in line/);
      const xiaNotices = (await t.request('GET', '/api/v1/notifications', { as: xia })).body.items;
      assert.equal(xiaNotices.filter((x: { title: string }) => x.title.includes('ran out')).length, 0);
      assert.equal(xiaNotices.filter((x: { kind: string }) => x.kind === 'waitlist-offer').length, 1);
      const accepted = await t.request('POST', `/api/v1/waitlist/${xOffer.body.id}/accept`, { as: xia });
      assert.equal(accepted.status, 200);
      assert.equal(accepted.body.status, 'booked');
      // Someone else's entry is not found; a closed one cannot be left.
      assert.equal(
        (await t.request('POST', `/api/v1/waitlist/${xOffer.body.id}/leave`, { as: wen })).status,
        404,
      );
      assert.equal(
        (await t.request('POST', `/api/v1/waitlist/${xOffer.body.id}/leave`, { as: xia })).status,
        409,
      );
      void b;
    });

    it('a move away and a no-show release free the slot too', async () => {
      const space = await buildSpace(t);
      const elsewhere = await buildSpace(t);
      const held = await book(bob, space, 1500, 1560);
      const w = await join(wen, { spaceId: space, start: at(day, 1500), end: at(day, 1560) });
      const moved = await t.request('POST', `/api/v1/bookings/${held.body.id}/move`, {
        as: bob,
        body: { spaceId: elsewhere },
      });
      assert.equal(moved.status, 200);
      await serve();
      assert.equal((await mine(wen)).find((e: { id: string }) => e.id === w.body.id).status, 'booked');
      // Bob's session now in `elsewhere` is released as a no-show: Xia, waiting for it, gets it.
      // Xia waits for any half hour of it; the rest of the slot is hers once it is released.
      const x = await join(xia, {
        spaceId: elsewhere,
        start: at(day, 1500),
        end: at(day, 1560),
        lengthMinutes: 30,
        autoBook: true,
      });
      assert.equal(x.status, 201);
      clock.set(at(day, 1500 + 20));
      assert.ok((await releaseNoShows(t.db, clock.now())) >= 1);
      await serve();
      const xEntry = (await mine(xia)).find((e: { id: string }) => e.id === x.body.id);
      assert.equal(xEntry.status, 'booked');
      const got = await t.request('GET', `/api/v1/bookings/${xEntry.bookingId}`, { as: xia });
      assert.equal(got.body.start, new Date(at(day, 1520)).toISOString());
      clock.set(now);
    });

    it('the serve-waitlists task is due at once after a free, and again when the hold runs out', async () => {
      const task = serverTasks(t.db).find((x) => x.name === 'serve-waitlists')!;
      const until = new Date(clock.now().getTime() + 3_600_000);
      const space = await buildSpace(t);
      const held = await book(bob, space, 2000, 2060);
      const w = await join(wen, {
        spaceId: space,
        start: at(day, 2000),
        end: at(day, 2060),
        autoBook: false,
      });
      assert.equal(await task.nextDue!(clock.now(), until), null);
      await cancel(bob, held.body.id);
      assert.equal((await task.nextDue!(clock.now(), until))?.getTime(), clock.now().getTime());
      await task.run(clock.now());
      const offer = (await mine(wen)).find((e: { id: string }) => e.id === w.body.id);
      assert.equal(offer.status, 'offered');
      assert.equal((await task.nextDue!(clock.now(), until))?.toISOString(), offer.offerExpiresAt);
      clock.set(offer.offerExpiresAt);
      await task.run(clock.now());
      assert.equal((await mine(wen)).find((e: { id: string }) => e.id === w.body.id).status, 'expired');
      // A waiting entry whose time passes leaves the line when it ends.
      const held2 = await book(bob, space, 2100, 2160);
      const x = await join(xia, { spaceId: space, start: at(day, 2100), end: at(day, 2160) });
      assert.equal(
        (await task.nextDue!(clock.now(), new Date(at(day, 3000))))?.toISOString(),
        new Date(at(day, 2160)).toISOString(),
      );
      clock.set(at(day, 2160));
      await task.run(clock.now());
      assert.equal((await mine(xia)).find((e: { id: string }) => e.id === x.body.id).status, 'expired');
      void held2;
      clock.set(now);
    });

    it('leaving the line gives the place up', async () => {
      const space = await buildSpace(t);
      const held = await book(bob, space, 500, 560);
      const w = await join(wen, { spaceId: space, start: at(day, 500), end: at(day, 560) });
      const x = await join(xia, { spaceId: space, start: at(day, 500), end: at(day, 560) });
      const left = await t.request('POST', `/api/v1/waitlist/${w.body.id}/leave`, { as: wen });
      assert.equal(left.body.status, 'left');
      assert.equal((await mine(xia)).find((e: { id: string }) => e.id === x.body.id).position, 1);
      await cancel(bob, held.body.id);
      await serve();
      assert.equal((await mine(xia)).find((e: { id: string }) => e.id === x.body.id).status, 'booked');
    });

    it('a squad leader waits for the squad: the booking is for the squad', async () => {
      const space = await buildSpace(t);
      const lead = await t.buildMember();
      const squad = await buildSquad(t, { leaders: [lead.id] });
      const held = await book(bob, space, 600, 660);
      const w = await join(lead, { spaceId: space, start: at(day, 600), end: at(day, 660), squadId: squad });
      assert.equal(w.status, 201);
      await cancel(bob, held.body.id);
      await serve();
      const [entry] = await mine(lead);
      const booking = await t.request('GET', `/api/v1/bookings/${entry.bookingId}`, { as: lead });
      assert.deepEqual(
        booking.body.participants.squads.map((s: { id: string }) => s.id),
        [squad],
      );
    });

    it('two frees and two waiters at once: one slot each, first in line first, none skipped (race)', async () => {
      for (let round = 0; round < 3; round++) {
        const space = await buildSpace(t);
        const base = 720 + round * 240;
        const one = await book(bob, space, base, base + 60);
        const two = await book(bob, space, base + 60, base + 120);
        const w = await join(wen, {
          spaceId: space,
          start: at(day, base),
          end: at(day, base + 120),
          lengthMinutes: 60,
          autoBook: true,
        });
        const x = await join(xia, {
          spaceId: space,
          start: at(day, base),
          end: at(day, base + 120),
          lengthMinutes: 60,
          autoBook: true,
        });
        // The frees and the serving passes all race.
        await Promise.all([cancel(bob, one.body.id), cancel(bob, two.body.id), serve(), serve()]);
        await Promise.all([serve(), serve()]);
        const wenEntry = (await mine(wen)).find((e: { id: string }) => e.id === w.body.id);
        const xiaEntry = (await mine(xia)).find((e: { id: string }) => e.id === x.body.id);
        assert.equal(wenEntry.status, 'booked');
        assert.equal(xiaEntry.status, 'booked');
        assert.notEqual(wenEntry.bookingId, xiaEntry.bookingId);
        const active = await t.db.query<{ organizer: string; start: Date }>(
          `SELECT organizer_id AS organizer, start_at AS start FROM bookings
            WHERE space_id = $1 AND status IN ('confirmed', 'checked_in') ORDER BY start_at`,
          [space],
        );
        assert.deepEqual(active.rows.map((r) => r.organizer).sort(), [wen.id, xia.id].sort());
      }
    });
  });
}
