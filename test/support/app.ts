import { randomBytes } from 'node:crypto';
import { readConfig } from '../../src/config.ts';
import type { Db } from '../../src/db/store.ts';
import type { Clock } from '../../src/domain/clock.ts';
import { systemClock } from '../../src/domain/clock.ts';
import { createApiToken } from '../../src/features/auth/service.ts';
import { type Actor, systemActor } from '../../src/features/context.ts';
import { insertMember } from '../../src/features/members/repository.ts';
import { createSiteWithAdmin, type SiteInput } from '../../src/features/sites/service.ts';
import { buildApp } from '../../src/http/app.ts';
import type { App } from '../../src/http/deps.ts';
import { openTestStore, type StoreKind, type TestStoreOptions } from './store.ts';

export interface Answer<T = any> {
  status: number;
  body: T;
  headers: Record<string, string | string[] | undefined>;
}

export interface Caller {
  id: string;
  token: string;
  actor: Actor;
}

export interface TestApp {
  app: App;
  db: Db;
  clock: Clock;
  siteId: string;
  admin: Caller;
  /** Calls the API in-process; `as` is a bearer token. */
  request<T = any>(
    method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
    url: string,
    opts?: {
      as?: Caller | string | undefined;
      body?: unknown;
      headers?: Record<string, string>;
      rawBody?: string;
    },
  ): Promise<Answer<T>>;
  /** Adds a member with a bearer token (no password hashing, so it is fast). */
  buildMember(overrides?: {
    role?: 'admin' | 'member';
    displayName?: string;
    rank?: string;
    email?: string;
  }): Promise<Caller>;
  close(): Promise<void>;
}

let counter = 0;

/** Starts the real app on a fresh store of the given kind, with a site and its admin. */
export async function startTestApp(
  kind: StoreKind,
  opts: { clock?: Clock; site?: SiteInput; env?: NodeJS.ProcessEnv; store?: TestStoreOptions } = {},
): Promise<TestApp> {
  const db = await openTestStore(kind, opts.store);
  const clock = opts.clock ?? systemClock;
  const config = { ...readConfig({ SHIPSHAPE_LOGIN_RATE_LIMIT: '1000', ...opts.env }) };
  const app = await buildApp({ db, clock, config });
  await app.ready();
  const { siteId, adminId } = await createSiteWithAdmin(db, {
    site: { name: 'Test vessel', timeZone: 'Asia/Kathmandu', ...opts.site },
    admin: { email: 'admin@test.example', displayName: 'Admiral Test', passwordHash: null },
  });
  const tokenFor = async (actor: Actor) =>
    (await createApiToken({ db, clock, actor }, { name: 'test' })).token;
  const adminActor = systemActor(siteId, adminId);
  const admin: Caller = { id: adminId, token: await tokenFor(adminActor), actor: adminActor };

  const t: TestApp = {
    app,
    db,
    clock,
    siteId,
    admin,
    async request(method, url, o = {}) {
      const token = typeof o.as === 'string' ? o.as : o.as?.token;
      const headers: Record<string, string> = { ...o.headers };
      if (token) headers.authorization = `Bearer ${token}`;
      let payload: string | undefined;
      if (o.rawBody !== undefined) payload = o.rawBody;
      else if (o.body !== undefined) {
        payload = JSON.stringify(o.body);
        headers['content-type'] ??= 'application/json';
      }
      const res = await app.inject({ method, url, headers, ...(payload !== undefined ? { payload } : {}) });
      let body: unknown = res.body;
      if ((res.headers['content-type'] ?? '').toString().includes('json') && res.body)
        body = JSON.parse(res.body);
      return { status: res.statusCode, body: body as any, headers: res.headers as Answer['headers'] };
    },
    async buildMember(overrides = {}) {
      counter += 1;
      const n = `${counter}-${randomBytes(3).toString('hex')}`;
      const id = await insertMember(db, {
        siteId,
        email: overrides.email ?? `member-${n}@test.example`,
        displayName: overrides.displayName ?? `Member ${n}`,
        rank: overrides.rank ?? 'Ensign',
        role: overrides.role ?? 'member',
        passwordHash: null,
      });
      const actor: Actor = {
        siteId,
        memberId: id,
        role: overrides.role ?? 'member',
        squadIds: [],
        leaderOf: [],
      };
      return { id, token: await tokenFor(actor), actor };
    },
    async close() {
      await app.close();
      await db.close();
    },
  };
  return t;
}
