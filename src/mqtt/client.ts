import type { Socket } from 'node:net';
import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';

export type { MqttClient };

/**
 * Connects to a broker with the options every Shipshape client uses: a clean session (the state it
 * needs comes back as retained messages on subscribe) and a reconnect every second while the broker
 * is away.
 */
export async function connectMqtt(url: string, opts: IClientOptions = {}): Promise<MqttClient> {
  const client = await connectAsync(url, {
    clean: true,
    reconnectPeriod: 1000,
    connectTimeout: 5000,
    ...opts,
  });
  // A command and its confirmation are small packets each waiting for the other side: without
  // TCP_NODELAY, Nagle's algorithm and delayed ACKs add about 40 ms to every hop.
  const noDelay = () => (client.stream as Partial<Socket>).setNoDelay?.(true);
  noDelay();
  client.on('connect', noDelay);
  return client;
}

/** The user name and password a client gives the broker (none when unset). */
export interface MqttCredentials {
  username?: string;
  password?: string;
}

/**
 * The client options for the configured credentials. A user name and password in the broker's URL
 * win over these (mqtt.js reads the URL's last).
 */
export function credentialOptions(username?: string, password?: string): MqttCredentials {
  return username !== undefined && password !== undefined ? { username, password } : {};
}
