import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeClock } from '../../src/domain/clock.ts';
import { runDelivery } from '../../src/features/notifications/service.ts';
import { Scheduler } from '../../src/jobs/scheduler.ts';
import { serverTasks } from '../../src/jobs/tasks.ts';
import type { Caller } from '../support/app.ts';
import { buildSpace } from '../support/factories.ts';
import { storeKinds } from '../support/store.ts';
import { brokerKinds, DoorSimulator, type DoorTestApp, startDoorApp, waitFor } from './support.ts';

const min = 60_000;

/**
 * Doors end to end: the API, the DoorLink and a simulated lock on a real broker (the embedded aedes
 * and the machine's Mosquitto), on both stores. Time-driven parts (alarms, timeouts, relocks) run
 * the scheduler's tasks on a fake clock; the MQTT round trips are real.
 */
for (const kind of storeKinds())
  for (const broker of brokerKinds)
    describe(`doors (${kind}, ${broker} broker)`, () => {
      const clock = new FakeClock(new Date());
      let t: DoorTestApp;
      let sim: DoorSimulator;
      let scheduler: Scheduler;
      let owner: Caller;
      let guest: Caller;
      let member: Caller;
      let stranger: Caller;
      let cabinDoor: string;
      let loungeDoor: string;
      let cabinTopic: string;
      let loungeTopic: string;
      let cabinId: string;
      let loungeId: string;

      const at = (ms: number) => new Date(clock.now().getTime() + ms).toISOString();
      const door = (id: string, as: Caller) => t.request('GET', `/api/v1/doors/${id}`, { as });
      const unlock = (id: string, as: Caller, body: unknown = {}) =>
        t.request('POST', `/api/v1/doors/${id}/unlock`, { as, body });
      const settle = async (id: string, as: Caller, requestId: string) =>
        waitFor(`request ${requestId} to settle`, async () => {
          const d = await door(id, as);
          const r = d.body.requests.find((x: { id: string }) => x.id === requestId);
          return r && r.status !== 'pending' ? { door: d.body, request: r } : undefined;
        });
      const settled = async () => {
        await waitFor('reports applied', async () => {
          await t.hook.link()!.settled();
          return true;
        });
      };
      const events = async (id: string, as: Caller) =>
        (await t.request('GET', `/api/v1/doors/${id}/events`, { as })).body.items as {
          type: string;
          actor: { id: string } | null;
          after: Record<string, unknown>;
          reason: string | null;
        }[];

      before(async () => {
        t = await startDoorApp(kind, broker, { clock });
        scheduler = new Scheduler(serverTasks(t.db), { clock });
        owner = await t.buildMember({ displayName: 'Lt Sato' });
        guest = await t.buildMember({ displayName: 'Guest Gale' });
        member = await t.buildMember({ displayName: 'Booker Bo' });
        stranger = await t.buildMember({ displayName: 'Stranger Sam' });
        cabinId = await buildSpace(t, { kind: 'cabin', access: 'owner', ownerId: owner.id, capacity: 2 });
        loungeId = await buildSpace(t, { kind: 'training' });
        cabinTopic = t.topic('cabin-7');
        loungeTopic = t.topic('lounge');
        const c = await t.request('POST', '/api/v1/doors', {
          as: t.admin,
          body: {
            spaceId: cabinId,
            name: 'Cabin door',
            topic: cabinTopic,
            hasContact: true,
            failMode: 'secure',
          },
        });
        assert.equal(c.status, 201, JSON.stringify(c.body));
        cabinDoor = c.body.id;
        const l = await t.request('POST', '/api/v1/doors', {
          as: t.admin,
          body: { spaceId: loungeId, topic: loungeTopic, hasContact: false, failMode: 'safe' },
        });
        assert.equal(l.status, 201, JSON.stringify(l.body));
        loungeDoor = l.body.id;
        sim = await DoorSimulator.start(t.brokerUrl, [
          { topic: cabinTopic, hasContact: true },
          { topic: loungeTopic, hasContact: false },
        ]);
        await waitFor('the doors to report', async () => {
          const d = await door(cabinDoor, owner);
          const e = await door(loungeDoor, owner);
          return d.body.state === 'locked' && e.body.state === 'locked';
        });
      });
      after(async () => {
        await sim?.close();
        await t?.close();
      });

      it('opens to the owner at any time, confirmed by the lock, and tells the owner on the stream', async () => {
        const res = await unlock(cabinDoor, owner);
        assert.equal(res.status, 202, JSON.stringify(res.body));
        assert.equal(res.body.status, 'pending');
        const { door: d, request } = await settle(cabinDoor, owner, res.body.requestId);
        assert.equal(request.status, 'confirmed');
        assert.equal(d.state, 'unlocked');
        assert.equal(d.contact, 'closed');
        await runDelivery(t.db);
        const notices = (await t.request('GET', '/api/v1/notifications', { as: owner })).body.items;
        const outcome = notices.find(
          (n: any) => n.kind === 'door-request' && n.data.requestId === res.body.requestId,
        );
        assert.ok(outcome, 'the outcome is a notice (the SSE stream carries notices)');
        assert.equal(outcome.data.outcome, 'confirmed');
        const lock = await t.request('POST', `/api/v1/doors/${cabinDoor}/lock`, { as: owner, body: {} });
        assert.equal(lock.status, 202);
        assert.equal((await settle(cabinDoor, owner, lock.body.requestId)).door.state, 'locked');
        assert.equal(sim.locks.get(cabinTopic)!.lockState, 'locked');
      });

      it('refuses a member with no booking (403 naming why), and records the refusal', async () => {
        const before = sim.locks.get(loungeTopic)!.commands;
        const res = await unlock(loungeDoor, stranger);
        assert.equal(res.status, 403);
        assert.match(String(res.headers['content-type']), /problem\+json/);
        assert.equal(res.body.why, 'no-booking');
        assert.match(res.body.detail, /no booking/);
        const cabin = await unlock(cabinDoor, stranger);
        assert.equal(cabin.status, 403);
        assert.equal(cabin.body.why, 'not-a-guest');
        assert.equal(sim.locks.get(loungeTopic)!.commands, before, 'nothing was sent');
        const mine = await events(loungeDoor, stranger);
        assert.ok(mine.some((e) => e.type === 'door.refused' && e.after.why === 'no-booking'));
      });

      it('opens to a booking from its check-in window until its end; a move or cancel revokes at once', async () => {
        const later = await t.request('POST', '/api/v1/bookings', {
          as: member,
          body: { spaceId: loungeId, start: at(3 * 60 * min), end: at(4 * 60 * min), title: 'Later' },
        });
        assert.equal(later.status, 201, JSON.stringify(later.body));
        const early = await unlock(loungeDoor, member);
        assert.equal(early.status, 403);
        assert.equal(early.body.why, 'window-not-open');

        const now = await t.request('POST', '/api/v1/bookings', {
          as: member,
          body: { spaceId: loungeId, start: at(5 * min), end: at(65 * min), title: 'Pads' },
        });
        assert.equal(now.status, 201, JSON.stringify(now.body));
        const ok = await unlock(loungeDoor, member);
        assert.equal(ok.status, 202, JSON.stringify(ok.body));
        assert.equal((await settle(loungeDoor, member, ok.body.requestId)).request.status, 'confirmed');

        const moved = await t.request('POST', `/api/v1/bookings/${now.body.id}/move`, {
          as: member,
          body: { start: at(90 * min), end: at(150 * min) },
        });
        assert.equal(moved.status, 200, JSON.stringify(moved.body));
        assert.equal((await unlock(loungeDoor, member)).status, 403, 'moved away: revoked');

        const back = await t.request('POST', `/api/v1/bookings/${now.body.id}/move`, {
          as: member,
          body: { start: at(5 * min), end: at(65 * min) },
        });
        assert.equal(back.status, 200, JSON.stringify(back.body));
        assert.equal((await unlock(loungeDoor, member)).status, 202);
        const cancelled = await t.request('POST', `/api/v1/bookings/${now.body.id}/cancel`, {
          as: member,
          body: {},
        });
        assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
        const after = await unlock(loungeDoor, member);
        assert.equal(after.status, 403, 'cancelled: revoked');
        await t.request('POST', `/api/v1/bookings/${later.body.id}/cancel`, { as: member, body: {} });
      });

      it("lets the owner's guest in during the owner's booking or their window; revoking is at once", async () => {
        const set = await t.request('POST', `/api/v1/doors/${cabinDoor}/guests`, {
          as: owner,
          body: { memberId: guest.id },
        });
        assert.equal(set.status, 200, JSON.stringify(set.body));
        const noBooking = await unlock(cabinDoor, guest);
        assert.equal(noBooking.status, 403);
        assert.equal(noBooking.body.why, 'not-a-guest');
        const b = await t.request('POST', '/api/v1/bookings', {
          as: owner,
          body: { spaceId: cabinId, start: at(2 * min), end: at(62 * min), title: 'Rest' },
        });
        assert.equal(b.status, 201, JSON.stringify(b.body));
        assert.equal((await unlock(cabinDoor, guest)).status, 202, 'during the owner’s booking');
        await t.request('POST', `/api/v1/bookings/${b.body.id}/cancel`, { as: owner, body: {} });
        assert.equal((await unlock(cabinDoor, guest)).status, 403, 'the booking is gone');

        const window = await t.request('POST', `/api/v1/doors/${cabinDoor}/guests`, {
          as: owner,
          body: { memberId: guest.id, from: at(-min), until: at(30 * min) },
        });
        assert.equal(window.status, 200);
        assert.equal((await unlock(cabinDoor, guest)).status, 202, 'within the window');
        const revoked = await t.request('DELETE', `/api/v1/doors/${cabinDoor}/guests/${guest.id}`, {
          as: owner,
        });
        assert.equal(revoked.status, 204);
        assert.equal((await unlock(cabinDoor, guest)).status, 403, 'revoked');
        // Only the owner (or an admin) sets guests.
        const forbidden = await t.request('POST', `/api/v1/doors/${cabinDoor}/guests`, {
          as: stranger,
          body: { memberId: stranger.id },
        });
        assert.equal(forbidden.status, 403);
        const lock = await t.request('POST', `/api/v1/doors/${cabinDoor}/lock`, { as: owner, body: {} });
        await settle(cabinDoor, owner, lock.body.requestId);
      });

      it('lets an admin in only with a reason, which the audit keeps', async () => {
        const bare = await unlock(cabinDoor, t.admin);
        assert.equal(bare.status, 403);
        assert.equal(bare.body.field, 'body.reason');
        const res = await unlock(cabinDoor, t.admin, { reason: 'Smoke alarm check' });
        assert.equal(res.status, 202);
        await settle(cabinDoor, t.admin, res.body.requestId);
        const all = await events(cabinDoor, owner);
        const requested = all.find(
          (e) => e.type === 'door.requested' && e.after.requestId === res.body.requestId,
        );
        assert.equal(requested?.reason, 'Smoke alarm check');
        assert.equal(requested?.after.as, 'admin');
        const lock = await t.request('POST', `/api/v1/doors/${cabinDoor}/lock`, { as: owner, body: {} });
        await settle(cabinDoor, owner, lock.body.requestId);
      });

      it('shows an uninvolved member nothing of who came and went', async () => {
        const d = await door(cabinDoor, stranger);
        assert.equal(d.status, 200);
        assert.deepEqual(d.body.requests, []);
        assert.deepEqual(d.body.alarms, []);
        assert.equal(d.body.can.viewLog, false);
        const mine = await events(cabinDoor, stranger);
        assert.ok(mine.length > 0, 'their own refusals');
        assert.ok(
          mine.every((e) => e.actor?.id === stranger.id),
          'nothing of anyone else',
        );
        const theirs = await events(cabinDoor, owner);
        assert.ok(theirs.some((e) => e.actor?.id === owner.id));
        assert.equal(
          (await t.request('GET', `/api/v1/doors/${cabinDoor}/guests`, { as: stranger })).status,
          403,
        );
      });

      it('refuses bad input naming the field, and changes nothing', async () => {
        const count = async () =>
          Number((await t.db.query<{ n: string }>('SELECT count(*)::text AS n FROM events')).rows[0]!.n);
        const before = await count();
        const doors = (await t.request('GET', '/api/v1/doors', { as: t.admin })).body.items.length;
        const wild = await t.request('POST', '/api/v1/doors', {
          as: t.admin,
          body: { spaceId: loungeId, topic: 'zigbee2mqtt/#' },
        });
        assert.equal(wild.status, 400);
        assert.equal(wild.body.field, 'body.topic');
        const long = await unlock(cabinDoor, owner, { reason: 'x'.repeat(501) });
        assert.equal(long.status, 400);
        assert.equal(long.body.field, 'body.reason');
        const extra = await unlock(cabinDoor, owner, { force: true });
        assert.equal(extra.status, 400);
        assert.equal(extra.body.field, 'body.force');
        const window = await t.request('POST', `/api/v1/doors/${cabinDoor}/guests`, {
          as: owner,
          body: { memberId: guest.id, from: at(min) },
        });
        assert.equal(window.status, 400);
        assert.equal(window.body.field, 'body.until');
        const byMember = await t.request('POST', '/api/v1/doors', {
          as: owner,
          body: { spaceId: loungeId, topic: 'x/y' },
        });
        assert.equal(byMember.status, 403);
        assert.equal(await count(), before);
        assert.equal((await t.request('GET', '/api/v1/doors', { as: t.admin })).body.items.length, doors);
      });

      it('audits a manual unlock at the door, and raises the left-unlocked alarm once after the delay', async () => {
        await sim.turn(cabinTopic, 'unlock');
        await waitFor(
          'the manual unlock',
          async () => (await door(cabinDoor, owner)).body.state === 'unlocked',
        );
        await settled();
        const manual = (await events(cabinDoor, owner)).find(
          (e) => e.type === 'door.state' && e.after.lockState === 'unlocked',
        );
        assert.equal(manual?.after.source, 'manual');
        assert.equal(manual?.actor, null);

        clock.advance(4 * min);
        await scheduler.runTask('door-alarms');
        const alarms = async () => (await events(cabinDoor, owner)).filter((e) => e.type === 'door.alarm');
        assert.equal((await alarms()).length, 0, 'not before the delay (5 minutes)');
        clock.advance(1 * min + 1000);
        await scheduler.runTask('door-alarms');
        await scheduler.runTask('door-alarms');
        assert.equal((await alarms()).length, 1, 'once per episode');
        assert.equal((await alarms())[0]!.after.kind, 'left-unlocked');
        await runDelivery(t.db);
        const notices = (await t.request('GET', '/api/v1/notifications', { as: owner })).body.items;
        assert.ok(notices.some((n: any) => n.kind === 'door-alarm' && /left unlocked/.test(n.title)));
        const strangerNotices = (await t.request('GET', '/api/v1/notifications', { as: stranger })).body
          .items;
        assert.ok(!strangerNotices.some((n: any) => n.kind === 'door-alarm'));
        assert.deepEqual(
          (await door(cabinDoor, owner)).body.alarms.map((a: any) => a.kind),
          ['left-unlocked'],
        );

        clock.advance(61 * min);
        await scheduler.runTask('door-alarms');
        const all = await alarms();
        assert.equal(all.length, 2, 'again after an hour');
        assert.equal(all[0]!.after.reminder, true);

        await sim.turn(cabinTopic, 'lock');
        await waitFor('the manual lock', async () => (await door(cabinDoor, owner)).body.state === 'locked');
        await settled();
        await scheduler.runTask('door-alarms');
        assert.ok((await events(cabinDoor, owner)).some((e) => e.type === 'door.alarm-cleared'));
        assert.deepEqual((await door(cabinDoor, owner)).body.alarms, []);
      });

      it('raises forced-open when the door opens while locked', async () => {
        await sim.setContact(cabinTopic, false);
        await waitFor('the open door', async () => (await door(cabinDoor, owner)).body.contact === 'open');
        await settled();
        const forced = (await events(cabinDoor, owner)).filter(
          (e) => e.type === 'door.alarm' && e.after.kind === 'forced-open',
        );
        assert.equal(forced.length, 1);
        await sim.setContact(cabinTopic, true);
        await waitFor(
          'the closed door',
          async () => (await door(cabinDoor, owner)).body.contact === 'closed',
        );
        await settled();
        await scheduler.runTask('door-alarms');
        assert.deepEqual((await door(cabinDoor, owner)).body.alarms, []);
      });

      it('locks again by itself after the relock delay', async () => {
        const get = await door(loungeDoor, t.admin);
        const patch = await t.request('PATCH', `/api/v1/doors/${loungeDoor}`, {
          as: t.admin,
          headers: { 'if-match': `"${get.body.version}"` },
          body: { relockSeconds: 30 },
        });
        assert.equal(patch.status, 200, JSON.stringify(patch.body));
        const res = await unlock(loungeDoor, t.admin, { reason: 'Cleaning crew' });
        assert.equal((await settle(loungeDoor, t.admin, res.body.requestId)).door.state, 'unlocked');
        await settled();
        clock.advance(31_000);
        await scheduler.runTask('door-relocks');
        await waitFor('the relock', async () => (await door(loungeDoor, t.admin)).body.state === 'locked');
        await settled();
        const relock = (await events(loungeDoor, t.admin)).find(
          (e) => e.type === 'door.requested' && e.after.as === 'auto-relock',
        );
        assert.ok(relock);
        const confirmed = (await events(loungeDoor, t.admin)).find(
          (e) => e.type === 'door.confirmed' && e.after.requestId === relock.after.requestId,
        );
        assert.ok(confirmed, 'the relock was confirmed by the lock');
      });

      it('shows an offline lock as unknown, and its unlock times out cleanly', async () => {
        await sim.setOnline(cabinTopic, false);
        await waitFor('unknown', async () => (await door(cabinDoor, owner)).body.state === 'unknown');
        const res = await unlock(cabinDoor, owner);
        assert.equal(res.status, 202);
        clock.advance(2500);
        await scheduler.runTask('door-timeouts');
        const { request, door: d } = await settle(cabinDoor, owner, res.body.requestId);
        assert.equal(request.status, 'timed_out');
        assert.equal(d.state, 'unknown');
        await runDelivery(t.db);
        const notices = (await t.request('GET', '/api/v1/notifications', { as: owner })).body.items;
        const n = notices.find((x: any) => x.data.requestId === res.body.requestId);
        assert.equal(n?.data.outcome, 'timed-out');
        assert.ok((await events(cabinDoor, owner)).some((e) => e.type === 'door.availability'));
        await sim.setOnline(cabinTopic, true);
        let last: unknown;
        // Back online, the lock's state is known again. Which state depends on whether the broker
        // still hands the lock the command sent while it was away (Mosquitto may, late), so any
        // reported state will do.
        await waitFor('back online', async () => {
          const d = await door(cabinDoor, owner);
          last = d.body;
          return d.body.online === true && d.body.state !== 'unknown';
        }).catch((err) => {
          throw new Error(`${err.message}: ${JSON.stringify(last)}`);
        });
      });
    });
