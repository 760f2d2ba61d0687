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
  };
}
