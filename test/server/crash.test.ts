import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { emptyStore, type StoreEnv } from '../cli/support.ts';
import { storeKinds } from '../support/store.ts';

const bin = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'shipshape.js');
const credentials = {
  SHIPSHAPE_ADMIN_EMAIL: 'crash@test.example',
  SHIPSHAPE_ADMIN_PASSWORD: 'kill-dash-nine',
};

async function freePort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as { port: number };
  probe.close();
  await once(probe, 'close');
  return port;
}

interface Child {
  process: ChildProcess;
  url: string;
  output: () => string;
}

/** Starts `shipshape serve --no-demo` as a real process and waits until it answers /readyz. */
async function serve(env: Record<string, string>): Promise<Child> {
  const port = await freePort();
  const child = spawn(process.execPath, [bin, 'serve', '--no-demo'], {
    env: {
      PATH: process.env.PATH,
      ...env,
      ...credentials,
      PORT: String(port),
      HOST: '127.0.0.1',
      SHIPSHAPE_MQTT_PORT: '0',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  // Starting means initdb and migrations on PGlite; give it a generous deadline, then fail.
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}):\n${output}`);
    const ready = await fetch(`${url}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) return { process: child, url, output: () => output };
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`the server did not become ready:\n${output}`);
}

async function call(url: string, path: string, token: string | undefined, body?: unknown) {
  const res = await fetch(`${url}/api/v1${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as any };
}

async function signIn(url: string): Promise<string> {
  const res = await call(url, '/auth/login', undefined, {
    email: credentials.SHIPSHAPE_ADMIN_EMAIL,
    password: credentials.SHIPSHAPE_ADMIN_PASSWORD,
  });
  assert.equal(res.status, 200);
  return res.body.token;
}

for (const kind of storeKinds()) {
  describe(`kill -9 while booking (${kind})`, () => {
    let store: StoreEnv | undefined;
    const children: ChildProcess[] = [];
    after(async () => {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
      await store?.drop();
    });

    it('keeps every booking that was acknowledged before the kill', async () => {
      store = await emptyStore(kind);
      const first = await serve(store.env);
      children.push(first.process);
      const token = await signIn(first.url);
      const space = await call(first.url, '/spaces', token, {
        name: 'Training Lounge',
        kind: 'training',
        capacity: 10,
      });
      assert.equal(space.status, 201, JSON.stringify(space.body));

      // Four clients book consecutive 15-minute slots; the server dies under them mid-way.
      const base = Math.ceil(Date.now() / 3_600_000) * 3_600_000 + 3_600_000;
      const acknowledged: string[] = [];
      let next = 0;
      let killed = false;
      const exited = once(first.process, 'exit');
      const client = async () => {
        while (!killed) {
          const slot = next++;
          const start = new Date(base + slot * 15 * 60_000);
          const end = new Date(start.getTime() + 15 * 60_000);
          try {
            const res = await call(first.url, '/bookings', token, {
              spaceId: space.body.id,
              start: start.toISOString(),
              end: end.toISOString(),
              title: `slot ${slot}`,
            });
            if (res.status >= 200 && res.status < 300) acknowledged.push(res.body.id);
            else assert.fail(`slot ${slot}: ${res.status} ${JSON.stringify(res.body)}`);
          } catch (err) {
            if (killed) return; // the connection died with the server
            throw err;
          }
          if (acknowledged.length === 60 && !killed) {
            killed = true;
            first.process.kill('SIGKILL');
          }
        }
      };
      await Promise.all([client(), client(), client(), client()]);
      await exited;
      assert.equal(first.process.signalCode, 'SIGKILL');
      assert.ok(acknowledged.length >= 60);

      const second = await serve(store.env);
      children.push(second.process);
      try {
        const again = await signIn(second.url);
        const missing: string[] = [];
        for (const id of acknowledged) {
          const res = await call(second.url, `/bookings/${id}`, again);
          if (res.status !== 200) missing.push(id);
        }
        assert.deepEqual(missing, [], `lost acknowledged bookings; server output:\n${second.output()}`);
        const listed = await call(second.url, '/bookings?limit=500', again);
        assert.ok(listed.body.items.length >= acknowledged.length);
      } finally {
        second.process.kill('SIGTERM');
        const [code] = await once(second.process, 'exit');
        assert.equal(code, 0, `graceful stop; output:\n${second.output()}`);
      }
    });
  });
}
