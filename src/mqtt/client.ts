import type { Socket } from 'node:net';
import type { IClientOptions, MqttClient } from 'mqtt';

export type { MqttClient };

/**
 * Connects to a broker with the options every Shipshape client uses: a clean session (the state it
 * needs comes back as retained messages on subscribe) and a reconnect every second while the broker
 * is away.
 */
export async function connectMqtt(url: string, opts: IClientOptions = {}): Promise<MqttClient> {
  const { url: bare, credentials } = splitCredentials(url);
  // Loaded on the first connection, not with the program: most CLI commands never connect.
  const { connectAsync } = await import('mqtt');
  const client = await connectAsync(bare, {
    clean: true,
    reconnectPeriod: 1000,
    connectTimeout: 5000,
    ...opts,
    // A user name and password in the URL win over the options (SHIPSHAPE_MQTT_URL names its broker's).
    ...credentials,
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

/**
 * Takes a user name and password out of a broker URL, percent-decoded (mqtt.js would split a password
 * holding ":" in the wrong place).
 */
function splitCredentials(url: string): { url: string; credentials: MqttCredentials } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { url, credentials: {} };
  }
  if (!u.username && !u.password) return { url, credentials: {} };
  const credentials = {
    username: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
  };
  u.username = '';
  u.password = '';
  return { url: u.toString(), credentials };
}
