import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeClock } from '../../src/domain/clock.ts';
import { releaseNoShows } from '../../src/features/checkin/service.ts';
import { runDelivery } from '../../src/features/notifications/service.ts';
import type { Caller, TestApp } from '../support/app.ts';
import { startTestApp } from '../support/app.ts';
import { at, buildSpace } from '../support/factories.ts';
import { storeKinds } from '../support/store.ts';

const t0 = '2026-11-25T10:00:00.000Z';
// Adelaide in November: +10:30 (daylight saving), a half-hour offset.
const zone = 'Australia/Adelaide';

// Issue 7.12 (next group waiting), 7.15 (times in error details) and 7.16 (moves).
for (const kind of storeKinds()) {
  describe(`next group waiting, check-in and moves (${kind})`, () => {
    let t: TestApp;
    let clock: FakeClock;
    let aiko: Caller;
    let bram: Caller;
    let cleo: Caller;
    let dov: Caller;
    let eve: Caller;
    let lounge: string;
    let ring: string;

    const book = async (as: Caller, body: Record<string, unknown>) => {
      const res = await t.request('POST', '/api/v1/bookings', { as, body: { title: 'Session', ...body } });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body as { id: string; version: number; status: string };
    };
    const notices = async (who: Caller, kind: string) => {
      const res = await t.request('GET', '/api/v1/notifications?limit=200', { as: who });
      assert.equal(res.status, 200);
      return (res.body.items as { kind: string; body: string; bookingId: string; data: any }[]).filter(
        (n) => n.kind === kind,
      );
    };
    const checkIn = (id: string, as: Caller) => t.request('POST', `/api/v1/bookings/${id}/check-in`, { as });

    before(async () => {
      clock = new FakeClock(t0);
      t = await startTestApp(kind, { clock, site: { name: 'Vessel', timeZone: zone } });
      aiko = await t.buildMember({ displayName: 'Aiko' });
      bram = await t.buildMember({ displayName: 'Bram' });
      cleo = await t.buildMember({ displayName: 'Cleo' });
      dov = await t.buildMember({ displayName: 'Dov' });
      eve = await t.buildMember({ displayName: 'Eve' });
      lounge = await buildSpace(t, { name: 'Lounge', capacity: 12 });
      ring = await buildSpace(t, { name: 'Ring', capacity: 12 });
    });
    after(() => t.close());

    it('an attempt days ahead is told when check-in opens, in site time with its offset, and disturbs nobody', async () => {
      // A pair of their own: Aiko and Bram hold the ring at this time in the next test (one person,
      // one place).
      const ari = await t.buildMember({ displayName: 'Ari' });
      const bo = await t.buildMember({ displayName: 'Bo' });
      clock.set(at(t0, -40));
      await book(ari, {
        spaceId: lounge,
        start: at(t0, -30),
        end: at(t0, 60),
        participants: { members: [bo.id] },
      });
      await book(eve, { spaceId: lounge, start: at(t0, 120), end: at(t0, 180) });
      const later = await book(cleo, {
        spaceId: lounge,
        start: '2026-11-28T09:00:00.000Z',
        end: '2026-11-28T10:00:00.000Z',
        participants: { members: [dov.id] },
      });
      await runDelivery(t.db, () => clock.now());
      clock.set(t0);
      const res = await checkIn(later.id, dov);
      assert.equal(res.status, 409);
      assert.equal(res.body.code, 'invalid-state');
      assert.equal(res.body.freeAt, undefined, 'not "held until"');
      // 09:00Z less the 10-minute window is 08:50Z, 19:20 in Adelaide (+10:30).
      assert.equal(res.body.opensAt, '2026-11-28T19:20:00+10:30');
      assert.match(res.body.detail, /Check-in opens at 2026-11-28T19:20:00\+10:30/);
      await runDelivery(t.db, () => clock.now());
      for (const who of [ari, bo, eve]) assert.deepEqual(await notices(who, 'next-group-waiting'), []);
    });

    it('within the window, only the holders in the way now are told, naming who tried, once per pair', async () => {
      clock.set(at(t0, -40));
      const holder = await book(aiko, {
        spaceId: ring,
        start: at(t0, -30),
        end: at(t0, 30),
        participants: { members: [bram.id] },
      });
      // Eve's session is later the same day, not in the way of the next group.
      await book(eve, { spaceId: ring, start: at(t0, 300), end: at(t0, 360) });
      const next = await book(cleo, {
        spaceId: ring,
        start: at(t0, 30),
        end: at(t0, 90),
        headcount: 2,
        participants: { members: [dov.id] },
      });
      clock.set(at(t0, 22));
      const res = await checkIn(next.id, dov);
      assert.equal(res.status, 409);
      assert.equal(res.body.code, 'booking-conflict');
      // freeAt stays RFC 3339 in UTC; the words are in site time with its offset.
      assert.equal(res.body.freeAt, at(t0, 30));
      assert.match(res.body.detail, /held until 2026-11-25T21:00:00\+10:30/);
      assert.deepEqual(res.body.holders, [holder.id]);
      // Again, and by the organizer: the pair is told once.
      assert.equal((await checkIn(next.id, dov)).status, 409);
      assert.equal((await checkIn(next.id, cleo)).status, 409);
      await runDelivery(t.db, () => clock.now());
      for (const who of [aiko, bram]) {
        const told = await notices(who, 'next-group-waiting');
        assert.equal(told.length, 1, `${who.id} told once`);
        assert.equal(told[0]!.bookingId, holder.id);
        assert.match(told[0]!.body, /^Dov \(2 people\) is waiting to start Session in Ring at 21:00\.$/);
        assert.doesNotMatch(told[0]!.body, /Cleo/);
      }
      assert.deepEqual(await notices(eve, 'next-group-waiting'), []);
      assert.deepEqual(await notices(dov, 'next-group-waiting'), []);
      assert.deepEqual(await notices(cleo, 'next-group-waiting'), []);

      // The holders move out: the group that waits is told the ring is free, and can check in.
      const moved = await t.request('POST', `/api/v1/bookings/${holder.id}/move`, {
        as: aiko,
        body: { spaceId: lounge, start: at(t0, 200) },
      });
      assert.equal(moved.status, 200, JSON.stringify(moved.body));
      await runDelivery(t.db, () => clock.now());
      for (const who of [cleo, dov]) {
        const free = await notices(who, 'space-free');
        assert.equal(free.length, 1);
        assert.equal(free[0]!.bookingId, next.id);
        assert.match(free[0]!.body, /Ring is free/);
      }
      assert.deepEqual(await notices(aiko, 'space-free'), []);
      assert.equal((await checkIn(next.id, dov)).status, 200);
    });

    it('a holder checking out early tells the waiting group the space is free', async () => {
      clock.set(at(t0, 700));
      const holder = await book(aiko, { spaceId: ring, start: at(t0, 710), end: at(t0, 760) });
      const next = await book(cleo, { spaceId: ring, start: at(t0, 760), end: at(t0, 800) });
      clock.set(at(t0, 712));
      assert.equal((await checkIn(holder.id, aiko)).status, 200);
      clock.set(at(t0, 752));
      assert.equal((await checkIn(next.id, cleo)).status, 409);
      assert.equal(
        (await t.request('POST', `/api/v1/bookings/${holder.id}/check-out`, { as: aiko })).status,
        200,
      );
      await runDelivery(t.db, () => clock.now());
      const free = (await notices(cleo, 'space-free')).filter((n) => n.bookingId === next.id);
      assert.equal(free.length, 1);
      assert.match(free[0]!.body, /^The session before yours checked out early: Ring is free/);
      assert.equal((await checkIn(next.id, cleo)).status, 200);
    });

    it('a private waiting booking names nobody to the holders', async () => {
      clock.set(at(t0, 980));
      const holder = await book(aiko, { spaceId: ring, start: at(t0, 990), end: at(t0, 1020) });
      const next = await book(cleo, {
        spaceId: ring,
        start: at(t0, 1020),
        end: at(t0, 1080),
        visibility: 'private',
        title: 'Secret drill',
        participants: { members: [dov.id] },
      });
      clock.set(at(t0, 1015));
      assert.equal((await checkIn(next.id, dov)).status, 409);
      await runDelivery(t.db, () => clock.now());
      const told = (await notices(aiko, 'next-group-waiting')).filter((n) => n.bookingId === holder.id);
      assert.equal(told.length, 1);
      assert.match(told[0]!.body, /^The next group is waiting to start in Ring/);
      assert.doesNotMatch(told[0]!.body, /Dov|Cleo|Secret/);
    });

    it('a checked-in session moved to start now stays checked in and is not released as a no-show', async () => {
      clock.set(at(t0, 1980));
      const s = await book(aiko, {
        spaceId: lounge,
        start: at(t0, 1990),
        end: at(t0, 2100),
        participants: { members: [bram.id] },
      });
      clock.set(at(t0, 1985));
      assert.equal((await checkIn(s.id, bram)).status, 200);
      clock.set(at(t0, 2000));
      const moved = await t.request('POST', `/api/v1/bookings/${s.id}/move`, {
        as: aiko,
        body: { spaceId: ring, start: at(t0, 2000), end: at(t0, 2100) },
      });
      assert.equal(moved.status, 200, JSON.stringify(moved.body));
      assert.equal(moved.body.status, 'checked_in');
      clock.set(at(t0, 2060));
      await releaseNoShows(t.db, clock.now());
      const now = await t.request('GET', `/api/v1/bookings/${s.id}`, { as: aiko });
      assert.equal(now.body.status, 'checked_in');
      // Moved to later, it must be checked into again.
      const later = await t.request('POST', `/api/v1/bookings/${s.id}/move`, {
        as: aiko,
        body: { start: at(t0, 2500) },
      });
      assert.equal(later.status, 200, JSON.stringify(later.body));
      assert.equal(later.body.status, 'confirmed');
    });
  });
}
