import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readConfig } from '../../src/config.ts';
import { type DoorsHook, doorsHook } from '../../src/features/doors/hook.ts';
import { DoorSimulator } from '../../src/features/doors/simulator.ts';
import { exportSite } from '../../src/features/transfer/service.ts';
import { schedulerHook } from '../../src/jobs/hook.ts';
import { type RunningServer, startServer } from '../../src/server.ts';
import { cli, migratedStore, type StoreEnv } from '../cli/support.ts';
import { storeKinds } from '../support/store.ts';

/**
 * `shipshape door unlock <space>` against a running server with the embedded broker and a simulated
 * lock: it waits for the lock's confirmation, and fails clearly when refused or when the lock is
 * offline. The door's rows and events go out with the site export.
 */
for (const kind of storeKinds())
  describe(`shipshape door (${kind})`, () => {
    let store: StoreEnv;
    let server: RunningServer;
    let hook: DoorsHook;
    let sim: DoorSimulator;
    let home: string;
    let env: Record<string, string>;
    let siteId: string;
    const topic = 'zigbee2mqtt/cabin-3-lock';

    before(async () => {
      store = await migratedStore(kind);
      hook = doorsHook();
      server = await startServer(
        readConfig({
          ...store.env,
          PORT: '0',
          HOST: '127.0.0.1',
          SHIPSHAPE_ADMIN_EMAIL: 'captain@doors.example',
          SHIPSHAPE_ADMIN_PASSWORD: 'aye-aye-captain',
          // Long enough for a loaded machine; the offline case waits for it.
          SHIPSHAPE_DOOR_CONFIRM_SECONDS: '4',
        }),
        { demo: false, logger: false, print: () => undefined, hooks: [hook, schedulerHook()] },
      );
      home = mkdtempSync(join(tmpdir(), 'shipshape-home-'));
      env = { XDG_CONFIG_HOME: home };
      const login = await cli(
        ['login', '--url', server.url, '--email', 'captain@doors.example', '--password', 'aye-aye-captain'],
        env,
      );
      assert.equal(login.code, 0, login.stderr);
      const admin = (
        await server.db.query<{ siteId: string; id: string }>(
          `SELECT site_id AS "siteId", id FROM members WHERE role = 'admin'`,
        )
      ).rows[0]!;
      siteId = admin.siteId;
      const space = (
        await server.db.query<{ id: string }>(
          `INSERT INTO spaces (site_id, name, kind, capacity, access, owner_id)
           VALUES ($1, 'Cabin 3 (Captain)', 'cabin', 2, 'owner', $2) RETURNING id`,
          [admin.siteId, admin.id],
        )
      ).rows[0]!.id;
      const token = JSON.parse(readFileSync(join(home, 'shipshape', 'credentials.json'), 'utf8')).token;
      const res = await fetch(`${server.url}/api/v1/doors`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ spaceId: space, topic, hasContact: true }),
      });
      assert.equal(res.status, 201);
      sim = await DoorSimulator.start(hook.brokerUrl()!, [{ topic }]);
      for (let i = 0; i < 100; i++) {
        const ls = await cli(['door', 'ls'], env);
        if (/Cabin 3 \(Captain\): locked/.test(ls.stdout)) break;
        await new Promise((r) => setTimeout(r, 50));
      }
    });
    after(async () => {
      await sim?.close();
      await server?.close();
      await store?.drop();
      if (home) rmSync(home, { recursive: true, force: true });
    });

    it('unlocks a door by its space and waits for the lock to confirm', async () => {
      const res = await cli(['door', 'unlock', 'Cabin 3'], env);
      assert.equal(res.code, 0, res.stderr);
      assert.match(res.stdout, /Cabin 3 \(Captain\): unlocked \(confirmed by the lock\)/);
      const ls = await cli(['door', 'ls'], env);
      assert.match(ls.stdout, /Cabin 3 \(Captain\): unlocked, door closed {2}\(you may open it\)/);
      assert.equal(sim.locks.get(topic)!.lockState, 'unlocked');
      const lock = await cli(['door', 'lock', 'Cabin 3'], env);
      assert.equal(lock.code, 0, lock.stderr);
    });

    it('fails with the reason when the lock does not confirm, and names unknown spaces', async () => {
      await sim.setOnline(topic, false);
      for (let i = 0; i < 100; i++) {
        if (/unknown/.test((await cli(['door', 'ls'], env)).stdout)) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      const res = await cli(['door', 'unlock', 'Cabin 3'], env);
      assert.equal(res.code, 1);
      assert.match(res.stderr, /did not confirm in time; it shows unknown/);
      const none = await cli(['door', 'unlock', 'Galley'], env);
      assert.equal(none.code, 1);
      assert.match(none.stderr, /No door of Galley; doors: Cabin 3 \(Captain\)/);
      await sim.setOnline(topic, true);
    });

    it('exports the door, its requests and its events with the site', async () => {
      const exported = await exportSite(server.db, siteId);
      const rows = (name: string) =>
        (exported.tables.find((x) => x.name === name)?.rows ?? []) as Record<string, unknown>[];
      const tables = { doors: rows('doors'), door_requests: rows('door_requests'), events: rows('events') };
      assert.equal(tables.doors?.length, 1);
      assert.ok((tables.door_requests?.length ?? 0) >= 3);
      assert.ok((tables.events ?? []).some((e) => e.type === 'door.confirmed'));
    });
  });
