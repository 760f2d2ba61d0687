import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hashPassword } from '../../src/features/auth/service.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { storeKinds } from '../support/store.ts';

for (const kind of storeKinds()) {
  describe(`auth (${kind})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(kind);
      await t.db.query('UPDATE members SET password_hash = $1 WHERE id = $2', [
        await hashPassword('correct horse battery'),
        t.admin.id,
      ]);
    });
    after(() => t.close());

    it('logs in with email and password and the token works as a bearer', async () => {
      const res = await t.request('POST', '/api/v1/auth/login', {
        body: { email: 'ADMIN@test.example', password: 'correct horse battery' },
      });
      assert.equal(res.status, 200);
      assert.equal(res.body.member.id, t.admin.id);
      const cookie = String(res.headers['set-cookie']);
      assert.match(cookie, /shipshape_session=/);
      assert.match(cookie, /HttpOnly/);
      assert.match(cookie, /SameSite=Lax/);
      const me = await t.request('GET', '/api/v1/me', { as: res.body.token });
      assert.equal(me.status, 200);
      assert.equal(me.body.email, 'admin@test.example');
      const byCookie = await t.request('GET', '/api/v1/me', {
        headers: { cookie: `shipshape_session=${res.body.token}` },
      });
      assert.equal(byCookie.status, 200);
    });

    it('stores tokens only as hashes', async () => {
      const res = await t.request('POST', '/api/v1/auth/login', {
        body: { email: 'admin@test.example', password: 'correct horse battery' },
      });
      const rows = await t.db.query<{ token_hash: string }>('SELECT token_hash FROM auth_tokens');
      assert.ok(rows.rows.length > 0);
      assert.ok(
        rows.rows.every((r) => r.token_hash !== res.body.token && /^[0-9a-f]{64}$/.test(r.token_hash)),
      );
    });

    it('refuses a wrong password and an unknown email alike', async () => {
      const wrong = await t.request('POST', '/api/v1/auth/login', {
        body: { email: 'admin@test.example', password: 'nope' },
      });
      const unknown = await t.request('POST', '/api/v1/auth/login', {
        body: { email: 'ghost@test.example', password: 'nope' },
      });
      assert.equal(wrong.status, 401);
      assert.equal(unknown.status, 401);
      assert.equal(wrong.body.code, 'invalid-credentials');
      assert.equal(wrong.headers['content-type'], 'application/problem+json; charset=utf-8');
    });

    it('answers 401 without a token and with a revoked one', async () => {
      assert.equal((await t.request('GET', '/api/v1/me')).status, 401);
      const created = await t.request('POST', '/api/v1/tokens', { as: t.admin, body: { name: 'cli' } });
      assert.equal(created.status, 201);
      assert.equal((await t.request('GET', '/api/v1/me', { as: created.body.token })).status, 200);
      const revoked = await t.request('DELETE', `/api/v1/tokens/${created.body.id}`, { as: t.admin });
      assert.equal(revoked.status, 204);
      const after = await t.request('GET', '/api/v1/me', { as: created.body.token });
      assert.equal(after.status, 401);
      assert.equal(after.body.code, 'unauthenticated');
    });

    it('rate-limits login attempts', async () => {
      const limited = await startTestApp(kind, { env: { SHIPSHAPE_LOGIN_RATE_LIMIT: '3' } });
      try {
        const statuses: number[] = [];
        for (let i = 0; i < 5; i++) {
          const res = await limited.request('POST', '/api/v1/auth/login', {
            body: { email: 'admin@test.example', password: 'guess' },
          });
          statuses.push(res.status);
        }
        assert.deepEqual(statuses, [401, 401, 401, 429, 429]);
      } finally {
        await limited.close();
      }
    });

    it('answers bad bodies with a problem naming the field', async () => {
      const res = await t.request('POST', '/api/v1/auth/login', { body: { email: 'a@b.c' } });
      assert.equal(res.status, 400);
      assert.equal(res.body.field, 'body.password');
      const notJson = await t.request('POST', '/api/v1/auth/login', {
        rawBody: '{nope',
        headers: { 'content-type': 'application/json' },
      });
      assert.equal(notJson.status, 400);
      assert.equal(notJson.body.code, 'bad-request');
    });
  });
}
