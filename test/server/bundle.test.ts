import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { bundleServerIfStale, serverBundle } from '../../src/build.ts';

async function freePort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as { port: number };
  probe.close();
  await once(probe, 'close');
  return port;
}

/**
 * The bundle `npm start` runs (dist/shipshape.mjs) is our sources in one file: anything that finds a
 * file relative to its own module (migrations, the web app, packages) must still find it from there.
 */
describe('the server bundle', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'shipshape-bundle-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('builds, migrates an empty store, serves the API and signs the first admin in', async () => {
    await bundleServerIfStale();
    const port = await freePort();
    const child = spawn(process.execPath, [serverBundle, 'serve', '--no-demo'], {
      env: {
        PATH: process.env.PATH,
        SHIPSHAPE_DATA_DIR: dataDir,
        SHIPSHAPE_ADMIN_EMAIL: 'bundle@test.example',
        SHIPSHAPE_ADMIN_PASSWORD: 'bundled-and-ready',
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const url = `http://127.0.0.1:${port}`;
    try {
      let ready = false;
      for (let i = 0; i < 600 && !ready && child.exitCode === null; i++) {
        ready = await fetch(`${url}/readyz`).then(
          (r) => r.status === 200,
          () => false,
        );
        if (!ready) await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(ready, `the bundled server did not become ready:\n${output}`);
      const login = await fetch(`${url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'bundle@test.example', password: 'bundled-and-ready' }),
      });
      assert.equal(login.status, 200, output);
      const doc = await fetch(`${url}/api/openapi.json`);
      assert.equal(doc.status, 200);
    } finally {
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
    }
  });
});
