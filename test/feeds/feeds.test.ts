import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import ICAL from 'ical.js';
import { FakeClock } from '../../src/domain/clock.ts';
import type { Caller, TestApp } from '../support/app.ts';
import { startTestApp } from '../support/app.ts';
import { buildSpace, buildSquad } from '../support/factories.ts';
import { storeKinds } from '../support/store.ts';

const here = dirname(fileURLToPath(import.meta.url));

/** [startUTC, endUTC, summary, class] of every occurrence before `until`, as ical.js expands it. */
function expandWithIcalJs(text: string, until: Date): string[][] {
  const root = new ICAL.Component(ICAL.parse(text));
  // The feed's own VTIMEZONE is what converts its wall times: this checks it, not a zone database.
  for (const tz of root.getAllSubcomponents('vtimezone')) ICAL.TimezoneService.register(tz);
  const vevents = root.getAllSubcomponents('vevent');
  const exceptions = new Map<string, ICAL.Component[]>();
  for (const v of vevents)
    if (v.hasProperty('recurrence-id')) {
      const uid = String(v.getFirstPropertyValue('uid'));
      exceptions.set(uid, [...(exceptions.get(uid) ?? []), v]);
    }
  const out: string[][] = [];
  const iso = (t: ICAL.Time) => t.toJSDate().toISOString();
  for (const v of vevents) {
    if (v.hasProperty('recurrence-id')) continue;
    const cls = String(v.getFirstPropertyValue('class') ?? '');
    const event = new ICAL.Event(v, {
      exceptions: exceptions.get(String(v.getFirstPropertyValue('uid'))) ?? [],
    });
    if (!event.isRecurring()) {
      out.push([iso(event.startDate), iso(event.endDate), event.summary, cls]);
      continue;
    }
    const it = event.iterator();
    for (let next = it.next(); next && next.toJSDate() < until; next = it.next()) {
      const d = event.getOccurrenceDetails(next);
      const itemClass = String(d.item.component.getFirstPropertyValue('class') ?? '');
      out.push([iso(d.startDate), iso(d.endDate), d.item.summary, itemClass]);
    }
  }
  return out.filter((e) => new Date(e[0]!) < until).sort();
}

function expandWithPython(
  text: string,
  until: Date,
): { events: string[][]; method: string; tzids: string[] } {
  const out = execFileSync('/usr/bin/python3', [join(here, 'expand-ics.py'), until.toISOString()], {
    input: text,
  }).toString();
  const parsed = JSON.parse(out) as { events: string[][]; method: string; tzids: string[] };
  return { ...parsed, events: parsed.events.filter((e) => new Date(e[0]!) < until).sort() };
}

for (const kind of storeKinds()) {
  describe(`calendar feeds (${kind})`, () => {
    let t: TestApp;
    // Adelaide (+09:30, +10:30 in summer) starts daylight saving on 2026-10-04: the series cross it.
    const clock = new FakeClock('2026-09-20T00:00:00Z');
    const until = new Date('2026-10-20T00:00:00Z'); // the series' horizon: clock + 30 days
    let ada: Caller; // organizer
    let ben: Caller; // partner, with a private booking of his own
    let cy: Caller; // uninvolved
    let lounge: string;
    let squad: string;
    before(async () => {
      t = await startTestApp(kind, {
        clock,
        site: { name: 'Meridian', timeZone: 'Australia/Adelaide' },
        env: { SHIPSHAPE_FEED_RATE_LIMIT: '40' },
      });
      await t.db.query('UPDATE sites SET horizon_days = 30 WHERE site_id = $1', [t.siteId]);
      ada = await t.buildMember({ displayName: 'Ada' });
      ben = await t.buildMember({ displayName: 'Ben' });
      cy = await t.buildMember({ displayName: 'Cy' });
      lounge = await buildSpace(t, { name: 'Lounge', maxMinutes: 600 });
      squad = await buildSquad(t, { name: 'Night owls', leaders: [ada.id], members: [ben.id] });
      const book = async (who: Caller, body: Record<string, unknown>) => {
        const res = await t.request('POST', '/api/v1/bookings', {
          as: who,
          body: { spaceId: lounge, ...body },
        });
        assert.equal(res.status, 201, JSON.stringify(res.body));
        return res.body;
      };
      // A single session, one crossing midnight, a private one of Ben's, and a cancelled one.
      await book(ada, {
        title: 'Pad work',
        start: '2026-09-22T10:00:00+09:30',
        end: '2026-09-22T11:00:00+09:30',
      });
      await book(ada, {
        title: 'Night watch drill',
        start: '2026-09-23T23:30:00+09:30',
        end: '2026-09-24T01:00:00+09:30',
        participants: { members: [ben.id] },
      });
      await book(ben, {
        title: 'Physio (private)',
        start: '2026-09-24T18:00:00+09:30',
        end: '2026-09-24T19:00:00+09:30',
        visibility: 'private',
      });
      const gone = await book(ada, {
        title: 'Dropped',
        start: '2026-09-25T08:00:00+09:30',
        end: '2026-09-25T09:00:00+09:30',
      });
      assert.equal(
        (await t.request('POST', `/api/v1/bookings/${gone.id}/cancel`, { as: ada, body: {} })).status,
        200,
      );

      // A nightly series across the DST change, with one occurrence cancelled and one moved.
      const nightly = await t.request('POST', '/api/v1/series', {
        as: ada,
        body: {
          spaceId: lounge,
          rrule: 'FREQ=DAILY;COUNT=20',
          startTime: '22:00',
          durationMinutes: 90,
          startDate: '2026-09-27',
          title: 'Sparring',
          participants: { members: [ben.id] },
        },
      });
      assert.equal(nightly.status, 201, JSON.stringify(nightly.body));
      const sid = nightly.body.series.id as string;
      const cancelled = await t.request(
        'DELETE',
        `/api/v1/series/${sid}?scope=one&occurrence=2026-09-29T12:30:00Z`,
        {
          as: ada,
          headers: { 'if-match': String(nightly.body.series.version) },
        },
      );
      assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
      const moved = await t.request('PATCH', `/api/v1/series/${sid}`, {
        as: ada,
        headers: { 'if-match': String(cancelled.headers.etag) },
        body: {
          scope: 'one',
          occurrence: '2026-10-06T11:30:00Z',
          start: '2026-10-06T21:00:00+10:30',
          end: '2026-10-06T22:30:00+10:30',
          title: 'Sparring (early)',
        },
      });
      assert.equal(moved.status, 200, JSON.stringify(moved.body));
      // A weekly squad series with an UNTIL past the horizon.
      const weekly = await t.request('POST', '/api/v1/series', {
        as: ada,
        body: {
          spaceId: lounge,
          rrule: 'FREQ=WEEKLY;BYDAY=MO,TH;UNTIL=20261231',
          startTime: '07:00',
          durationMinutes: 60,
          startDate: '2026-09-21',
          title: 'Squad drills',
          participants: { squads: [squad] },
        },
      });
      assert.equal(weekly.status, 201, JSON.stringify(weekly.body));
    });
    after(() => t.close());

    const makeFeed = async (as: Caller, body: Record<string, unknown>) => {
      const res = await t.request('POST', '/api/v1/feeds', { as, body });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body as { feed: { id: string }; token: string; url: string; webcal: string };
    };
    const fetchFeed = async (token: string) => t.request('GET', `/ical/${token}.ics`);

    /** What the store holds for a feed: [startUTC, endUTC] of every booking that takes place. */
    const storeRows = async (where: string, param: string) =>
      (
        await t.db.query<{ s: Date; e: Date }>(
          `SELECT b.start_at AS s, b.end_at AS e FROM bookings b
            WHERE b.site_id = $1 AND b.status IN ('confirmed', 'checked_in', 'completed') AND b.start_at < $3 AND ${where}`,
          [t.siteId, param, until.toISOString()],
        )
      ).rows
        .map((r) => `${new Date(r.s).toISOString()} ${new Date(r.e).toISOString()}`)
        .sort();

    const memberWhere = `(b.organizer_id = $2 OR EXISTS (SELECT 1 FROM booking_members m WHERE m.booking_id = b.id AND m.member_id = $2)
      OR EXISTS (SELECT 1 FROM booking_squads q JOIN squad_members sm ON sm.squad_id = q.squad_id WHERE q.booking_id = b.id AND sm.member_id = $2))`;

    /** Both parsers expand the feed to exactly the store's bookings; answers ical.js's rows. */
    const checkAgainstStore = (text: string, expected: string[]) => {
      const js = expandWithIcalJs(text, until);
      const py = expandWithPython(text, until);
      assert.deepEqual(
        js.map((e) => `${e[0]} ${e[1]}`),
        expected,
        'ical.js expansion = store',
      );
      assert.deepEqual(
        py.events.map((e) => `${e[0]} ${e[1]}`),
        expected,
        'python3-icalendar expansion = store',
      );
      assert.deepEqual(
        py.events.map((e) => e[2]),
        js.map((e) => e[2]),
        'same summaries in both parsers',
      );
      assert.equal(py.method, 'PUBLISH');
      assert.deepEqual(py.tzids, ['Australia/Adelaide']);
      return js;
    };

    it("expands a member's feed to exactly their bookings, across the DST change, in both parsers", async () => {
      const feed = await makeFeed(ada, { scope: 'member' });
      assert.match(feed.url, /^http:\/\/.+\/ical\/sf_[A-Za-z0-9_-]{43}\.ics$/);
      assert.equal(feed.webcal, feed.url.replace(/^http:/, 'webcal:'));
      const res = await fetchFeed(feed.token);
      assert.equal(res.status, 200);
      assert.match(String(res.headers['content-type']), /^text\/calendar/);
      const text = res.body as string;
      // The shape calendar apps need.
      assert.match(text, /^METHOD:PUBLISH\r$/m);
      assert.match(text, /^BEGIN:VTIMEZONE\r\nTZID:Australia\/Adelaide\r$/m);
      assert.match(text, /^RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=1SU\r$/m);
      assert.match(text, /^DTSTART;TZID=Australia\/Adelaide:20260927T220000\r$/m);
      assert.match(text, /^RRULE:FREQ=DAILY;COUNT=20\r$/m);
      assert.match(text, /^EXDATE;TZID=Australia\/Adelaide:20260929T220000\r$/m);
      assert.match(text, /^RECURRENCE-ID;TZID=Australia\/Adelaide:20261006T220000\r$/m);
      assert.match(text, /^LAST-MODIFIED:\d{8}T\d{6}Z\r$/m);
      assert.match(text, /^SEQUENCE:1\r$/m, 'the edited occurrence carries a higher SEQUENCE');
      assert.ok(!text.includes('Dropped'), 'a cancelled single booking is left out');
      assert.ok(!text.includes('Physio'), "Ben's private booking is not in Ada's feed");
      const uids = [...text.matchAll(/^UID:(.+)\r$/gm)].map((m) => m[1]);
      const again = (await fetchFeed(feed.token)).body as string;
      assert.deepEqual(
        [...again.matchAll(/^UID:(.+)\r$/gm)].map((m) => m[1]),
        uids,
        'UIDs are stable',
      );

      const rows = checkAgainstStore(text, await storeRows(memberWhere, ada.id));
      // 3 singles (one crossing midnight) + 19 nightly + weekly ones before the horizon.
      assert.ok(rows.some((r) => r[0] === '2026-09-23T14:00:00.000Z' && r[1] === '2026-09-23T15:30:00.000Z'));
      assert.ok(
        rows.some((r) => r[0] === '2026-10-03T12:30:00.000Z'),
        '22:00 before the change is 12:30Z',
      );
      assert.ok(
        rows.some((r) => r[0] === '2026-10-04T11:30:00.000Z'),
        '22:00 after the change is 11:30Z',
      );
      assert.ok(rows.some((r) => r[0] === '2026-10-06T10:30:00.000Z' && r[2] === 'Sparring (early)'));
    });

    it('shows private bookings of others only as Busy, and only in space feeds', async () => {
      const spaceFeed = await makeFeed(cy, { scope: 'space', subjectId: lounge });
      const text = (await fetchFeed(spaceFeed.token)).body as string;
      assert.ok(!text.includes('Physio'), 'no title of the private booking');
      assert.ok(!text.includes('Organizer: Ben'), 'no organizer of the private booking');
      const rows = checkAgainstStore(text, await storeRows('b.space_id = $2', lounge));
      const busy = rows.filter((r) => r[2] === 'Busy');
      assert.deepEqual(busy, [['2026-09-24T08:30:00.000Z', '2026-09-24T09:30:00.000Z', 'Busy', 'PRIVATE']]);

      // Cy's own feed holds nothing of anyone else's; Ben's holds his private booking in full.
      const cyFeed = await makeFeed(cy, { scope: 'member' });
      const cyText = (await fetchFeed(cyFeed.token)).body as string;
      assert.equal(expandWithIcalJs(cyText, until).length, 0);
      assert.equal(expandWithPython(cyText, until).events.length, 0);
      const benFeed = await makeFeed(ben, { scope: 'member' });
      const benText = (await fetchFeed(benFeed.token)).body as string;
      const benRows = checkAgainstStore(benText, await storeRows(memberWhere, ben.id));
      assert.ok(benRows.some((r) => r[2] === 'Physio (private)' && r[3] === 'PRIVATE'));
    });

    it('serves a squad feed to its members only', async () => {
      const feed = await makeFeed(ben, { scope: 'squad', subjectId: squad });
      const text = (await fetchFeed(feed.token)).body as string;
      const rows = checkAgainstStore(
        text,
        await storeRows(
          'EXISTS (SELECT 1 FROM booking_squads q WHERE q.booking_id = b.id AND q.squad_id = $2)',
          squad,
        ),
      );
      assert.ok(rows.length >= 8 && rows.every((r) => r[2] === 'Squad drills'));
      const refused = await t.request('POST', '/api/v1/feeds', {
        as: cy,
        body: { scope: 'squad', subjectId: squad },
      });
      assert.equal(refused.status, 404);
    });

    it('rotates and revokes feed URLs; a revoked token is not found', async () => {
      const feed = await makeFeed(ada, { scope: 'space', subjectId: lounge });
      const listed = await t.request('GET', '/api/v1/feeds', { as: ada });
      assert.ok(listed.body.items.some((f: { id: string }) => f.id === feed.feed.id));
      assert.ok(!JSON.stringify(listed.body).includes(feed.token), 'the secret is shown only once');
      const rotated = await t.request('POST', `/api/v1/feeds/${feed.feed.id}/rotate`, { as: ada, body: {} });
      assert.equal(rotated.status, 201);
      assert.equal((await fetchFeed(feed.token)).status, 404);
      assert.equal((await fetchFeed(rotated.body.token)).status, 200);
      // Someone else's feed cannot be revoked (it is not found for them).
      assert.equal(
        (await t.request('DELETE', `/api/v1/feeds/${rotated.body.feed.id}`, { as: cy })).status,
        404,
      );
      assert.equal(
        (await t.request('DELETE', `/api/v1/feeds/${rotated.body.feed.id}`, { as: ada })).status,
        204,
      );
      assert.equal((await fetchFeed(rotated.body.token)).status, 404);
      const events = await t.db.query<{ type: string }>(
        `SELECT type FROM events WHERE site_id = $1 AND type LIKE 'feed.%' ORDER BY id`,
        [t.siteId],
      );
      assert.ok(
        ['feed.created', 'feed.rotated', 'feed.revoked'].every((x) => events.rows.some((r) => r.type === x)),
      );
      const stored = await t.db.query<{ h: string }>('SELECT token_hash AS h FROM feed_tokens');
      assert.ok(
        stored.rows.every((r) => !r.h.startsWith('sf_')),
        'tokens are stored hashed',
      );
    });

    it('refuses bad input naming the field, and changes nothing', async () => {
      const before = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM feed_tokens');
      const bad = await t.request('POST', '/api/v1/feeds', { as: ada, body: { scope: 'planet' } });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.field, 'body.scope');
      const noSubject = await t.request('POST', '/api/v1/feeds', { as: ada, body: { scope: 'space' } });
      assert.equal(noSubject.status, 400);
      assert.equal(noSubject.body.field, 'body.subjectId');
      const other = await t.request('POST', '/api/v1/feeds', {
        as: ada,
        body: { scope: 'member', subjectId: ben.id },
      });
      assert.equal(other.status, 404);
      const afterCount = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM feed_tokens');
      assert.equal(afterCount.rows[0]!.n, before.rows[0]!.n);
      assert.equal((await t.request('GET', '/ical/not-a-token.ics')).status, 404);
    });

    it('rate-limits fetches per token', async () => {
      const feed = await makeFeed(cy, { scope: 'member' });
      const other = await makeFeed(cy, { scope: 'space', subjectId: lounge });
      let limited = 0;
      for (let i = 0; i < 41; i++) if ((await fetchFeed(feed.token)).status === 429) limited++;
      assert.equal(limited, 1);
      assert.equal((await fetchFeed(other.token)).status, 200, 'another token has its own allowance');
    });

    it('serves a feed again from its rendered text only while nothing in it changed', async () => {
      const feed = await makeFeed(ada, { scope: 'member' });
      const first = (await fetchFeed(feed.token)).body as string;
      clock.advance(60_000);
      // Rendered afresh, DTSTAMP would have moved with the clock: the same text is the kept one.
      const again = (await fetchFeed(feed.token)).body as string;
      assert.equal(again, first);
      // Someone else's booking elsewhere in time is not in Ada's feed: still the kept text.
      const other = await t.request('POST', '/api/v1/bookings', {
        as: cy,
        body: {
          spaceId: lounge,
          title: 'Cy alone',
          start: '2026-09-29T06:00:00+09:30',
          end: '2026-09-29T07:00:00+09:30',
        },
      });
      assert.equal(other.status, 201, JSON.stringify(other.body));
      assert.equal((await fetchFeed(feed.token)).body, first);
      // A new booking of hers is in it at once.
      const made = await t.request('POST', '/api/v1/bookings', {
        as: ada,
        body: {
          spaceId: lounge,
          title: 'Fresh pads',
          start: '2026-09-30T06:00:00+09:30',
          end: '2026-09-30T07:00:00+09:30',
        },
      });
      assert.equal(made.status, 201, JSON.stringify(made.body));
      const withNew = (await fetchFeed(feed.token)).body as string;
      assert.match(withNew, /SUMMARY:Fresh pads/);
      checkAgainstStore(withNew, await storeRows(memberWhere, ada.id));
      // Even a change written straight into the store, past every service (the space renamed), shows:
      // the kept text is keyed by what the feed is made of, not by a signal someone must remember.
      await t.db.query('UPDATE spaces SET name = $3 WHERE site_id = $1 AND id = $2', [
        t.siteId,
        lounge,
        'Long lounge',
      ]);
      const renamed = (await fetchFeed(feed.token)).body as string;
      assert.match(renamed, /LOCATION:Long lounge/);
      assert.doesNotMatch(renamed, /LOCATION:Lounge/);
      await t.db.query('UPDATE spaces SET name = $3 WHERE site_id = $1 AND id = $2', [
        t.siteId,
        lounge,
        'Lounge',
      ]);
    });
  });
}
