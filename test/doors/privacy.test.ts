import assert from 'node:assert/strict';
import { type ClientRequest, request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { Caller } from '../support/app.ts';
import { buildSpace } from '../support/factories.ts';
import { storeKinds } from '../support/store.ts';
import { DoorSimulator, type DoorTestApp, startDoorApp, waitFor } from './support.ts';

const min = 60_000;

/** An SSE connection to the doors stream, collecting the ids of the doors it was told about. */
async function openStream(port: number, as: Caller): Promise<{ ids: string[]; close(): void }> {
  const ids: string[] = [];
  let text = '';
  let req: ClientRequest | undefined;
  await new Promise<void>((resolve, reject) => {
    req = httpRequest({
      host: '127.0.0.1',
      port,
      path: '/api/v1/doors/stream',
      headers: { authorization: `Bearer ${as.token}`, accept: 'text/event-stream' },
    });
    req.on('response', (res) => {
      if (res.statusCode !== 200) reject(new Error(`stream answered ${res.statusCode}`));
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
        for (const m of chunk.matchAll(/event: door\ndata: (.*)\n/g)) ids.push(JSON.parse(m[1]!).id);
        if (text.includes(': ready')) resolve();
      });
    });
    req.on('error', () => undefined);
    req.end();
  });
  return { ids, close: () => req?.destroy() };
}

/**
 * A private cabin's lock state says when people come and go: only those who may open it now, its
 * owner and admins see it, on every surface (list, one door, events, the live stream). A shared
 * space's door shows its state to everyone. Both stores; the embedded broker and a simulated lock.
 */
for (const kind of storeKinds())
  describe(`door privacy (${kind})`, () => {
    let t: DoorTestApp;
    let sim: DoorSimulator;
    let owner: Caller;
    let guest: Caller;
    let stranger: Caller;
    let cabinDoor: string;
    let loungeDoor: string;
    let cabinTopic: string;
    let loungeTopic: string;

    const door = (id: string, as: Caller) => t.request('GET', `/api/v1/doors/${id}`, { as });
    const listed = async (id: string, as: Caller) => {
      const res = await t.request('GET', '/api/v1/doors', { as });
      assert.equal(res.status, 200);
      return res.body.items.find((d: { id: string }) => d.id === id);
    };
    const at = (ms: number) => new Date(Date.now() + ms).toISOString();

    before(async () => {
      t = await startDoorApp(kind, 'embedded');
      owner = await t.buildMember({ displayName: 'Owner Ola' });
      guest = await t.buildMember({ displayName: 'Guest Gale' });
      stranger = await t.buildMember({ displayName: 'Stranger Sam' });
      const cabinId = await buildSpace(t, { kind: 'cabin', access: 'owner', ownerId: owner.id, capacity: 2 });
      const loungeId = await buildSpace(t, { kind: 'training' });
      cabinTopic = t.topic('cabin');
      loungeTopic = t.topic('lounge');
      const c = await t.request('POST', '/api/v1/doors', {
        as: t.admin,
        body: { spaceId: cabinId, topic: cabinTopic, hasContact: true },
      });
      assert.equal(c.status, 201, JSON.stringify(c.body));
      cabinDoor = c.body.id;
      const l = await t.request('POST', '/api/v1/doors', {
        as: t.admin,
        body: { spaceId: loungeId, topic: loungeTopic },
      });
      assert.equal(l.status, 201, JSON.stringify(l.body));
      loungeDoor = l.body.id;
      sim = await DoorSimulator.start(t.brokerUrl, [
        { topic: cabinTopic, hasContact: true },
        { topic: loungeTopic, hasContact: false },
      ]);
      await waitFor('the doors to report', async () => {
        const a = await door(cabinDoor, owner);
        const b = await door(loungeDoor, owner);
        return a.body.state === 'locked' && b.body.state === 'locked';
      });
    });
    after(async () => {
      await sim?.close();
      await t?.close();
    });

    it("hides a private cabin's state, contact, availability and alarms from an uninvolved member", async () => {
      const hidden = {
        state: null,
        contact: null,
        online: null,
        lastSeenAt: null,
        alarms: [],
        viewState: false,
      };
      const shape = (d: any) => ({
        state: d.state,
        contact: d.contact,
        online: d.online,
        lastSeenAt: d.lastSeenAt,
        alarms: d.alarms,
        viewState: d.can.viewState,
      });
      assert.deepEqual(shape(await listed(cabinDoor, stranger)), hidden, 'in the list');
      const one = await door(cabinDoor, stranger);
      assert.equal(one.status, 200);
      assert.deepEqual(shape(one.body), hidden, 'one door');
      assert.deepEqual(one.body.requests, []);
      // The owner, an admin and everyone for a shared space's door see the state.
      assert.equal((await listed(cabinDoor, owner)).state, 'locked');
      assert.equal((await listed(cabinDoor, owner)).contact, 'closed');
      assert.equal((await door(cabinDoor, t.admin)).body.state, 'locked');
      assert.equal((await listed(loungeDoor, stranger)).state, 'locked');
      assert.equal((await listed(loungeDoor, stranger)).can.viewState, true);

      // The events: none of the lock's reports, nobody else's acts.
      const owned = await t.request('POST', `/api/v1/doors/${cabinDoor}/unlock`, { as: owner, body: {} });
      assert.equal(owned.status, 202);
      await waitFor(
        'the unlock to be confirmed',
        async () => (await door(cabinDoor, owner)).body.state === 'unlocked',
      );
      const relock = await t.request('POST', `/api/v1/doors/${cabinDoor}/lock`, { as: owner, body: {} });
      assert.equal(relock.status, 202);
      await waitFor(
        'the lock to be confirmed',
        async () => (await door(cabinDoor, owner)).body.state === 'locked',
      );
      const events = await t.request('GET', `/api/v1/doors/${cabinDoor}/events`, { as: stranger });
      assert.equal(events.status, 200);
      assert.deepEqual(events.body.items, [], 'nothing of the cabin for a stranger');
      const all = await t.request('GET', `/api/v1/doors/${cabinDoor}/events`, { as: owner });
      assert.ok(all.body.items.some((e: { type: string }) => e.type === 'door.state'));
    });

    it("shows a lock's MQTT topic only to those who manage the door (its owner, admins)", async () => {
      for (const id of [cabinDoor, loungeDoor]) {
        assert.equal((await listed(id, stranger)).topic, null, 'in the list');
        const one = await door(id, stranger);
        assert.equal(one.body.topic, null, 'one door');
        assert.equal(one.body.can.manage, false);
        assert.equal((await listed(id, t.admin)).topic, id === cabinDoor ? cabinTopic : loungeTopic);
        assert.equal((await door(id, t.admin)).body.topic, id === cabinDoor ? cabinTopic : loungeTopic);
      }
      assert.equal((await door(cabinDoor, owner)).body.topic, cabinTopic, "the cabin's owner manages it");
      assert.equal((await listed(loungeDoor, owner)).topic, null, 'another space: not theirs');
      const events = await t.request('GET', `/api/v1/doors/${loungeDoor}/events`, { as: stranger });
      assert.ok(!JSON.stringify(events.body).includes(loungeTopic), 'not in the events either');
    });

    it('shows the state to a guest only while their pass holds, and not after it is revoked', async () => {
      const set = await t.request('POST', `/api/v1/doors/${cabinDoor}/guests`, {
        as: owner,
        body: { memberId: guest.id, from: at(-min), until: at(30 * min) },
      });
      assert.equal(set.status, 200, JSON.stringify(set.body));
      const during = await listed(cabinDoor, guest);
      assert.equal(during.state, 'locked');
      assert.equal(during.can.viewState, true);
      assert.equal(during.can.unlock, true);
      await t.request('POST', `/api/v1/doors/${cabinDoor}/guests`, {
        as: owner,
        body: { memberId: guest.id, from: at(60 * min), until: at(90 * min) },
      });
      assert.equal((await listed(cabinDoor, guest)).state, null, 'a pass for later shows nothing yet');
      const revoked = await t.request('DELETE', `/api/v1/doors/${cabinDoor}/guests/${guest.id}`, {
        as: owner,
      });
      assert.equal(revoked.status, 204);
      assert.equal((await door(cabinDoor, guest)).body.state, null);
      // The owner's log names the guest let in and revoked; the guest's and a stranger's show none of it.
      const log = (await t.request('GET', `/api/v1/doors/${cabinDoor}/events`, { as: owner })).body.items;
      const set2 = log.find((e: { type: string }) => e.type === 'door.guest-set');
      assert.equal(set2.after.displayName, 'Guest Gale');
      const gone = log.find((e: { type: string }) => e.type === 'door.guest-removed');
      assert.equal(gone.before.displayName, 'Guest Gale');
      for (const who of [guest, stranger]) {
        const theirs = (await t.request('GET', `/api/v1/doors/${cabinDoor}/events`, { as: who })).body.items;
        assert.ok(!theirs.some((e: { type: string }) => e.type.startsWith('door.guest')));
      }
    });

    it("does not tell an uninvolved member on the stream when a private cabin's door changes", async () => {
      await t.app.listen({ port: 0, host: '127.0.0.1' });
      const port = (t.app.server.address() as { port: number }).port;
      const strangers = await openStream(port, stranger);
      const owners = await openStream(port, owner);
      try {
        await sim.turn(cabinTopic, 'unlock');
        await waitFor('the owner to be told of the cabin', async () => owners.ids.includes(cabinDoor));
        await sim.turn(loungeTopic, 'unlock');
        await waitFor('the stranger to be told of the lounge', async () =>
          strangers.ids.includes(loungeDoor),
        );
        // The lounge's change came after the cabin's: had the cabin's been sent, it would be here.
        assert.ok(!strangers.ids.includes(cabinDoor), 'the stranger heard nothing of the cabin');
        await sim.turn(cabinTopic, 'lock');
        await sim.turn(loungeTopic, 'lock');
        await waitFor(
          'the second lounge change',
          async () => strangers.ids.filter((id) => id === loungeDoor).length >= 2,
        );
        assert.ok(!strangers.ids.includes(cabinDoor), 'still nothing of the cabin');
      } finally {
        strangers.close();
        owners.close();
      }
    });
  });
