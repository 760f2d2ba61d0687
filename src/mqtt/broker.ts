import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, isIP, type Server } from 'node:net';
import type { AuthenticateError } from 'aedes';

/** The in-process MQTT broker the server runs when no external one is configured. */
export interface EmbeddedBroker {
  /** mqtt://host:port as a client connects to it (without the credentials). */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** The username and password every client of the broker must give. */
export interface BrokerCredentials {
  username: string;
  password: string;
}

/** Whether an address to listen on is reachable from this machine only. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

/** Compares two secrets in constant time (hashes, so their lengths do not show). */
function sameSecret(given: string | Buffer | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * Starts an aedes broker on host:port (0 picks a free port). It keeps retained messages in memory,
 * which is what a lock's retained state and availability need while the server runs. With
 * credentials, a client that does not give both is refused (CONNACK "bad user name or password").
 */
export async function startEmbeddedBroker(
  host: string,
  port: number,
  credentials?: BrokerCredentials,
): Promise<EmbeddedBroker> {
  // Loaded here, not at start: a CLI command that runs no broker does not pay for it.
  const { Aedes } = await import('aedes');
  const broker = await Aedes.createBroker(
    credentials
      ? {
          authenticate: (_client, username, password, done) => {
            const userOk = sameSecret(username, credentials.username);
            const passwordOk = sameSecret(password, credentials.password);
            if (userOk && passwordOk) return done(null, true);
            const err = new Error('Bad user name or password') as AuthenticateError;
            err.returnCode = 4;
            done(err, false);
          },
        }
      : {},
  );
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
