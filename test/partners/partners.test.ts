import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeClock } from '../../src/domain/clock.ts';
import { runDelivery } from '../../src/features/notifications/service.ts';
import { type Caller, startTestApp, type TestApp } from '../support/app.ts';
import { buildSpace, buildSquad } from '../support/factories.ts';
import { storeKinds } from '../support/store.ts';

// Adelaide: +09:30, and +10:30 from 2026-10-04 02:00 (clocks go forward to 03:00).
const now = '2026-09-28T00:00:00Z';

for (const kind of storeKinds()) {
  describe(`partners (${kind})`, () => {
    let t: TestApp;
    let clock: FakeClock;
    let ana: Caller;
    let ben: Caller;
    let cat: Caller;
    let dan: Caller;
    let outsider: Caller;
    let ring: string;
    before(async () => {
      clock = new FakeClock(now);
      t = await startTestApp(kind, {
        clock,
        site: { timeZone: 'Australia/Adelaide', quietHours: { start: '22:00', end: '06:00' } },
      });
      ana = await t.buildMember({ displayName: 'Ana' });
      ben = await t.buildMember({ displayName: 'Ben' });
      cat = await t.buildMember({ displayName: 'Cat' });
      dan = await t.buildMember({ displayName: 'Dan' });
      outsider = await t.buildMember({ displayName: 'Olly' });
      ring = await buildSpace(t, { name: 'Ring', kind: 'sparring', capacity: 4 });
      const created = await t.request('POST', '/api/v1/disciplines', {
        as: t.admin,
        body: { name: 'Boxing' },
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      for (const [who, level] of [
        [ana, 'intermediate'],
        [ben, 'intermediate'],
        [cat, 'expert'],
        [dan, 'beginner'],
      ] as const) {
        const res = await t.request('PUT', `/api/v1/members/${who.id}/disciplines/boxing`, {
          as: who,
          body: { level },
        });
        assert.equal(res.status, 200, JSON.stringify(res.body));
      }
    });
    after(() => t.close());

    const book = async (as: Caller, start: string, end: string, extra: Record<string, unknown> = {}) => {
      const res = await t.request('POST', '/api/v1/bookings', {
        as,
        body: { spaceId: ring, start, end, title: 'Secret plan', ...extra },
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body;
    };

    it('disciplines are for admins to add; bad input names the field and changes nothing', async () => {
      const refused = await t.request('POST', '/api/v1/disciplines', { as: ana, body: { name: 'Fencing' } });
      assert.equal(refused.status, 403);
      const dup = await t.request('POST', '/api/v1/disciplines', { as: t.admin, body: { name: 'boxing' } });
      assert.equal(dup.status, 409);
      assert.equal(dup.body.field, 'body.name');
      const bad = await t.request('PUT', `/api/v1/members/${ana.id}/disciplines/boxing`, {
        as: ana,
        body: { level: 'godlike' },
      });
      assert.equal(bad.status, 400);
      assert.match(bad.body.field, /level/);
      const other = await t.request('PUT', `/api/v1/members/${ben.id}/disciplines/boxing`, {
        as: ana,
        body: { level: 'beginner' },
      });
      assert.equal(other.status, 403);
      const list = await t.request('GET', '/api/v1/disciplines', { as: ana });
      assert.deepEqual(
        list.body.items.map((d: any) => [d.name, d.members]),
        [['Boxing', 4]],
      );
      const mine = await t.request('GET', `/api/v1/members/${ben.id}/disciplines`, { as: ana });
      assert.equal(mine.body.items[0].level, 'intermediate');
      assert.equal(mine.body.items[0].rating, 1500);
    });

    it('free time leaves out sessions, duty shifts (DST as series), leave and quiet hours', async () => {
      // A daily duty shift at 02:30 local for 60 minutes; on 4 October 02:30 does not exist and
      // moves later by the gap, to 03:30 ACDT (RFC 5545 §3.3.5), exactly as a series would.
      const shift = await t.request('POST', `/api/v1/members/${dan.id}/duty-shifts`, {
        as: dan,
        body: {
          title: 'Watch',
          rrule: 'FREQ=DAILY',
          startDate: '2026-10-01',
          startTime: '02:30',
          durationMinutes: 60,
        },
      });
      assert.equal(shift.status, 201, JSON.stringify(shift.body));
      // Night training: quiet hours are free for Dan, so only the shift shows.
      await t.request('PATCH', `/api/v1/members/${dan.id}/partner-settings`, {
        as: dan,
        body: { nightTraining: true },
      });
      const free = await t.request(
        'GET',
        `/api/v1/members/${dan.id}/free?from=2026-10-02T12:00:00Z&to=2026-10-05T12:00:00Z`,
        { as: ana },
      );
      assert.equal(free.status, 200, JSON.stringify(free.body));
      assert.deepEqual(free.body.free, [
        { start: '2026-10-02T12:00:00.000Z', end: '2026-10-02T17:00:00.000Z' }, // 3 Oct 02:30 ACST
        { start: '2026-10-02T18:00:00.000Z', end: '2026-10-03T17:00:00.000Z' }, // 4 Oct 03:30 ACDT
        { start: '2026-10-03T18:00:00.000Z', end: '2026-10-04T16:00:00.000Z' }, // 5 Oct 02:30 ACDT
        { start: '2026-10-04T17:00:00.000Z', end: '2026-10-05T12:00:00.000Z' },
      ]);
      // Without night training, quiet hours (22:00-06:00 local) are busy too.
      const anaFree = await t.request(
        'GET',
        `/api/v1/members/${ana.id}/free?from=2026-10-02T00:00:00Z&to=2026-10-03T00:00:00Z`,
        { as: ana },
      );
      assert.deepEqual(anaFree.body.free, [
        { start: '2026-10-02T00:00:00.000Z', end: '2026-10-02T12:30:00.000Z' }, // until 22:00 ACST
        { start: '2026-10-02T20:30:00.000Z', end: '2026-10-03T00:00:00.000Z' }, // from 06:00
      ]);
      // Leave is busy; removing it frees the time again.
      const leave = await t.request('POST', `/api/v1/members/${ana.id}/leave`, {
        as: ana,
        body: { start: '2026-10-02T02:00:00Z', end: '2026-10-02T04:00:00Z', reason: 'Medical' },
      });
      assert.equal(leave.status, 201);
      const withLeave = await t.request(
        'GET',
        `/api/v1/members/${ana.id}/free?from=2026-10-02T00:00:00Z&to=2026-10-02T06:00:00Z`,
        { as: ben },
      );
      assert.deepEqual(withLeave.body.free, [
        { start: '2026-10-02T00:00:00.000Z', end: '2026-10-02T02:00:00.000Z' },
        { start: '2026-10-02T04:00:00.000Z', end: '2026-10-02T06:00:00.000Z' },
      ]);
      // Others may not read or change a roster.
      assert.equal((await t.request('GET', `/api/v1/members/${ana.id}/roster`, { as: ben })).status, 403);
      assert.equal((await t.request('DELETE', `/api/v1/leave/${leave.body.id}`, { as: ben })).status, 404);
      assert.equal((await t.request('DELETE', `/api/v1/leave/${leave.body.id}`, { as: ana })).status, 204);
      const roster = await t.request('GET', `/api/v1/members/${dan.id}/roster`, { as: t.admin });
      assert.equal(roster.body.dutyShifts[0].rrule, 'FREQ=DAILY');
      const bad = await t.request('POST', `/api/v1/members/${dan.id}/duty-shifts`, {
        as: dan,
        body: {
          title: 'Watch',
          rrule: 'FREQ=HOURLY',
          startDate: '2026-10-01',
          startTime: '02:30',
          durationMinutes: 60,
        },
      });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.field, 'body.rrule');
    });

    it('a private session is only busy time to an uninvolved member, as organizer, participant or squad', async () => {
      const squad = await buildSquad(t, { members: [cat.id] });
      await book(ana, '2026-10-06T01:00:00Z', '2026-10-06T02:00:00Z', {
        visibility: 'private',
        participants: { members: [ben.id], squads: [squad] },
        headcount: 3,
      });
      for (const who of [ana, ben, cat]) {
        const res = await t.request(
          'GET',
          `/api/v1/members/${who.id}/free?from=2026-10-06T00:00:00Z&to=2026-10-06T03:00:00Z`,
          { as: outsider },
        );
        assert.equal(res.status, 200);
        assert.deepEqual(res.body, {
          memberId: who.id,
          free: [
            { start: '2026-10-06T00:00:00.000Z', end: '2026-10-06T01:00:00.000Z' },
            { start: '2026-10-06T02:00:00.000Z', end: '2026-10-06T03:00:00.000Z' },
          ],
        });
        assert.doesNotMatch(JSON.stringify(res.body), /Secret/);
      }
    });

    it('suggests partners by a fair match, never the caller or the hidden, with shared slots and a space', async () => {
      const window = 'from=2026-10-07T00:00:00Z&to=2026-10-08T00:00:00Z';
      const res = await t.request('GET', `/api/v1/partners?discipline=Boxing&${window}&length=60`, {
        as: ana,
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const names = res.body.items.map((i: any) => i.member.displayName);
      assert.deepEqual(names, ['Ben', 'Dan', 'Cat']); // equal level first, then 300 below before 600 above
      const benItem = res.body.items[0];
      assert.equal(benItem.fairness, 1);
      assert.equal(benItem.slots.length, 3);
      for (const s of benItem.slots) {
        assert.equal(s.space.id, ring);
        // Day time in Adelaide (not quiet hours) on 7 October: 06:00 local = 2026-10-06T19:30Z.
        assert.ok(new Date(s.start).getTime() >= Date.parse('2026-10-07T00:00:00Z'));
      }
      await t.request('PATCH', `/api/v1/members/${ben.id}/partner-settings`, {
        as: ben,
        body: { hidden: true },
      });
      const hidden = await t.request('GET', `/api/v1/partners?discipline=Boxing&${window}`, { as: ana });
      assert.deepEqual(
        hidden.body.items.map((i: any) => i.member.displayName),
        ['Dan', 'Cat'],
      );
      await t.request('PATCH', `/api/v1/members/${ben.id}/partner-settings`, {
        as: ben,
        body: { hidden: false },
      });
      const notTraining = await t.request('GET', `/api/v1/partners?discipline=Boxing&${window}`, {
        as: outsider,
      });
      assert.equal(notTraining.status, 422);
      assert.equal(notTraining.body.field, 'query.discipline');
      const unknown = await t.request('GET', `/api/v1/partners?discipline=Curling&${window}`, { as: ana });
      assert.equal(unknown.status, 404);
      const badWindow = await t.request(
        'GET',
        '/api/v1/partners?discipline=Boxing&from=2026-10-07T00:00:00Z&to=2026-10-06T00:00:00Z',
        { as: ana },
      );
      assert.equal(badWindow.status, 400);
      assert.equal(badWindow.body.field, 'query.to');
    });

    it('results move ratings; a dispute stops the result counting; only the session’s people record', async () => {
      const session = await book(ana, '2026-10-08T01:00:00Z', '2026-10-08T02:00:00Z', {
        participants: { members: [ben.id] },
        headcount: 2,
      });
      const body = {
        bookingId: session.id,
        discipline: 'boxing',
        memberA: ana.id,
        memberB: ben.id,
        outcome: 'win',
      };
      const early = await t.request('POST', '/api/v1/results', { as: ana, body });
      assert.equal(early.status, 422);
      clock.set('2026-10-08T03:00:00Z');
      try {
        assert.equal((await t.request('POST', '/api/v1/results', { as: outsider, body })).status, 404);
        const stranger = await t.request('POST', '/api/v1/results', {
          as: ana,
          body: { ...body, memberB: cat.id },
        });
        assert.equal(stranger.status, 422);
        assert.equal(stranger.body.field, 'body.memberB');
        const rec = await t.request('POST', '/api/v1/results', { as: ben, body });
        assert.equal(rec.status, 201, JSON.stringify(rec.body));
        assert.equal(rec.body.counts, true);
        assert.equal((await t.request('POST', '/api/v1/results', { as: ana, body })).status, 409);
        const rating = async (who: Caller) =>
          (await t.request('GET', `/api/v1/members/${who.id}/disciplines`, { as: who })).body.items[0];
        const anaAfter = await rating(ana);
        const benAfter = await rating(ben);
        assert.ok(anaAfter.rating > 1500 && benAfter.rating < 1500);
        assert.ok(anaAfter.rd < 300 && benAfter.rd < 300);
        assert.equal(anaAfter.resultsCounted, 1);
        // Both sides see it; others do not.
        assert.equal((await t.request('GET', '/api/v1/results', { as: ben })).body.items.length, 1);
        assert.equal((await t.request('GET', `/api/v1/results?member=${ana.id}`, { as: cat })).status, 403);
        assert.equal(
          (await t.request('POST', `/api/v1/results/${rec.body.id}/dispute`, { as: cat, body: {} })).status,
          404,
        );
        const disputed = await t.request('POST', `/api/v1/results/${rec.body.id}/dispute`, {
          as: ana,
          body: { reason: 'We were only drilling' },
        });
        assert.equal(disputed.status, 200, JSON.stringify(disputed.body));
        assert.equal(disputed.body.counts, false);
        const anaBack = await rating(ana);
        assert.equal(anaBack.rating, 1500);
        assert.equal(anaBack.rd, 300);
        assert.equal(anaBack.resultsCounted, 0);
        const events = await t.db.query<{ type: string }>(
          `SELECT type FROM events WHERE subject_id = $1 ORDER BY id`,
          [rec.body.id],
        );
        assert.deepEqual(
          events.rows.map((e) => e.type),
          ['result.recorded', 'result.disputed'],
        );
      } finally {
        clock.set(now);
      }
    });

    it('find-time: slots free for everyone in a space that fits, bookable for all in one POST', async () => {
      const big = await buildSpace(t, { name: 'Lounge', kind: 'training', capacity: 20 });
      const squad = await buildSquad(t, { name: 'Night owls', members: [cat.id, dan.id] });
      // Ben is busy 10:00-11:00 local on 12 October (ACDT, +10:30) in a private session.
      await book(ben, '2026-10-11T23:30:00Z', '2026-10-12T00:30:00Z', { visibility: 'private' });
      const ask = (body: Record<string, unknown>) =>
        t.request('POST', '/api/v1/find-time', { as: ana, body });
      const res = await ask({
        members: [ben.id],
        squads: [squad],
        lengthMinutes: 60,
        from: '2026-10-11T23:00:00Z',
        to: '2026-10-12T03:00:00Z',
        limit: 3,
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.headcount, 4);
      assert.equal(res.body.emptyReason, null);
      // Ana, Ben, Cat, Dan: the ring holds 4 and comes before the lounge (smallest that fits).
      assert.deepEqual(
        res.body.slots.map((s: any) => [s.start, s.space.name]),
        [
          ['2026-10-12T00:30:00.000Z', 'Ring'],
          ['2026-10-12T01:00:00.000Z', 'Ring'],
          ['2026-10-12T01:30:00.000Z', 'Ring'],
        ],
      );
      assert.doesNotMatch(JSON.stringify(res.body), /Secret/);
      const again = await ask({
        members: [ben.id],
        squads: [squad],
        lengthMinutes: 60,
        from: '2026-10-11T23:00:00Z',
        to: '2026-10-12T03:00:00Z',
        limit: 3,
      });
      assert.deepEqual(again.body, res.body);
      // Booking the first slot for everyone goes through the normal booking path.
      const booked = await t.request('POST', '/api/v1/bookings', {
        as: ana,
        body: { ...res.body.slots[0].booking, title: 'Squad sparring' },
      });
      assert.equal(booked.status, 201, JSON.stringify(booked.body));
      assert.deepEqual(
        booked.body.participants.members.map((m: any) => m.id),
        [ben.id],
      );
      assert.deepEqual(
        booked.body.participants.squads.map((s: any) => s.id),
        [squad],
      );
      // A minimum capacity of 5 leaves only the lounge.
      const five = await ask({
        members: [ben.id],
        lengthMinutes: 60,
        minCapacity: 5,
        from: '2026-10-12T02:00:00Z',
        to: '2026-10-12T04:00:00Z',
        limit: 1,
      });
      assert.equal(five.body.slots[0].space.id, big);
      // Bad input names the field.
      const bad = await ask({ members: [ben.id], lengthMinutes: 60, preference: 'latest' });
      assert.equal(bad.status, 400);
      assert.match(bad.body.field, /preference/);
      const unknown = await ask({ members: ['00000000-0000-4000-8000-000000000000'], lengthMinutes: 60 });
      assert.equal(unknown.status, 404);
      assert.equal(unknown.body.field, 'body.members');
    });

    it('find-time with no slot says why and offers the slots with the fewest missing', async () => {
      await t.request('POST', `/api/v1/members/${cat.id}/leave`, {
        as: cat,
        body: { start: '2026-10-14T00:00:00Z', end: '2026-10-15T00:00:00Z', reason: 'Shore leave' },
      });
      const res = await t.request('POST', '/api/v1/find-time', {
        as: ana,
        body: {
          members: [ben.id, cat.id],
          lengthMinutes: 60,
          from: '2026-10-14T00:00:00Z',
          to: '2026-10-14T06:00:00Z',
        },
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(res.body.slots, []);
      assert.deepEqual(res.body.emptyReason.peopleNeverFree, [{ id: cat.id, displayName: 'Cat' }]);
      assert.match(res.body.emptyReason.message, /Cat/);
      assert.doesNotMatch(res.body.emptyReason.message, /Shore/);
      assert.ok(res.body.partial.length > 0);
      assert.deepEqual(res.body.partial[0].missing, [{ id: cat.id, displayName: 'Cat' }]);
      assert.equal(res.body.partial[0].attendancePercentage, 67);
      // A space nobody may book is named with the reason.
      const cabin = await buildSpace(t, { name: 'Cabin 9', kind: 'cabin', access: 'owner', ownerId: dan.id });
      const closed = await t.request('POST', '/api/v1/find-time', {
        as: ana,
        body: {
          members: [ben.id],
          lengthMinutes: 60,
          spaceId: cabin,
          from: '2026-10-14T00:00:00Z',
          to: '2026-10-14T06:00:00Z',
        },
      });
      assert.equal(closed.body.emptyReason.spacesNotAllowed[0].id, cabin);
      assert.match(closed.body.emptyReason.message, /Cabin 9/);
    });

    it('a proposal is a notice with Accept and Decline; accepting books it for both', async () => {
      const propose = (start: string, end: string) =>
        t.request('POST', '/api/v1/partners/proposals', {
          as: ana,
          body: { memberId: ben.id, discipline: 'Boxing', spaceId: ring, start, end },
        });
      const p = await propose('2026-10-16T00:00:00Z', '2026-10-16T01:00:00Z');
      assert.equal(p.status, 201, JSON.stringify(p.body));
      await runDelivery(t.db);
      const notices = await t.request('GET', '/api/v1/notifications', { as: ben });
      const notice = notices.body.items.find((n: any) => n.kind === 'partner-proposal');
      assert.ok(notice, JSON.stringify(notices.body));
      assert.equal(notice.data.proposalId, p.body.id);
      assert.deepEqual(notice.data.actions, ['accept', 'decline']);
      assert.equal(
        (await t.request('POST', `/api/v1/partners/proposals/${p.body.id}/accept`, { as: ana })).status,
        403,
      );
      assert.equal(
        (await t.request('POST', `/api/v1/partners/proposals/${p.body.id}/accept`, { as: cat })).status,
        404,
      );
      const accepted = await t.request('POST', `/api/v1/partners/proposals/${p.body.id}/accept`, { as: ben });
      assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
      assert.equal(accepted.body.status, 'accepted');
      const booking = await t.request('GET', `/api/v1/bookings/${accepted.body.bookingId}`, { as: ana });
      assert.equal(booking.body.organizer.id, ben.id);
      assert.deepEqual(
        booking.body.participants.members.map((m: any) => m.id),
        [ana.id],
      );
      assert.equal(
        (await t.request('POST', `/api/v1/partners/proposals/${p.body.id}/decline`, { as: ben })).status,
        409,
      );
      await runDelivery(t.db);
      const back = await t.request('GET', '/api/v1/notifications', { as: ana });
      assert.ok(back.body.items.some((n: any) => n.kind === 'partner-proposal' && /accepted/.test(n.title)));
      // A second proposal for the now-taken slot: accepting is a 409 naming the conflict.
      const clash = await propose('2026-10-16T00:30:00Z', '2026-10-16T01:30:00Z');
      const refused = await t.request('POST', `/api/v1/partners/proposals/${clash.body.id}/accept`, {
        as: ben,
      });
      assert.equal(refused.status, 409);
      const declined = await t.request('POST', `/api/v1/partners/proposals/${clash.body.id}/decline`, {
        as: ben,
      });
      assert.equal(declined.body.status, 'declined');
      const bad = await t.request('POST', '/api/v1/partners/proposals', {
        as: ana,
        body: {
          memberId: outsider.id,
          discipline: 'Boxing',
          spaceId: ring,
          start: '2026-10-16T03:00:00Z',
          end: '2026-10-16T04:00:00Z',
        },
      });
      assert.equal(bad.status, 422);
      assert.equal(bad.body.field, 'body.memberId');
    });
  });
}
