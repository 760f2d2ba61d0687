import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { readConfig } from '../../src/config.ts';
import { systemClock } from '../../src/domain/clock.ts';
import { createApiToken } from '../../src/features/auth/service.ts';
import type { Actor } from '../../src/features/context.ts';
import { insertMember } from '../../src/features/members/repository.ts';
import { schedulerHook } from '../../src/jobs/hook.ts';
import { type RunningServer, startServer } from '../../src/server.ts';
import { emptyStore, type StoreEnv } from '../cli/support.ts';
import { storeKinds } from '../support/store.ts';

/**
 * Two server processes on one PostgreSQL database (two pools, two schedulers, two live hubs): every
 * notice is written once and reaches a client connected to the other server exactly once.
 * PGlite is a single-process store, so this runs on the server only.
 */
for (const kind of storeKinds().filter((k) => k === 'postgres')) {
  describe(`notices with two servers on one database (${kind})`, () => {
    let store: StoreEnv;
    let one: RunningServer;
    let two: RunningServer;
    before(async () => {
      store = await emptyStore(kind);
      const config = readConfig({ ...store.env, PORT: '0', HOST: '127.0.0.1' });
      const opts = { demo: false, logger: false as const, print: () => undefined };
      one = await startServer(config, { ...opts, hooks: [schedulerHook()] });
      two = await startServer(config, { ...opts, hooks: [schedulerHook()] });
    });
    after(async () => {
      await one?.close();
      await two?.close();
      await store?.drop();
    });

    it('delivers each notice once, across servers', async () => {
      const db = one.db;
      const siteId = (await db.query<{ id: string }>('SELECT site_id AS id FROM sites LIMIT 1')).rows[0]!.id;
      await db.query(`UPDATE sites SET time_zone = 'UTC' WHERE site_id = $1`, [siteId]);
      const member = async (name: string): Promise<{ actor: Actor; token: string }> => {
        const id = await insertMember(db, {
          siteId,
          email: `${name}@two.test`,
          displayName: name,
          rank: '',
          role: 'member',
          passwordHash: null,
        });
        const actor: Actor = { siteId, memberId: id, role: 'member', squadIds: [], leaderOf: [] };
        return {
          actor,
          token: (await createApiToken({ db, clock: systemClock, actor }, { name: 't' })).token,
        };
      };
      const pair = await member('pair');
      const squad = await member('squad');
      const space = (
        await db.query<{ id: string }>(
          `INSERT INTO spaces (site_id, name, kind, capacity) VALUES ($1, 'Lounge', 'training', 9) RETURNING id`,
          [siteId],
        )
      ).rows[0]!.id;

      // The pair listens on server two.
      const received: string[] = [];
      const url = new URL(two.url);
      const sse = httpRequest({
        host: url.hostname,
        port: url.port,
        path: '/api/v1/notifications/stream',
        headers: { authorization: `Bearer ${pair.token}` },
      });
      await new Promise<void>((resolve) => {
        sse.on('response', (res) => {
          res.setEncoding('utf8');
          let buffer = '';
          res.on('data', (chunk: string) => {
            buffer += chunk;
            if (buffer.includes(': ready')) resolve();
            for (const m of buffer.matchAll(/^id: (\d+)$/gm)) received.push(m[1]!);
            buffer = buffer.slice(buffer.lastIndexOf('\n\n') + 2);
          });
        });
        sse.on('error', () => undefined);
        sse.end();
      });

      const base = Math.ceil(Date.now() / 86_400_000) * 86_400_000 + 86_400_000;
      const slot = 30 * 60_000;
      const post = (server: RunningServer, token: string, i: number) =>
        fetch(`${server.url}/api/v1/bookings`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            spaceId: space,
            start: new Date(base + i * slot).toISOString(),
            end: new Date(base + (i + 1) * slot).toISOString(),
            title: 'x',
          }),
        });
      const n = 12;
      for (let i = 0; i < n; i++)
        assert.equal((await post(i % 2 ? one : two, pair.token, 4 * i)).status, 201);
      // The squad books right after each of the pair's sessions, alternately through both servers.
      const results = await Promise.all(
        Array.from({ length: n }, (_, i) => post(i % 2 ? two : one, squad.token, 4 * i + 1)),
      );
      assert.ok(results.every((r) => r.status === 201));

      const expected = async () =>
        (
          await db.query<{ id: string }>(
            `SELECT id::text FROM notifications WHERE member_id = $1 AND kind = 'adjacent-booking' ORDER BY id`,
            [pair.actor.memberId],
          )
        ).rows.map((r) => r.id);
      for (let tries = 0; tries < 200 && ((await expected()).length < n || received.length < n); tries++)
        await new Promise((r) => setTimeout(r, 50));
      const written = await expected();
      assert.equal(written.length, n, 'one notice per adjacent booking');
      await new Promise((r) => setTimeout(r, 600));
      assert.deepEqual([...received].sort(), [...written].sort(), 'each pushed exactly once');
      const left = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM notification_outbox');
      assert.equal(left.rows[0]!.n, 0);
      sse.destroy();
    });
  });
}
