import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { listEventsForSubject } from '../../src/features/events/repository.ts';
import { createSpace, listSpaces } from '../../src/features/spaces/service.ts';
import { type Caller, startTestApp, type TestApp } from '../support/app.ts';
import { storeKinds } from '../support/store.ts';

for (const kind of storeKinds()) {
  describe(`spaces (${kind})`, () => {
    let t: TestApp;
    let member: Caller;
    let n = 0;
    const name = () => `Room ${++n}`;
    const post = (body: unknown, as: Caller = t.admin) => t.request('POST', '/api/v1/spaces', { as, body });
    const patch = (id: string, body: unknown, headers: Record<string, string> = {}, as: Caller = t.admin) =>
      t.request('PATCH', `/api/v1/spaces/${id}`, { as, body, headers });
    const expectInvalid = async (body: unknown, field: string, status = 400) => {
      const res = await post({ name: name(), kind: 'training', capacity: 4, ...(body as object) });
      assert.equal(res.status, status, JSON.stringify(res.body));
      assert.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8');
      assert.equal(res.body.field, field);
    };

    before(async () => {
      t = await startTestApp(kind);
      member = await t.buildMember();
    });
    after(() => t.close());

    it('creates a space with defaults, reads it with an ETag and records an event', async () => {
      const res = await post({ name: 'Training lounge', kind: 'training', capacity: 12 });
      assert.equal(res.status, 201);
      assert.deepEqual(
        { ...res.body, id: undefined },
        {
          id: undefined,
          siteId: t.siteId,
          name: 'Training lounge',
          kind: 'training',
          capacity: 12,
          changeoverMinutes: 0,
          openingHours: null,
          minMinutes: 15,
          maxMinutes: 240,
          access: 'everyone',
          allowedRoles: [],
          allowedSquadIds: [],
          ownerId: null,
          checkInOpenMinutes: 10,
          releaseAfterMinutes: 15,
          hasDoor: false,
          defaultVisibility: 'public',
          version: 1,
          can: { edit: true, book: true },
        },
      );
      const got = await t.request('GET', `/api/v1/spaces/${res.body.id}`, { as: member });
      assert.equal(got.status, 200);
      assert.equal(got.headers.etag, '"1"');
      // The same space; a member may book it but not edit it.
      assert.deepEqual({ ...got.body, can: res.body.can }, res.body);
      assert.deepEqual(got.body.can, { edit: false, book: true });
      const events = await listEventsForSubject(t.db, t.siteId, res.body.id);
      assert.deepEqual(
        events.map((e) => [e.type, e.actorId]),
        [['space.created', t.admin.id]],
      );
    });

    it('stores every field as given', async () => {
      const squad = await t.request('POST', '/api/v1/squads', {
        as: t.admin,
        body: { name: 'Owners squad' },
      });
      const body = {
        name: 'Cabin 7',
        kind: 'cabin',
        capacity: 2,
        changeoverMinutes: 10,
        openingHours: { mon: [{ open: '06:00', close: '02:00' }], sun: [{ open: '08:00', close: '24:00' }] },
        minMinutes: 30,
        maxMinutes: 600,
        access: 'owner',
        allowedRoles: ['admin'],
        allowedSquadIds: [squad.body.id],
        ownerId: member.id,
        checkInOpenMinutes: 5,
        releaseAfterMinutes: 20,
        hasDoor: true,
        // Stored as given, against the cabin's own default (private).
        defaultVisibility: 'public',
      };
      const res = await post(body);
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.deepEqual(
        { ...res.body, id: undefined, siteId: undefined, version: undefined },
        {
          ...body,
          id: undefined,
          siteId: undefined,
          can: { edit: true, book: true },
          version: undefined,
        },
      );
    });

    it('lists spaces by name with a cursor', async () => {
      const first = await t.request('GET', '/api/v1/spaces?limit=1', { as: member });
      assert.equal(first.status, 200);
      assert.equal(first.body.items.length, 1);
      assert.equal(typeof first.body.nextCursor, 'string');
      const all = await t.request('GET', '/api/v1/spaces', { as: member });
      const names = all.body.items.map((s: { name: string }) => s.name);
      assert.deepEqual(names, [...names].sort());
      assert.equal(all.body.nextCursor, null);
      const second = await t.request('GET', `/api/v1/spaces?limit=1&cursor=${first.body.nextCursor}`, {
        as: member,
      });
      assert.equal(second.body.items[0].id, all.body.items[1].id);
      const bad = await t.request('GET', '/api/v1/spaces?cursor=nonsense', { as: member });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.field, 'query.cursor');
      // ajv coerces '1e400' to Infinity, past `maximum`; it must still be a 400.
      const infinite = await t.request('GET', '/api/v1/spaces?limit=1e400', { as: member });
      assert.equal(infinite.status, 400);
      assert.equal(infinite.body.field, 'query.limit');
      const direct = await listSpaces({ db: t.db, clock: t.clock, actor: member.actor });
      assert.equal(direct.items.length, all.body.items.length);
    });

    it('lets only admins create and change spaces', async () => {
      const res = await post({ name: name(), kind: 'other', capacity: 1 }, member);
      assert.equal(res.status, 403);
      assert.equal(res.body.code, 'forbidden');
      const made = await post({ name: name(), kind: 'other', capacity: 1 });
      const changed = await patch(made.body.id, { capacity: 3 }, {}, member);
      assert.equal(changed.status, 403);
      await assert.rejects(
        createSpace(
          { db: t.db, clock: t.clock, actor: member.actor },
          { name: name(), kind: 'other', capacity: 1 },
        ),
        /admin/,
      );
    });

    it('answers 401 without a token', async () => {
      assert.equal((await t.request('GET', '/api/v1/spaces')).status, 401);
      assert.equal((await t.request('POST', '/api/v1/spaces', { body: {} })).status, 401);
    });

    it('validates each field, naming it', async () => {
      await expectInvalid({ name: '' }, 'body.name');
      await expectInvalid({ name: '   ' }, 'body.name');
      await expectInvalid({ name: 'a\u0000b' }, 'body.name');
      await expectInvalid({ kind: 'gym' }, 'body.kind');
      await expectInvalid({ capacity: 0 }, 'body.capacity');
      await expectInvalid({ capacity: 10001 }, 'body.capacity');
      await expectInvalid({ capacity: 2.5 }, 'body.capacity');
      await expectInvalid({ changeoverMinutes: -1 }, 'body.changeoverMinutes');
      await expectInvalid({ minMinutes: 0 }, 'body.minMinutes');
      await expectInvalid({ minMinutes: 120, maxMinutes: 60 }, 'body.minMinutes');
      await expectInvalid({ checkInOpenMinutes: 241 }, 'body.checkInOpenMinutes');
      await expectInvalid({ releaseAfterMinutes: 0 }, 'body.releaseAfterMinutes');
      await expectInvalid({ access: 'nobody' }, 'body.access');
      await expectInvalid({ allowedRoles: ['captain'] }, 'body.allowedRoles.0');
      await expectInvalid({ allowedSquadIds: ['x'] }, 'body.allowedSquadIds.0');
      await expectInvalid({ hasDoor: 'yes' }, 'body.hasDoor');
      await expectInvalid({ defaultVisibility: 'secret' }, 'body.defaultVisibility');
      await expectInvalid({ colour: 'red' }, 'body.colour');
      await expectInvalid({ openingHours: { funday: [] } }, 'body.openingHours.funday');
      await expectInvalid(
        { openingHours: { mon: [{ open: '25:00', close: '26:00' }] } },
        'body.openingHours.mon.0.open',
      );
      await expectInvalid(
        { openingHours: { mon: [{ open: '9:00', close: '17:00' }] } },
        'body.openingHours.mon.0.open',
      );
      await expectInvalid({ openingHours: { mon: [{ open: '09:00' }] } }, 'body.openingHours.mon.0.close');
    });

    it('checks the rules between fields and against the store', async () => {
      await expectInvalid({ access: 'owner' }, 'body.ownerId');
      await expectInvalid({ access: 'restricted' }, 'body.allowedRoles');
      await expectInvalid({ ownerId: '00000000-0000-4000-8000-000000000000' }, 'body.ownerId');
      await expectInvalid(
        { allowedSquadIds: ['00000000-0000-4000-8000-000000000000'] },
        'body.allowedSquadIds.0',
      );
      await expectInvalid(
        { openingHours: { mon: [{ open: '24:00', close: '02:00' }] } },
        'body.openingHours.mon.0.open',
      );
      await expectInvalid(
        {
          openingHours: {
            tue: [
              { open: '08:00', close: '12:00' },
              { open: '11:00', close: '13:00' },
            ],
          },
        },
        'body.openingHours.tue',
      );
      // Monday's late interval runs into Tuesday morning.
      await expectInvalid(
        {
          openingHours: {
            mon: [{ open: '22:00', close: '02:00' }],
            tue: [{ open: '01:00', close: '03:00' }],
          },
        },
        'body.openingHours.tue',
      );
      // Sunday's runs into Monday.
      await expectInvalid(
        {
          openingHours: {
            mon: [{ open: '00:30', close: '03:00' }],
            sun: [{ open: '20:00', close: '01:00' }],
          },
        },
        'body.openingHours.mon',
      );
      // Back to back, and one day's late and early intervals, are fine.
      const ok = await post({
        name: name(),
        kind: 'training',
        capacity: 4,
        openingHours: {
          tue: [
            { open: '22:00', close: '02:00' },
            { open: '01:00', close: '03:00' },
          ],
          wed: [{ open: '02:00', close: '04:00' }],
          thu: [{ open: '00:00', close: '00:00' }],
        },
      });
      assert.equal(ok.status, 201, JSON.stringify(ok.body));
      // A member of another site is not a member of this one.
      const other = await startTestApp(kind);
      try {
        await expectInvalid({ access: 'owner', ownerId: other.admin.id }, 'body.ownerId');
      } finally {
        await other.close();
      }
    });

    it('refuses a duplicate name with 409', async () => {
      const res = await post({ name: 'Briefing room', kind: 'briefing', capacity: 30 });
      assert.equal(res.status, 201);
      const again = await post({ name: 'Briefing room', kind: 'other', capacity: 3 });
      assert.equal(again.status, 409);
      assert.equal(again.body.code, 'already-exists');
      assert.equal(again.body.field, 'body.name');
    });

    it('answers 404 for an unknown space and 400 for a malformed id', async () => {
      const missing = await t.request('GET', '/api/v1/spaces/00000000-0000-4000-8000-000000000000', {
        as: member,
      });
      assert.equal(missing.status, 404);
      const patched = await patch('00000000-0000-4000-8000-000000000000', { capacity: 2 });
      assert.equal(patched.status, 404);
      const malformed = await t.request('GET', '/api/v1/spaces/not-a-uuid', { as: member });
      assert.equal(malformed.status, 400);
      assert.equal(malformed.body.field, 'path.id');
    });

    it('updates with and without If-Match, bumping the version, and records before and after', async () => {
      const made = await post({ name: name(), kind: 'sparring', capacity: 2 });
      const free = await patch(made.body.id, {
        capacity: 4,
        openingHours: { sat: [{ open: '10:00', close: '18:00' }] },
      });
      assert.equal(free.status, 200);
      assert.equal(free.body.version, 2);
      assert.equal(free.body.capacity, 4);
      assert.equal(free.body.kind, 'sparring');
      assert.equal(free.headers.etag, '"2"');
      const guarded = await patch(made.body.id, { openingHours: null }, { 'if-match': '"2"' });
      assert.equal(guarded.status, 200);
      assert.equal(guarded.body.openingHours, null);
      assert.equal(guarded.body.version, 3);
      const stale = await patch(made.body.id, { capacity: 9 }, { 'if-match': '"2"' });
      assert.equal(stale.status, 412);
      assert.equal(stale.body.code, 'version-mismatch');
      const garbled = await patch(made.body.id, { capacity: 9 }, { 'if-match': 'yesterday' });
      assert.equal(garbled.status, 400);
      assert.equal(garbled.body.field, 'header.if-match');
      const now = await t.request('GET', `/api/v1/spaces/${made.body.id}`, { as: t.admin });
      assert.equal(now.body.capacity, 4);
      const events = await listEventsForSubject(t.db, t.siteId, made.body.id);
      assert.deepEqual(
        events.map((e) => e.type),
        ['space.created', 'space.updated', 'space.updated'],
      );
      assert.equal((events[1]!.before as { capacity: number }).capacity, 2);
      assert.equal((events[1]!.after as { capacity: number }).capacity, 4);
    });

    it('applies concurrent patches one after the other; with the same If-Match exactly one wins', async () => {
      const made = await post({ name: name(), kind: 'training', capacity: 1 });
      const free = await Promise.all([2, 3, 4, 5, 6].map((capacity) => patch(made.body.id, { capacity })));
      assert.deepEqual(
        free.map((r) => r.status),
        [200, 200, 200, 200, 200],
      );
      assert.deepEqual(free.map((r) => r.body.version).sort(), [2, 3, 4, 5, 6]);
      const guarded = await Promise.all(
        [7, 8, 9, 10].map((capacity) => patch(made.body.id, { capacity }, { 'if-match': '"6"' })),
      );
      assert.deepEqual(guarded.map((r) => r.status).sort(), [200, 412, 412, 412]);
      const events = await listEventsForSubject(t.db, t.siteId, made.body.id);
      assert.equal(events.length, 7);
    });

    it('validates a patch against the merged space', async () => {
      const made = await post({
        name: name(),
        kind: 'training',
        capacity: 2,
        minMinutes: 30,
        maxMinutes: 60,
      });
      const res = await patch(made.body.id, { minMinutes: 90 });
      assert.equal(res.status, 400);
      assert.equal(res.body.field, 'body.minMinutes');
      const owner = await patch(made.body.id, { access: 'owner' });
      assert.equal(owner.body.field, 'body.ownerId');
      const empty = await patch(made.body.id, {});
      assert.equal(empty.status, 400);
      const taken = await patch(made.body.id, { name: 'Briefing room' });
      assert.equal(taken.status, 409);
      const unchanged = await t.request('GET', `/api/v1/spaces/${made.body.id}`, { as: t.admin });
      assert.equal(unchanged.body.version, 1);
    });

    it('replays a POST with the same Idempotency-Key and creates one space', async () => {
      const body = { name: name(), kind: 'other', capacity: 5 };
      const headers = { 'idempotency-key': `space-${n}` };
      const a = await t.request('POST', '/api/v1/spaces', { as: t.admin, body, headers });
      const b = await t.request('POST', '/api/v1/spaces', { as: t.admin, body, headers });
      assert.equal(a.status, 201);
      assert.equal(b.status, 201);
      assert.equal(b.body.id, a.body.id);
      const rows = await t.db.query('SELECT 1 FROM spaces WHERE site_id = $1 AND name = $2', [
        t.siteId,
        body.name,
      ]);
      assert.equal(rows.rows.length, 1);
    });
  });
}
