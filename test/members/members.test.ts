import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp } from '../support/app.ts';
import { storeKinds } from '../support/store.ts';

for (const kind of storeKinds()) {
  describe(`members (${kind})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(kind);
      for (const name of ['Aiko Sato', 'Bram de Vries', 'Chen Wei', 'Dov Levi'])
        await t.buildMember({ displayName: name });
    });
    after(() => t.close());

    it('pages through members by name with nextCursor, and filters by q', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        pages += 1;
        assert.ok(pages <= 3, 'the cursor does not advance');
        const url: string = `/api/v1/members?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
        const page = await t.request('GET', url, { as: t.admin });
        assert.equal(page.status, 200);
        assert.ok(page.body.items.length <= 2);
        seen.push(...page.body.items.map((m: { displayName: string }) => m.displayName));
        cursor = page.body.nextCursor;
      } while (cursor);
      assert.deepEqual(seen, ['Admiral Test', 'Aiko Sato', 'Bram de Vries', 'Chen Wei', 'Dov Levi']);
      const found = await t.request('GET', '/api/v1/members?q=wei', { as: t.admin });
      assert.deepEqual(
        found.body.items.map((m: { displayName: string }) => m.displayName),
        ['Chen Wei'],
      );
    });

    it('refuses a cursor it did not give out', async () => {
      const res = await t.request('GET', '/api/v1/members?cursor=bm9wZQ', { as: t.admin });
      assert.equal(res.status, 400);
      assert.equal(res.body.field, 'query.cursor');
    });

    it('lets admins add members, once per email, and no one else', async () => {
      const member = await t.buildMember();
      const body = { email: 'new.crew@test.example', displayName: 'New Crew', rank: 'Cadet' };
      const refused = await t.request('POST', '/api/v1/members', { as: member, body });
      assert.equal(refused.status, 403);
      const created = await t.request('POST', '/api/v1/members', { as: t.admin, body });
      assert.equal(created.status, 201);
      assert.equal(created.body.role, 'member');
      const again = await t.request('POST', '/api/v1/members', {
        as: t.admin,
        body: { ...body, email: 'NEW.crew@test.example' },
      });
      assert.equal(again.status, 409);
      assert.equal(again.body.field, 'body.email');
      const events = await t.db.query(
        "SELECT 1 FROM events WHERE type = 'member.created' AND subject_id = $1",
        [created.body.id],
      );
      assert.equal(events.rows.length, 1);
    });

    it('lets admins edit a member, writes an event, and refuses bad input changing nothing', async () => {
      const m = await t.buildMember({ displayName: 'Edna Ek', rank: 'Cadet' });
      const res = await t.request('PATCH', `/api/v1/members/${m.id}`, {
        as: t.admin,
        body: { displayName: 'Edna Eklund', rank: 'Ensign', email: 'edna@test.example' },
      });
      assert.equal(res.status, 200);
      assert.equal(res.body.displayName, 'Edna Eklund');
      assert.equal(res.body.rank, 'Ensign');
      assert.equal(res.body.email, 'edna@test.example');
      assert.equal(res.body.role, 'member');
      const events = await t.db.query(
        "SELECT before->>'displayName' AS was FROM events WHERE type = 'member.updated' AND subject_id = $1",
        [m.id],
      );
      assert.deepEqual(
        events.rows.map((r) => (r as { was: string }).was),
        ['Edna Ek'],
      );
      for (const [body, field] of [
        [{ displayName: '  ' }, 'body.displayName'],
        [{ email: 'not an email' }, 'body.email'],
        [{ role: 'captain' }, 'body.role'],
      ] as const) {
        const bad = await t.request('PATCH', `/api/v1/members/${m.id}`, { as: t.admin, body });
        assert.equal(bad.status, 400, JSON.stringify(body));
        assert.equal(bad.body.field, field);
        assert.match(bad.body.detail, /\w/);
      }
      const empty = await t.request('PATCH', `/api/v1/members/${m.id}`, { as: t.admin, body: {} });
      assert.equal(empty.status, 400);
      const unchanged = await t.request('GET', `/api/v1/members/${m.id}`, { as: t.admin });
      assert.equal(unchanged.body.displayName, 'Edna Eklund');
      assert.equal(unchanged.body.email, 'edna@test.example');
      const none = await t.request('PATCH', '/api/v1/members/00000000-0000-4000-8000-000000000000', {
        as: t.admin,
        body: { rank: 'x' },
      });
      assert.equal(none.status, 404);
    });

    it("refuses an email another member holds, in any case, but keeps one's own", async () => {
      const a = await t.buildMember({ email: 'fay@test.example' });
      const b = await t.buildMember();
      const taken = await t.request('PATCH', `/api/v1/members/${b.id}`, {
        as: t.admin,
        body: { email: 'FAY@test.example', rank: 'Chief' },
      });
      assert.equal(taken.status, 409);
      assert.equal(taken.body.field, 'body.email');
      const still = await t.request('GET', `/api/v1/members/${b.id}`, { as: t.admin });
      assert.equal(still.body.rank, 'Ensign');
      const own = await t.request('PATCH', `/api/v1/members/${a.id}`, {
        as: t.admin,
        body: { email: 'Fay@test.example' },
      });
      assert.equal(own.status, 200);
      assert.equal(own.body.email, 'Fay@test.example');
    });

    it('keeps the last admin an admin, and a change of role counts at once', async () => {
      const alone = await t.request('PATCH', `/api/v1/members/${t.admin.id}`, {
        as: t.admin,
        body: { role: 'member' },
      });
      assert.equal(alone.status, 409);
      assert.equal(alone.body.field, 'body.role');
      assert.match(alone.body.detail, /last admin/);
      const c = await t.buildMember();
      const promoted = await t.request('PATCH', `/api/v1/members/${c.id}`, {
        as: t.admin,
        body: { role: 'admin' },
      });
      assert.equal(promoted.status, 200);
      assert.equal(promoted.body.role, 'admin');
      const d = await t.buildMember();
      const asAdmin = await t.request('PATCH', `/api/v1/members/${d.id}`, { as: c, body: { rank: 'Mate' } });
      assert.equal(asAdmin.status, 200);
      const demoted = await t.request('PATCH', `/api/v1/members/${c.id}`, {
        as: t.admin,
        body: { role: 'member' },
      });
      assert.equal(demoted.status, 200);
      const refused = await t.request('PATCH', `/api/v1/members/${d.id}`, { as: c, body: { rank: 'Bosun' } });
      assert.equal(refused.status, 403);
    });

    it('reactivates a deactivated member, who needs a password reset to sign in', async () => {
      const m = await t.buildMember();
      const active = await t.request('POST', `/api/v1/members/${m.id}/reactivate`, { as: t.admin });
      assert.equal(active.status, 409);
      assert.equal(active.body.field, 'path.id');
      const off = await t.request('POST', `/api/v1/members/${m.id}/deactivate`, { as: t.admin });
      assert.equal(off.status, 200);
      assert.ok(off.body.deactivatedAt);
      const on = await t.request('POST', `/api/v1/members/${m.id}/reactivate`, { as: t.admin });
      assert.equal(on.status, 200);
      assert.equal(on.body.deactivatedAt, null);
      assert.equal(on.body.mustChangePassword, true);
      const reset = await t.request('POST', `/api/v1/members/${m.id}/password-reset`, {
        as: t.admin,
        body: { password: 'a long harbour password 7' },
      });
      assert.equal(reset.status, 200);
      const login = await t.request('POST', '/api/v1/auth/login', {
        body: { email: on.body.email, password: 'a long harbour password 7' },
      });
      assert.equal(login.status, 200, JSON.stringify(login.body));
      const events = await t.db.query(
        "SELECT 1 FROM events WHERE type = 'member.reactivated' AND subject_id = $1",
        [m.id],
      );
      assert.equal(events.rows.length, 1);
    });

    it('refuses members who are not admins, changing nothing', async () => {
      const member = await t.buildMember();
      const other = await t.buildMember({ rank: 'Cadet' });
      const edit = await t.request('PATCH', `/api/v1/members/${other.id}`, {
        as: member,
        body: { rank: 'Admiral' },
      });
      assert.equal(edit.status, 403);
      const self = await t.request('PATCH', `/api/v1/members/${member.id}`, {
        as: member,
        body: { role: 'admin' },
      });
      assert.equal(self.status, 403);
      await t.request('POST', `/api/v1/members/${other.id}/deactivate`, { as: t.admin });
      const back = await t.request('POST', `/api/v1/members/${other.id}/reactivate`, { as: member });
      assert.equal(back.status, 403);
      const seen = await t.request('GET', `/api/v1/members/${other.id}`, { as: t.admin });
      assert.equal(seen.body.rank, 'Cadet');
      assert.ok(seen.body.deactivatedAt);
      const me = await t.request('GET', '/api/v1/me', { as: member });
      assert.equal(me.body.role, 'member');
    });
  });
}
