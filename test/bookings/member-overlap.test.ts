import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeClock } from '../../src/domain/clock.ts';
import { extendHorizons } from '../../src/features/series/horizon.ts';
import { type Caller, startTestApp, type TestApp } from '../support/app.ts';
import { at, buildSpace, buildSquad } from '../support/factories.ts';
import { storeKinds } from '../support/store.ts';

// Monday 1 June 2026 in Kathmandu (+05:45), the test site's zone.
const now = '2026-06-01T00:00:00Z';
const night = '2026-06-02T16:15:00Z'; // Tuesday 22:00 local

/**
 * Pairs (member, booking, other booking) where one member is in two overlapping active sessions,
 * as organizer, named participant or squad member; limited to `members` when given.
 */
async function doubleSeated(t: TestApp, members?: string[]): Promise<number> {
  const res = await t.db.query<{ n: number }>(
    `WITH p AS (
       SELECT b.id, b.start_at, b.end_at, b.organizer_id AS m FROM bookings b
        WHERE b.site_id = $1 AND b.status IN ('confirmed', 'checked_in')
       UNION SELECT b.id, b.start_at, b.end_at, bm.member_id FROM bookings b
         JOIN booking_members bm ON bm.site_id = b.site_id AND bm.booking_id = b.id
        WHERE b.site_id = $1 AND b.status IN ('confirmed', 'checked_in')
       UNION SELECT b.id, b.start_at, b.end_at, sm.member_id FROM bookings b
         JOIN booking_squads bq ON bq.site_id = b.site_id AND bq.booking_id = b.id
         JOIN squad_members sm ON sm.site_id = bq.site_id AND sm.squad_id = bq.squad_id
        WHERE b.site_id = $1 AND b.status IN ('confirmed', 'checked_in'))
     SELECT count(*)::int AS n FROM p a JOIN p b
         ON a.m = b.m AND a.id < b.id AND a.start_at < b.end_at AND b.start_at < a.end_at
      WHERE $2::uuid[] IS NULL OR a.m = ANY($2::uuid[])`,
    [t.siteId, members ?? null],
  );
  return res.rows[0]!.n;
}

for (const kind of storeKinds()) {
  describe(`one person, one place (${kind})`, () => {
    let t: TestApp;
    let lounge: string;
    let ring: string;
    let briefing: string;
    let n = 0;
    /** A fresh evening for each test, so tests do not collide. */
    const evening = () => at(night, 24 * 60 * ++n);
    const book = (as: Caller, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
      t.request('POST', '/api/v1/bookings', { as, body: { title: 'Drill', ...body }, headers });
    const count = async () =>
      (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM bookings')).rows[0]!.n;

    const clock = new FakeClock(now);
    before(async () => {
      t = await startTestApp(kind, { clock });
      lounge = await buildSpace(t, { name: 'Lounge', changeoverMinutes: 10 });
      ring = await buildSpace(t, { name: 'Ring', changeoverMinutes: 15 });
      briefing = await buildSpace(t, { name: 'Briefing', capacity: 40 });
    });
    after(() => t.close());

    it('the organizer cannot be in two sessions at once: 409 member-conflict naming them and the session', async () => {
      const e = evening();
      const sato = await t.buildMember({ displayName: 'Lt Sato' });
      const first = await book(sato, {
        spaceId: lounge,
        start: e,
        end: at(e, 90),
        title: 'Nightly training',
      });
      assert.equal(first.status, 201, JSON.stringify(first.body));
      const before = await count();
      const second = await book(sato, { spaceId: ring, start: at(e, 30), end: at(e, 60) });
      assert.equal(second.status, 409, JSON.stringify(second.body));
      assert.equal(second.body.code, 'member-conflict');
      assert.equal(second.body.field, 'body.start');
      assert.match(second.body.detail, /Lt Sato/);
      assert.match(second.body.detail, /Nightly training/);
      assert.deepEqual(second.body.memberConflicts, [
        {
          member: { id: sato.id, displayName: 'Lt Sato' },
          booking: {
            id: first.body.id,
            spaceId: lounge,
            title: 'Nightly training',
            start: e,
            end: at(e, 90),
            busy: false,
            organizer: { id: sato.id, displayName: 'Lt Sato' },
          },
        },
      ]);
      assert.equal(await count(), before);
      // Back to back is fine (the changeover is the room's, not the person's), and so is after a cancel.
      assert.equal((await book(sato, { spaceId: ring, start: at(e, 90), end: at(e, 120) })).status, 201);
      await t.request('POST', `/api/v1/bookings/${first.body.id}/cancel`, { as: sato });
      assert.equal((await book(sato, { spaceId: ring, start: at(e, 30), end: at(e, 60) })).status, 201);
    });

    it('named members and squad members count, and the field says which brought them in', async () => {
      const e = evening();
      const [alice, bob, carol, dave] = await Promise.all(
        ['Alice', 'Bob', 'Carol', 'Dave'].map((displayName) => t.buildMember({ displayName })),
      );
      const held = await book(alice!, {
        spaceId: lounge,
        start: e,
        end: at(e, 60),
        participants: { members: [bob!.id] },
      });
      assert.equal(held.status, 201);
      const named = await book(carol!, {
        spaceId: ring,
        start: at(e, 45),
        end: at(e, 75),
        participants: { members: [bob!.id] },
      });
      assert.equal(named.status, 409);
      assert.equal(named.body.code, 'member-conflict');
      assert.equal(named.body.field, 'body.participants.members');
      assert.equal(named.body.memberConflicts[0].member.id, bob!.id);
      assert.equal(named.body.memberConflicts[0].booking.id, held.body.id);

      const squad = await buildSquad(t, { members: [bob!.id, dave!.id] });
      const bySquad = await book(carol!, {
        spaceId: ring,
        start: at(e, 30),
        end: at(e, 90),
        participants: { squads: [squad] },
      });
      assert.equal(bySquad.status, 409);
      assert.equal(bySquad.body.field, 'body.participants.squads');
      assert.deepEqual(
        bySquad.body.memberConflicts.map((c: any) => c.member.displayName),
        ['Bob'],
      );
      // And a squad already booked holds its members: Dave cannot be elsewhere then.
      const squadSession = await book(carol!, {
        spaceId: ring,
        start: at(e, 120),
        end: at(e, 180),
        participants: { squads: [squad] },
      });
      assert.equal(squadSession.status, 201);
      const dave2 = await book(dave!, { spaceId: briefing, start: at(e, 150), end: at(e, 200) });
      assert.equal(dave2.status, 409);
      assert.equal(dave2.body.memberConflicts[0].booking.id, squadSession.body.id);
    });

    it('a private session shows as busy to an uninvolved caller: no id, room, title or people', async () => {
      const e = evening();
      const owner = await t.buildMember({ displayName: 'Lt Costa' });
      const guest = await t.buildMember({ displayName: 'Sgt Iyer' });
      const outsider = await t.buildMember({ displayName: 'Cpl Haddad' });
      const cabin = await buildSpace(t, {
        name: 'Cabin 12',
        kind: 'cabin',
        access: 'owner',
        ownerId: owner.id,
      });
      const secret = await book(owner, {
        spaceId: cabin,
        start: e,
        end: at(e, 60),
        title: 'Private talk',
        visibility: 'private',
        participants: { members: [guest.id] },
      });
      assert.equal(secret.status, 201);
      const res = await book(outsider, {
        spaceId: ring,
        start: at(e, 30),
        end: at(e, 90),
        participants: { members: [guest.id] },
      });
      assert.equal(res.status, 409);
      assert.equal(res.body.code, 'member-conflict');
      assert.deepEqual(res.body.memberConflicts, [
        {
          member: { id: guest.id, displayName: 'Sgt Iyer' },
          booking: { start: e, end: at(e, 60), busy: true, title: 'Busy' },
        },
      ]);
      const text = JSON.stringify(res.body);
      for (const leak of ['Private talk', secret.body.id, cabin, owner.id, 'Lt Costa'])
        assert.ok(!text.includes(leak), `the answer leaks ${leak}: ${text}`);
      // The guest sees their own session in full.
      const own = await book(guest, { spaceId: ring, start: at(e, 30), end: at(e, 90) });
      assert.equal(own.status, 409);
      assert.equal(own.body.memberConflicts[0].booking.title, 'Private talk');
    });

    it('allowMemberOverlap: an admin may seat someone twice; a member may not ask', async () => {
      const e = evening();
      const pilot = await t.buildMember({ displayName: 'Pilot' });
      assert.equal((await book(pilot, { spaceId: lounge, start: e, end: at(e, 60) })).status, 201);
      const before = await count();
      const asked = await book(pilot, {
        spaceId: ring,
        start: e,
        end: at(e, 30),
        allowMemberOverlap: true,
      });
      assert.equal(asked.status, 403);
      assert.equal(asked.body.field, 'body.allowMemberOverlap');
      const wrongType = await book(pilot, {
        spaceId: ring,
        start: e,
        end: at(e, 30),
        allowMemberOverlap: 'yes',
      });
      assert.equal(wrongType.status, 400);
      assert.equal(wrongType.body.field, 'body.allowMemberOverlap');
      assert.equal(await count(), before);
      const withoutLeave = await book(t.admin, {
        spaceId: briefing,
        start: at(e, 15),
        end: at(e, 45),
        title: 'Briefing',
        participants: { members: [pilot.id] },
      });
      assert.equal(withoutLeave.status, 409);
      const briefed = await book(t.admin, {
        spaceId: briefing,
        start: at(e, 15),
        end: at(e, 45),
        title: 'Briefing',
        participants: { members: [pilot.id] },
        allowMemberOverlap: true,
      });
      assert.equal(briefed.status, 201, JSON.stringify(briefed.body));
    });

    it('a move or a change of time or people is refused when it seats someone twice', async () => {
      const e = evening();
      const a = await t.buildMember({ displayName: 'Mover' });
      const b = await t.buildMember({ displayName: 'Busy Bee' });
      const busy = await book(b, { spaceId: lounge, start: at(e, 120), end: at(e, 180) });
      assert.equal(busy.status, 201);
      const mine = await book(a, {
        spaceId: ring,
        start: e,
        end: at(e, 60),
        participants: { members: [b.id] },
      });
      assert.equal(mine.status, 201);
      const moved = await t.request('POST', `/api/v1/bookings/${mine.body.id}/move`, {
        as: a,
        body: { start: at(e, 150) },
      });
      assert.equal(moved.status, 409);
      assert.equal(moved.body.code, 'member-conflict');
      assert.equal(moved.body.memberConflicts[0].member.id, b.id);
      // Another room at the same time seats nobody anew.
      const roomOnly = await t.request('POST', `/api/v1/bookings/${mine.body.id}/move`, {
        as: a,
        body: { spaceId: briefing },
      });
      assert.equal(roomOnly.status, 200, JSON.stringify(roomOnly.body));
      const patched = await t.request('PATCH', `/api/v1/bookings/${mine.body.id}`, {
        as: a,
        body: { start: at(e, 100), end: at(e, 130) },
        headers: { 'if-match': `"${roomOnly.body.version}"` },
      });
      assert.equal(patched.status, 409);
      assert.equal(patched.body.code, 'member-conflict');
      const c = await t.buildMember({ displayName: 'Late Joiner' });
      assert.equal((await book(c, { spaceId: lounge, start: at(e, 30), end: at(e, 50) })).status, 201);
      const joined = await t.request('PATCH', `/api/v1/bookings/${mine.body.id}`, {
        as: a,
        body: { participants: { members: [b.id, c.id] } },
        headers: { 'if-match': `"${roomOnly.body.version}"` },
      });
      assert.equal(joined.status, 409);
      assert.equal(joined.body.field, 'body.participants.members');
      assert.equal(joined.body.memberConflicts[0].member.id, c.id);
      // A change that seats nobody anew (the title) goes through.
      const renamed = await t.request('PATCH', `/api/v1/bookings/${mine.body.id}`, {
        as: a,
        body: { title: 'Renamed' },
        headers: { 'if-match': `"${roomOnly.body.version}"` },
      });
      assert.equal(renamed.status, 200);
      assert.equal(await doubleSeated(t, [a.id, b.id, c.id]), 0);
    });

    it('a series skips or refuses occurrences whose people are elsewhere', async () => {
      const e = evening();
      const runner = await t.buildMember({ displayName: 'Runner' });
      const partner = await t.buildMember({ displayName: 'Partner' });
      // The partner is busy on the second night at 22:30.
      const away = await book(partner, {
        spaceId: briefing,
        start: at(e, 24 * 60 + 30),
        end: at(e, 24 * 60 + 60),
      });
      assert.equal(away.status, 201);
      const startDate = new Date(e).toISOString().slice(0, 10);
      const series = (policy: string) =>
        t.request('POST', '/api/v1/series', {
          as: runner,
          body: {
            spaceId: ring,
            rrule: 'FREQ=DAILY;COUNT=3',
            startTime: '22:00',
            durationMinutes: 60,
            startDate,
            title: 'Standing slot',
            participants: { members: [partner.id] },
            policy,
          },
        });
      const before = await count();
      const refused = await series('all-or-nothing');
      assert.equal(refused.status, 409, JSON.stringify(refused.body));
      assert.equal(refused.body.code, 'member-conflict');
      assert.equal(refused.body.occurrences.length, 1);
      assert.equal(refused.body.occurrences[0].start, at(e, 24 * 60));
      assert.equal(refused.body.memberConflicts[0].member.id, partner.id);
      assert.equal(await count(), before);
      const skipping = await series('skip-conflicts');
      assert.equal(skipping.status, 201, JSON.stringify(skipping.body));
      assert.equal(skipping.body.booked.length, 2);
      assert.equal(skipping.body.skipped.length, 1);
      assert.equal(skipping.body.skipped[0].memberConflicts[0].booking.id, away.body.id);
      assert.equal(await doubleSeated(t, [runner.id, partner.id]), 0);
    });

    it('"same time tomorrow" on a moved occurrence answers with the occurrence its series holds', async () => {
      const e = evening();
      const sato = await t.buildMember({ displayName: 'Sato' });
      const lind = await t.buildMember({ displayName: 'Lindqvist' });
      const cabin = await buildSpace(t, {
        name: `Cabin of Sato ${n}`,
        kind: 'cabin',
        access: 'owner',
        ownerId: sato.id,
      });
      const created = await t.request('POST', '/api/v1/series', {
        as: sato,
        body: {
          spaceId: lounge,
          rrule: 'FREQ=DAILY;COUNT=3',
          startTime: '22:00',
          durationMinutes: 90,
          startDate: new Date(e).toISOString().slice(0, 10),
          title: 'Nightly training',
          participants: { members: [lind.id] },
        },
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const [tonight, tomorrow] = created.body.booked;
      // The squad came early: the pair continue in the cabin ten minutes later.
      const moved = await t.request('POST', `/api/v1/bookings/${tonight.id}/move`, {
        as: sato,
        body: { spaceId: cabin, start: at(e, 10) },
      });
      assert.equal(moved.status, 200, JSON.stringify(moved.body));
      const before = await count();
      for (const who of [sato, lind]) {
        const again = await t.request('POST', `/api/v1/bookings/${tonight.id}/repeat`, {
          as: who,
          body: { when: 'tomorrow' },
        });
        assert.equal(again.status, 200, JSON.stringify(again.body));
        assert.equal(again.body.id, tomorrow.id);
        assert.equal(again.body.spaceId, lounge);
      }
      assert.equal(await count(), before);
      assert.equal(await doubleSeated(t, [sato.id, lind.id]), 0);
      // A session that is not part of a series is booked again, unless its people are elsewhere then.
      const single = await book(sato, {
        spaceId: ring,
        start: at(e, 3 * 24 * 60),
        end: at(e, 3 * 24 * 60 + 30),
      });
      assert.equal(single.status, 201);
      const busyTomorrow = await book(lind, {
        spaceId: briefing,
        start: at(e, 4 * 24 * 60 + 45),
        end: at(e, 4 * 24 * 60 + 120),
      });
      assert.equal(busyTomorrow.status, 201);
      const repeated = await t.request('POST', `/api/v1/bookings/${single.body.id}/repeat`, {
        as: sato,
        body: { when: 'tomorrow' },
      });
      assert.equal(repeated.status, 201, JSON.stringify(repeated.body));
      const withLind = await book(sato, {
        spaceId: ring,
        start: at(e, 3 * 24 * 60 + 60),
        end: at(e, 3 * 24 * 60 + 90),
        participants: { members: [lind.id] },
      });
      assert.equal(withLind.status, 201);
      const refused = await t.request('POST', `/api/v1/bookings/${withLind.body.id}/repeat`, {
        as: sato,
        body: { when: 'tomorrow' },
      });
      assert.equal(refused.status, 409);
      assert.equal(refused.body.code, 'member-conflict');
      assert.equal(refused.body.memberConflicts[0].member.id, lind.id);
    });

    it('a race: 24 requests seat one member in 8 rooms at once, with and without keys; one wins', async () => {
      const e = evening();
      const rooms = await Promise.all(Array.from({ length: 8 }, () => buildSpace(t)));
      const star = await t.buildMember({ displayName: 'Star' });
      const bookers = await Promise.all(Array.from({ length: 8 }, () => t.buildMember()));
      const squad = await buildSquad(t, { members: [star.id] });
      const answers = await Promise.all(
        Array.from({ length: 24 }, (_, i) => {
          const start = at(e, i);
          const room = rooms[i % 8]!;
          // The star comes in three ways: organizer, named member, member of a booked squad.
          const way = i % 3;
          const as = way === 0 ? star : bookers[i % 8]!;
          const participants =
            way === 1 ? { members: [star.id] } : way === 2 ? { squads: [squad] } : undefined;
          return book(
            as,
            { spaceId: room, start, end: at(start, 60), participants },
            i % 2 ? { 'idempotency-key': `star-${kind}-${i}` } : {},
          );
        }),
      );
      const statuses = answers.map((a) => a.status);
      assert.equal(statuses.filter((s) => s === 201).length, 1, JSON.stringify(statuses));
      // The rest are refused: the star is elsewhere, or the room is taken by a twin of the same room.
      for (const a of answers.filter((x) => x.status !== 201)) {
        assert.equal(a.status, 409, JSON.stringify(a.body));
        assert.ok(['member-conflict', 'booking-conflict'].includes(a.body.code));
      }
      assert.ok(answers.some((a) => a.body.code === 'member-conflict'));
      assert.equal(await doubleSeated(t, [star.id]), 0);
    });

    it('the horizon job skips an occurrence whose people are elsewhere by then', async () => {
      const runner = await t.buildMember({ displayName: 'Night Runner' });
      const created = await t.request('POST', '/api/v1/series', {
        as: runner,
        body: {
          spaceId: briefing,
          rrule: 'FREQ=DAILY',
          startTime: '05:00',
          durationMinutes: 30,
          startDate: '2026-06-02',
          title: 'Dawn run',
        },
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const last = created.body.booked.at(-1).start as string;
      // Beyond the horizon today: the runner is booked elsewhere two days after the last occurrence
      // (written as the import would, past the horizon rule), at the series' time.
      const clash = at(last, 2 * 24 * 60 + 10);
      await t.db.query(
        `INSERT INTO bookings (site_id, space_id, organizer_id, title, start_at, end_at, blocked)
         VALUES ($1, $2, $3, 'Elsewhere', $4, $5, tstzrange($4::timestamptz, $5::timestamptz, '[)'))`,
        [t.siteId, ring, runner.id, clash, at(clash, 30)],
      );
      clock.advance(5 * 24 * 3600_000);
      try {
        assert.ok((await extendHorizons(t.db, clock)) >= 4);
      } finally {
        clock.set(now);
      }
      const detail = await t.request('GET', `/api/v1/series/${created.body.series.id}`, { as: runner });
      assert.deepEqual(
        detail.body.exceptions.map((e: any) => [e.originalStart, e.kind]),
        [[at(last, 2 * 24 * 60), 'skipped']],
      );
      assert.equal(await doubleSeated(t, [runner.id]), 0);
    });
  });
}
