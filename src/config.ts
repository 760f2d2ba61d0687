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
  /** Failed sign-ins for one email before it is locked (then backoff from a minute, doubling). */
  loginRateLimit: number;
  /** Failed sign-ins from one client address, any emails, before the address is locked. */
  loginAddressLimit: number;
  /** Fastify's trustProxy: whether (or which, or how many) proxies' X-Forwarded-For to believe. */
  trustProxy: boolean | number | string[];
  /** The whole request, headers and body, must arrive within this; a slower one is cut off (408). */
  requestTimeoutMs: number;
  /** Connections one client address may hold open at once. */
  maxConnectionsPerAddress: number;
  /** How long a resolved session or token is reused without a lookup (SHIPSHAPE_AUTH_CACHE_MS). */
  authCacheMs: number;
  /** Cookies get the Secure flag when the app is served over https. */
  secureCookies: boolean;
  /** The longest a statement waits for a lock on the PostgreSQL server (lock_timeout); 0 = no bound. */
  lockTimeoutMs: number;
  /** The longest a request waits for a connection of the store (pool or PGlite); 0 = no bound. */
  storeWaitMs: number;
  /** An external MQTT broker for the door locks; unset = the embedded broker. */
  mqttUrl: string | undefined;
  /** Where the embedded broker listens (port 0 picks a free one). */
  mqttHost: string;
  mqttPort: number;
  /**
   * The user name and password of the MQTT link (SHIPSHAPE_MQTT_USERNAME/_PASSWORD): the embedded
   * broker requires them of every client when set (and must have them when it listens beyond the
   * loopback); the server and `door-sim` give them to whichever broker they use.
   */
  mqttUsername: string | undefined;
  mqttPassword: string | undefined;
  /** How long a lock has to confirm a command before the request times out. */
  doorConfirmMs: number;
  /** A door that sent nothing for this long shows as unknown (0 = never stale). */
  doorStaleSeconds: number;
  /** The address clients reach the server at (feed links, links in mail); else taken from the request. */
  publicUrl: string | undefined;
  /** Fetches of one calendar feed allowed per minute. */
  feedRateLimit: number;
  /** SMTP server for email notices (smtp:// or smtps:// URL); undefined = email off. */
  smtpUrl: string | undefined;
  /** The From address of email notices. */
  mailFrom: string;
  /** Webhooks may target private and loopback addresses (tests, a closed network). */
  webhookAllowPrivate: boolean;
  /** When set, GET /metrics needs `Authorization: Bearer <this>`. */
  metricsToken: string | undefined;
}

/**
 * SHIPSHAPE_AUTH_CACHE_MS (default 2000, 0 = off). Read on its own too: the caller cache is a module
 * of the auth feature, set up before any config object exists.
 */
export function readAuthCacheMs(env: NodeJS.ProcessEnv = process.env): number {
  const ms = Number(env.SHIPSHAPE_AUTH_CACHE_MS ?? 2000);
  return Number.isFinite(ms) && ms >= 0 ? ms : 2000;
}

function positiveInt(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`${name} must be a whole number of at least 1, got ${value}`);
  return n;
}

/** `true`/`false`, a number of hops, or a comma-separated list of proxy addresses or CIDR ranges. */
function parseTrustProxy(value: string | undefined): boolean | number | string[] {
  if (value === undefined || value === '' || value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value);
  return value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
}

function milliseconds(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 600_000)
    throw new Error(`${name} must be a whole number of milliseconds from 0 to 600000, got ${raw}`);
  return n;
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
    loginRateLimit: positiveInt(env.SHIPSHAPE_LOGIN_RATE_LIMIT, 10, 'SHIPSHAPE_LOGIN_RATE_LIMIT'),
    loginAddressLimit: positiveInt(env.SHIPSHAPE_LOGIN_ADDRESS_LIMIT, 100, 'SHIPSHAPE_LOGIN_ADDRESS_LIMIT'),
    trustProxy: parseTrustProxy(env.SHIPSHAPE_TRUST_PROXY),
    requestTimeoutMs: positiveInt(env.SHIPSHAPE_REQUEST_TIMEOUT_MS, 30_000, 'SHIPSHAPE_REQUEST_TIMEOUT_MS'),
    maxConnectionsPerAddress: positiveInt(
      env.SHIPSHAPE_MAX_CONNECTIONS_PER_ADDRESS,
      128,
      'SHIPSHAPE_MAX_CONNECTIONS_PER_ADDRESS',
    ),
    authCacheMs: readAuthCacheMs(env),
    secureCookies: env.SHIPSHAPE_SECURE_COOKIES === 'true',
    mqttUrl: env.SHIPSHAPE_MQTT_URL || undefined,
    mqttHost: env.SHIPSHAPE_MQTT_HOST ?? '127.0.0.1',
    // A server asked to pick a free port (PORT=0, as tests do) picks a free broker port too.
    mqttPort: numberIn(env, 'SHIPSHAPE_MQTT_PORT', port === 0 ? 0 : 1884, 0, 65535),
    ...mqttCredentials(env),
    doorConfirmMs: Math.round(numberIn(env, 'SHIPSHAPE_DOOR_CONFIRM_SECONDS', 10, 0.05, 600) * 1000),
    doorStaleSeconds: numberIn(env, 'SHIPSHAPE_DOOR_STALE_SECONDS', 3600, 0, 30 * 86400),
    lockTimeoutMs: milliseconds(env, 'SHIPSHAPE_LOCK_TIMEOUT_MS', 10_000),
    storeWaitMs: milliseconds(env, 'SHIPSHAPE_STORE_WAIT_MS', 10_000),
    publicUrl: env.SHIPSHAPE_PUBLIC_URL?.replace(/\/+$/, '') || undefined,
    feedRateLimit: Number(env.SHIPSHAPE_FEED_RATE_LIMIT ?? 60),
    smtpUrl: env.SHIPSHAPE_SMTP_URL || undefined,
    mailFrom: env.SHIPSHAPE_MAIL_FROM || 'Shipshape <shipshape@localhost>',
    webhookAllowPrivate: env.SHIPSHAPE_WEBHOOK_ALLOW_PRIVATE === 'true',
    metricsToken: env.SHIPSHAPE_METRICS_TOKEN || undefined,
  };
}

function mqttCredentials(env: NodeJS.ProcessEnv): {
  mqttUsername: string | undefined;
  mqttPassword: string | undefined;
} {
  const mqttUsername = env.SHIPSHAPE_MQTT_USERNAME || undefined;
  const mqttPassword = env.SHIPSHAPE_MQTT_PASSWORD || undefined;
  if ((mqttUsername === undefined) !== (mqttPassword === undefined))
    throw new Error(
      `Set both SHIPSHAPE_MQTT_USERNAME and SHIPSHAPE_MQTT_PASSWORD, or neither (${mqttUsername ? 'the password' : 'the user name'} is missing)`,
    );
  return { mqttUsername, mqttPassword };
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

/** The host part of calendar UIDs and message ids: stable per deployment, so calendars match them up. */
export function publicHost(config: Config): string {
  if (!config.publicUrl) return 'shipshape.local';
  try {
    return new URL(config.publicUrl).hostname || 'shipshape.local';
  } catch {
    return 'shipshape.local';
  }
}
