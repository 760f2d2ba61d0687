import { randomBytes } from 'node:crypto';
import { readConfig } from '../../src/config.ts';
import type { Clock } from '../../src/domain/clock.ts';
import { type DoorsHook, doorsHook } from '../../src/features/doors/hook.ts';
import { DoorSimulator } from '../../src/features/doors/simulator.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import type { StoreKind } from '../support/store.ts';

/** The brokers every door test runs against: the embedded one (aedes) and the machine's Mosquitto. */
export type BrokerKind = 'embedded' | 'mosquitto';
export const brokerKinds: BrokerKind[] = ['embedded', 'mosquitto'];
export const mosquittoUrl = process.env.TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883';

export interface DoorTestApp extends TestApp {
  hook: DoorsHook;
  brokerUrl: string;
  /** A topic no other test run on the same broker uses. */
  topic(name: string): string;
}

/** The test app with the doors hook running against the given broker (port 0 for the embedded one). */
export async function startDoorApp(
  store: StoreKind,
  broker: BrokerKind,
  opts: { clock?: Clock; env?: NodeJS.ProcessEnv } = {},
): Promise<DoorTestApp> {
  const env = {
    SHIPSHAPE_MQTT_PORT: '0',
    SHIPSHAPE_DOOR_CONFIRM_SECONDS: '2',
    ...(broker === 'mosquitto' ? { SHIPSHAPE_MQTT_URL: mosquittoUrl } : {}),
    ...opts.env,
  };
  const t = await startTestApp(store, { ...(opts.clock ? { clock: opts.clock } : {}), env });
  const hook = doorsHook();
  await hook.start({ db: t.db, clock: t.clock, config: configOf(env), log: t.app.log });
  const run = randomBytes(4).toString('hex');
  const close = t.close;
  return {
    ...t,
    hook,
    brokerUrl: hook.brokerUrl()!,
    topic: (name) => `shipshape-test/${run}/${name}`,
    async close() {
      await hook.stop();
      await close();
    },
  };
}

function configOf(env: NodeJS.ProcessEnv) {
  return readConfig({ SHIPSHAPE_LOGIN_RATE_LIMIT: '1000', ...env });
}

/** Polls `check` until it answers a truthy value, or fails after `ms`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  ms = 5000,
): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export { DoorSimulator };
