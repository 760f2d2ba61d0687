import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readConfig } from '../../src/config.ts';
import { embeddedBrokerCredentials } from '../../src/features/doors/hook.ts';
import { isLoopback, startEmbeddedBroker } from '../../src/mqtt/broker.ts';
import { connectMqtt } from '../../src/mqtt/client.ts';
import { buildSpace } from '../support/factories.ts';
import { storeKinds } from '../support/store.ts';
import { DoorSimulator, type DoorTestApp, startDoorApp, waitFor } from './support.ts';

/** Tries to connect once; answers the broker's refusal, or undefined when it let the client in. */
async function refusal(url: string, opts: { username?: string; password?: string } = {}) {
  try {
    const client = await connectMqtt(url, { reconnectPeriod: 0, ...opts });
    await client.endAsync();
    return undefined;
  } catch (err) {
    return err as Error & { code?: number };
  }
}

describe('the embedded broker: who may connect', () => {
  it('tells the loopback from addresses beyond it', () => {
    for (const h of ['127.0.0.1', '127.0.0.53', '::1', '[::1]', 'localhost']) assert.ok(isLoopback(h), h);
    for (const h of ['0.0.0.0', '::', '192.168.1.10', '10.0.0.1', 'shipshape.local'])
      assert.ok(!isLoopback(h), h);
  });

  it('refuses to listen beyond the loopback without a user name and password, saying what to set', () => {
    assert.throws(
      () => embeddedBrokerCredentials(readConfig({ SHIPSHAPE_MQTT_HOST: '0.0.0.0' })),
      /SHIPSHAPE_MQTT_USERNAME and SHIPSHAPE_MQTT_PASSWORD/,
    );
    assert.equal(embeddedBrokerCredentials(readConfig({ SHIPSHAPE_MQTT_HOST: '127.0.0.1' })), undefined);
    assert.deepEqual(
      embeddedBrokerCredentials(
        readConfig({
          SHIPSHAPE_MQTT_HOST: '0.0.0.0',
          SHIPSHAPE_MQTT_USERNAME: 'z2m',
          SHIPSHAPE_MQTT_PASSWORD: 'tiller',
        }),
      ),
      { username: 'z2m', password: 'tiller' },
    );
    assert.throws(() => readConfig({ SHIPSHAPE_MQTT_USERNAME: 'z2m' }), /the password is missing/);
  });

  it('with credentials, refuses a client without them or with wrong ones, and lets the right one in', async () => {
    const broker = await startEmbeddedBroker('127.0.0.1', 0, { username: 'z2m', password: 'p:ss w@rd' });
    try {
      const none = await refusal(broker.url);
      assert.ok(none, 'a client without credentials is refused');
      assert.equal(none.code, 4, 'bad user name or password');
      assert.ok(await refusal(broker.url, { username: 'z2m', password: 'wrong' }), 'a wrong password');
      assert.ok(await refusal(broker.url, { username: 'other', password: 'p:ss w@rd' }), 'a wrong user');
      assert.equal(await refusal(broker.url, { username: 'z2m', password: 'p:ss w@rd' }), undefined);
      // In the URL (as SHIPSHAPE_MQTT_URL may give them), percent-encoded; they win over the options.
      const inUrl = broker.url.replace('mqtt://', 'mqtt://z2m:p%3Ass%20w%40rd@');
      assert.equal(await refusal(inUrl), undefined);
      assert.equal(await refusal(inUrl, { username: 'z2m', password: 'wrong' }), undefined);
      assert.ok(await refusal(broker.url.replace('mqtt://', 'mqtt://z2m:wrong@')));
    } finally {
      await broker.close();
    }
  });

  it('without credentials on the loopback, lets clients in as before', async () => {
    const broker = await startEmbeddedBroker('127.0.0.1', 0);
    try {
      assert.equal(await refusal(broker.url), undefined);
    } finally {
      await broker.close();
    }
  });
});

const [store] = storeKinds();
describe(`doors behind a password-protected embedded broker on every address (${store})`, () => {
  let t: DoorTestApp;
  let sim: DoorSimulator | undefined;
  const env = {
    SHIPSHAPE_MQTT_HOST: '0.0.0.0',
    SHIPSHAPE_MQTT_USERNAME: 'shipshape',
    SHIPSHAPE_MQTT_PASSWORD: 'a long secret',
  };

  before(async () => {
    t = await startDoorApp(store!, 'embedded', { env });
  });
  after(async () => {
    await sim?.close();
    await t?.close();
  });

  it("the server's link and a simulator with the credentials work; an anonymous lock cannot connect", async () => {
    assert.deepEqual(t.hook.brokerCredentials(), { username: 'shipshape', password: 'a long secret' });
    const owner = await t.buildMember({ displayName: 'Lt Sato' });
    const cabin = await buildSpace(t, { kind: 'cabin', access: 'owner', ownerId: owner.id, capacity: 1 });
    const topic = t.topic('cabin-9');
    const created = await t.request('POST', '/api/v1/doors', {
      as: t.admin,
      body: { spaceId: cabin, topic, hasContact: true },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    await assert.rejects(DoorSimulator.start(t.brokerUrl, [{ topic }], {}).then((s) => s.close()));
    sim = await DoorSimulator.start(t.brokerUrl, [{ topic }], { credentials: t.hook.brokerCredentials() });
    await waitFor('the lock to report', async () => {
      const d = await t.request('GET', `/api/v1/doors/${created.body.id}`, { as: owner });
      return d.body.state === 'locked';
    });
    const res = await t.request('POST', `/api/v1/doors/${created.body.id}/unlock`, { as: owner, body: {} });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    await waitFor('the unlock to be confirmed', async () => {
      const d = await t.request('GET', `/api/v1/doors/${created.body.id}`, { as: owner });
      return d.body.requests.find((r: { id: string }) => r.id === res.body.requestId)?.status === 'confirmed';
    });
    assert.equal(sim.locks.get(topic)!.lockState, 'unlocked');
  });
});
