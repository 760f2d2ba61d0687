import { randomBytes } from 'node:crypto';
import type { HookContext, ServerHook } from '../../jobs/server-hook.ts';
import { type EmbeddedBroker, startEmbeddedBroker } from '../../mqtt/broker.ts';
import { connectMqtt } from '../../mqtt/client.ts';
import { DoorLink, setDoorLink } from './link.ts';

/** How often a process looks for doors added or retopiced by another process. */
const syncEveryMs = 10_000;

export interface DoorsHook extends ServerHook {
  /** The broker the link uses (the embedded one's URL when it runs). */
  brokerUrl(): string | undefined;
  link(): DoorLink | undefined;
}

/**
 * Connects the server to the door locks: runs the embedded MQTT broker unless SHIPSHAPE_MQTT_URL
 * names one, then the DoorLink that applies the locks' reports and sends commands.
 */
export function doorsHook(): DoorsHook {
  let broker: EmbeddedBroker | undefined;
  let link: DoorLink | undefined;
  let url: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let db: HookContext['db'] | undefined;
  return {
    name: 'doors',
    brokerUrl: () => url,
    link: () => link,
    async start(ctx: HookContext) {
      db = ctx.db;
      if (!ctx.config.mqttUrl) {
        broker = await startEmbeddedBroker(ctx.config.mqttHost, ctx.config.mqttPort);
        ctx.log.info({ url: broker.url }, 'embedded MQTT broker for the door locks');
      }
      url = ctx.config.mqttUrl ?? broker!.url;
      const client = await connectMqtt(url, {
        clientId: `shipshape-${process.pid}-${randomBytes(4).toString('hex')}`,
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
