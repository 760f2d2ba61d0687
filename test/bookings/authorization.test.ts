import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeClock } from '../../src/domain/clock.ts';
import { listEventsForSubject } from '../../src/features/events/repository.ts';
import { type Caller, startTestApp, type TestApp } from '../support/app.ts';
import { at, buildSpace, buildSquad } from '../support/factories.ts';
import { storeKinds } from '../support/store.ts';

const now = '2026-06-01T00:00:00Z';
const day = '2026-06-03T00:00:00Z';

/**
 * Who may change and cancel which booking: member, squad leader and admin, each on a booking of
 * their own and on someone else's. Reading is open to the whole site.
 */
for (const kind of storeKinds()) {
  describe(`booking authorization (${kind})`, () => {
    let t: TestApp;
    let member: Caller;
    let leader: Caller;
    let other: Caller;
    let squad: string;
    let space: string;
    let n = 0;

    before(async () => {
      t = await startTestApp(kind, { clock: new FakeClock(now) });
      member = await t.buildMember({ displayName: 'Member' });
      leader = await t.buildMember({ displayName: 'Leader' });
      other = await t.buildMember({ displayName: 'Other' });
      squad = await buildSquad(t, { leaders: [leader.id], members: [other.id] });
      space = await buildSpace(t);
    });
    after(() => t.close());

    /** A booking by `organizer`, optionally for the squad. */
    const bookingBy = async (organizer: Caller, withSquad = false) => {
      n += 1;
      const start = at(day, n * 90);
      const res = await t.request('POST', '/api/v1/bookings', {
        as: organizer,
        body: {
          spaceId: space,
          title: `Session ${n}`,
          start,
          end: at(start, 60),
          ...(withSquad ? { participants: { squads: [squad] } } : {}),
        },
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body.id as string;
    };
    const patch = (as: Caller, id: string, body: Record<string, unknown> = {}) =>
      t.request('PATCH', `/api/v1/bookings/${id}`, {
        as,
        body: { title: 'Changed', ...body },
        headers: { 'if-match': '"1"' },
      });
    const cancel = (as: Caller, id: string, body: Record<string, unknown> = {}) =>
      t.request('POST', `/api/v1/bookings/${id}/cancel`, { as, body });

    const matrix: [string, () => Caller, () => Caller, boolean, number][] = [
      // [case, actor, organizer, booking includes the squad, expected status]
      ['member × own', () => member, () => member, false, 200],
      ["member × other's", () => member, () => other, false, 403],
      ["member × other's squad booking (not a leader)", () => other, () => member, true, 403],
      ['squad leader × own', () => leader, () => leader, false, 200],
      ["squad leader × other's, for their squad", () => leader, () => member, true, 200],
      ["squad leader × other's, not for their squad", () => leader, () => member, false, 403],
      ['admin × own', () => t.admin, () => t.admin, false, 200],
    ];
    for (const [name, actor, organizer, withSquad, status] of matrix) {
      it(`update: ${name} → ${status}`, async () => {
        const id = await bookingBy(organizer(), withSquad);
        const res = await patch(actor(), id);
        assert.equal(res.status, status, JSON.stringify(res.body));
        if (status === 403) assert.equal(res.body.code, 'forbidden');
        const events = await listEventsForSubject(t.db, t.siteId, id);
        assert.equal(events.length, status === 200 ? 2 : 1);
      });
      it(`cancel: ${name} → ${status}`, async () => {
        const id = await bookingBy(organizer(), withSquad);
        const res = await cancel(actor(), id);
        assert.equal(res.status, status, JSON.stringify(res.body));
        const row = await t.db.query<{ status: string }>('SELECT status FROM bookings WHERE id = $1', [id]);
        assert.equal(row.rows[0]!.status, status === 200 ? 'cancelled' : 'confirmed');
      });
    }

    it("admin × other's: needs a reason (422 naming body.reason), which the event records", async () => {
      const id = await bookingBy(member);
      const noReason = await patch(t.admin, id);
      assert.equal(noReason.status, 422);
      assert.equal(noReason.body.field, 'body.reason');
      assert.equal(noReason.body.rule, 'reason-required');
      const blank = await patch(t.admin, id, { reason: '   ' });
      assert.equal(blank.status, 422);
      const ok = await patch(t.admin, id, { reason: 'Room needed for the inspection' });
      assert.equal(ok.status, 200);
      const cancelNoReason = await t.request('POST', `/api/v1/bookings/${id}/cancel`, { as: t.admin });
      assert.equal(cancelNoReason.status, 422);
      assert.equal(cancelNoReason.body.field, 'body.reason');
      const cancelled = await cancel(t.admin, id, { reason: 'Hull repairs' });
      assert.equal(cancelled.status, 200);
      const events = await listEventsForSubject(t.db, t.siteId, id);
      assert.deepEqual(
        events.map((e) => [e.type, e.actorId, e.reason]),
        [
          ['booking.created', member.id, null],
          ['booking.updated', t.admin.id, 'Room needed for the inspection'],
          ['booking.cancelled', t.admin.id, 'Hull repairs'],
        ],
      );
    });

    it('everyone in the site may read any booking', async () => {
      const id = await bookingBy(member);
      for (const reader of [member, leader, other, t.admin]) {
        const res = await t.request('GET', `/api/v1/bookings/${id}`, { as: reader });
        assert.equal(res.status, 200);
        assert.equal(res.body.busy, false);
      }
    });

    it('a private booking is detailed to its squad and admins, busy to others', async () => {
      n += 1;
      const start = at(day, n * 90);
      const res = await t.request('POST', '/api/v1/bookings', {
        as: member,
        body: {
          spaceId: space,
          title: 'Quiet',
          start,
          end: at(start, 60),
          visibility: 'private',
          participants: { squads: [squad] },
        },
      });
      const id = res.body.id;
      const outsider = await t.buildMember();
      const seen = async (as: Caller) => (await t.request('GET', `/api/v1/bookings/${id}`, { as })).body;
      assert.equal((await seen(other)).title, 'Quiet');
      assert.equal((await seen(leader)).title, 'Quiet');
      assert.equal((await seen(t.admin)).title, 'Quiet');
      const hidden = await seen(outsider);
      assert.equal(hidden.title, 'Busy');
      assert.equal(hidden.busy, true);
      assert.deepEqual(hidden.participants, { members: [], squads: [] });
      // Seeing it busy does not allow changing it.
      assert.equal((await patch(outsider, id)).status, 403);
    });
  });
}
