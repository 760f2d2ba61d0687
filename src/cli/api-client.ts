import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
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

/** A thin client of the HTTP API: bearer token, JSON in and out, problems thrown as ApiError. */
export class ApiClient {
  constructor(
    readonly url: string,
    readonly token: string | undefined,
  ) {}

  async call<T = unknown>(
    method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
    path: string,
    opts: { body?: unknown; query?: Record<string, string | undefined>; token?: string } = {},
  ): Promise<T> {
    const target = new URL(`/api/v1${path}`, this.url);
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) target.searchParams.set(k, v);
    const headers: Record<string, string> = { accept: 'application/json' };
    const token = opts.token ?? this.token;
    if (token) headers.authorization = `Bearer ${token}`;
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    // Every POST carries a fresh key, so a retried command never books twice.
    if (method === 'POST') headers['idempotency-key'] = randomUUID();
    let res: Response;
    try {
      res = await fetch(target, {
        method,
        headers,
        ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
      throw new ApiError(`Cannot reach ${this.url} (${cause})`, 0, undefined);
    }
    const text = await res.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    if (!res.ok) {
      const problem = body && typeof body === 'object' ? (body as Record<string, unknown>) : undefined;
      const detail = typeof problem?.detail === 'string' ? problem.detail : `${res.status} ${res.statusText}`;
      const field = typeof problem?.field === 'string' ? ` [${problem.field}]` : '';
      throw new ApiError(`${detail}${field}`, res.status, problem);
    }
    return body as T;
  }

  /** Follows nextCursor until the list ends. */
  async all<T = unknown>(path: string, query: Record<string, string | undefined> = {}): Promise<T[]> {
    const items: T[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.call<{ items: T[]; nextCursor: string | null }>('GET', path, {
        query: { ...query, limit: '500', ...(cursor ? { cursor } : {}) },
      });
      items.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return items;
  }
}
