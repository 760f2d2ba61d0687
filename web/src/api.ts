/**
 * The Shipshape HTTP API as the web app calls it: one typed client (openapi-fetch) over the types
 * generated from the server's OpenAPI document (src/generated/api.ts, `npm run gen:api`). No type
 * of the API is written here by hand; the aliases below only name answers the generated file holds.
 */
import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from '../../src/generated/api.ts';

type Json<T> = T extends { content: { 'application/json': infer J } } ? J : never;
/** The JSON a path and method answer on success (200 or 201). */
export type Answer<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends {
  responses: infer R;
}
  ? R extends { 200: infer A }
    ? Json<A>
    : R extends { 201: infer A }
      ? Json<A>
      : never
  : never;
/** The JSON body a path and method take. */
export type Body<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends {
  requestBody?: infer B;
}
  ? Json<NonNullable<B>>
  : never;

export type Me = Answer<'/api/v1/me', 'get'>;
export type Site = Answer<'/api/v1/site', 'get'>;
export type Space = Answer<'/api/v1/spaces/{id}', 'get'>;
export type Squad = Answer<'/api/v1/squads/{id}', 'get'>;
export type Booking = Answer<'/api/v1/bookings/{id}', 'get'>;
export type Door = Answer<'/api/v1/doors', 'get'>['items'][number];
export type Notice = Answer<'/api/v1/notifications', 'get'>['items'][number];

/** A refusal as the server words it (RFC 9457); some codes add fields of their own (freeAt, conflicts). */
export type Problem = Json<paths['/api/v1/bookings/{id}']['get']['responses'][400]> & Record<string, unknown>;

/** A failed call: the problem+json document the server answered, or a stand-in for a network failure. */
export class ApiError extends Error {
  readonly problem: Problem;
  constructor(problem: Problem) {
    super(problem.detail || problem.title || `Request failed (${problem.status})`);
    this.problem = problem;
  }
  get status(): number {
    return this.problem.status;
  }
  /** The form field the server blamed, without its "body." prefix: "start", "participants.members.0". */
  get field(): string | undefined {
    const f = typeof this.problem.field === 'string' ? this.problem.field : '';
    return f.replace(/^(body|querystring|params)\.?/, '') || undefined;
  }
}

interface Prefetch {
  me?: Promise<Response>;
  site?: Promise<Response>;
  spaces?: Promise<Response>;
  squads?: Promise<Response>;
  bookings?: { from: string; to: string; res: Promise<Response> };
}

/**
 * Answers a first-load call that index.html already started, once; later calls go to the network.
 * The bookings it fetched around now answer a schedule whose range they cover, cut to that range.
 */
const prefetched: Middleware = {
  async onRequest({ request, schemaPath, params }) {
    if (request.method !== 'GET') return undefined;
    const p = (window as unknown as { __shipshapePrefetch?: Prefetch }).__shipshapePrefetch;
    if (!p) return undefined;
    const key = schemaPath.replace('/api/v1/', '');
    if (key === 'me' || key === 'site' || key === 'spaces' || key === 'squads') {
      const r = p[key];
      delete p[key];
      return r?.then((res) => res.clone()).catch(() => undefined);
    }
    const b = p.bookings;
    if (key !== 'bookings' || !b) return undefined;
    delete p.bookings;
    const q = params.query ?? {};
    const from = String(q.from ?? '');
    const to = String(q.to ?? '');
    if (Object.keys(q).some((k) => k !== 'from' && k !== 'to' && k !== 'limit')) return undefined;
    if (!from || !to || b.from > from || b.to < to) return undefined;
    try {
      const res = await b.res;
      if (!res.ok) return undefined;
      const page = (await res.json()) as {
        items: { start: string; end: string }[];
        nextCursor: string | null;
      };
      if (page.nextCursor) return undefined;
      const items = page.items.filter((x) => x.end > from && x.start < to);
      return new Response(JSON.stringify({ items, nextCursor: null }), {
        status: 200,
        headers: { 'content-type': 'application/json' },
      });
    } catch {
      return undefined;
    }
  },
};

/** The one client of the API; the session cookie goes with every call. */
export const client = createClient<paths>({
  credentials: 'same-origin',
  headers: { accept: 'application/json' },
});
client.use(prefetched);

interface Result<D> {
  data?: D;
  error?: unknown;
  response: Response;
}

/** Awaits a client call: answers its data, or throws an ApiError with the server's problem. */
export async function must<D>(call: Promise<Result<D>>): Promise<D> {
  let r: Result<D>;
  try {
    r = await call;
  } catch {
    throw new ApiError({
      type: 'about:blank',
      code: 'network',
      status: 0,
      title: 'Network error',
      detail: 'The server could not be reached',
    });
  }
  if (!r.response.ok) {
    const e = r.error && typeof r.error === 'object' ? (r.error as Record<string, unknown>) : {};
    throw new ApiError({
      type: 'about:blank',
      code: 'unknown',
      title: r.response.statusText,
      detail: '',
      ...e,
      status: r.response.status,
    } as Problem);
  }
  return r.data as D;
}

/** Reads every page of a keyset-paged list: `page(cursor)` is one client call. */
export async function allPages<T>(
  page: (cursor: string | undefined) => Promise<Result<{ items: T[]; nextCursor: string | null }>>,
): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 50; i++) {
    const r = await must(page(cursor));
    items.push(...r.items);
    if (!r.nextCursor) break;
    cursor = r.nextCursor;
  }
  return items;
}

/** An If-Match header for a versioned object. */
/** An error in words for the person: the server's own detail, or that it could not be reached. */
export function errorText(err: unknown): string {
  return err instanceof ApiError
    ? err.problem.detail || err.message
    : 'The server could not be reached; try again.';
}

export const ifMatch = (version: number) => ({ 'if-match': `"${version}"` });
