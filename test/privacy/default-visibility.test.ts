import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeClock } from '../../src/domain/clock.ts';
import type { Caller, TestApp } from '../support/app.ts';
import { startTestApp } from '../support/app.ts';
import { at, buildSpace } from '../support/factories.ts';
import { storeKinds } from '../support/store.ts';

const t0 = '2026-11-25T10:00:00.000Z';

// Issue 7.2: bookings made in or moved into a private cabin are private unless the caller says otherwise.
for (const kind of storeKinds()) {
  describe(`default visibility of spaces (${kind})`, () => {
    let t: TestApp;
    let owen: Caller;
    let cleo: Caller;
    let cabin: string;
    let lounge: string;

    const newSpace = async (body: Record<string, unknown>) => {
      const res = await t.request('POST', '/api/v1/spaces', { as: t.admin, body: { capacity: 4, ...body } });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body as { id: string; defaultVisibility: string; version: number };
    };
    const book = async (as: Caller, body: Record<string, unknown>) => {
      const res = await t.request('POST', '/api/v1/bookings', { as, body: { title: 'Rest', ...body } });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body as { id: string; visibility: string; version: number };
    };
    const seenBy = async (as: Caller, id: string) =>
      (await t.request('GET', `/api/v1/bookings/${id}`, { as })).body as { busy: boolean; title: string };

    before(async () => {
      t = await startTestApp(kind, { clock: new FakeClock(t0), site: { name: 'Vessel', timeZone: 'UTC' } });
      owen = await t.buildMember({ displayName: 'Owen' });
      cleo = await t.buildMember({ displayName: 'Cleo' });
      const c = await newSpace({ name: 'Cabin 7', kind: 'cabin', access: 'owner', ownerId: owen.id });
      assert.equal(c.defaultVisibility, 'private');
      cabin = c.id;
      const l = await newSpace({ name: 'Lounge', kind: 'training' });
      assert.equal(l.defaultVisibility, 'public');
      lounge = l.id;
    });
    after(() => t.close());

    it('a booking in a private cabin is private unless it says public', async () => {
      const plain = await book(owen, { spaceId: cabin, start: at(t0, 60), end: at(t0, 120) });
      assert.equal(plain.visibility, 'private');
      assert.equal((await seenBy(cleo, plain.id)).busy, true);
      const open = await book(owen, {
        spaceId: cabin,
        start: at(t0, 180),
        end: at(t0, 240),
        visibility: 'public',
      });
      assert.equal(open.visibility, 'public');
      assert.equal((await seenBy(cleo, open.id)).title, 'Rest');
      // Cleo, since Owen is in his cabin then (one person, one place).
      const inLounge = await book(cleo, { spaceId: lounge, start: at(t0, 60), end: at(t0, 120) });
      assert.equal(inLounge.visibility, 'public');
    });

    it('a cabin made by SQL (an older export, a script) is private by default too', async () => {
      const old = await buildSpace(t, { name: 'Cabin 9', kind: 'cabin', access: 'owner', ownerId: owen.id });
      const b = await book(owen, { spaceId: old, start: at(t0, 800), end: at(t0, 860) });
      assert.equal(b.visibility, 'private');
    });

    it('a series in a private cabin is private unless it says public', async () => {
      const res = await t.request('POST', '/api/v1/series', {
        as: owen,
        body: {
          spaceId: cabin,
          title: 'Nap',
          rrule: 'FREQ=DAILY;COUNT=2',
          startDate: '2026-11-26',
          startTime: '13:00',
          durationMinutes: 60,
        },
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal(res.body.series.visibility, 'private');
      const occurrence = res.body.booked[0].id as string;
      assert.equal((await seenBy(cleo, occurrence)).busy, true);
    });

    it('a move into a private cabin makes the booking private; a move may say public', async () => {
      const a = await book(owen, { spaceId: lounge, start: at(t0, 300), end: at(t0, 360) });
      assert.equal(a.visibility, 'public');
      const moved = await t.request('POST', `/api/v1/bookings/${a.id}/move`, {
        as: owen,
        body: { spaceId: cabin },
      });
      assert.equal(moved.status, 200, JSON.stringify(moved.body));
      assert.equal(moved.body.visibility, 'private');
      assert.equal((await seenBy(cleo, a.id)).busy, true);

      const b = await book(owen, { spaceId: lounge, start: at(t0, 400), end: at(t0, 460) });
      const movedPublic = await t.request('POST', `/api/v1/bookings/${b.id}/move`, {
        as: owen,
        body: { spaceId: cabin, visibility: 'public' },
      });
      assert.equal(movedPublic.status, 200, JSON.stringify(movedPublic.body));
      assert.equal(movedPublic.body.visibility, 'public');

      // A move within the lounge, or out of the cabin, leaves the visibility as it was.
      const back = await t.request('POST', `/api/v1/bookings/${a.id}/move`, {
        as: owen,
        body: { spaceId: lounge },
      });
      assert.equal(back.status, 200, JSON.stringify(back.body));
      assert.equal(back.body.visibility, 'private');
    });

    it('the default can be changed; bad values are a 400 naming the field and change nothing', async () => {
      const bad = await t.request('POST', `/api/v1/bookings/00000000-0000-4000-8000-000000000000/move`, {
        as: owen,
        body: { spaceId: cabin, visibility: 'secret' },
      });
      assert.equal(bad.status, 400);
      assert.match(bad.body.field ?? '', /visibility/);
      const current = (await t.request('GET', `/api/v1/spaces/${lounge}`, { as: t.admin })).body;
      const badSpace = await t.request('PATCH', `/api/v1/spaces/${lounge}`, {
        as: t.admin,
        body: { defaultVisibility: 'hidden' },
        headers: { 'if-match': `"${current.version}"` },
      });
      assert.equal(badSpace.status, 400);
      assert.match(badSpace.body.field ?? '', /defaultVisibility/);
      const ok = await t.request('PATCH', `/api/v1/spaces/${lounge}`, {
        as: t.admin,
        body: { defaultVisibility: 'private' },
        headers: { 'if-match': `"${current.version}"` },
      });
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      assert.equal(ok.body.defaultVisibility, 'private');
      const b = await book(cleo, { spaceId: lounge, start: at(t0, 600), end: at(t0, 660) });
      assert.equal(b.visibility, 'private');
      // Turning a space into an owner's cabin makes its default private, unless it was set apart.
      const room = await newSpace({ name: 'Spare room', kind: 'other' });
      const owned = await t.request('PATCH', `/api/v1/spaces/${room.id}`, {
        as: t.admin,
        body: { access: 'owner', ownerId: owen.id },
        headers: { 'if-match': `"${room.version}"` },
      });
      assert.equal(owned.status, 200, JSON.stringify(owned.body));
      assert.equal(owned.body.defaultVisibility, 'private');
    });
  });
}
