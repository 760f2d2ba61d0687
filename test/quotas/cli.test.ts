import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readConfig } from '../../src/config.ts';
import { addDays, localDate } from '../../src/domain/time.ts';
import { demoSite } from '../../src/features/demo/service.ts';
import { type RunningServer, startServer } from '../../src/server.ts';
import { cli, migratedStore, type StoreEnv } from '../cli/support.ts';
import { storeKinds } from '../support/store.ts';

for (const kind of storeKinds()) {
  describe(`shipshape quota and waitlist against the demo vessel (${kind})`, () => {
    let store: StoreEnv;
    let server: RunningServer;
    let env: Record<string, string>;
    before(async () => {
      store = await migratedStore(kind);
      server = await startServer(
        readConfig({
          ...store.env,
          PORT: '0',
          HOST: '127.0.0.1',
          SHIPSHAPE_ADMIN_EMAIL: 'captain@cli.example',
          SHIPSHAPE_ADMIN_PASSWORD: 'aye-aye-captain',
        }),
        { demo: true, logger: false, print: () => undefined },
      );
      const res = await fetch(`${server.url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'captain@cli.example', password: 'aye-aye-captain' }),
      });
      const token = ((await res.json()) as { token: string }).token;
      env = { SHIPSHAPE_URL: server.url, SHIPSHAPE_TOKEN: token, XDG_CONFIG_HOME: '/nonexistent' };
    });
    after(async () => {
      await server?.close();
      await store?.drop();
    });

    it('lists, sets, replaces and removes quota rules, and shows my usage', async () => {
      const ls = await cli(['quota', 'ls'], env);
      assert.equal(ls.code, 0, ls.stderr);
      assert.match(ls.stdout, /Sparring Ring fair use: at most 3 sessions a week, sparring spaces, everyone/);
      const args = ['quota', 'set', '--name', 'Lounge evenings', '--metric', 'hours', '--period', 'week'];
      const set = await cli([...args, '--max', '5', '--kind', 'training', '--window', '18:00-23:00'], env);
      assert.equal(set.code, 0, set.stderr);
      assert.match(set.stdout, /Lounge evenings: at most 5 hours a week, 18:00–23:00, training spaces/);
      const again = await cli([...args, '--max', '6'], env);
      assert.equal(again.code, 0, again.stderr);
      const after = (await cli(['quota', 'ls'], env)).stdout;
      assert.equal(after.match(/Lounge evenings/g)?.length, 1);
      assert.match(after, /Lounge evenings: at most 6 hours a week/);
      const me = await cli(['quota', 'me'], env);
      assert.equal(me.code, 0, me.stderr);
      assert.match(
        me.stdout,
        /Sparring Ring fair use: \d+ of 3 sessions used, \d+ left until \d{4}-\d{2}-\d{2} 00:00/,
      );
      const bad = await cli([...args, '--max', '-1'], env);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /--max must be a number above 0/);
      const rm = await cli(['quota', 'rm', 'Lounge evenings'], env);
      assert.equal(rm.code, 0, rm.stderr);
      assert.doesNotMatch((await cli(['quota', 'ls'], env)).stdout, /Lounge evenings/);
    });

    it('joins the line behind the demo waiter, lists it and leaves it', async () => {
      const tomorrow = addDays(localDate(new Date(), demoSite.timeZone ?? 'UTC'), 1);
      const join = await cli(
        [
          'waitlist',
          'join',
          '--space',
          'Training Lounge',
          '--start',
          `${tomorrow} 22:30`,
          '--end',
          `${tomorrow} 23:30`,
          '--title',
          'Captain drills',
        ],
        env,
      );
      assert.equal(join.code, 0, join.stderr);
      assert.match(join.stdout, /Training Lounge .* "Captain drills" {2}waiting, #2 in line/);
      const id = join.stdout.split(' ')[0]!;
      const ls = await cli(['waitlist', 'ls'], env);
      assert.match(ls.stdout, new RegExp(`${id} .*#2 in line`));
      const leave = await cli(['waitlist', 'leave', id], env);
      assert.equal(leave.code, 0, leave.stderr);
      assert.match(leave.stdout, /left/);
      const free = await cli(
        [
          'waitlist',
          'join',
          '--space',
          'Briefing Room',
          '--start',
          `${tomorrow} 12:00`,
          '--end',
          `${tomorrow} 12:30`,
          '--title',
          'x',
        ],
        env,
      );
      assert.equal(free.code, 1);
      assert.match(free.stderr, /free: book it/);
    });
  });
}
