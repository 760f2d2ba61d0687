import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readConfig } from '../../src/config.ts';
import { type RunningServer, startServer } from '../../src/server.ts';
import { cli, migratedStore, type StoreEnv } from '../cli/support.ts';
import { storeKinds } from '../support/store.ts';

for (const kind of storeKinds()) {
  describe(`shipshape partners and find-time against the demo vessel (${kind})`, () => {
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
      // The demo crew have no password: the admin resets Aiko Sato's, who then sets her own.
      const post = async (path: string, body: unknown, token?: string) => {
        const res = await fetch(`${server.url}/api/v1${path}`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(token ? { authorization: `Bearer ${token}` } : {}),
          },
          body: JSON.stringify(body),
        });
        const json = (await res.json().catch(() => ({}))) as Record<string, any>;
        assert.ok(res.ok, `${path}: ${res.status} ${JSON.stringify(json)}`);
        return json;
      };
      const admin = (await post('/auth/login', { email: 'captain@cli.example', password: 'aye-aye-captain' }))
        .token as string;
      const found = await fetch(`${server.url}/api/v1/members?q=Aiko`, {
        headers: { authorization: `Bearer ${admin}` },
      });
      const sato = ((await found.json()) as { items: { id: string }[] }).items[0]!.id;
      await post(`/members/${sato}/password-reset`, { password: 'temporary-oar-lantern' }, admin);
      const token = (
        await post('/auth/login', { email: 'aiko.sato@meridian.example', password: 'temporary-oar-lantern' })
      ).token as string;
      await post(
        '/me/password',
        { currentPassword: 'temporary-oar-lantern', newPassword: 'sato-own-ketch-harbour' },
        token,
      );
      env = { SHIPSHAPE_URL: server.url, SHIPSHAPE_TOKEN: token, XDG_CONFIG_HOME: '/nonexistent' };
    });
    after(async () => {
      await server?.close();
      await store?.drop();
    });

    it('suggests partners by name and proposes one', async () => {
      const res = await cli(['partners', '--discipline', 'boxing'], env);
      assert.equal(res.code, 0, res.stderr);
      assert.match(
        res.stdout,
        /^Boxing partners for you \(rating \d+ ± \d+\):\n1\. [^\n]+ — (beginner|intermediate|advanced|expert), \d+ ± \d+, you win \d+%/,
      );
      assert.match(res.stdout, /\n {5}1\) \d{4}-\d{2}-\d{2} \d{2}:\d{2}–\d{2}:\d{2} {2}\S/);
      const proposed = await cli(['partners', '--discipline', 'boxing', '--propose', '1'], env);
      assert.equal(proposed.code, 0, proposed.stderr);
      assert.match(proposed.stdout, /^Proposed Boxing to /);
      const unknown = await cli(['partners', '--discipline', 'curling'], env);
      assert.equal(unknown.code, 1);
      assert.match(unknown.stderr, /No discipline curling.*\[query\.discipline\]/);
    });

    it('finds a time with people and a squad by name, and books it for everyone', async () => {
      const args = [
        'find-time',
        '--with',
        'Freya Lindqvist',
        '--squad',
        'Night Watch',
        '--minutes',
        '60',
        '--within',
        '7d',
      ];
      const res = await cli(args, env);
      assert.equal(res.code, 0, res.stderr);
      assert.match(res.stdout, /^For [^\n]*Freya Lindqvist[^\n]* \(8\):\n1\. /);
      const booked = await cli([...args, '--book', '1', '--title', 'Joint drill'], env);
      assert.equal(booked.code, 0, booked.stderr);
      assert.match(booked.stdout, /^Booked .* for 8 \(/);
      const nobody = await cli(['find-time', '--with', 'Nobody Atall'], env);
      assert.equal(nobody.code, 1);
      assert.match(nobody.stderr, /No member Nobody Atall/);
      const bad = await cli(['find-time', '--with', 'Freya Lindqvist', '--within', 'soon'], env);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /--within must be like 7d/);
    });
  });
}
