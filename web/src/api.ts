/** The Shipshape HTTP API, as the web app uses it. Every call goes through `api()`. */

export interface Problem {
  type?: string;
  title?: string;
  status: number;
  detail?: string;
  code?: string;
  field?: string;
  conflicts?: Conflict[];
  [key: string]: unknown;
}

export interface Conflict {
  id?: string | null;
  title?: string | null;
  start?: string;
  end?: string;
  busy?: boolean;
  spaceId?: string;
  [key: string]: unknown;
}

/** A participant already in an overlapping session (409 member-conflict), as far as the caller may see it. */
export interface MemberConflict {
  member: { id: string; displayName: string };
  booking: Conflict & { start: string; end: string; busy: boolean; title: string };
}

/** A failed call: the problem+json document the server answered, or a stand-in for a network failure. */
export class ApiError extends Error {
  readonly problem: Problem;
  constructor(problem: Problem) {
    super(problem.detail ?? problem.title ?? `Request failed (${problem.status})`);
    this.problem = problem;
  }
  get status(): number {
    return this.problem.status;
  }
  /** The form field the server blamed, without its "body." prefix: "start", "participants.members.0". */
  get field(): string | undefined {
    return this.problem.field?.replace(/^(body|querystring|params)\.?/, '') || undefined;
  }
}

export interface Me {
  id: string;
  siteId: string;
  email: string;
  displayName: string;
  rank: string;
  role: 'admin' | 'member';
  squads: { id: string; name: string; leader: boolean }[];
  /** After an admin reset the password: the member sets a new one before anything else. */
  mustChangePassword?: boolean;
}

export interface Site {
  id: string;
  name: string;
  timeZone: string;
  quietHours: { start: string; end: string } | null;
  horizonDays?: number;
  adjacencyMinutes?: number;
}

export interface Space {
  id: string;
  name: string;
  kind: string;
  capacity: number;
  [key: string]: unknown;
}

export interface Ref {
  id: string;
  displayName?: string;
  name?: string;
}

export interface Booking {
  id: string;
  spaceId: string;
  title: string | null;
  start: string;
  end: string;
  headcount?: number;
  visibility?: 'public' | 'private';
  status?: string;
  organizer?: { id: string; displayName: string } | null;
  participants?: { members: { id: string; displayName: string }[]; squads: { id: string; name: string }[] };
  version?: number;
  busy?: boolean;
  seriesId?: string | null;
  [key: string]: unknown;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

interface Prefetch {
  me?: Promise<Response>;
  site?: Promise<Response>;
  spaces?: Promise<Response>;
  squads?: Promise<Response>;
  bookings?: { from: string; to: string; res: Promise<Response> };
}

function prefetched(): Prefetch {
  const w = window as unknown as { __shipshapePrefetch?: Prefetch };
  w.__shipshapePrefetch ??= {};
  return w.__shipshapePrefetch;
}

/** Answers a first-load call that index.html already started, once; later calls go to the network. */
export function takePrefetched(key: 'me' | 'site' | 'spaces' | 'squads'): Promise<Response> | undefined {
  const p = prefetched();
  const r = p[key];
  delete p[key];
  return r;
}

/** The bookings index.html fetched around now, when they cover [from, to), once. */
export async function takePrefetchedBookings<T extends { start: string; end: string }>(
  from: string,
  to: string,
): Promise<T[] | undefined> {
  const p = prefetched();
  const b = p.bookings;
  delete p.bookings;
  if (!b || b.from > from || b.to < to) return undefined;
  try {
    const page = await parse<Page<T>>(await b.res);
    if (page.nextCursor) return undefined;
    return page.items.filter((x) => x.end > from && x.start < to);
  } catch {
    return undefined;
  }
}

async function parse<T>(res: Response): Promise<T> {
  const text = await res.text();
  let data: unknown = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!res.ok) {
    const problem = (data && typeof data === 'object' ? data : {}) as Problem;
    throw new ApiError({ ...problem, status: res.status });
  }
  return data as T;
}

/** Calls the API with the session cookie; answers the parsed JSON or throws an ApiError. */
export async function api<T>(
  method: Method,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
  started?: Promise<Response>,
): Promise<T> {
  let res: Response;
  try {
    res =
      (await started) ??
      (await fetch(`/api/v1${path}`, {
        method,
        credentials: 'same-origin',
        headers: {
          accept: 'application/json',
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      }));
  } catch {
    throw new ApiError({ status: 0, title: 'Network error', detail: 'The server could not be reached' });
  }
  return parse<T>(res);
}

/** Reads every page of a list. */
export async function listAll<T>(path: string): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  const sep = path.includes('?') ? '&' : '?';
  for (let i = 0; i < 50; i++) {
    const page: Page<T> = await api<Page<T>>(
      'GET',
      `${path}${cursor ? `${sep}cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    items.push(...page.items);
    cursor = page.nextCursor;
    if (!cursor) break;
  }
  return items;
}

let pathsPromise: Promise<Set<string>> | null = null;

/**
 * The API paths this server offers, read from its OpenAPI document, so screens for
 * endpoints that a server does not have yet stay hidden instead of failing.
 */
export function apiPaths(): Promise<Set<string>> {
  pathsPromise ??= fetch('/api/openapi.json')
    .then((r) => (r.ok ? r.json() : { paths: {} }))
    .then((doc: { paths?: Record<string, unknown> }) => new Set(Object.keys(doc.paths ?? {})))
    .catch(() => new Set<string>());
  return pathsPromise;
}
