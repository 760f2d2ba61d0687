import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import createClient, { type Client } from 'openapi-fetch';
import type { paths } from '../generated/api.ts';
import { CliError } from './io.ts';

/** Where `shipshape login` keeps the server's URL and a bearer token (mode 0600). */
export function credentialsPath(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(base, 'shipshape', 'credentials.json');
}

export interface Credentials {
  url: string;
  token: string;
}

export function saveCredentials(env: NodeJS.ProcessEnv, creds: Credentials): string {
  const path = credentialsPath(env);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, `${JSON.stringify(creds, null, 2)}\n`, { mode: 0o600 });
  return path;
}

/** SHIPSHAPE_URL and SHIPSHAPE_TOKEN win over the saved file, so scripts need no login. */
export function loadCredentials(env: NodeJS.ProcessEnv): Credentials {
  let saved: Partial<Credentials> = {};
  try {
    saved = JSON.parse(readFileSync(credentialsPath(env), 'utf8'));
  } catch {
    // No saved login: the environment must provide both.
  }
  const url = env.SHIPSHAPE_URL || saved.url;
  const token = env.SHIPSHAPE_TOKEN || saved.token;
  if (!url || !token)
    throw new CliError('Not signed in: run `shipshape login`, or set SHIPSHAPE_URL and SHIPSHAPE_TOKEN');
  return { url, token };
}

/** A problem+json answer, or a transport failure, as one readable line. */
export class ApiError extends CliError {
  constructor(
    message: string,
    readonly status: number,
    readonly problem: Record<string, unknown> | undefined,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The one typed client of the HTTP API (openapi-fetch over the generated src/generated/api.ts). */
export type Api = Client<paths>;

/**
 * A client for the server at `url`: bearer token, JSON in and out, a fresh Idempotency-Key on every
 * POST (so a retried command never books twice), and a transport failure thrown as one ApiError.
 * A call may send its own `authorization` header (login uses the session token once).
 */
export function createApi(url: string, token: string | undefined): Api {
  const api = createClient<paths>({
    baseUrl: url,
    headers: { accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
  });
  api.use({
    onRequest({ request }) {
      if (request.method === 'POST' && !request.headers.has('idempotency-key'))
        request.headers.set('idempotency-key', randomUUID());
      return request;
    },
    onError({ error }) {
      const cause =
        (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message ?? String(error);
      return new ApiError(`Cannot reach ${url} (${cause})`, 0, undefined);
    },
  });
  return api;
}

/** The answer of a call, or its problem+json thrown as an ApiError naming the detail and the field. */
export async function answer<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok || error !== undefined) {
    const problem = error && typeof error === 'object' ? (error as Record<string, unknown>) : undefined;
    const detail =
      typeof problem?.detail === 'string' ? problem.detail : `${response.status} ${response.statusText}`;
    const field = typeof problem?.field === 'string' ? ` [${problem.field}]` : '';
    throw new ApiError(`${detail}${field}`, response.status, problem);
  }
  // An empty answer (204) has no data; the operations that give one are typed as never answering data.
  return data as T;
}

/** Every item of a paged list: `page` fetches one page from a cursor (undefined: the first). */
export async function allPages<T>(
  page: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor?: string | null }>,
): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const got = await page(cursor);
    items.push(...got.items);
    cursor = got.nextCursor ?? undefined;
  } while (cursor);
  return items;
}

/** The client of the signed-in server (saved login, or SHIPSHAPE_URL and SHIPSHAPE_TOKEN). */
export function signedInApi(env: NodeJS.ProcessEnv): Api {
  const creds = loadCredentials(env);
  return createApi(creds.url, creds.token);
}

type JsonOf<R> = R extends { content: { 'application/json': infer T } } ? T : never;

/** The JSON of an operation's success (200 or 201), e.g. `Json<'/api/v1/bookings/{id}', 'get'>`. */
export type Json<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends {
  responses: infer R;
}
  ? R extends { 200: infer A }
    ? JsonOf<A>
    : R extends { 201: infer C }
      ? JsonOf<C>
      : never
  : never;

/** A booking as the API answers it. */
export type Booking = Json<'/api/v1/bookings/{id}', 'get'>;
