import { randomBytes } from 'node:crypto';
import type { Config } from '../../config.ts';
import type { HookContext, ServerHook } from '../../jobs/server-hook.ts';
import {
  type BrokerCredentials,
  type EmbeddedBroker,
  isLoopback,
  startEmbeddedBroker,
} from '../../mqtt/broker.ts';
import { connectMqtt, credentialOptions, type MqttCredentials } from '../../mqtt/client.ts';
import { DoorLink, setDoorLink } from './link.ts';

/** How often a process looks for doors added or retopiced by another process. */
const syncEveryMs = 10_000;

export interface DoorsHook extends ServerHook {
  /** The broker the link uses (the embedded one's URL when it runs). */
  brokerUrl(): string | undefined;
  /** The user name and password the link gives that broker (none when unset). */
  brokerCredentials(): MqttCredentials;
  link(): DoorLink | undefined;
}

/**
 * What the embedded broker requires of its clients: the configured user name and password; none on
 * the loopback without them. Listening beyond the loopback without them would let anyone on the
 * network open a cabin (publish `<base>/set`), so that is refused.
 */
export function embeddedBrokerCredentials(config: Config): BrokerCredentials | undefined {
  if (config.mqttUsername !== undefined && config.mqttPassword !== undefined)
    return { username: config.mqttUsername, password: config.mqttPassword };
  if (!isLoopback(config.mqttHost))
    throw new Error(
      `The embedded MQTT broker would listen on ${config.mqttHost}, beyond this machine, without a password: anyone on the network could open the doors. Set SHIPSHAPE_MQTT_USERNAME and SHIPSHAPE_MQTT_PASSWORD (the locks' bridge, e.g. Zigbee2MQTT, connects with them), or SHIPSHAPE_MQTT_HOST=127.0.0.1`,
    );
  return undefined;
}

/**
 * Connects the server to the door locks: runs the embedded MQTT broker unless SHIPSHAPE_MQTT_URL
 * names one, then the DoorLink that applies the locks' reports and sends commands.
 */
export function doorsHook(): DoorsHook {
  let broker: EmbeddedBroker | undefined;
  let link: DoorLink | undefined;
  let url: string | undefined;
  let credentials: MqttCredentials = {};
  let timer: NodeJS.Timeout | undefined;
  let db: HookContext['db'] | undefined;
  return {
    name: 'doors',
    brokerUrl: () => url,
    brokerCredentials: () => credentials,
    link: () => link,
    async start(ctx: HookContext) {
      db = ctx.db;
      if (!ctx.config.mqttUrl) {
        const required = embeddedBrokerCredentials(ctx.config);
        broker = await startEmbeddedBroker(ctx.config.mqttHost, ctx.config.mqttPort, required);
        ctx.log.info(
          { url: broker.url, passwordRequired: required !== undefined },
          'embedded MQTT broker for the door locks',
        );
      }
      url = ctx.config.mqttUrl ?? broker!.url;
      credentials = credentialOptions(ctx.config.mqttUsername, ctx.config.mqttPassword);
      const client = await connectMqtt(url, {
        clientId: `shipshape-${process.pid}-${randomBytes(4).toString('hex')}`,
        ...credentials,
      });
      client.on('error', (err) => ctx.log.warn({ err }, 'MQTT connection error'));
      link = new DoorLink(client, ctx.db, ctx.clock, ctx.log, { confirmMs: ctx.config.doorConfirmMs });
      await link.start();
      setDoorLink(ctx.db, link);
      timer = setInterval(() => {
        link?.syncTopics().catch((err: unknown) => ctx.log.warn({ err }, 'door topics: sync failed'));
      }, syncEveryMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      if (db) setDoorLink(db, undefined);
      await link?.close();
      await broker?.close();
      link = undefined;
      broker = undefined;
    },
  };
}
