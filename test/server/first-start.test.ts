import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { readConfig } from '../../src/config.ts';
import type { ServerHook } from '../../src/jobs/server-hook.ts';
import { startServer } from '../../src/server.ts';
import { cli, emptyStore, type StoreEnv } from '../cli/support.ts';
import { storeKinds } from '../support/store.ts';

async function api(url: string, path: string, opts: { token?: string; body?: unknown } = {}) {
  const res = await fetch(`${url}/api/v1${path}`, {
    method: opts.body === undefined ? 'GET' : 'POST',
    headers: {
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
      ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body) }),
  });
  return { status: res.status, body: (await res.json()) as any };
}

async function signIn(url: string, email: string, password: string): Promise<string> {
  const res = await api(url, '/auth/login', { body: { email, password } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.token;
}

for (const kind of storeKinds()) {
  describe(`first start (${kind})`, () => {
    const stores: StoreEnv[] = [];
    after(async () => {
      for (const s of stores) await s.drop();
    });
    const configFor = (env: Record<string, string>) =>
      readConfig({ ...env, PORT: '0', HOST: '127.0.0.1', SHIPSHAPE_LOGIN_RATE_LIMIT: '100' });

    it('creates the admin with a password printed once, and loads the demo vessel', async () => {
      const store = await emptyStore(kind);
      stores.push(store);
      let printed = '';
      const server = await startServer(configFor(store.env), {
        logger: false,
        print: (t) => {
          printed += t;
        },
      });
      let token: string;
      try {
        const password = /password: +(\S+)/.exec(printed)?.[1];
        assert.ok(password, `no password in: ${printed}`);
        assert.match(printed, /admin@shipshape\.local/);
        assert.match(printed, /shown only once/);
        token = await signIn(server.url, 'admin@shipshape.local', password);
        const me = await api(server.url, '/me', { token });
        assert.equal(me.body.role, 'admin');
        // The admin's password is the admin's alone: the demo crew have none until an admin resets one.
        assert.match(printed, /demo crew have no password/);
        const crewWithAdmins = await api(server.url, '/auth/login', {
          body: { email: 'mireille.dubois@meridian.example', password },
        });
        assert.equal(crewWithAdmins.status, 401);
        const site = await api(server.url, '/site', { token });
        assert.equal(site.body.name, 'ISV Meridian');
        assert.deepEqual(site.body.quietHours, { start: '22:00', end: '06:00' });
        const spaces = await api(server.url, '/spaces', { token });
        assert.deepEqual(spaces.body.items.map((s: { name: string }) => s.name).sort(), [
          'Briefing Room',
          'Cabin 12 (Lt Costa)',
          'Cabin 7 (Lt Sato)',
          'Sparring Ring',
          'Training Lounge',
        ]);
        const cabins = spaces.body.items.filter((s: { kind: string }) => s.kind === 'cabin');
        assert.ok(
          cabins.every((c: { access: string; ownerId: string }) => c.access === 'owner' && c.ownerId),
        );
        const members = await api(server.url, '/members?limit=100', { token });
        assert.equal(members.body.items.length, 21);
        assert.ok(members.body.items.every((m: { rank: string }) => m.rank.length > 0));
        const squads = await api(server.url, '/squads', { token });
        assert.equal(squads.body.items.length, 2);
        assert.ok(squads.body.items.every((s: { leaders: unknown[] }) => s.leaders.length > 0));
        const bookings = await api(server.url, '/bookings?limit=500', { token });
        const items: { start: string; visibility: string }[] = bookings.body.items;
        const now = Date.now();
        assert.ok(items.length >= 40, `${items.length} bookings`);
        assert.ok(items.some((b) => Date.parse(b.start) < now));
        assert.ok(items.some((b) => Date.parse(b.start) > now));
        assert.ok(items.some((b) => b.visibility === 'private'));
        const nightly = items.filter((b) => {
          const hour = Number(
            new Intl.DateTimeFormat('en-GB', {
              hour: '2-digit',
              hourCycle: 'h23',
              timeZone: 'Pacific/Auckland',
            }).format(new Date(b.start)),
          );
          return hour >= 22 || hour < 6;
        });
        assert.ok(nightly.length >= 7, `${nightly.length} bookings at night`);
      } finally {
        await server.close();
      }

      // A second start finds the store in use: no new admin, no second demo.
      printed = '';
      const again = await startServer(configFor(store.env), { logger: false, print: (t) => (printed += t) });
      try {
        assert.equal(printed, '');
        const members = await api(again.url, '/members?limit=100', { token });
        assert.equal(members.body.items.length, 21);
      } finally {
        await again.close();
      }
    });

    it('with --no-demo and credentials from the environment: only the site and its admin', async () => {
      const store = await emptyStore(kind);
      stores.push(store);
      let printed = '';
      const started: string[] = [];
      const hook: ServerHook = {
        name: 'probe',
        start: (ctx) => {
          assert.ok(ctx.db && ctx.log);
          started.push('start');
        },
        stop: () => {
          started.push('stop');
        },
      };
      const server = await startServer(
        configFor({
          ...store.env,
          SHIPSHAPE_ADMIN_EMAIL: 'captain@env.example',
          SHIPSHAPE_ADMIN_PASSWORD: 'from-the-environment',
        }),
        { demo: false, logger: false, print: (t) => (printed += t), hooks: [hook] },
      );
      try {
        assert.equal(printed, '', 'a password from the environment is not printed');
        assert.deepEqual(started, ['start']);
        const token = await signIn(server.url, 'captain@env.example', 'from-the-environment');
        assert.equal((await api(server.url, '/spaces', { token })).body.items.length, 0);
        assert.equal((await api(server.url, '/members', { token })).body.items.length, 1);
        assert.equal((await api(server.url, '/bookings', { token })).body.items.length, 0);
        const ready = await fetch(`${server.url}/readyz`);
        assert.equal(ready.status, 200);
        if (kind === 'pglite') {
          // PGlite takes no lock of its own: a second opener of the folder is refused by ours.
          const second = await cli(['migrate'], store.env);
          assert.equal(second.code, 1);
          assert.match(second.stderr, new RegExp(`in use by process ${process.pid}`));
        }
      } finally {
        await server.close();
      }
      assert.deepEqual(started, ['start', 'stop']);
    });
  });
}
