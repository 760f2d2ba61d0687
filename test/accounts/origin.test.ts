import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hashPassword } from '../../src/features/auth/service.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { buildSpace } from '../support/factories.ts';
import { storeKinds } from '../support/store.ts';

for (const kind of storeKinds()) {
  describe(`cookie requests from another origin are refused (${kind})`, () => {
    let t: TestApp;
    let cookie: string;
    let host: string;
    let space: string;
    before(async () => {
      t = await startTestApp(kind);
      await t.db.query('UPDATE members SET password_hash = $1 WHERE id = $2', [
        await hashPassword('a long enough passphrase'),
        t.admin.id,
      ]);
      const login = await t.request('POST', '/api/v1/auth/login', {
        body: { email: 'admin@test.example', password: 'a long enough passphrase' },
      });
      assert.equal(login.status, 200);
      cookie = `shipshape_session=${login.body.token}`;
      host = 'shipshape.test:8080';
      space = await buildSpace(t);
    });
    after(() => t.close());

    // Within the booking horizon of the real clock the test app runs on.
    const inDays = (days: number, hours: number) =>
      new Date(Math.ceil(Date.now() / 3_600_000) * 3_600_000 + (days * 24 + hours) * 3_600_000).toISOString();
    const newBooking = { spaceId: '', title: 'Forged', start: inDays(2, 0), end: inDays(2, 1) };
    const bookings = async () =>
      (await t.db.query('SELECT 1 FROM bookings WHERE site_id = $1', [t.siteId])).rows.length;

    for (const [label, headers, field] of [
      ['Origin of another site', { origin: 'https://evil.example' }, 'header.origin'],
      ['Origin of another port', { origin: 'http://shipshape.test:9999' }, 'header.origin'],
      ['Origin null (a sandboxed frame)', { origin: 'null' }, 'header.origin'],
      ['Sec-Fetch-Site cross-site', { 'sec-fetch-site': 'cross-site' }, 'header.sec-fetch-site'],
      [
        'Sec-Fetch-Site same-site (a sibling subdomain)',
        { 'sec-fetch-site': 'same-site', origin: 'http://shipshape.test:8080' },
        'header.sec-fetch-site',
      ],
    ] as const) {
      it(`refuses ${label} with 403 problem+json and changes nothing`, async () => {
        const before = await bookings();
        const post = await t.request('POST', '/api/v1/bookings', {
          headers: { cookie, host, ...headers },
          body: { ...newBooking, spaceId: space },
        });
        assert.equal(post.status, 403, JSON.stringify(post.body));
        assert.equal(post.body.code, 'forbidden');
        assert.equal(post.body.field, field);
        assert.match(String(post.headers['content-type']), /application\/problem\+json/);
        assert.equal(await bookings(), before);
        // A bodyless POST too: logging the victim out is refused, the session lives on.
        const logout = await t.request('POST', '/api/v1/auth/logout', {
          headers: { cookie, host, ...headers },
        });
        assert.equal(logout.status, 403);
        const me = await t.request('GET', '/api/v1/me', { headers: { cookie, host, ...headers } });
        assert.equal(me.status, 200, 'reading is not refused');
      });
    }

    it('accepts same-origin cookie requests, and bearer requests whatever their Origin', async () => {
      const same = await t.request('POST', '/api/v1/bookings', {
        headers: { cookie, host, origin: 'http://shipshape.test:8080', 'sec-fetch-site': 'same-origin' },
        body: { ...newBooking, spaceId: space, title: 'Mine' },
      });
      assert.equal(same.status, 201, JSON.stringify(same.body));
      const bearer = await t.request('POST', '/api/v1/bookings', {
        as: t.admin,
        headers: { host, origin: 'https://integration.example', cookie },
        body: {
          ...newBooking,
          spaceId: space,
          title: 'Script',
          start: inDays(3, 0),
          end: inDays(3, 1),
        },
      });
      assert.equal(bearer.status, 201, JSON.stringify(bearer.body));
      const logout = await t.request('POST', '/api/v1/auth/logout', {
        headers: { cookie, host, origin: 'http://shipshape.test:8080' },
      });
      assert.equal(logout.status, 204);
    });
  });
}
