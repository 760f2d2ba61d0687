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
  });
}
