import { resolve } from 'node:path';

/** Everything Shipshape reads from the environment, in one place (the README lists each). */
export interface Config {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  adminEmail: string | undefined;
  adminPassword: string | undefined;
  logLevel: string;
  /** Login attempts allowed per client address and email per minute. */
  loginRateLimit: number;
  /** Cookies get the Secure flag when the app is served over https. */
  secureCookies: boolean;
  /** An external MQTT broker for the door locks; unset = the embedded broker. */
  mqttUrl: string | undefined;
  /** Where the embedded broker listens (port 0 picks a free one). */
  mqttHost: string;
  mqttPort: number;
  /** How long a lock has to confirm a command before the request times out. */
  doorConfirmMs: number;
  /** A door that sent nothing for this long shows as unknown (0 = never stale). */
  doorStaleSeconds: number;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = Number(env.PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`PORT must be a port number, got ${env.PORT}`);
  return {
    port,
    host: env.HOST ?? '0.0.0.0',
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: resolve(env.SHIPSHAPE_DATA_DIR ?? './data'),
    adminEmail: env.SHIPSHAPE_ADMIN_EMAIL || undefined,
    adminPassword: env.SHIPSHAPE_ADMIN_PASSWORD || undefined,
    logLevel: env.LOG_LEVEL ?? 'info',
    loginRateLimit: Number(env.SHIPSHAPE_LOGIN_RATE_LIMIT ?? 10),
    secureCookies: env.SHIPSHAPE_SECURE_COOKIES === 'true',
    mqttUrl: env.SHIPSHAPE_MQTT_URL || undefined,
    mqttHost: env.SHIPSHAPE_MQTT_HOST ?? '127.0.0.1',
    // A server asked to pick a free port (PORT=0, as tests do) picks a free broker port too.
    mqttPort: numberIn(env, 'SHIPSHAPE_MQTT_PORT', port === 0 ? 0 : 1884, 0, 65535),
    doorConfirmMs: Math.round(numberIn(env, 'SHIPSHAPE_DOOR_CONFIRM_SECONDS', 10, 0.05, 600) * 1000),
    doorStaleSeconds: numberIn(env, 'SHIPSHAPE_DOOR_STALE_SECONDS', 3600, 0, 30 * 86400),
  };
}

/** A number from the environment within [min, max], or the default when unset. */
function numberIn(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max)
    throw new Error(`${name} must be a number from ${min} to ${max}, got ${raw}`);
  return value;
}
