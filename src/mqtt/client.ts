import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';

export type { MqttClient };

/**
 * Connects to a broker with the options every Shipshape client uses: a clean session (the state it
 * needs comes back as retained messages on subscribe) and a reconnect every second while the broker
 * is away.
 */
export async function connectMqtt(url: string, opts: IClientOptions = {}): Promise<MqttClient> {
  return connectAsync(url, {
    clean: true,
    reconnectPeriod: 1000,
    connectTimeout: 5000,
    ...opts,
  });
}
