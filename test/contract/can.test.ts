import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeClock } from '../../src/domain/clock.ts';
import { type Answer, type Caller, startTestApp, type TestApp } from '../support/app.ts';
import { at, buildSpace, buildSquad } from '../support/factories.ts';
import { storeKinds } from '../support/store.ts';

/**
 * `can` on every answer is the server's own policy: for each role (organizer, leader of a
 * participating squad, named participant, uninvolved member, admin) and each action, the flag the
 * API shows is exactly whether the API then allows that action — refused (4xx, nothing changed)
 * when false, done (2xx) when true. Each case acts on a fresh object, so no case spoils another.
 */

const base = '2026-06-01T00:00:00Z';
const bookingActions = ['edit', 'cancel', 'move', 'checkIn', 'checkOut', 'repeat'] as const;
type BookingAction = (typeof bookingActions)[number];
type Role = 'organizer' | 'squad leader' | 'participant' | 'uninvolved' | 'admin';

/** What each role may do to a confirmed public booking within its check-in window. */
const bookingExpected: Record<Role, Record<BookingAction, boolean>> = {
  organizer: { edit: true, cancel: true, move: true, checkIn: true, checkOut: true, repeat: true },
  'squad leader': { edit: true, cancel: true, move: true, checkIn: true, checkOut: true, repeat: true },
  participant: { edit: false, cancel: false, move: false, checkIn: true, checkOut: true, repeat: true },
  uninvolved: { edit: false, cancel: false, move: false, checkIn: false, checkOut: false, repeat: false },
  admin: { edit: true, cancel: true, move: true, checkIn: true, checkOut: true, repeat: true },
};

const ok = (res: Answer) => res.status >= 200 && res.status < 300;

for (const kind of storeKinds()) {
  describe(`can: what the caller may do, by the server's policy (${kind})`, () => {
    let t: TestApp;
    let clock: FakeClock;
    let callers: Record<Role, Caller>;
    let squad: string;
    let space: string;
    let n = 0;

    before(async () => {
      clock = new FakeClock(base);
      t = await startTestApp(kind, { clock });
      const organizer = await t.buildMember({ displayName: 'Organizer' });
      const leader = await t.buildMember({ displayName: 'Leader' });
      const participant = await t.buildMember({ displayName: 'Participant' });
      const uninvolved = await t.buildMember({ displayName: 'Uninvolved' });
      callers = { organizer, 'squad leader': leader, participant, uninvolved, admin: t.admin };
      squad = await buildSquad(t, { leaders: [leader.id] });
      space = await buildSpace(t, { changeoverMinutes: 0 });
    });
    after(() => t.close());

    /** A booking by the organizer with the participant and the squad, 7 h after the last one. */
    const freshBooking = async (visibility: 'public' | 'private' = 'public') => {
      n += 1;
      const start = at(base, 60 * 24 + n * 7 * 60);
      clock.set(base);
      const res = await t.request('POST', '/api/v1/bookings', {
        as: callers.organizer,
        body: {
          spaceId: space,
          title: `Session ${n}`,
          start,
          end: at(start, 60),
          visibility,
          participants: { members: [callers.participant.id], squads: [squad] },
        },
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      // Within its check-in window from here on.
      clock.set(at(start, -1));
      return { id: res.body.id as string, start };
    };

    const act = (role: Role, action: BookingAction, b: { id: string; start: string }) => {
      const as = callers[role];
      const path = `/api/v1/bookings/${b.id}`;
      switch (action) {
        case 'edit':
          return t.request('PATCH', path, {
            as,
            body: { title: 'Changed', reason: 'Rota' },
            headers: { 'if-match': '"1"' },
          });
        case 'cancel':
          return t.request('POST', `${path}/cancel`, { as, body: { reason: 'Rota' } });
        case 'move':
          return t.request('POST', `${path}/move`, { as, body: { start: at(b.start, 30), message: 'Rota' } });
        case 'checkIn':
          return t.request('POST', `${path}/check-in`, { as, body: {} });
        case 'checkOut':
          return t.request('POST', `${path}/check-out`, { as, body: {} });
        case 'repeat':
          return t.request('POST', `${path}/repeat`, { as, body: { when: 'tomorrow' } });
      }
    };

    for (const role of Object.keys(bookingExpected) as Role[])
      for (const action of bookingActions)
        it(`booking: ${role} ${bookingExpected[role][action] ? 'may' : 'may not'} ${action}, and the API agrees`, async () => {
          const b = await freshBooking();
          if (action === 'checkOut') {
            const inRes = await t.request('POST', `/api/v1/bookings/${b.id}/check-in`, {
              as: callers.organizer,
              body: {},
            });
            assert.equal(inRes.status, 200, JSON.stringify(inRes.body));
          }
          const shown = await t.request('GET', `/api/v1/bookings/${b.id}`, { as: callers[role] });
          assert.equal(shown.status, 200);
          assert.equal(shown.body.can[action], bookingExpected[role][action], JSON.stringify(shown.body.can));
          const res = await act(role, action, b);
          assert.equal(ok(res), bookingExpected[role][action], `${res.status} ${JSON.stringify(res.body)}`);
          if (!ok(res)) {
            assert.ok(res.status >= 400 && res.status < 500);
            const again = await t.request('GET', `/api/v1/bookings/${b.id}`, { as: t.admin });
            assert.equal(again.body.version, shown.body.version, 'a refused action changes nothing');
          }
        });

    it('booking: the answers of every route carry can, and a finished booking can only be repeated', async () => {
      const b = await freshBooking();
      const listed = await t.request(
        'GET',
        `/api/v1/bookings?space=${space}&from=${b.start}&to=${at(b.start, 60)}`,
        {
          as: callers.organizer,
        },
      );
      assert.equal(listed.status, 200);
      const item = listed.body.items.find((i: { id: string }) => i.id === b.id);
      assert.deepEqual(
        item.can,
        bookingExpected.organizer && { ...bookingExpected.organizer, checkOut: false },
      );
      const cancelled = await t.request('POST', `/api/v1/bookings/${b.id}/cancel`, {
        as: callers.organizer,
        body: {},
      });
      assert.deepEqual(cancelled.body.can, {
        edit: false,
        cancel: false,
        move: false,
        checkIn: false,
        checkOut: false,
        repeat: true,
      });
    });

    it('booking: an uninvolved member sees a private booking as busy, with nothing they may do', async () => {
      const b = await freshBooking('private');
      const shown = await t.request('GET', `/api/v1/bookings/${b.id}`, { as: callers.uninvolved });
      assert.equal(shown.body.busy, true);
      assert.equal(shown.body.title, 'Busy');
      assert.deepEqual(
        shown.body.can,
        Object.fromEntries(bookingActions.map((a) => [a, false])),
        'a private booking shows no action to someone outside it',
      );
      const listed = await t.request(
        'GET',
        `/api/v1/bookings?space=${space}&from=${b.start}&to=${at(b.start, 60)}`,
        {
          as: callers.uninvolved,
        },
      );
      const item = listed.body.items.find((i: { id: string }) => i.id === b.id);
      assert.equal(item.busy, true);
      assert.ok(Object.values(item.can).every((v) => v === false));
    });

    /** Series: its organizer and admins manage it (squad leaders and participants do not). */
    const seriesExpected: Record<Role, { edit: boolean; cancel: boolean }> = {
      organizer: { edit: true, cancel: true },
      'squad leader': { edit: false, cancel: false },
      participant: { edit: false, cancel: false },
      uninvolved: { edit: false, cancel: false },
      admin: { edit: true, cancel: true },
    };
    let seriesN = 0;
    const freshSeries = async () => {
      seriesN += 1;
      clock.set(base);
      const res = await t.request('POST', '/api/v1/series', {
        as: callers.organizer,
        body: {
          spaceId: await buildSpace(t),
          rrule: 'FREQ=DAILY;COUNT=3',
          startTime: `${String(seriesN).padStart(2, '0')}:00`,
          durationMinutes: 30,
          startDate: '2026-07-01',
          title: `Series ${seriesN}`,
          participants: { members: [callers.participant.id], squads: [squad] },
        },
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body.series.id as string;
    };
    for (const role of Object.keys(seriesExpected) as Role[])
      for (const action of ['edit', 'cancel'] as const)
        it(`series: ${role} ${seriesExpected[role][action] ? 'may' : 'may not'} ${action}, and the API agrees`, async () => {
          const id = await freshSeries();
          const shown = await t.request('GET', `/api/v1/series/${id}`, { as: callers[role] });
          assert.equal(shown.status, 200);
          assert.equal(shown.body.can[action], seriesExpected[role][action]);
          const res =
            action === 'edit'
              ? await t.request('PATCH', `/api/v1/series/${id}`, {
                  as: callers[role],
                  body: { scope: 'all', title: 'Renamed', reason: 'Rota' },
                  headers: { 'if-match': `"${shown.body.version}"` },
                })
              : await t.request('DELETE', `/api/v1/series/${id}?scope=all&reason=Rota`, {
                  as: callers[role],
                });
          assert.equal(ok(res), seriesExpected[role][action], `${res.status} ${JSON.stringify(res.body)}`);
          const listed = await t.request('GET', '/api/v1/series', { as: callers[role] });
          for (const s of listed.body.items)
            assert.deepEqual(
              Object.keys(s.can).sort(),
              ['cancel', 'edit'],
              'every listed series carries can',
            );
        });

    it('space: admins may edit any; booking follows who the space is for', async () => {
      const open = await buildSpace(t, { access: 'everyone' });
      const cabin = await buildSpace(t, { kind: 'cabin', access: 'owner', ownerId: callers.participant.id });
      const restricted = await buildSpace(t, { access: 'restricted', allowedSquads: [squad] });
      const cases: [Role, string, { edit: boolean; book: boolean }][] = [
        ['admin', open, { edit: true, book: true }],
        ['admin', cabin, { edit: true, book: true }],
        ['uninvolved', open, { edit: false, book: true }],
        ['uninvolved', cabin, { edit: false, book: false }],
        ['uninvolved', restricted, { edit: false, book: false }],
        ['participant', cabin, { edit: false, book: true }],
        ['squad leader', restricted, { edit: false, book: true }],
      ];
      let k = 0;
      for (const [role, id, expected] of cases) {
        k += 1;
        clock.set(base);
        const shown = await t.request('GET', `/api/v1/spaces/${id}`, { as: callers[role] });
        assert.deepEqual(shown.body.can, expected, `${role} on ${id}`);
        const listed = await t.request('GET', '/api/v1/spaces?limit=500', { as: callers[role] });
        const item = listed.body.items.find((s: { id: string }) => s.id === id);
        assert.deepEqual(item.can, expected);
        const start = at(base, 60 * 24 * 20 + k * 180);
        const booked = await t.request('POST', '/api/v1/bookings', {
          as: callers[role],
          body: { spaceId: id, title: 'Try', start, end: at(start, 60) },
        });
        assert.equal(
          ok(booked),
          expected.book,
          `${role} booking: ${booked.status} ${JSON.stringify(booked.body)}`,
        );
        const edited = await t.request('PATCH', `/api/v1/spaces/${id}`, {
          as: callers[role],
          body: { capacity: 12 },
          headers: { 'if-match': `"${shown.body.version}"` },
        });
        assert.equal(
          ok(edited),
          expected.edit,
          `${role} edit: ${edited.status} ${JSON.stringify(edited.body)}`,
        );
      }
    });
  });
}
