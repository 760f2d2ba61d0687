import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeClock } from '../../src/domain/clock.ts';
import { hashPassword } from '../../src/features/auth/service.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { storeKinds } from '../support/store.ts';

const password = 'a long enough passphrase';

for (const kind of storeKinds()) {
  describe(`login rate limit by email and by address, with backoff (${kind})`, () => {
    let t: TestApp;
    const clock = new FakeClock('2026-06-01T00:00:00Z');
    before(async () => {
      t = await startTestApp(kind, {
        clock,
        env: {
          SHIPSHAPE_LOGIN_RATE_LIMIT: '3',
          SHIPSHAPE_LOGIN_ADDRESS_LIMIT: '6',
          // The test's own address is the proxy: X-Forwarded-For from it names the client.
          SHIPSHAPE_TRUST_PROXY: '127.0.0.1',
        },
      });
      const hash = await hashPassword(password);
      for (const name of ['victim', 'neighbour', 'third'])
        await t.db.query(
          `INSERT INTO members (site_id, email, display_name, password_hash) VALUES ($1, $2, $3, $4)`,
          [t.siteId, `${name}@test.example`, name, hash],
        );
    });
    after(() => t.close());

    const login = async (email: string, pw: string, client: string, remoteAddress = '127.0.0.1') => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        remoteAddress,
        headers: { 'content-type': 'application/json', 'x-forwarded-for': client },
        payload: JSON.stringify({ email, password: pw }),
      });
      return { status: res.statusCode, body: res.json(), retryAfter: res.headers['retry-after'] };
    };

    it('failures for one email lock that email (from any address), not its neighbours behind the address', async () => {
      for (const client of ['10.0.0.1', '10.0.0.2', '10.0.0.3'])
        assert.equal((await login('Victim@test.example', 'wrong guess', client)).status, 401);
      const locked = await login('victim@test.example', password, '10.0.0.4');
      assert.equal(locked.status, 429);
      assert.equal(locked.body.code, 'rate-limited');
      assert.equal(locked.body.field, 'body.email');
      assert.equal(locked.retryAfter, '60');
      // Behind the same address as the guesser, everyone else still signs in.
      assert.equal((await login('neighbour@test.example', password, '10.0.0.1')).status, 200);
    });

    it('backs off: after the lock a further failure locks for twice as long; a success clears the count', async () => {
      clock.advance(61_000);
      assert.equal((await login('victim@test.example', 'again wrong', '10.0.0.5')).status, 401);
      const longer = await login('victim@test.example', password, '10.0.0.5');
      assert.equal(longer.status, 429);
      assert.equal(longer.retryAfter, '120');
      clock.advance(121_000);
      assert.equal((await login('victim@test.example', password, '10.0.0.5')).status, 200);
      assert.equal((await login('victim@test.example', 'one slip', '10.0.0.5')).status, 401);
      assert.equal((await login('victim@test.example', password, '10.0.0.5')).status, 200);
    });

    it('failures with many emails from one address lock that address only', async () => {
      clock.advance(3_700_000);
      for (let i = 0; i < 6; i++)
        assert.equal((await login(`nobody-${i}@test.example`, 'x', '10.0.9.9')).status, 401);
      const blocked = await login('third@test.example', password, '10.0.9.9');
      assert.equal(blocked.status, 429);
      assert.equal(blocked.body.field, 'address');
      assert.equal((await login('third@test.example', password, '10.0.9.10')).status, 200);
    });

    it('believes X-Forwarded-For only from the configured proxy', async () => {
      // From an untrusted peer the header is ignored: its own address is the one counted.
      for (let i = 0; i < 6; i++)
        assert.equal((await login(`spoof-${i}@test.example`, 'x', `10.1.0.${i}`, '192.0.2.7')).status, 401);
      assert.equal((await login('third@test.example', password, '10.1.0.99', '192.0.2.7')).status, 429);
      assert.equal((await login('third@test.example', password, '10.1.0.99')).status, 200);
    });
  });
}
