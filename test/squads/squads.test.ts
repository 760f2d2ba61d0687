import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { listEventsForSubject } from '../../src/features/events/repository.ts';
import { updateSquad } from '../../src/features/squads/service.ts';
import { type Caller, startTestApp, type TestApp } from '../support/app.ts';
import { storeKinds } from '../support/store.ts';

const ghost = '00000000-0000-4000-8000-000000000000';

for (const kind of storeKinds()) {
  describe(`squads (${kind})`, () => {
    let t: TestApp;
    let lead: Caller;
    let a: Caller;
    let b: Caller;
    let outsider: Caller;
    let n = 0;
    const name = () => `Squad ${++n}`;
    const post = (body: unknown, as: Caller = t.admin) => t.request('POST', '/api/v1/squads', { as, body });
    const patch = (id: string, body: unknown, as: Caller = t.admin) =>
      t.request('PATCH', `/api/v1/squads/${id}`, { as, body });
    const ids = (people: { id: string }[]) => people.map((p) => p.id).sort();

    before(async () => {
      t = await startTestApp(kind);
      lead = await t.buildMember({ displayName: 'Lea Lead', rank: 'Sergeant' });
      a = await t.buildMember({ displayName: 'Ann Able', rank: 'Private' });
      b = await t.buildMember({ displayName: 'Bo Baker', rank: 'Corporal' });
      outsider = await t.buildMember({ displayName: 'Oz Outsider' });
    });
    after(() => t.close());

    it('creates a squad whose leaders are members too, and records an event', async () => {
      const res = await post({ name: 'Red squad', leaderIds: [lead.id], memberIds: [a.id, a.id] });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal(res.body.siteId, t.siteId);
      assert.equal(res.body.name, 'Red squad');
      assert.deepEqual(res.body.leaders, [{ id: lead.id, displayName: 'Lea Lead' }]);
      assert.deepEqual(res.body.members, [
        { id: a.id, displayName: 'Ann Able', rank: 'Private' },
        { id: lead.id, displayName: 'Lea Lead', rank: 'Sergeant' },
      ]);
      const got = await t.request('GET', `/api/v1/squads/${res.body.id}`, { as: outsider });
      assert.equal(got.status, 200);
      assert.deepEqual(got.body, res.body);
      const me = await t.request('GET', '/api/v1/me', { as: lead });
      assert.deepEqual(me.body.squads, [{ id: res.body.id, name: 'Red squad', leader: true }]);
      const events = await listEventsForSubject(t.db, t.siteId, res.body.id);
      assert.deepEqual(
        events.map((e) => e.type),
        ['squad.created'],
      );
    });

    it('creates an empty squad', async () => {
      const res = await post({ name: name() });
      assert.equal(res.status, 201);
      assert.deepEqual([res.body.leaders, res.body.members], [[], []]);
    });

    it('lists squads by name with a cursor', async () => {
      const all = await t.request('GET', '/api/v1/squads', { as: a });
      assert.equal(all.status, 200);
      assert.ok(all.body.items.length >= 2);
      assert.equal(all.body.nextCursor, null);
      const names = all.body.items.map((s: { name: string }) => s.name);
      assert.deepEqual(names, [...names].sort());
      const first = await t.request('GET', '/api/v1/squads?limit=1', { as: a });
      const second = await t.request('GET', `/api/v1/squads?limit=1&cursor=${first.body.nextCursor}`, {
        as: a,
      });
      assert.equal(second.body.items[0].id, all.body.items[1].id);
      const bad = await t.request('GET', '/api/v1/squads?cursor=%%%', { as: a });
      assert.equal(bad.status, 400);
      const infinite = await t.request('GET', '/api/v1/squads?limit=Infinity', { as: a });
      assert.equal(infinite.status, 400);
      assert.equal(infinite.body.field, 'query.limit');
    });

    it('lets only admins create squads', async () => {
      const res = await post({ name: name() }, lead);
      assert.equal(res.status, 403);
      assert.equal(res.body.code, 'forbidden');
      assert.equal((await t.request('GET', '/api/v1/squads')).status, 401);
    });

    it('validates names and ids, naming the field', async () => {
      const cases: [unknown, string][] = [
        [{ name: '' }, 'body.name'],
        [{ name: '  ' }, 'body.name'],
        [{ name: 'x'.repeat(121) }, 'body.name'],
        [{ name: 'bell\u0007' }, 'body.name'],
        [{}, 'body.name'],
        [{ name: name(), leaderIds: ['nope'] }, 'body.leaderIds.0'],
        [{ name: name(), memberIds: [a.id, ghost] }, 'body.memberIds.1'],
        [{ name: name(), leaderIds: [ghost] }, 'body.leaderIds.0'],
        [{ name: name(), colour: 'red' }, 'body.colour'],
      ];
      for (const [body, field] of cases) {
        const res = await post(body);
        assert.equal(res.status, 400, JSON.stringify([body, res.body]));
        assert.equal(res.body.field, field);
      }
      const other = await startTestApp(kind);
      try {
        const res = await post({ name: name(), memberIds: [other.admin.id] });
        assert.equal(res.status, 400);
        assert.equal(res.body.field, 'body.memberIds.0');
      } finally {
        await other.close();
      }
    });

    it('refuses a duplicate name with 409, on create and rename', async () => {
      const first = await post({ name: 'Blue squad' });
      assert.equal(first.status, 201);
      const again = await post({ name: 'Blue squad' });
      assert.equal(again.status, 409);
      assert.equal(again.body.field, 'body.name');
      const other = await post({ name: name() });
      const renamed = await patch(other.body.id, { name: 'Blue squad' });
      assert.equal(renamed.status, 409);
    });

    it('replaces leaders and members; leaders stay members', async () => {
      const made = await post({ name: name(), leaderIds: [lead.id], memberIds: [a.id] });
      const id = made.body.id;
      const swapped = await patch(id, { leaderIds: [b.id] });
      assert.equal(swapped.status, 200);
      assert.deepEqual(ids(swapped.body.leaders), [b.id]);
      // The former leader stays as a plain member; the new leader joined.
      assert.deepEqual(ids(swapped.body.members), [a.id, b.id, lead.id].sort());
      const members = await patch(id, { memberIds: [a.id] });
      assert.deepEqual(ids(members.body.members), [a.id, b.id].sort());
      const both = await patch(id, { name: 'Renamed', leaderIds: [], memberIds: [] });
      assert.equal(both.body.name, 'Renamed');
      assert.deepEqual([both.body.leaders, both.body.members], [[], []]);
      const events = await listEventsForSubject(t.db, t.siteId, id);
      assert.deepEqual(
        events.map((e) => e.type),
        ['squad.created', 'squad.updated', 'squad.updated', 'squad.updated'],
      );
      assert.equal((events[3]!.before as { name: string }).name, made.body.name);
    });

    it("lets the squad's leaders update it, not its members or other members", async () => {
      const made = await post({ name: name(), leaderIds: [lead.id], memberIds: [a.id] });
      const byLead = await patch(made.body.id, { memberIds: [a.id, b.id] }, lead);
      assert.equal(byLead.status, 200);
      assert.deepEqual(ids(byLead.body.members), [a.id, b.id, lead.id].sort());
      const byMember = await patch(made.body.id, { name: 'Mine now' }, a);
      assert.equal(byMember.status, 403);
      const byOutsider = await patch(made.body.id, { name: 'Mine now' }, outsider);
      assert.equal(byOutsider.status, 403);
      // A leader of another squad is no leader of this one.
      const otherSquad = await post({ name: name(), leaderIds: [outsider.id] });
      assert.equal(otherSquad.status, 201);
      const crossed = await patch(made.body.id, { name: 'Mine now' }, outsider);
      assert.equal(crossed.status, 403);
      await assert.rejects(
        updateSquad({ db: t.db, clock: t.clock, actor: a.actor }, made.body.id, { name: 'x' }),
        /leaders/,
      );
    });

    it('answers 404 for an unknown squad, 400 for a malformed id or an empty patch', async () => {
      assert.equal((await t.request('GET', `/api/v1/squads/${ghost}`, { as: a })).status, 404);
      assert.equal((await patch(ghost, { name: 'x' })).status, 404);
      const malformed = await t.request('GET', '/api/v1/squads/42', { as: a });
      assert.equal(malformed.status, 400);
      assert.equal(malformed.body.field, 'path.id');
      const made = await post({ name: name() });
      const empty = await patch(made.body.id, {});
      assert.equal(empty.status, 400);
      const badIds = await patch(made.body.id, { memberIds: [ghost] });
      assert.equal(badIds.status, 400);
      assert.equal(badIds.body.field, 'body.memberIds.0');
    });

    it('guards edits with If-Match: ETag on read, 412 when stale, version bumped by each change', async () => {
      const created = await post({ name: name(), memberIds: [a.id] });
      assert.equal(created.body.version, 1);
      const read = await t.request('GET', `/api/v1/squads/${created.body.id}`, { as: a });
      assert.equal(read.headers.etag, '"1"');
      const first = await t.request('PATCH', `/api/v1/squads/${created.body.id}`, {
        as: t.admin,
        body: { memberIds: [a.id, b.id] },
        headers: { 'if-match': '"1"' },
      });
      assert.equal(first.status, 200);
      assert.equal(first.body.version, 2);
      assert.equal(first.headers.etag, '"2"');
      const stale = await t.request('PATCH', `/api/v1/squads/${created.body.id}`, {
        as: t.admin,
        body: { memberIds: [a.id] },
        headers: { 'if-match': '"1"' },
      });
      assert.equal(stale.status, 412);
      assert.equal(stale.body.code, 'version-mismatch');
      const unchanged = await t.request('GET', `/api/v1/squads/${created.body.id}`, { as: a });
      assert.deepEqual(ids(unchanged.body.members), [a.id, b.id].sort());
      const malformed = await t.request('PATCH', `/api/v1/squads/${created.body.id}`, {
        as: t.admin,
        body: { name: name() },
        headers: { 'if-match': 'yesterday' },
      });
      assert.equal(malformed.status, 400);
      assert.equal(malformed.body.field, 'header.if-match');
      // Without If-Match the change applies to whatever is current (as for spaces).
      assert.equal((await patch(created.body.id, { name: name() })).body.version, 3);
    });
  });
}
