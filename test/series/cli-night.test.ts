import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readConfig } from '../../src/config.ts';
import { addDays, localDate } from '../../src/domain/time.ts';
import { type RunningServer, startServer } from '../../src/server.ts';
import { cli, migratedStore, type StoreEnv } from '../cli/support.ts';
import { storeKinds } from '../support/store.ts';

const zone = 'Europe/Berlin';

for (const kind of storeKinds()) {
  describe(`shipshape series, move, repeat, check-in, notifications against a running server (${kind})`, () => {
    let store: StoreEnv;
    let server: RunningServer;
    let env: Record<string, string>;
    let headers: Record<string, string>;
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
        { demo: false, logger: false, print: () => undefined },
      );
      const login = await fetch(`${server.url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'captain@cli.example', password: 'aye-aye-captain' }),
      });
      const { token } = (await login.json()) as { token: string };
      headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      await fetch(`${server.url}/api/v1/site`, {
        method: 'PATCH',
        headers,
        body: JSON.stringify({ timeZone: zone }),
      });
      for (const name of ['Training lounge', 'Cabin 3']) {
        const res = await fetch(`${server.url}/api/v1/spaces`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ name, kind: 'training', capacity: 4 }),
        });
        assert.equal(res.status, 201);
      }
      env = { SHIPSHAPE_URL: server.url, SHIPSHAPE_TOKEN: token, XDG_CONFIG_HOME: '/nonexistent' };
    });
    after(async () => {
      await server?.close();
      await store?.drop();
    });

    it('creates a series, moves and repeats an occurrence, refuses an early check-in, cancels', async () => {
      const tomorrow = addDays(localDate(new Date(), zone), 1);
      const created = await cli(
        [
          'series',
          'create',
          '--space',
          'training lounge',
          '--rrule',
          'FREQ=DAILY;COUNT=5',
          '--time',
          '21:00',
          '--minutes',
          '90',
          '--from',
          tomorrow,
          '--title',
          'Sparring',
        ],
        env,
      );
      assert.equal(created.code, 0, created.stderr);
      const m = /^Series ([0-9a-f-]{36}): 5 sessions booked in Training lounge/.exec(created.stdout);
      assert.ok(m, created.stdout);
      const seriesId = m[1]!;
      const again = await cli(
        [
          'series',
          'create',
          '--space',
          'Training lounge',
          '--rrule',
          'FREQ=DAILY;COUNT=2',
          '--time',
          '21:30',
          '--minutes',
          '30',
          '--from',
          tomorrow,
          '--title',
          'Clash',
        ],
        env,
      );
      assert.equal(again.code, 1);
      // CLI times are in the site's zone with its offset.
      assert.match(again.stderr, new RegExp(`taken: ${tomorrow} 21:30 [+-]\\d\\d:\\d\\d`));
      const ls = await cli(['series', 'ls'], env);
      assert.match(ls.stdout, new RegExp(`${seriesId}  active +21:00  FREQ=DAILY;COUNT=5  Sparring`));

      const detail = (await (await fetch(`${server.url}/api/v1/series/${seriesId}`, { headers })).json()) as {
        occurrences: { bookingId: string }[];
      };
      const first = detail.occurrences[0]!.bookingId;
      const early = await cli(['check-in', first], env);
      assert.equal(early.code, 1);
      assert.match(early.stderr, /Check-in opens at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d/);
      const moved = await cli(
        ['move', first, '--space', 'Cabin 3', '--start', `${tomorrow} 22:00`, '--message', 'cabin'],
        env,
      );
      assert.equal(moved.code, 0, moved.stderr);
      assert.match(
        moved.stdout,
        new RegExp(`Moved to Cabin 3: ${tomorrow} 22:00–23:30 [+-]\\d\\d:\\d\\d  Sparring`),
      );
      // Same time tomorrow: the series holds the pair then already (in its own room, at its own
      // time), so the answer is that occurrence, not a second session in the cabin.
      for (let i = 0; i < 2; i++) {
        const repeated = await cli(['repeat', first], env);
        assert.equal(repeated.code, 0, repeated.stderr);
        assert.match(
          repeated.stdout,
          new RegExp(
            `Already booked by its series: ${addDays(tomorrow, 1)} 21:00–22:30 [+-]\\d\\d:\\d\\d  Sparring`,
          ),
        );
      }
      // Next week is past the series' five nights: a session of its own, once.
      const nextWeek = await cli(['repeat', first, '--next-week'], env);
      assert.equal(nextWeek.code, 0, nextWeek.stderr);
      assert.match(
        nextWeek.stdout,
        new RegExp(`Booked ${addDays(tomorrow, 7)} 22:00–23:30 [+-]\\d\\d:\\d\\d  Sparring`),
      );
      const clash = await cli(['repeat', first, '--next-week'], env);
      assert.equal(clash.code, 1);
      assert.match(clash.stderr, /in the way/);

      const notes = await cli(['notifications'], env);
      assert.equal(notes.code, 0, notes.stderr);
      assert.match(notes.stdout, /\d+ unread/);
      const cancelled = await cli(['series', 'cancel', seriesId], env);
      assert.equal(cancelled.code, 0, cancelled.stderr);
      assert.match(cancelled.stdout, /is cancelled/);
    });
  });
}
