import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readConfig } from '../../src/config.ts';
import { formatInZone } from '../../src/domain/time.ts';
import { type RunningServer, startServer } from '../../src/server.ts';
import { cli, migratedStore, type StoreEnv } from '../cli/support.ts';
import { storeKinds } from '../support/store.ts';

const zone = 'Pacific/Auckland';

for (const kind of storeKinds()) {
  describe(`shipshape login, book, ls, cancel against a running server (${kind})`, () => {
    let store: StoreEnv;
    let server: RunningServer;
    let home: string;
    let env: Record<string, string>;
    let ringId: string;
    // Two days ahead on the hour, well inside the booking horizon.
    const base = Math.ceil(Date.now() / 3_600_000) * 3_600_000 + 48 * 3_600_000;
    const at = (hours: number) => formatInZone(new Date(base + hours * 3_600_000), zone);

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
      home = mkdtempSync(join(tmpdir(), 'shipshape-home-'));
      env = { XDG_CONFIG_HOME: home };
      const login = await fetch(`${server.url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'captain@cli.example', password: 'aye-aye-captain' }),
      });
      const { token } = (await login.json()) as { token: string };
      const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      await fetch(`${server.url}/api/v1/site`, {
        method: 'PATCH',
        headers,
        body: JSON.stringify({ timeZone: zone }),
      });
      const ring = await fetch(`${server.url}/api/v1/spaces`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ name: 'Sparring Ring', kind: 'sparring', capacity: 4, changeoverMinutes: 15 }),
      });
      assert.equal(ring.status, 201);
      ringId = ((await ring.json()) as { id: string }).id;
    });
    after(async () => {
      await server?.close();
      await store?.drop();
      if (home) rmSync(home, { recursive: true, force: true });
    });

    it('refuses API commands before login, naming what to do', async () => {
      const res = await cli(['ls'], env);
      assert.equal(res.code, 1);
      assert.match(res.stderr, /Not signed in: run `shipshape login`/);
    });

    it('login refuses a wrong password with the problem detail', async () => {
      const res = await cli(
        ['login', '--url', server.url, '--email', 'captain@cli.example', '--password', 'wrong'],
        env,
      );
      assert.equal(res.code, 1);
      assert.match(res.stderr, /The email or the password is wrong/);
    });

    it('login saves the URL and a token in the config folder, readable only by the user', async () => {
      const res = await cli(
        ['login', '--url', server.url, '--email', 'captain@cli.example', '--password', 'aye-aye-captain'],
        env,
      );
      assert.equal(res.code, 0, res.stderr);
      const file = join(home, 'shipshape', 'credentials.json');
      const saved = JSON.parse(readFileSync(file, 'utf8'));
      assert.equal(saved.url, server.url);
      assert.match(saved.token, /^ss_/);
      assert.equal(statSync(file).mode & 0o077, 0);
    });

    it('books, lists and cancels through the API', async () => {
      const booked = await cli(
        [
          'book',
          '--space',
          'sparring ring',
          '--start',
          at(0),
          '--end',
          at(1),
          '--title',
          'Pad work',
          '--json',
        ],
        env,
      );
      assert.equal(booked.code, 0, booked.stderr);
      const booking = JSON.parse(booked.stdout);
      assert.equal(booking.spaceId, ringId);
      assert.equal(Date.parse(booking.start), base);
      assert.equal(booking.status, 'confirmed');

      const clash = await cli(
        ['book', '--space', ringId, '--start', at(1), '--end', at(2), '--title', 'Too close'],
        env,
      );
      assert.equal(clash.code, 1, 'the changeover after the first booking is still blocked');
      assert.match(clash.stderr, /Pad work/);

      const listed = await cli(['ls', '--space', 'Sparring Ring', '--mine', '--json'], env);
      assert.equal(listed.code, 0, listed.stderr);
      assert.deepEqual(
        JSON.parse(listed.stdout).map((b: { id: string }) => b.id),
        [booking.id],
      );
      const table = await cli(['ls', '--from', at(-1), '--to', at(3)], env);
      assert.match(table.stdout, new RegExp(`${booking.id}\\s+confirmed .*Sparring Ring\\s+Pad work`));
      assert.match(table.stdout, /Times in Pacific\/Auckland/);

      const cancelled = await cli(['cancel', booking.id], env);
      assert.equal(cancelled.code, 0, cancelled.stderr);
      const after = JSON.parse((await cli(['ls', '--json'], env)).stdout);
      assert.equal(after.find((b: { id: string }) => b.id === booking.id).status, 'cancelled');
    });

    it('reads a local time in the site zone', async () => {
      const local = at(5).slice(0, 16).replace('T', ' ');
      const res = await cli(
        ['book', '--space', 'Sparring Ring', '--start', local, '--end', at(6), '--title', 'Local', '--json'],
        env,
      );
      assert.equal(res.code, 0, res.stderr);
      assert.equal(Date.parse(JSON.parse(res.stdout).start), base + 5 * 3_600_000);
    });

    it('says what is wrong: unknown space, bad time, rule refusals, unknown booking', async () => {
      const space = await cli(
        ['book', '--space', 'Galley', '--start', at(8), '--end', at(9), '--title', 'x'],
        env,
      );
      assert.equal(space.code, 1);
      assert.match(space.stderr, /No space Galley; spaces: Sparring Ring/);
      const time = await cli(
        ['book', '--space', 'Sparring Ring', '--start', 'tomorrow', '--end', at(9), '--title', 'x'],
        env,
      );
      assert.equal(time.code, 1);
      assert.match(time.stderr, /--start must be a time/);
      const short = await cli(
        ['book', '--space', 'Sparring Ring', '--start', at(8), '--end', at(8.1), '--title', 'x'],
        env,
      );
      assert.equal(short.code, 1);
      assert.match(short.stderr, /at least 15 minutes \[body\.end\]/);
      const unknown = await cli(['cancel', '00000000-0000-4000-8000-000000000000'], env);
      assert.equal(unknown.code, 1);
      assert.match(unknown.stderr, /No such booking/);
    });

    it('uses SHIPSHAPE_URL and SHIPSHAPE_TOKEN over the saved login', async () => {
      const res = await cli(['ls'], { ...env, SHIPSHAPE_TOKEN: 'ss_not-a-token' });
      assert.equal(res.code, 1);
      assert.match(res.stderr, /unknown, expired or revoked/);
    });
  });
}
