import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeClock } from '../../src/domain/clock.ts';
import { createBooking } from '../../src/features/bookings/service.ts';
import { listEventsForSubject } from '../../src/features/events/repository.ts';
import { type Caller, startTestApp, type TestApp } from '../support/app.ts';
import { at, buildOtherSite, buildSpace, buildSquad } from '../support/factories.ts';
import { storeKinds } from '../support/store.ts';

// Monday 1 June 2026, 05:45 in Kathmandu (+05:45), the test site's zone.
const now = '2026-06-01T00:00:00Z';
const day = '2026-06-02T04:00:00Z';

for (const kind of storeKinds()) {
  describe(`bookings (${kind})`, () => {
    let t: TestApp;
    let alice: Caller;
    let bob: Caller;
    let space: string;
    let n = 0;
    /** A fresh hour-long slot on `day` for each call, so tests do not collide. */
    const slot = () => {
      n += 1;
      return { start: at(day, n * 120), end: at(day, n * 120 + 60) };
    };
    const book = (as: Caller, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
      t.request('POST', '/api/v1/bookings', {
        as,
        body: { title: 'Drill', spaceId: space, ...body },
        headers,
      });

    before(async () => {
      t = await startTestApp(kind, { clock: new FakeClock(now) });
      alice = await t.buildMember({ displayName: 'Alice' });
      bob = await t.buildMember({ displayName: 'Bob' });
      space = await buildSpace(t, { capacity: 6, changeoverMinutes: 15, maxMinutes: 24 * 60 });
    });
    after(() => t.close());

    it('books a slot: 201 with the booking, ETag, and a booking.created event', async () => {
      const s = slot();
      const res = await book(alice, {
        ...s,
        headcount: 3,
        participants: { members: [bob.id] },
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      const b = res.body;
      assert.equal(b.spaceId, space);
      assert.equal(b.siteId, t.siteId);
      assert.equal(b.title, 'Drill');
      assert.equal(b.start, s.start);
      assert.equal(b.end, s.end);
      assert.equal(b.headcount, 3);
      assert.equal(b.status, 'confirmed');
      assert.equal(b.version, 1);
      assert.equal(b.visibility, 'public');
      assert.equal(b.busy, false);
      assert.deepEqual(b.organizer, { id: alice.id, displayName: 'Alice' });
      assert.deepEqual(b.participants, { members: [{ id: bob.id, displayName: 'Bob' }], squads: [] });
      assert.equal(b.seriesId, null);
      assert.equal(res.headers.etag, '"1"');
      const events = await listEventsForSubject(t.db, t.siteId, b.id);
      assert.deepEqual(
        events.map((e) => [e.type, e.actorId]),
        [['booking.created', alice.id]],
      );
      assert.equal((events[0]!.after as any).title, 'Drill');

      const got = await t.request('GET', `/api/v1/bookings/${b.id}`, { as: bob });
      assert.equal(got.status, 200);
      assert.equal(got.headers.etag, '"1"');
      // The same booking; what each may do to it is their own (a participant neither edits nor cancels).
      assert.deepEqual({ ...got.body, can: b.can }, b);
      assert.deepEqual(got.body.can, {
        edit: false,
        cancel: false,
        move: false,
        checkIn: false,
        checkOut: false,
        repeat: true,
      });
    });

    it('accepts offsets other than Z and answers in UTC', async () => {
      const res = await book(alice, { start: '2026-06-03T10:00:00+05:45', end: '2026-06-03T11:00:00+05:45' });
      assert.equal(res.status, 201);
      assert.equal(res.body.start, '2026-06-03T04:15:00.000Z');
    });

    describe('rules (422 rule-violation naming field and rule)', () => {
      const check = (res: any, rule: string, field: string) => {
        assert.equal(res.status, 422, JSON.stringify(res.body));
        assert.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8');
        assert.equal(res.body.code, 'rule-violation');
        assert.equal(res.body.rule, rule);
        assert.equal(res.body.field, field);
      };

      it('capacity: headcount above capacity', async () => {
        check(await book(alice, { ...slot(), headcount: 7 }), 'capacity', 'body.headcount');
        assert.equal((await book(alice, { ...slot(), headcount: 6 })).status, 201);
      });

      it('shortest booking', async () => {
        const s = slot();
        check(await book(alice, { start: s.start, end: at(s.start, 10) }), 'min-length', 'body.end');
      });

      it('longest booking', async () => {
        const short = await buildSpace(t, { maxMinutes: 60 });
        const s = slot();
        check(
          await book(alice, { spaceId: short, start: s.start, end: at(s.start, 61) }),
          'max-length',
          'body.end',
        );
      });

      it('horizon: start beyond now + horizon days (60)', async () => {
        const start = at(now, 61 * 24 * 60);
        check(await book(alice, { start, end: at(start, 60) }), 'horizon', 'body.start');
        const ok = at(now, 59 * 24 * 60);
        assert.equal((await book(alice, { start: ok, end: at(ok, 60) })).status, 201);
      });

      it('no start in the past, except for system callers with allowPast', async () => {
        const start = at(now, -120);
        check(await book(alice, { start, end: at(start, 60) }), 'past', 'body.start');
        const ctx = { db: t.db, clock: t.clock, actor: t.admin.actor };
        await assert.rejects(
          createBooking(ctx, { spaceId: space, start, end: at(start, 60), title: 'Import' }),
          (e: any) => e.code === 'rule-violation' && e.extras.rule === 'past',
        );
        const imported = await createBooking(
          ctx,
          { spaceId: space, start, end: at(start, 60), title: 'Import' },
          { allowPast: true },
        );
        assert.equal(imported.ok, true);
      });

      it('opening hours in the site zone, across midnight, within one open period', async () => {
        const lounge = await buildSpace(t, {
          maxMinutes: 600,
          openingHours: {
            mon: [{ open: '18:00', close: '02:00' }],
            tue: [{ open: '08:00', close: '12:00' }],
          },
        });
        // Someone free that night: alice has sessions on Tuesday morning (one person, one place).
        const carol = await t.buildMember({ displayName: 'Carol' });
        const b = (start: string, end: string) => book(carol, { spaceId: lounge, start, end });
        // Monday 19:00 to Tuesday 01:30 local: inside the overnight period.
        assert.equal((await b('2026-06-01T19:00:00+05:45', '2026-06-02T01:30:00+05:45')).status, 201);
        // Starts before opening.
        check(
          await b('2026-06-01T17:30:00+05:45', '2026-06-01T18:30:00+05:45'),
          'opening-hours',
          'body.start',
        );
        // Runs past the 02:00 close.
        check(
          await b('2026-06-02T01:45:00+05:45', '2026-06-02T02:15:00+05:45'),
          'opening-hours',
          'body.start',
        );
        // Spans the closed gap between two periods.
        check(
          await b('2026-06-02T01:30:00+05:45', '2026-06-02T08:30:00+05:45'),
          'opening-hours',
          'body.start',
        );
        // Wednesday: closed all day.
        check(
          await b('2026-06-03T09:00:00+05:45', '2026-06-03T10:00:00+05:45'),
          'opening-hours',
          'body.start',
        );
        assert.equal((await b('2026-06-02T08:00:00+05:45', '2026-06-02T12:00:00+05:45')).status, 201);
      });

      it('who may book: restricted by role or squad, owner cabins, admins always', async () => {
        const squad = await buildSquad(t, { members: [bob.id] });
        const restricted = await buildSpace(t, { access: 'restricted', allowedSquads: [squad] });
        const s1 = slot();
        check(await book(alice, { spaceId: restricted, ...s1 }), 'access', 'body.spaceId');
        assert.equal((await book(bob, { spaceId: restricted, ...s1 })).status, 201);
        const byRole = await buildSpace(t, { access: 'restricted', allowedRoles: ['member'] });
        assert.equal((await book(alice, { spaceId: byRole, ...slot() })).status, 201);
        const adminsOnly = await buildSpace(t, { access: 'restricted', allowedRoles: ['admin'] });
        check(await book(alice, { spaceId: adminsOnly, ...slot() }), 'access', 'body.spaceId');
        assert.equal((await book(t.admin, { spaceId: adminsOnly, ...slot() })).status, 201);
        const cabin = await buildSpace(t, { kind: 'cabin', access: 'owner', ownerId: bob.id });
        check(await book(alice, { spaceId: cabin, ...slot() }), 'access', 'body.spaceId');
        assert.equal((await book(bob, { spaceId: cabin, ...slot() })).status, 201);
        assert.equal((await book(t.admin, { spaceId: cabin, ...slot() })).status, 201);
      });

      it('participants must exist in the site', async () => {
        const stranger = await buildOtherSite(t);
        check(
          await book(alice, { ...slot(), participants: { members: [stranger.memberId] } }),
          'participants',
          'body.participants.members',
        );
        check(
          await book(alice, {
            ...slot(),
            participants: { squads: ['00000000-0000-4000-8000-000000000000'] },
          }),
          'participants',
          'body.participants.squads',
        );
      });
    });

    describe('bad input (400, names the field, writes nothing)', () => {
      const cases: [string, Record<string, unknown>, string][] = [
        ['impossible date', { start: '2026-02-30T10:00:00Z', end: '2026-03-01T11:00:00Z' }, 'body.start'],
        ['no offset', { start: '2026-06-02T10:00:00', end: '2026-06-02T11:00:00Z' }, 'body.start'],
        ['hour 25', { start: '2026-06-02T10:00:00Z', end: '2026-06-02T25:00:00Z' }, 'body.end'],
        ['end before start', { start: '2026-06-02T10:00:00Z', end: '2026-06-02T09:00:00Z' }, 'body.end'],
        ['wrong type', { start: 12, end: '2026-06-02T11:00:00Z' }, 'body.start'],
        [
          'headcount zero',
          { start: '2026-06-02T10:00:00Z', end: '2026-06-02T11:00:00Z', headcount: 0 },
          'body.headcount',
        ],
        [
          'huge title',
          { start: '2026-06-02T10:00:00Z', end: '2026-06-02T11:00:00Z', title: 'x'.repeat(100_000) },
          'body.title',
        ],
        [
          'blank title',
          { start: '2026-06-02T10:00:00Z', end: '2026-06-02T11:00:00Z', title: '   ' },
          'body.title',
        ],
        [
          'NUL in title',
          { start: '2026-06-02T10:00:00Z', end: '2026-06-02T11:00:00Z', title: 'a\u0000b' },
          'body.title',
        ],
        [
          'lone surrogate in title',
          { start: '2026-06-02T10:00:00Z', end: '2026-06-02T11:00:00Z', title: 'a\ud800b' },
          'body.title',
        ],
        [
          'unknown field',
          { start: '2026-06-02T10:00:00Z', end: '2026-06-02T11:00:00Z', admin: true },
          'body.admin',
        ],
        [
          'bad visibility',
          { start: '2026-06-02T10:00:00Z', end: '2026-06-02T11:00:00Z', visibility: 'secret' },
          'body.visibility',
        ],
        [
          'bad space id',
          {
            spaceId: "'; DROP TABLE bookings; --",
            start: '2026-06-02T10:00:00Z',
            end: '2026-06-02T11:00:00Z',
          },
          'body.spaceId',
        ],
        [
          'bad member id',
          { start: '2026-06-02T10:00:00Z', end: '2026-06-02T11:00:00Z', participants: { members: ['nope'] } },
          'body.participants.members.0',
        ],
      ];
      for (const [name, body, field] of cases)
        it(name, async () => {
          const count = async () =>
            (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM bookings')).rows[0]!.n;
          const before = await count();
          const res = await book(alice, body);
          assert.equal(res.status, 400, JSON.stringify(res.body).slice(0, 300));
          assert.equal(res.body.code, 'validation');
          assert.equal(res.body.field, field);
          assert.equal(await count(), before);
        });

      it('a body that is not JSON', async () => {
        const res = await t.request('POST', '/api/v1/bookings', {
          as: alice,
          rawBody: '{"spaceId":',
          headers: { 'content-type': 'application/json' },
        });
        assert.equal(res.status, 400);
        assert.equal(res.body.code, 'bad-request');
      });

      it('cancel with a JSON null body or a NUL in the reason', async () => {
        const s = slot();
        const b = (await book(alice, s)).body;
        const nullBody = await t.request('POST', `/api/v1/bookings/${b.id}/cancel`, {
          as: alice,
          rawBody: 'null',
          headers: { 'content-type': 'application/json' },
        });
        assert.equal(nullBody.status, 400);
        const nul = await t.request('POST', `/api/v1/bookings/${b.id}/cancel`, {
          as: alice,
          body: { reason: 'x\u0000' },
        });
        assert.equal(nul.status, 400);
        assert.equal(nul.body.field, 'body.reason');
        const row = await t.db.query<{ status: string }>('SELECT status FROM bookings WHERE id = $1', [b.id]);
        assert.equal(row.rows[0]!.status, 'confirmed');
      });

      it('list and availability queries with bad instants', async () => {
        const list = await t.request('GET', '/api/v1/bookings?from=2026-13-01T00:00:00Z', { as: alice });
        assert.equal(list.status, 400);
        assert.equal(list.body.field, 'query.from');
        const cursor = await t.request('GET', '/api/v1/bookings?cursor=garbage', { as: alice });
        assert.equal(cursor.status, 400);
        assert.equal(cursor.body.field, 'query.cursor');
      });
    });

    it('401 without a token', async () => {
      const res = await t.request('POST', '/api/v1/bookings', {
        body: { spaceId: space, ...slot(), title: 'x' },
      });
      assert.equal(res.status, 401);
      assert.equal((await t.request('GET', '/api/v1/bookings')).status, 401);
    });

    it('404 for unknown spaces and bookings, and for other sites’ objects', async () => {
      const other = await buildOtherSite(t);
      const theirSpace = await t.db.query<{ id: string }>(
        `INSERT INTO spaces (site_id, name, kind, capacity) VALUES ($1, 'Theirs', 'other', 5) RETURNING id`,
        [other.siteId],
      );
      const theirSpaceId = theirSpace.rows[0]!.id;
      const res = await book(alice, { spaceId: theirSpaceId, ...slot() });
      assert.equal(res.status, 404);
      assert.equal(res.body.field, 'body.spaceId');
      const s = slot();
      const theirs = await t.db.query<{ id: string }>(
        `INSERT INTO bookings (site_id, space_id, organizer_id, title, start_at, end_at, blocked)
         VALUES ($1, $2, $3, 'Theirs', $4, $5, tstzrange($4::timestamptz, $5::timestamptz)) RETURNING id`,
        [other.siteId, theirSpaceId, other.memberId, s.start, s.end],
      );
      const id = theirs.rows[0]!.id;
      assert.equal((await t.request('GET', `/api/v1/bookings/${id}`, { as: t.admin })).status, 404);
      const patched = await t.request('PATCH', `/api/v1/bookings/${id}`, {
        as: t.admin,
        body: { title: 'Mine', reason: 'x' },
        headers: { 'if-match': '"1"' },
      });
      assert.equal(patched.status, 404);
      const cancelled = await t.request('POST', `/api/v1/bookings/${id}/cancel`, {
        as: t.admin,
        body: { reason: 'x' },
      });
      assert.equal(cancelled.status, 404);
      const listed = await t.request('GET', `/api/v1/bookings?space=${theirSpaceId}`, { as: t.admin });
      assert.deepEqual(listed.body.items, []);
      const missing = await t.request('GET', '/api/v1/bookings/00000000-0000-4000-8000-000000000000', {
        as: alice,
      });
      assert.equal(missing.status, 404);
      assert.equal((await t.request('GET', '/api/v1/bookings/not-a-uuid', { as: alice })).status, 400);
    });

    describe('conflicts', () => {
      it('409 booking-conflict names every overlapping booking, changeover included', async () => {
        const s = slot();
        const first = await book(alice, { ...s, title: 'Sparring' });
        assert.equal(first.status, 201);
        // Starts 10 minutes after the first ends: inside its 15-minute changeover.
        const res = await book(bob, { start: at(s.end, 10), end: at(s.end, 40) });
        assert.equal(res.status, 409);
        assert.equal(res.body.code, 'booking-conflict');
        assert.deepEqual(res.body.conflicts, [
          {
            id: first.body.id,
            spaceId: space,
            start: s.start,
            end: s.end,
            busy: false,
            title: 'Sparring',
            organizer: { id: alice.id, displayName: 'Alice' },
          },
        ]);
        // Ending 5 minutes before the first starts leaves too little changeover for the new one.
        const beforeIt = await book(bob, { start: at(s.start, -60), end: at(s.start, -5) });
        assert.equal(beforeIt.status, 409);
        // Exactly after the changeover, and ending a changeover before: both fine.
        assert.equal((await book(bob, { start: at(s.end, 15), end: at(s.end, 45) })).status, 201);
        assert.equal((await book(bob, { start: at(s.start, -45), end: at(s.start, -15) })).status, 201);
      });

      it('private bookings appear as busy to others, in full to those involved and admins', async () => {
        const s = slot();
        const priv = await book(alice, { ...s, visibility: 'private', title: 'Secret' });
        assert.equal(priv.status, 201);
        const res = await book(bob, { start: at(s.start, 30), end: at(s.end, 30) });
        assert.equal(res.status, 409);
        assert.deepEqual(res.body.conflicts, [
          { id: priv.body.id, spaceId: space, start: s.start, end: s.end, busy: true, title: 'Busy' },
        ]);
        const seenByBob = await t.request('GET', `/api/v1/bookings/${priv.body.id}`, { as: bob });
        assert.equal(seenByBob.body.busy, true);
        assert.equal(seenByBob.body.title, 'Busy');
        assert.equal(seenByBob.body.organizer, null);
        const seenByAdmin = await t.request('GET', `/api/v1/bookings/${priv.body.id}`, { as: t.admin });
        assert.equal(seenByAdmin.body.title, 'Secret');
        const adminConflict = await book(t.admin, { start: at(s.start, 30), end: at(s.end, 30) });
        assert.equal(adminConflict.body.conflicts[0].title, 'Secret');
        const listed = await t.request('GET', `/api/v1/bookings?space=${space}&from=${s.start}&to=${s.end}`, {
          as: bob,
        });
        assert.ok(listed.body.items.some((b: any) => b.id === priv.body.id && b.busy && b.title === 'Busy'));
      });

      it('a cancelled booking frees its slot', async () => {
        const s = slot();
        const first = await book(alice, s);
        assert.equal((await book(bob, s)).status, 409);
        const cancelled = await t.request('POST', `/api/v1/bookings/${first.body.id}/cancel`, {
          as: alice,
          body: {},
        });
        assert.equal(cancelled.status, 200);
        assert.equal(cancelled.body.status, 'cancelled');
        assert.equal(cancelled.body.version, 2);
        assert.equal((await book(bob, s)).status, 201);
        const again = await t.request('POST', `/api/v1/bookings/${first.body.id}/cancel`, { as: alice });
        assert.equal(again.status, 409);
        assert.equal(again.body.code, 'invalid-state');
      });
    });

    describe('updates with If-Match', () => {
      it('428 without If-Match, 412 when stale, success bumps the version and writes an event', async () => {
        const s = slot();
        const b = (await book(alice, s)).body;
        const url = `/api/v1/bookings/${b.id}`;
        const missing = await t.request('PATCH', url, { as: alice, body: { title: 'Renamed' } });
        assert.equal(missing.status, 428);
        assert.equal(missing.body.code, 'precondition-required');
        const ok = await t.request('PATCH', url, {
          as: alice,
          body: { title: 'Renamed', end: at(s.end, 30), headcount: 2 },
          headers: { 'if-match': '"1"' },
        });
        assert.equal(ok.status, 200, JSON.stringify(ok.body));
        assert.equal(ok.body.version, 2);
        assert.equal(ok.body.title, 'Renamed');
        assert.equal(ok.body.end, at(s.end, 30));
        assert.equal(ok.headers.etag, '"2"');
        const stale = await t.request('PATCH', url, {
          as: alice,
          body: { title: 'Again' },
          headers: { 'if-match': '"1"' },
        });
        assert.equal(stale.status, 412);
        assert.equal(stale.body.code, 'version-mismatch');
        const malformed = await t.request('PATCH', url, {
          as: alice,
          body: { title: 'Again' },
          headers: { 'if-match': 'yesterday' },
        });
        assert.equal(malformed.status, 400);
        const staleCancel = await t.request('POST', `${url}/cancel`, {
          as: alice,
          body: {},
          headers: { 'if-match': '"1"' },
        });
        assert.equal(staleCancel.status, 412);
        const events = await listEventsForSubject(t.db, t.siteId, b.id);
        assert.deepEqual(
          events.map((e) => e.type),
          ['booking.created', 'booking.updated'],
        );
        assert.equal((events[1]!.before as any).title, 'Drill');
        assert.equal((events[1]!.after as any).title, 'Renamed');
        const cancelled = await t.request('POST', `${url}/cancel`, {
          as: alice,
          body: { reason: 'sick' },
          headers: { 'if-match': '"2"' },
        });
        assert.equal(cancelled.status, 200);
        const all = await listEventsForSubject(t.db, t.siteId, b.id);
        assert.equal(all[2]!.type, 'booking.cancelled');
        assert.equal(all[2]!.reason, 'sick');
        assert.equal((all[2]!.before as any).status, 'confirmed');
        assert.equal((all[2]!.after as any).status, 'cancelled');
      });

      it('a moved booking is checked against the rules and other bookings', async () => {
        const s1 = slot();
        const s2 = slot();
        const a = (await book(alice, s1)).body;
        const b = (await book(alice, s2)).body;
        const clash = await t.request('PATCH', `/api/v1/bookings/${b.id}`, {
          as: alice,
          body: { start: at(s1.start, 30), end: at(s1.end, 30) },
          headers: { 'if-match': '"1"' },
        });
        assert.equal(clash.status, 409);
        assert.deepEqual(
          clash.body.conflicts.map((c: any) => c.id),
          [a.id],
        );
        const tooBig = await t.request('PATCH', `/api/v1/bookings/${b.id}`, {
          as: alice,
          body: { headcount: 99 },
          headers: { 'if-match': '"1"' },
        });
        assert.equal(tooBig.status, 422);
        assert.equal(tooBig.body.rule, 'capacity');
        // Moving within its own changeover is not a conflict with itself.
        const nudge = await t.request('PATCH', `/api/v1/bookings/${b.id}`, {
          as: alice,
          body: { start: at(s2.start, 10), end: at(s2.end, 10) },
          headers: { 'if-match': '"1"' },
        });
        assert.equal(nudge.status, 200);
        assert.equal((await listEventsForSubject(t.db, t.siteId, b.id)).length, 2);
      });
    });

    it('lists by space, member, range and status with keyset pagination', async () => {
      const own = await buildSpace(t);
      // Ann is free that day (alice has sessions then: one person, one place).
      const ann = await t.buildMember({ displayName: 'Ann' });
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const start = at(day, 24 * 60 + i * 60);
        const res = await book(i % 2 ? bob : ann, { spaceId: own, start, end: at(start, 30) });
        assert.equal(res.status, 201, JSON.stringify(res.body));
        ids.push(res.body.id);
      }
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const q: string = `/api/v1/bookings?space=${own}&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
        const res = await t.request('GET', q, { as: alice });
        assert.equal(res.status, 200);
        assert.ok(res.body.items.length <= 2);
        seen.push(...res.body.items.map((b: any) => b.id));
        cursor = res.body.nextCursor;
      } while (cursor);
      assert.deepEqual(seen, ids);
      const bobs = await t.request('GET', `/api/v1/bookings?space=${own}&member=${bob.id}`, { as: alice });
      assert.deepEqual(
        bobs.body.items.map((b: any) => b.id),
        [ids[1], ids[3]],
      );
      const ranged = await t.request(
        'GET',
        `/api/v1/bookings?space=${own}&from=${at(day, 24 * 60 + 70)}&to=${at(day, 24 * 60 + 150)}`,
        { as: alice },
      );
      assert.deepEqual(
        ranged.body.items.map((b: any) => b.id),
        [ids[1], ids[2]],
      );
      await t.request('POST', `/api/v1/bookings/${ids[0]}/cancel`, { as: ann });
      const cancelled = await t.request('GET', `/api/v1/bookings?space=${own}&status=cancelled`, {
        as: alice,
      });
      assert.deepEqual(
        cancelled.body.items.map((b: any) => b.id),
        [ids[0]],
      );
      // A member of a participating squad finds the booking under their own id.
      const squad = await buildSquad(t, { members: [bob.id] });
      const start = at(day, 24 * 60 + 600);
      const squadBooking = await book(alice, {
        spaceId: own,
        start,
        end: at(start, 30),
        participants: { squads: [squad] },
      });
      const mine = await t.request('GET', `/api/v1/bookings?space=${own}&member=${bob.id}&from=${start}`, {
        as: bob,
      });
      assert.deepEqual(
        mine.body.items.map((b: any) => b.id),
        [squadBooking.body.id],
      );
    });
  });
}
