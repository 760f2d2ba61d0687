import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeClock } from '../../src/domain/clock.ts';
import { type Caller, startTestApp, type TestApp } from '../support/app.ts';
import { buildSpace, buildSquad } from '../support/factories.ts';
import { storeKinds } from '../support/store.ts';

// The code at a space's door opens /check-in/{space} on a member's phone, which calls this.
for (const kind of storeKinds()) {
  describe(`check in where you stand (${kind})`, () => {
    let t: TestApp;
    let clock: FakeClock;
    let alice: Caller;
    let bob: Caller;
    let carol: Caller;
    let space: string;
    before(async () => {
      clock = new FakeClock('2026-06-02T00:00:00Z');
      t = await startTestApp(kind, { clock, site: { timeZone: 'Australia/Adelaide' } });
      alice = await t.buildMember({ displayName: 'Alice Able' });
      bob = await t.buildMember({ displayName: 'Bob Bland' });
      carol = await t.buildMember({ displayName: 'Carol Covert' });
      space = await buildSpace(t, { name: 'Lounge' });
    });
    after(() => t.close());

    const book = async (as: Caller, start: string, end: string, extra = {}) => {
      const res = await t.request('POST', '/api/v1/bookings', {
        as,
        body: { spaceId: space, start, end, title: 'Morning drill', ...extra },
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body.id as string;
    };
    const here = (as: Caller, id = space) => t.request('POST', `/api/v1/spaces/${id}/check-in`, { as });

    it("checks in the caller's own session, says so when it already is, and finds none for others", async () => {
      const squad = await buildSquad(t, { name: 'Deck crew', members: [carol.id] });
      const id = await book(alice, '2026-06-02T10:00:00+09:30', '2026-06-02T11:00:00+09:30', {
        visibility: 'private',
        title: 'Secret sparring',
        participants: { squads: [squad] },
      });
      // Before the check-in window (10 minutes before the start): nothing open, said in words.
      clock.set('2026-06-02T09:40:00+09:30');
      const early = await here(alice);
      assert.equal(early.status, 404);
      assert.equal(early.body.detail, 'You have no session here open for check-in now');
      assert.equal(early.body.field, 'path.id');

      clock.set('2026-06-02T09:55:00+09:30');
      // Bob is not in it: he finds nothing, and learns nothing of it; nothing changes.
      const stranger = await here(bob);
      assert.equal(stranger.status, 404);
      assert.doesNotMatch(JSON.stringify(stranger.body), /Secret|Alice|Deck/);
      assert.equal(
        (await t.request('GET', `/api/v1/bookings/${id}`, { as: alice })).body.status,
        'confirmed',
      );

      // Carol comes with the squad: her scan checks the session in.
      const done = await here(carol);
      assert.equal(done.status, 200, JSON.stringify(done.body));
      assert.equal(done.body.outcome, 'checked-in');
      assert.equal(done.body.booking.id, id);
      assert.equal(done.body.booking.status, 'checked_in');
      const again = await here(alice);
      assert.equal(again.status, 200);
      assert.equal(again.body.outcome, 'already-checked-in');
      assert.equal(again.body.booking.id, id);
      // Admins check in only their own sessions here.
      assert.equal((await here(t.admin)).status, 404);
    });

    it('refuses a malformed or unknown space, naming the field', async () => {
      const bad = await here(alice, 'not-a-space');
      assert.equal(bad.status, 400);
      assert.equal(bad.body.field, 'path.id');
      assert.equal((await here(alice, '00000000-0000-4000-8000-000000000000')).status, 404);
    });
  });
}
