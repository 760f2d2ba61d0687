import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeClock } from '../../src/domain/clock.ts';
import { runDelivery } from '../../src/features/notifications/service.ts';
import { Scheduler } from '../../src/jobs/scheduler.ts';
import { serverTasks } from '../../src/jobs/tasks.ts';
import type { Caller, TestApp } from '../support/app.ts';
import { startTestApp } from '../support/app.ts';
import { buildSpace, buildSquad } from '../support/factories.ts';
import { storeKinds } from '../support/store.ts';

/**
 * The night Shipshape exists for (SPEC "The night it exists for"), end to end through the HTTP API.
 * Site zone Europe/Berlin (UTC+1 in November): the pair train 21:00–22:30 local, 20:00–21:30Z.
 */
for (const kind of storeKinds()) {
  describe(`the night, end to end (${kind})`, () => {
    let t: TestApp;
    const clock = new FakeClock('2026-11-25T12:00:00Z');
    let aiko: Caller;
    let bram: Caller;
    let cleo: Caller;
    let dov: Caller;
    let lounge: string;
    let cabin: string;
    let squad: string;
    before(async () => {
      t = await startTestApp(kind, { clock, site: { name: 'Vessel', timeZone: 'Europe/Berlin' } });
      aiko = await t.buildMember({ displayName: 'Aiko' });
      bram = await t.buildMember({ displayName: 'Bram' });
      cleo = await t.buildMember({ displayName: 'Cleo' });
      dov = await t.buildMember({ displayName: 'Dov' });
      squad = await buildSquad(t, { name: 'New squad', leaders: [cleo.id], members: [dov.id] });
      lounge = await buildSpace(t, { name: 'Training lounge', capacity: 12 });
      cabin = await buildSpace(t, {
        name: 'Cabin 3',
        kind: 'cabin',
        capacity: 2,
        access: 'owner',
        ownerId: aiko.id,
      });
    });
    after(() => t.close());

    const notices = async (who: Caller, kind: string) => {
      const res = await t.request('GET', '/api/v1/notifications', { as: who });
      assert.equal(res.status, 200);
      return (res.body.items as { kind: string; body: string; data: any; bookingId: string }[]).filter(
        (n) => n.kind === kind,
      );
    };

    it('goes right', async () => {
      // 1. A standing nightly session for both of them.
      const created = await t.request('POST', '/api/v1/series', {
        as: aiko,
        body: {
          spaceId: lounge,
          rrule: 'FREQ=DAILY',
          startTime: '21:00',
          durationMinutes: 90,
          startDate: '2026-11-25',
          title: 'Sparring',
          headcount: 2,
          participants: { members: [bram.id] },
        },
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(created.body.skipped.length, 0);
      assert.ok(created.body.booked.length >= 59, `booked ${created.body.booked.length}`);
      const tonight = created.body.booked[0];
      assert.equal(tonight.start, '2026-11-25T20:00:00.000Z');
      assert.equal(tonight.end, '2026-11-25T21:30:00.000Z');
      assert.equal(created.body.booked[1].start, '2026-11-26T20:00:00.000Z');
      await runDelivery(t.db);
      assert.equal((await notices(bram, 'added-to-series')).length, 1);

      // 2. The squad books the adjacent slot; both are told who, how many, from when.
      const squadBooking = await t.request('POST', '/api/v1/bookings', {
        as: cleo,
        body: {
          spaceId: lounge,
          start: '2026-11-25T22:30:00+01:00',
          end: '2026-11-26T00:00:00+01:00',
          title: 'Squad drill',
          headcount: 6,
          participants: { squads: [squad] },
        },
      });
      assert.equal(squadBooking.status, 201, JSON.stringify(squadBooking.body));
      await runDelivery(t.db);
      for (const who of [aiko, bram]) {
        const adj = await notices(who, 'adjacent-booking');
        assert.equal(adj.length, 1);
        assert.equal(adj[0]!.bookingId, tonight.id);
        assert.equal(adj[0]!.data.organizer.displayName, 'Cleo');
        assert.equal(adj[0]!.data.headcount, 6);
        assert.equal(adj[0]!.data.start, '2026-11-25T21:30:00.000Z');
        assert.match(adj[0]!.body, /Cleo booked Training lounge for 6 people from (\w{3} \d+ \w{3} )?22:30/);
      }
      const neighbours = await t.request('GET', `/api/v1/bookings/${tonight.id}/neighbours`, { as: bram });
      assert.equal(neighbours.status, 200);
      assert.equal(neighbours.body.after.booking.id, squadBooking.body.id);
      assert.equal(neighbours.body.after.gapMinutes, 0);
      assert.equal(neighbours.body.after.adjacent, true);

      // The pair check in.
      clock.set('2026-11-25T19:55:00Z');
      assert.equal(
        (await t.request('POST', `/api/v1/bookings/${tonight.id}/check-in`, { as: bram })).status,
        200,
      );

      // 3. Arrivals before their check-in window are told when it opens; nobody is disturbed.
      clock.set('2026-11-25T21:10:00Z');
      const tooEarly = await t.request('POST', `/api/v1/bookings/${squadBooking.body.id}/check-in`, {
        as: dov,
      });
      assert.equal(tooEarly.status, 409);
      assert.equal(tooEarly.body.code, 'invalid-state');
      assert.equal(tooEarly.body.freeAt, undefined);
      await runDelivery(t.db);
      for (const who of [aiko, bram]) assert.equal((await notices(who, 'next-group-waiting')).length, 0);

      // 2 (cont.). Shortly before their session ends they are reminded that the next group is due.
      const scheduler = new Scheduler(serverTasks(t.db), { clock });
      await scheduler.runDue();
      assert.equal((await notices(aiko, 'heads-up')).length, 0, 'not yet: more than 10 min to go');
      clock.set('2026-11-25T21:21:00Z');
      await scheduler.runDue();
      await scheduler.runDue();
      await runDelivery(t.db);
      for (const who of [aiko, bram]) assert.equal((await notices(who, 'heads-up')).length, 1);

      // Early arrivals within their window cannot check in while the lounge is held; they see when
      // it frees, and the pair see (once) that the next group is waiting.
      for (let i = 0; i < 2; i++) {
        const early = await t.request('POST', `/api/v1/bookings/${squadBooking.body.id}/check-in`, {
          as: dov,
        });
        assert.equal(early.status, 409);
        assert.equal(early.body.freeAt, '2026-11-25T21:30:00.000Z');
      }
      await runDelivery(t.db);
      for (const who of [aiko, bram]) assert.equal((await notices(who, 'next-group-waiting')).length, 1);

      // 4. They move to the cabin at ten minutes' notice: one action, the lounge frees at once.
      const moved = await t.request('POST', `/api/v1/bookings/${tonight.id}/move`, {
        as: aiko,
        body: {
          spaceId: cabin,
          start: '2026-11-25T21:31:00Z',
          end: '2026-11-25T22:31:00Z',
          message: 'Continue in my cabin in ten minutes',
        },
      });
      assert.equal(moved.status, 200, JSON.stringify(moved.body));
      assert.equal(moved.body.spaceId, cabin);
      assert.equal(moved.body.status, 'confirmed');
      await runDelivery(t.db);
      // The group that was waiting is told the lounge is free.
      for (const who of [cleo, dov]) assert.equal((await notices(who, 'space-free')).length, 1);
      const inNow = await t.request('POST', `/api/v1/bookings/${squadBooking.body.id}/check-in`, { as: dov });
      assert.equal(inNow.status, 200, JSON.stringify(inNow.body));
      await runDelivery(t.db);
      const told = await notices(bram, 'booking-moved');
      assert.equal(told.length, 1);
      assert.match(
        told[0]!.body,
        /Cabin 3, (\w{3} \d+ \w{3} )?22:31 to 23:31\. "Continue in my cabin in ten minutes"/,
      );
      assert.equal((await notices(aiko, 'booking-moved')).length, 0, 'the one who moved it is not told');
      // A stranger cannot move into the cabin (owner only).
      const intrude = await t.request('POST', `/api/v1/bookings/${squadBooking.body.id}/move`, {
        as: cleo,
        body: { spaceId: cabin, start: '2026-11-26T10:00:00Z' },
      });
      assert.equal(intrude.status, 422);

      // 6. "Same time tomorrow?" is one call.
      const again = await t.request('POST', `/api/v1/bookings/${tonight.id}/repeat`, {
        as: aiko,
        body: { when: 'tomorrow' },
      });
      assert.equal(again.status, 201, JSON.stringify(again.body));
      assert.equal(again.body.start, '2026-11-26T21:31:00.000Z');
      assert.equal(again.body.spaceId, cabin);
      assert.deepEqual(
        again.body.participants.members.map((m: { id: string }) => m.id),
        [bram.id],
      );
      const twice = await t.request('POST', `/api/v1/bookings/${tonight.id}/repeat`, {
        as: aiko,
        body: { when: 'tomorrow' },
      });
      assert.equal(twice.status, 409);

      // The series keeps the moved occurrence as an exception.
      const series = await t.request('GET', `/api/v1/series/${created.body.series.id}`, { as: bram });
      assert.equal(series.status, 200);
      assert.deepEqual(series.body.exceptions, [
        { originalStart: '2026-11-25T20:00:00.000Z', kind: 'modified' },
      ]);
      await scheduler.stop();
    });
  });
}
