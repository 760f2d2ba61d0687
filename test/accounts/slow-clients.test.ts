import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp } from '../support/app.ts';
import { storeKinds } from '../support/store.ts';

/** A raw connection from `localAddress` (any 127.x.y.z is this machine), with what it received. */
function dial(port: number, localAddress = '127.0.0.1') {
  const socket = connect({ host: '127.0.0.1', port, localAddress });
  let received = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    received += chunk;
  });
  socket.on('error', () => undefined);
  const closed = new Promise<number>((resolve) => socket.on('close', () => resolve(Date.now())));
  const connected = new Promise<void>((resolve) => socket.on('connect', () => resolve()));
  return { socket, closed, connected, received: () => received };
}

async function healthz(port: number, localAddress: string): Promise<string> {
  const c = dial(port, localAddress);
  await c.connected;
  c.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  await c.closed;
  return c.received();
}

for (const kind of storeKinds()) {
  describe(`slow clients are cut off and cannot hold every connection (${kind})`, () => {
    let t: TestApp;
    let port: number;
    const sockets: Socket[] = [];
    before(async () => {
      t = await startTestApp(kind, {
        env: { SHIPSHAPE_REQUEST_TIMEOUT_MS: '1000', SHIPSHAPE_MAX_CONNECTIONS_PER_ADDRESS: '5' },
      });
      await t.app.listen({ port: 0, host: '127.0.0.1' });
      port = (t.app.server.address() as { port: number }).port;
    });
    after(async () => {
      for (const s of sockets) s.destroy();
      await t.close();
    });

    it('a client that trickles its body is cut off after the request timeout, while others are served', async () => {
      const slow = dial(port, '127.0.0.3');
      sockets.push(slow.socket);
      await slow.connected;
      const started = Date.now();
      slow.socket.write(
        'POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{',
      );
      // One byte every 200 ms keeps the socket busy, so only a request timeout can end it.
      const drip = setInterval(() => slow.socket.write(' '), 200);
      try {
        assert.match(await healthz(port, '127.0.0.4'), /^HTTP\/1\.1 200/);
        const closedAt = await Promise.race([
          slow.closed,
          new Promise<number>((_, reject) => setTimeout(() => reject(new Error('never cut off')), 5000)),
        ]);
        assert.ok(closedAt - started >= 900, 'not before the timeout');
        assert.match(slow.received(), /^HTTP\/1\.1 408/);
      } finally {
        clearInterval(drip);
      }
    });

    it('one address holds at most the cap of connections; other addresses are still served', async () => {
      const held = [];
      for (let i = 0; i < 5; i++) {
        const c = dial(port, '127.0.0.5');
        sockets.push(c.socket);
        await c.connected;
        // An unfinished request: the connection stays open until the request timeout.
        c.socket.write('POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\n');
        held.push(c);
      }
      await new Promise((r) => setTimeout(r, 50));
      const refused = dial(port, '127.0.0.5');
      sockets.push(refused.socket);
      const refusedAt = await Promise.race([
        refused.closed,
        new Promise<number>((_, reject) => setTimeout(() => reject(new Error('not refused')), 500)),
      ]);
      assert.ok(refusedAt > 0);
      assert.equal(refused.received(), '');
      assert.match(await healthz(port, '127.0.0.6'), /^HTTP\/1\.1 200/);
      // Once the held connections time out, the address is served again.
      await Promise.all(held.map((c) => c.closed));
      assert.match(await healthz(port, '127.0.0.5'), /^HTTP\/1\.1 200/);
    });
  });
}
