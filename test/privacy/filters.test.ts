import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeClock } from '../../src/domain/clock.ts';
import type { Caller, TestApp } from '../support/app.ts';
import { startTestApp } from '../support/app.ts';
import { at, buildSpace, buildSquad } from '../support/factories.ts';
import { storeKinds } from '../support/store.ts';

const t0 = '2026-11-25T10:00:00.000Z';

// Issue 7.1: a filter on people never matches a private booking the caller may not see.
for (const kind of storeKinds()) {
  describe(`filters and privacy (${kind})`, () => {
    let t: TestApp;
    let aiko: Caller;
    let bram: Caller;
    let cleo: Caller;
    let dov: Caller;
    let owner: Caller;
    let squad: string;
    let lounge: string;
    let cabin: string;
    let privateId: string;
    let squadPrivateId: string;
    let publicId: string;
    let cabinId: string;

    const list = async (as: Caller, query: string) => {
      const res = await t.request('GET', `/api/v1/bookings?${query}`, { as });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body.items as { id: string; busy: boolean; title: string; organizer: unknown }[];
    };
    const ids = async (as: Caller, query: string) => (await list(as, query)).map((b) => b.id).sort();

    before(async () => {
      const clock = new FakeClock(t0);
      t = await startTestApp(kind, { clock, site: { name: 'Vessel', timeZone: 'Australia/Adelaide' } });
      aiko = await t.buildMember({ displayName: 'Aiko' });
      bram = await t.buildMember({ displayName: 'Bram' });
      cleo = await t.buildMember({ displayName: 'Cleo' });
      dov = await t.buildMember({ displayName: 'Dov' });
      owner = await t.buildMember({ displayName: 'Owen' });
      squad = await buildSquad(t, { name: 'Troopers', members: [dov.id] });
      lounge = await buildSpace(t, { name: 'Lounge' });
      cabin = await buildSpace(t, { name: 'Cabin 4', kind: 'cabin', access: 'owner', ownerId: owner.id });
      const book = async (as: Caller, body: Record<string, unknown>) => {
        const res = await t.request('POST', '/api/v1/bookings', { as, body: { title: 'Sparring', ...body } });
        assert.equal(res.status, 201, JSON.stringify(res.body));
        return res.body.id as string;
      };
      privateId = await book(aiko, {
        spaceId: lounge,
        start: at(t0, 60),
        end: at(t0, 120),
        visibility: 'private',
        participants: { members: [bram.id] },
      });
      squadPrivateId = await book(aiko, {
        spaceId: lounge,
        start: at(t0, 180),
        end: at(t0, 240),
        visibility: 'private',
        participants: { squads: [squad] },
      });
      publicId = await book(aiko, {
        spaceId: lounge,
        start: at(t0, 300),
        end: at(t0, 360),
        participants: { members: [bram.id], squads: [squad] },
      });
      // An admin books the owner's cabin for Bram, privately: the owner sees it, others do not.
      // Later that day: Bram is in the lounge with Aiko before (one person, one place).
      cabinId = await book(t.admin, {
        spaceId: cabin,
        start: at(t0, 420),
        end: at(t0, 480),
        visibility: 'private',
        participants: { members: [bram.id] },
      });
    });
    after(() => t.close());

    it('member= does not match private bookings of others for an uninvolved member', async () => {
      assert.deepEqual(await ids(cleo, `member=${bram.id}`), [publicId]);
      assert.deepEqual(await ids(cleo, `member=${aiko.id}`), [publicId]);
      // Who the organizer of the cabin booking is, is a detail too.
      assert.deepEqual(await ids(cleo, `member=${t.admin.id}`), []);
    });

    it('squad= does not match private bookings of others; squad members and admins see theirs', async () => {
      assert.deepEqual(await ids(cleo, `squad=${squad}`), [publicId]);
      assert.deepEqual(await ids(dov, `squad=${squad}`), [squadPrivateId, publicId].sort());
      assert.deepEqual(await ids(t.admin, `squad=${squad}`), [squadPrivateId, publicId].sort());
      // A squad member sees the squad's private booking, but not Aiko's private one with Bram.
      assert.deepEqual(await ids(dov, `member=${aiko.id}`), [squadPrivateId, publicId].sort());
    });

    it('involved members, the space owner and admins are matched', async () => {
      assert.deepEqual(await ids(bram, `member=${aiko.id}`), [privateId, publicId].sort());
      assert.deepEqual(await ids(t.admin, `member=${bram.id}`), [privateId, publicId, cabinId].sort());
      const ownersView = await list(owner, `member=${bram.id}`);
      assert.deepEqual(ownersView.map((b) => b.id).sort(), [publicId, cabinId].sort());
      // The owner of the cabin sees the details of a private booking in it.
      const inCabin = ownersView.find((b) => b.id === cabinId)!;
      assert.equal(inCabin.busy, false);
      assert.equal(inCabin.title, 'Sparring');
    });

    it('a space listing still shows the private bookings, redacted to busy', async () => {
      const items = await list(cleo, `space=${lounge}`);
      assert.deepEqual(items.map((b) => b.id).sort(), [privateId, squadPrivateId, publicId].sort());
      for (const b of items.filter((x) => x.id !== publicId)) {
        assert.equal(b.busy, true);
        assert.equal(b.title, 'Busy');
        assert.equal(b.organizer, null);
      }
      const cabinList = await list(cleo, `space=${cabin}`);
      assert.deepEqual(
        cabinList.map((b) => [b.id, b.busy]),
        [[cabinId, true]],
      );
    });

    it('conflicts, neighbours and series clashes show a private booking as busy only', async () => {
      const clash = await t.request('POST', '/api/v1/bookings', {
        as: cleo,
        body: { spaceId: lounge, start: at(t0, 90), end: at(t0, 150), title: 'Mine' },
      });
      assert.equal(clash.status, 409);
      assert.deepEqual(
        clash.body.conflicts.map((c: { id: string; busy: boolean; title: string }) => [
          c.id,
          c.busy,
          c.title,
        ]),
        [[privateId, true, 'Busy']],
      );
      assert.doesNotMatch(JSON.stringify(clash.body), /Sparring|Aiko|Bram/);
      const mine = await t.request('POST', '/api/v1/bookings', {
        as: cleo,
        body: { spaceId: lounge, start: at(t0, 120), end: at(t0, 150), title: 'Mine' },
      });
      assert.equal(mine.status, 201, JSON.stringify(mine.body));
      const around = await t.request('GET', `/api/v1/bookings/${mine.body.id}/neighbours`, { as: cleo });
      assert.equal(around.status, 200);
      assert.equal(around.body.before.booking.id, privateId);
      assert.equal(around.body.before.booking.busy, true);
      assert.doesNotMatch(JSON.stringify(around.body), /Sparring|Aiko|Bram/);
    });

    it('a bad squad filter is a 400 naming the field', async () => {
      const res = await t.request('GET', '/api/v1/bookings?squad=nope', { as: cleo });
      assert.equal(res.status, 400);
      assert.match(JSON.stringify(res.body), /squad/);
    });
  });
}
