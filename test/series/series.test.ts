import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { FakeClock } from '../../src/domain/clock.ts';
import { runDelivery } from '../../src/features/notifications/service.ts';
import { extendHorizons } from '../../src/features/series/horizon.ts';
import type { Caller, TestApp } from '../support/app.ts';
import { startTestApp } from '../support/app.ts';
import { buildSpace } from '../support/factories.ts';
import { storeKinds } from '../support/store.ts';

for (const kind of storeKinds()) {
  describe(`series (${kind})`, () => {
    let t: TestApp;
    // Berlin leaves summer time on 2026-10-25: the series below crosses it.
    const clock = new FakeClock('2026-10-20T08:00:00Z');
    let a: Caller;
    let b: Caller;
    before(async () => {
      t = await startTestApp(kind, { clock, site: { name: 'Vessel', timeZone: 'Europe/Berlin' } });
      await t.db.query('UPDATE sites SET horizon_days = 14 WHERE site_id = $1', [t.siteId]);
    });
    // A fresh pair for each test: the nightly series of one test holds its people every night
    // (one person, one place), so another test's series with them would be refused.
    beforeEach(async () => {
      a = await t.buildMember({ displayName: 'Aiko' });
      b = await t.buildMember({ displayName: 'Bram' });
    });
    after(() => t.close());

    const nightly = (spaceId: string, extra: Record<string, unknown> = {}) => ({
      spaceId,
      rrule: 'FREQ=DAILY',
      startTime: '22:00',
      durationMinutes: 60,
      startDate: '2026-10-20',
      title: 'Nightly',
      participants: { members: [b.id] },
      ...extra,
    });

    it('books occurrences at the same local time across the DST change, up to the horizon', async () => {
      const space = await buildSpace(t);
      const res = await t.request('POST', '/api/v1/series', { as: a, body: nightly(space) });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      const starts: string[] = res.body.booked.map((o: { start: string }) => o.start);
      assert.equal(starts.length, 14);
      assert.equal(starts[0], '2026-10-20T20:00:00.000Z'); // 22:00 CEST
      assert.equal(starts[5], '2026-10-25T21:00:00.000Z'); // 22:00 CET
      const list = await t.request('GET', '/api/v1/series', { as: b });
      assert.ok(list.body.items.some((s: { id: string }) => s.id === res.body.series.id));
      const bookings = await t.request('GET', `/api/v1/bookings?member=${b.id}&space=${space}`, { as: b });
      assert.equal(bookings.body.items.length, 14);
      assert.equal(bookings.body.items[0].seriesId, res.body.series.id);
    });

    it('all-or-nothing rejects the series listing every conflict; skip-conflicts books the rest', async () => {
      const space = await buildSpace(t);
      for (const day of ['2026-10-22', '2026-10-24']) {
        const r = await t.request('POST', '/api/v1/bookings', {
          as: b,
          body: {
            spaceId: space,
            start: `${day}T22:30:00+02:00`,
            end: `${day}T23:30:00+02:00`,
            title: 'In the way',
          },
        });
        assert.equal(r.status, 201);
      }
      const before = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM series');
      const rejected = await t.request('POST', '/api/v1/series', { as: a, body: nightly(space) });
      assert.equal(rejected.status, 409);
      assert.equal(rejected.body.code, 'booking-conflict');
      assert.deepEqual(
        rejected.body.occurrences.map((o: { start: string }) => o.start),
        ['2026-10-22T20:00:00.000Z', '2026-10-24T20:00:00.000Z'],
      );
      const afterReject = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM series');
      assert.equal(afterReject.rows[0]!.n, before.rows[0]!.n, 'nothing was created');

      const skipping = await t.request('POST', '/api/v1/series', {
        as: a,
        body: nightly(space, { policy: 'skip-conflicts' }),
      });
      assert.equal(skipping.status, 201);
      assert.equal(skipping.body.booked.length, 12);
      assert.equal(skipping.body.skipped.length, 2);
      const detail = await t.request('GET', `/api/v1/series/${skipping.body.series.id}`, { as: a });
      assert.deepEqual(
        detail.body.exceptions.map((e: { kind: string }) => e.kind),
        ['skipped', 'skipped'],
      );
    });

    it('refuses bad rules naming the field', async () => {
      const space = await buildSpace(t);
      for (const [body, field] of [
        [nightly(space, { rrule: 'FREQ=HOURLY' }), 'body.rrule'],
        [nightly(space, { rrule: 'FREQ=DAILY;BYSETPOS=1' }), 'body.rrule'],
        [nightly(space, { startTime: '25:00' }), 'body.startTime'],
        [nightly(space, { startDate: '2026-02-30' }), 'body.startDate'],
      ] as const) {
        const res = await t.request('POST', '/api/v1/series', { as: a, body });
        assert.equal(res.status, 400, JSON.stringify(res.body));
        assert.equal(res.body.field, field);
      }
    });

    it('extends the horizon as time passes, once, and cancels one, following and all', async () => {
      const space = await buildSpace(t);
      const res = await t.request('POST', '/api/v1/series', { as: a, body: nightly(space) });
      const id = res.body.series.id as string;
      const count = async () =>
        (
          await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM bookings WHERE series_id = $1', [
            id,
          ])
        ).rows[0]!.n;
      assert.equal(await count(), 14);
      clock.set('2026-10-25T08:00:00Z');
      assert.ok((await extendHorizons(t.db, clock)) >= 5);
      assert.equal(await count(), 19);
      // A second run (another server, or after a restart) repeats nothing.
      assert.equal(await extendHorizons(t.db, clock), 0);
      assert.equal(await count(), 19);

      const one = await t.request(
        'DELETE',
        `/api/v1/series/${id}?scope=one&occurrence=${encodeURIComponent('2026-10-27T21:00:00Z')}`,
        { as: a },
      );
      assert.equal(one.status, 200, JSON.stringify(one.body));
      const cancelled = one.body.occurrences.filter((o: { status: string }) => o.status === 'cancelled');
      assert.deepEqual(
        cancelled.map((o: { originalStart: string }) => o.originalStart),
        ['2026-10-27T21:00:00.000Z'],
      );
      assert.equal(
        (
          await t.request('DELETE', `/api/v1/series/${id}?scope=one&occurrence=2026-10-27T21:00:00Z`, {
            as: b,
          })
        ).status,
        403,
      );
      const following = await t.request(
        'DELETE',
        `/api/v1/series/${id}?scope=following&occurrence=${encodeURIComponent('2026-11-01T21:00:00Z')}`,
        { as: a },
      );
      assert.equal(following.status, 200);
      assert.equal(following.body.status, 'ended');
      const active = following.body.occurrences.filter((o: { status: string }) => o.status === 'confirmed');
      assert.equal(active.at(-1).originalStart, '2026-10-31T21:00:00.000Z');
      clock.set('2026-11-05T08:00:00Z');
      await extendHorizons(t.db, clock);
      const afterEnd = await t.request('GET', `/api/v1/series/${id}`, { as: a });
      assert.equal(
        afterEnd.body.occurrences.filter((o: { status: string }) => o.status === 'confirmed').length,
        active.length,
        'no occurrence is added after the cut',
      );
      clock.set('2026-10-25T08:00:00Z');
      const all = await t.request('DELETE', `/api/v1/series/${id}?scope=all`, { as: a });
      assert.equal(all.status, 200);
      assert.equal(all.body.status, 'cancelled');
      const future = all.body.occurrences.filter(
        (o: { status: string; start: string }) =>
          o.status === 'confirmed' && o.start >= '2026-10-25T08:00:00.000Z',
      );
      assert.equal(future.length, 0);
      // One notice for the single occurrence, one each for "following" and "all" (not one per session).
      await runDelivery(t.db);
      const told = await t.request('GET', '/api/v1/notifications', { as: b });
      const cancelNotices = told.body.items.filter((n: { kind: string }) => n.kind === 'booking-cancelled');
      assert.equal(
        cancelNotices.length,
        3,
        JSON.stringify(cancelNotices.map((n: { title: string }) => n.title)),
      );
      clock.set('2026-10-20T08:00:00Z');
    });

    it('changes one occurrence, this and following, and all; edited occurrences stay exceptions', async () => {
      const space = await buildSpace(t);
      const res = await t.request('POST', '/api/v1/series', { as: a, body: nightly(space) });
      const first = res.body.series.id as string;
      const one = await t.request('PATCH', `/api/v1/series/${first}`, {
        as: a,
        headers: { 'if-match': res.body.series.version.toString() },
        body: {
          scope: 'one',
          occurrence: '2026-10-22T20:00:00Z',
          start: '2026-10-22T19:00:00Z',
          end: '2026-10-22T20:00:00Z',
          title: 'Early one',
        },
      });
      assert.equal(one.status, 200, JSON.stringify(one.body));
      assert.deepEqual(one.body.exceptions, [
        { originalStart: '2026-10-22T20:00:00.000Z', kind: 'modified' },
      ]);
      const edited = one.body.occurrences.find(
        (o: { originalStart: string }) => o.originalStart === '2026-10-22T20:00:00.000Z',
      );
      assert.equal(edited.start, '2026-10-22T19:00:00.000Z');

      // From the 21st on, 21:00 instead of 22:00: the series splits; the edited 22nd stays.
      const following = await t.request('PATCH', `/api/v1/series/${first}`, {
        as: a,
        headers: { 'if-match': String(one.headers.etag) },
        body: { scope: 'following', occurrence: '2026-10-21T20:00:00Z', startTime: '21:00' },
      });
      assert.equal(following.status, 200, JSON.stringify(following.body));
      const second = following.body.id as string;
      assert.notEqual(second, first);
      assert.equal(following.body.startDate, '2026-10-21');
      assert.equal(following.body.startTime, '21:00');
      const starts = following.body.occurrences.map((o: { start: string }) => o.start);
      assert.equal(starts[0], '2026-10-21T19:00:00.000Z');
      assert.ok(
        !starts.some((x: string) => x.startsWith('2026-10-22')),
        'no new occurrence on the edited date',
      );
      assert.ok(starts.includes('2026-10-26T20:00:00.000Z'), '21:00 CET after the change');
      const old = await t.request('GET', `/api/v1/series/${first}`, { as: a });
      assert.equal(old.body.status, 'ended');
      const oldActive = old.body.occurrences.filter((o: { status: string }) => o.status === 'confirmed');
      assert.deepEqual(
        oldActive.map((o: { start: string }) => o.start),
        ['2026-10-20T20:00:00.000Z', '2026-10-22T19:00:00.000Z'],
      );
      const ended = await t.request('PATCH', `/api/v1/series/${first}`, {
        as: a,
        headers: { 'if-match': String(old.headers.etag) },
        body: { scope: 'all', title: 'x' },
      });
      assert.equal(ended.status, 409);

      const renamed = await t.request('PATCH', `/api/v1/series/${second}`, {
        as: a,
        headers: { 'if-match': String(following.headers.etag) },
        body: { scope: 'all', title: 'Renamed' },
      });
      assert.equal(renamed.status, 200);
      assert.equal(renamed.body.title, 'Renamed');
      const bookings = await t.request('GET', `/api/v1/bookings?space=${space}&status=confirmed`, { as: a });
      const titles = new Set(bookings.body.items.map((b: { title: string }) => b.title));
      assert.deepEqual([...titles].sort(), ['Early one', 'Nightly', 'Renamed']);
      const perDay = new Map<string, number>();
      for (const b of bookings.body.items)
        perDay.set(b.start.slice(0, 10), (perDay.get(b.start.slice(0, 10)) ?? 0) + 1);
      assert.ok(
        [...perDay.values()].every((n) => n === 1),
        'one session a night',
      );
      assert.equal(
        (
          await t.request('PATCH', `/api/v1/series/${second}`, {
            as: b,
            headers: { 'if-match': String(renamed.headers.etag) },
            body: { scope: 'all', title: 'Mine' },
          })
        ).status,
        403,
      );
    });

    it('an occurrence edited as a booking stays as it is when the series changes from there on', async () => {
      const space = await buildSpace(t);
      const res = await t.request('POST', '/api/v1/series', { as: a, body: nightly(space) });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      const id = res.body.series.id as string;
      const occurrence = res.body.booked.find(
        (o: { start: string }) => o.start === '2026-10-22T20:00:00.000Z',
      ).id as string;
      const read = await t.request('GET', `/api/v1/bookings/${occurrence}`, { as: a });
      const edited = await t.request('PATCH', `/api/v1/bookings/${occurrence}`, {
        as: a,
        headers: { 'if-match': String(read.headers.etag) },
        body: { end: '2026-10-22T21:30:00Z', title: 'Long one' },
      });
      assert.equal(edited.status, 200, JSON.stringify(edited.body));
      const series = await t.request('GET', `/api/v1/series/${id}`, { as: a });
      assert.deepEqual(series.body.exceptions, [
        { originalStart: '2026-10-22T20:00:00.000Z', kind: 'modified' },
      ]);
      const all = await t.request('PATCH', `/api/v1/series/${id}`, {
        as: a,
        headers: { 'if-match': String(series.headers.etag) },
        body: { scope: 'all', startTime: '21:00' },
      });
      assert.equal(all.status, 200, JSON.stringify(all.body));
      const onThe22nd = await t.request(
        'GET',
        `/api/v1/bookings?space=${space}&status=confirmed&from=2026-10-22T00:00:00Z&to=2026-10-23T00:00:00Z`,
        { as: a },
      );
      assert.deepEqual(
        onThe22nd.body.items.map((b: { start: string; end: string; title: string }) => [
          b.start,
          b.end,
          b.title,
        ]),
        [['2026-10-22T20:00:00.000Z', '2026-10-22T21:30:00.000Z', 'Long one']],
      );
    });

    it('PATCH needs If-Match with the ETag (428, 412, 400); DELETE takes one optionally', async () => {
      clock.set('2026-10-20T08:00:00Z');
      const space = await buildSpace(t);
      const res = await t.request('POST', '/api/v1/series', { as: a, body: nightly(space) });
      const id = res.body.series.id as string;
      const got = await t.request('GET', `/api/v1/series/${id}`, { as: a });
      assert.equal(got.headers.etag, `"${got.body.version}"`);
      assert.equal(got.body.version, res.body.series.version);
      const rename = (headers: Record<string, string>, title = 'Renamed') =>
        t.request('PATCH', `/api/v1/series/${id}`, {
          as: a,
          headers,
          body: { scope: 'one', occurrence: '2026-10-23T20:00:00Z', title },
        });

      const missing = await rename({});
      assert.equal(missing.status, 428);
      assert.equal(missing.body.code, 'precondition-required');
      const malformed = await rename({ 'if-match': 'yesterday' });
      assert.equal(malformed.status, 400);
      assert.equal(malformed.body.field, 'header.if-match');
      const stale = await rename({ 'if-match': `"${got.body.version + 1}"` });
      assert.equal(stale.status, 412);
      assert.equal(stale.body.code, 'version-mismatch');
      assert.equal(stale.body.currentVersion, got.body.version);

      const ok = await rename({ 'if-match': String(got.headers.etag) });
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      assert.equal(ok.body.version, got.body.version + 1, 'an edited occurrence changes the series');
      assert.equal(ok.headers.etag, `"${ok.body.version}"`);
      // The same If-Match again is now stale: the second of two editors is told, not overwritten.
      assert.equal((await rename({ 'if-match': String(got.headers.etag) }, 'Other')).status, 412);
      // Two editors at once with the same ETag: exactly one wins.
      const race = await Promise.all(
        ['First', 'Second'].map((title) => rename({ 'if-match': String(ok.headers.etag) }, title)),
      );
      assert.deepEqual(race.map((r) => r.status).sort(), [200, 412]);
      const winner = race.find((r) => r.status === 200)!;

      // The horizon job extending the bookings is not an edit: a client's ETag stays good.
      clock.set('2026-10-23T08:00:00Z');
      assert.ok((await extendHorizons(t.db, clock)) > 0);
      const extended = await t.request('GET', `/api/v1/series/${id}`, { as: a });
      assert.equal(extended.headers.etag, winner.headers.etag);

      const cancelAt = `/api/v1/series/${id}?scope=one&occurrence=${encodeURIComponent('2026-10-24T20:00:00Z')}`;
      const staleCancel = await t.request('DELETE', cancelAt, {
        as: a,
        headers: { 'if-match': String(ok.headers.etag) },
      });
      assert.equal(staleCancel.status, 412);
      const cancelled = await t.request('DELETE', cancelAt, {
        as: a,
        headers: { 'if-match': String(winner.headers.etag) },
      });
      assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
      assert.equal(cancelled.headers.etag, `"${winner.body.version + 1}"`);
      const all = await t.request('DELETE', `/api/v1/series/${id}?scope=all`, { as: a });
      assert.equal(all.status, 200, 'without If-Match');
      clock.set('2026-10-20T08:00:00Z');
    });

    it('checks every occurrence with the rules of single bookings', async () => {
      clock.set('2026-10-20T08:00:00Z');
      const refused = async (
        spaceId: string,
        extra: Record<string, unknown>,
        rule: string,
        field: string,
      ) => {
        const res = await t.request('POST', '/api/v1/series', { as: a, body: nightly(spaceId, extra) });
        assert.equal(res.status, 422, JSON.stringify(res.body));
        assert.equal(res.body.code, 'rule-violation');
        assert.equal(res.body.rule, rule);
        assert.equal(res.body.field, field);
        return res;
      };
      await refused(await buildSpace(t, { capacity: 2 }), { headcount: 3 }, 'capacity', 'body.headcount');
      await refused(await buildSpace(t), { durationMinutes: 10 }, 'min-length', 'body.durationMinutes');
      await refused(await buildSpace(t), { durationMinutes: 300 }, 'max-length', 'body.durationMinutes');
      await refused(
        await buildSpace(t, { access: 'restricted', allowedRoles: ['admin'] }),
        {},
        'access',
        'body.spaceId',
      );
      // Open until 22:30 on Saturdays only: the first Saturday occurrence is refused and named.
      const hours = Object.fromEntries(
        ['mon', 'tue', 'wed', 'thu', 'fri', 'sun'].map((d) => [d, [{ open: '08:00', close: '23:30' }]]),
      );
      const shortSaturday = await buildSpace(t, {
        openingHours: { ...hours, sat: [{ open: '08:00', close: '22:30' }] },
      });
      const hoursRes = await refused(shortSaturday, {}, 'opening-hours', 'body.startTime');
      assert.equal(hoursRes.body.occurrence, '2026-10-24T20:00:00.000Z');
      const none = await t.db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM bookings WHERE space_id = $1',
        [shortSaturday],
      );
      assert.equal(none.rows[0]!.n, 0, 'all or nothing');

      // The horizon job does not stop on a series the rules now refuse: it records the skipped nights.
      const shrinking = await buildSpace(t, { capacity: 4 });
      const made = await t.request('POST', '/api/v1/series', {
        as: a,
        body: nightly(shrinking, { headcount: 3 }),
      });
      assert.equal(made.status, 201, JSON.stringify(made.body));
      await t.db.query('UPDATE spaces SET capacity = 2 WHERE id = $1', [shrinking]);
      clock.set('2026-10-22T08:00:00Z');
      await extendHorizons(t.db, clock);
      const detail = await t.request('GET', `/api/v1/series/${made.body.series.id}`, { as: a });
      assert.equal(detail.body.occurrences.length, 14);
      assert.deepEqual(
        detail.body.exceptions.map((e: { originalStart: string; kind: string }) => [e.originalStart, e.kind]),
        [
          ['2026-11-03T21:00:00.000Z', 'skipped'],
          ['2026-11-04T21:00:00.000Z', 'skipped'],
        ],
      );
      clock.set('2026-10-20T08:00:00Z');
    });

    it('never lets a series and single bookings racing for the slots overlap', async () => {
      const space = await buildSpace(t);
      const singles = Array.from({ length: 10 }, (_, i) => {
        const day = `2026-10-${String(21 + i).padStart(2, '0')}`;
        return t.request('POST', '/api/v1/bookings', {
          as: b,
          body: { spaceId: space, start: `${day}T20:30:00Z`, end: `${day}T21:30:00Z`, title: 'Racer' },
        });
      });
      const series = t.request('POST', '/api/v1/series', {
        as: a,
        body: nightly(space, { policy: 'skip-conflicts', participants: {} }),
      });
      const results = await Promise.all([series, ...singles]);
      assert.ok(
        results.every((r) => r.status === 201 || r.status === 409),
        JSON.stringify(results.map((r) => r.status)),
      );
      const overlaps = await t.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM bookings x JOIN bookings y
            ON x.site_id = y.site_id AND x.space_id = y.space_id AND x.id < y.id AND x.blocked && y.blocked
         WHERE x.space_id = $1 AND x.status IN ('confirmed', 'checked_in') AND y.status IN ('confirmed', 'checked_in')`,
        [space],
      );
      assert.equal(overlaps.rows[0]!.n, 0);
      const total = await t.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM bookings WHERE space_id = $1 AND status = 'confirmed'`,
        [space],
      );
      // Each of the 14 nights up to the horizon is taken by exactly one of them.
      assert.equal(total.rows[0]!.n, 14);
    });
  });
}
