import { createServer, type Server } from 'node:net';
import { Aedes } from 'aedes';

/** The in-process MQTT broker the server runs when no external one is configured. */
export interface EmbeddedBroker {
  /** mqtt://host:port as a client connects to it. */
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Starts an aedes broker on host:port (0 picks a free port). It keeps retained messages in memory,
 * which is what a lock's retained state and availability need while the server runs.
 */
export async function startEmbeddedBroker(host: string, port: number): Promise<EmbeddedBroker> {
  const broker = await Aedes.createBroker();
  // No Nagle delay on the locks' small packets (see connectMqtt).
  const server: Server = createServer({ noDelay: true }, broker.handle);
  await new Promise<void>((resolve, reject) => {
    const fail = (err: NodeJS.ErrnoException) => {
      broker.close();
      reject(
        err.code === 'EADDRINUSE'
          ? new Error(
              `The embedded MQTT broker cannot listen on ${host}:${port} (in use); set SHIPSHAPE_MQTT_PORT, or SHIPSHAPE_MQTT_URL to use that broker`,
            )
          : err,
      );
    };
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      resolve();
    });
  });
  const address = server.address();
  const actual = typeof address === 'object' && address ? address.port : port;
  const shown = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return {
    url: `mqtt://${shown}:${actual}`,
    port: actual,
    close: async () => {
      // Clients are disconnected by the broker's close; the listener stops accepting first.
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        broker.close();
      });
    },
  };
}
