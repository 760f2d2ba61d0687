import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readConfig } from '../../src/config.ts';
import { FakeClock } from '../../src/domain/clock.ts';
import { hashPassword, login } from '../../src/features/auth/service.ts';
import { runDelivery } from '../../src/features/notifications/service.ts';
import { firstStart } from '../../src/server.ts';
import { type Caller, startTestApp, type TestApp } from '../support/app.ts';
import { buildSpace } from '../support/factories.ts';
import { openTestStore, storeKinds } from '../support/store.ts';

const strong = 'a long enough passphrase';
const now = '2026-06-01T00:00:00Z';

for (const kind of storeKinds()) {
  describe(`demo crew passwords (${kind})`, () => {
    it('first start gives the demo crew no usable password; the admin password is the admin alone', async () => {
      const db = await openTestStore(kind);
      try {
        const clock = new FakeClock(now);
        const config = readConfig({ SHIPSHAPE_ADMIN_PASSWORD: 'the admiral alone knows' });
        const first = await firstStart(db, clock, config, { demo: true });
        assert.ok(first);
        const crew = await db.query<{ email: string; hash: string | null }>(
          'SELECT email, password_hash AS hash FROM members WHERE site_id = $1 AND id <> $2',
          [first.siteId, first.adminId],
        );
        assert.equal(crew.rows.length, 20);
        assert.ok(crew.rows.every((m) => m.hash === null));
        await assert.rejects(
          login(db, clock, { email: crew.rows[0]!.email, password: 'the admiral alone knows' }),
          /email or the password is wrong/,
        );
        assert.ok(
          await login(db, clock, { email: 'admin@shipshape.local', password: 'the admiral alone knows' }),
        );
      } finally {
        await db.close();
      }
    });
  });

  describe(`password change, reset and deactivation (${kind})`, () => {
    let t: TestApp;
    const clock = new FakeClock(now);
    before(async () => {
      t = await startTestApp(kind, { clock });
    });
    after(() => t.close());

    /** A member with a password, signed in twice (two sessions). */
    async function memberWithPassword(name: string) {
      const m = await t.buildMember({ displayName: name, email: `${name.toLowerCase()}@test.example` });
      await t.db.query('UPDATE members SET password_hash = $1 WHERE id = $2', [
        await hashPassword(strong),
        m.id,
      ]);
      const signIn = async (password: string) =>
        t.request('POST', '/api/v1/auth/login', {
          body: { email: `${name.toLowerCase()}@test.example`, password },
        });
      return { ...m, signIn };
    }

    it('a member changes their password: current one required, policy checked, other sessions revoked', async () => {
      const m = await memberWithPassword('Changer');
      const here = (await m.signIn(strong)).body.token as string;
      const elsewhere = (await m.signIn(strong)).body.token as string;
      const change = (body: unknown) => t.request('POST', '/api/v1/me/password', { as: here, body });

      const wrong = await change({
        currentPassword: 'not my password',
        newPassword: 'another fine passphrase',
      });
      assert.equal(wrong.status, 401);
      assert.equal(wrong.body.field, 'body.currentPassword');
      const short = await change({ currentPassword: strong, newPassword: 'too short' });
      assert.equal(short.status, 400);
      assert.equal(short.body.field, 'body.newPassword');
      assert.match(short.body.detail, /at least 12 characters/);
      const common = await change({ currentPassword: strong, newPassword: '1q2w3e4r5t6y' });
      assert.equal(common.status, 400);
      assert.match(common.body.detail, /common passwords/);
      // Nothing changed so far: every session still works.
      assert.equal((await t.request('GET', '/api/v1/me', { as: elsewhere })).status, 200);

      const ok = await change({ currentPassword: strong, newPassword: 'another fine passphrase' });
      assert.equal(ok.status, 204);
      assert.equal(
        (await t.request('GET', '/api/v1/me', { as: here })).status,
        200,
        'the session in use stays',
      );
      assert.equal((await t.request('GET', '/api/v1/me', { as: elsewhere })).status, 401);
      assert.equal((await t.request('GET', '/api/v1/me', { as: m })).status, 401, 'API tokens too');
      assert.equal((await m.signIn(strong)).status, 401);
      assert.equal((await m.signIn('another fine passphrase')).status, 200);
      const events = await t.db.query(
        "SELECT 1 FROM events WHERE type = 'member.password-changed' AND subject_id = $1",
        [m.id],
      );
      assert.equal(events.rows.length, 1);
    });

    it('an admin resets a password: sessions revoked, and the member must set a new one at sign-in', async () => {
      const m = await memberWithPassword('Forgetful');
      const other = await t.buildMember();
      const refused = await t.request('POST', `/api/v1/members/${m.id}/password-reset`, {
        as: other,
        body: {},
      });
      assert.equal(refused.status, 403);
      const weak = await t.request('POST', `/api/v1/members/${m.id}/password-reset`, {
        as: t.admin,
        body: { password: 'short' },
      });
      assert.equal(weak.status, 400);
      assert.equal(weak.body.field, 'body.password');
      assert.equal((await t.request('GET', '/api/v1/me', { as: m })).status, 200);

      const reset = await t.request('POST', `/api/v1/members/${m.id}/password-reset`, { as: t.admin });
      assert.equal(reset.status, 200, JSON.stringify(reset.body));
      const temporary = reset.body.temporaryPassword as string;
      assert.ok(temporary.length >= 12);
      assert.equal((await t.request('GET', '/api/v1/me', { as: m })).status, 401, 'old tokens are revoked');
      assert.equal((await m.signIn(strong)).status, 401);
      const signedIn = await m.signIn(temporary);
      assert.equal(signedIn.status, 200);
      assert.equal(signedIn.body.member.mustChangePassword, true);
      const token = signedIn.body.token as string;
      const blocked = await t.request('GET', '/api/v1/bookings', { as: token });
      assert.equal(blocked.status, 403);
      assert.equal(blocked.body.code, 'password-change-required');
      assert.equal((await t.request('GET', '/api/v1/me', { as: token })).body.mustChangePassword, true);
      const set = await t.request('POST', '/api/v1/me/password', {
        as: token,
        body: { currentPassword: temporary, newPassword: 'my very own passphrase' },
      });
      assert.equal(set.status, 204);
      assert.equal((await t.request('GET', '/api/v1/bookings', { as: token })).status, 200);
      assert.equal((await t.request('GET', '/api/v1/me', { as: token })).body.mustChangePassword, false);
    });

    it('new members get the same password policy', async () => {
      const res = await t.request('POST', '/api/v1/members', {
        as: t.admin,
        body: { email: 'weak@test.example', displayName: 'Weak', password: 'password1234' },
      });
      assert.equal(res.status, 400);
      assert.equal(res.body.field, 'body.password');
      assert.equal(
        (await t.db.query("SELECT 1 FROM members WHERE email = 'weak@test.example'")).rows.length,
        0,
      );
    });

    it('an admin deactivates a member: no sign-in, tokens revoked, future bookings released with a notice, history kept', async () => {
      const leaving = await memberWithPassword('Leaving');
      const partner: Caller = await t.buildMember({ displayName: 'Partner' });
      const bystander: Caller = await t.buildMember({ displayName: 'Bystander' });
      const space = await buildSpace(t, { maxMinutes: 600 });
      const book = (start: string, end: string, extra: Record<string, unknown> = {}) =>
        t.request('POST', '/api/v1/bookings', {
          as: leaving,
          body: {
            spaceId: space,
            title: 'Private sparring',
            start,
            end,
            participants: { members: [partner.id] },
            ...extra,
          },
        });
      const past = await book('2026-06-01T10:00:00Z', '2026-06-01T11:00:00Z');
      const future = await book('2026-06-03T10:00:00Z', '2026-06-03T11:00:00Z', { visibility: 'private' });
      assert.equal(past.status, 201);
      assert.equal(future.status, 201);
      clock.set('2026-06-02T00:00:00Z');
      await runDelivery(t.db);

      const notAdmin = await t.request('POST', `/api/v1/members/${leaving.id}/deactivate`, {
        as: partner,
        body: {},
      });
      assert.equal(notAdmin.status, 403);
      const self = await t.request('POST', `/api/v1/members/${t.admin.id}/deactivate`, {
        as: t.admin,
        body: {},
      });
      assert.equal(self.status, 409);

      const res = await t.request('POST', `/api/v1/members/${leaving.id}/deactivate`, {
        as: t.admin,
        body: { reason: 'Transferred to another vessel' },
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.ok(res.body.deactivatedAt);
      assert.equal((await t.request('GET', '/api/v1/me', { as: leaving })).status, 401);
      assert.equal((await leaving.signIn(strong)).status, 401);
      const again = await t.request('POST', `/api/v1/members/${leaving.id}/deactivate`, {
        as: t.admin,
        body: {},
      });
      assert.equal(again.status, 409);

      const status = async (id: string) =>
        (await t.db.query<{ status: string }>('SELECT status FROM bookings WHERE id = $1', [id])).rows[0]!
          .status;
      assert.equal(await status(future.body.id), 'cancelled');
      assert.notEqual(await status(past.body.id), 'cancelled', 'history is kept');
      assert.equal((await t.request('GET', `/api/v1/members/${leaving.id}`, { as: t.admin })).status, 200);

      await runDelivery(t.db);
      const feed = await t.request('GET', '/api/v1/notifications', { as: partner });
      const cancelled = feed.body.items.filter((n: { kind: string }) => n.kind === 'booking-cancelled');
      assert.equal(cancelled.length, 1);
      assert.equal(cancelled[0].bookingId, future.body.id);
      // An uninvolved member hears nothing of the private booking, and sees it only as busy.
      const theirs = await t.request('GET', '/api/v1/notifications', { as: bystander });
      assert.ok(theirs.body.items.every((n: { bookingId: string | null }) => n.bookingId !== future.body.id));
      const seen = await t.request('GET', `/api/v1/bookings/${future.body.id}`, { as: bystander });
      assert.ok(seen.status === 404 || seen.body.busy === true);
      assert.notEqual(seen.body.title, 'Private sparring');
    });
  });
}
