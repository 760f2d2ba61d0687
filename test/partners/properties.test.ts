import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { FakeClock } from '../../src/domain/clock.ts';
import { type Caller, startTestApp, type TestApp } from '../support/app.ts';
import { buildSpace, buildSquad } from '../support/factories.ts';
import { storeKinds } from '../support/store.ts';

const now = Date.parse('2026-06-01T00:00:00Z');
const min = 60_000;

/**
 * Properties of find-time and partner suggestions over random stores: every slot is free for
 * every person named and for its space at the moment of answering (checked against the tables
 * directly), nothing overlaps a private session of the people or in the space, and the same
 * question twice gives the same answer.
 */
for (const kind of storeKinds()) {
  describe(`find-time properties (${kind})`, () => {
    let t: TestApp;
    let people: Caller[];
    let spaces: string[];
    let squad: string;
    before(async () => {
      t = await startTestApp(kind, {
        clock: new FakeClock(new Date(now)),
        site: { timeZone: 'Asia/Kathmandu', quietHours: { start: '23:00', end: '05:00' } },
      });
      people = [];
      for (let i = 0; i < 5; i++) people.push(await t.buildMember({ displayName: `P${i}` }));
      spaces = [
        await buildSpace(t, { name: 'Ring', kind: 'sparring', capacity: 2, changeoverMinutes: 10 }),
        await buildSpace(t, {
          name: 'Lounge',
          capacity: 8,
          changeoverMinutes: 15,
          openingHours: Object.fromEntries(
            ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [
              d,
              [{ open: '06:00', close: '22:00' }],
            ]),
          ),
        }),
        await buildSpace(t, {
          name: 'Briefing',
          kind: 'briefing',
          capacity: 12,
          minMinutes: 30,
          maxMinutes: 90,
        }),
      ];
      squad = await buildSquad(t, { members: [people[3]!.id, people[4]!.id] });
      await t.request('POST', '/api/v1/disciplines', { as: t.admin, body: { name: 'Grappling' } });
      for (const p of people)
        await t.request('PUT', `/api/v1/members/${p.id}/disciplines/grappling`, {
          as: p,
          body: { level: 'intermediate' },
        });
    });
    after(() => t.close());

    /** Whether anything makes the person busy or the space taken in [s, e), from the tables. */
    async function clashes(memberIds: string[], spaceId: string, s: string, e: string): Promise<string[]> {
      const res = await t.db.query<{ why: string }>(
        `SELECT 'person ' || x.member_id AS why FROM (
           SELECT b.organizer_id AS member_id, b.start_at, b.end_at, b.status FROM bookings b WHERE b.site_id = $1
           UNION ALL SELECT bm.member_id, b.start_at, b.end_at, b.status FROM booking_members bm
             JOIN bookings b ON b.site_id = bm.site_id AND b.id = bm.booking_id WHERE bm.site_id = $1
           UNION ALL SELECT sm.member_id, b.start_at, b.end_at, b.status FROM squad_members sm
             JOIN booking_squads bq ON bq.site_id = sm.site_id AND bq.squad_id = sm.squad_id
             JOIN bookings b ON b.site_id = bq.site_id AND b.id = bq.booking_id WHERE sm.site_id = $1
         ) x WHERE x.member_id = ANY($2::uuid[]) AND x.status IN ('confirmed', 'checked_in')
             AND x.start_at < $5 AND x.end_at > $4
         UNION ALL
         SELECT 'leave ' || l.member_id FROM member_leave l
          WHERE l.site_id = $1 AND l.member_id = ANY($2::uuid[]) AND l.start_at < $5 AND l.end_at > $4
         UNION ALL
         SELECT 'space' FROM bookings b JOIN spaces sp ON sp.site_id = b.site_id AND sp.id = b.space_id
          WHERE b.site_id = $1 AND b.space_id = $3 AND b.status IN ('confirmed', 'checked_in')
            AND b.blocked && tstzrange($4::timestamptz, $5::timestamptz + make_interval(mins => sp.changeover_minutes))
         UNION ALL
         SELECT 'private session in the space or of a person' FROM bookings b
          WHERE b.site_id = $1 AND b.visibility = 'private' AND b.status IN ('confirmed', 'checked_in')
            AND b.start_at < $5 AND b.end_at > $4
            AND (b.space_id = $3 OR b.organizer_id = ANY($2::uuid[])
                 OR EXISTS (SELECT 1 FROM booking_members bm WHERE bm.site_id = b.site_id AND bm.booking_id = b.id
                             AND bm.member_id = ANY($2::uuid[])))`,
        [t.siteId, memberIds, spaceId, s, e],
      );
      return res.rows.map((r) => r.why);
    }

    const booking = fc.record({
      who: fc.integer({ min: 0, max: 4 }),
      space: fc.integer({ min: 0, max: 2 }),
      startQuarter: fc.integer({ min: 0, max: 4 * 48 - 1 }),
      quarters: fc.integer({ min: 2, max: 8 }),
      with: fc.subarray([0, 1, 2, 3, 4]),
      squad: fc.boolean(),
      private: fc.boolean(),
    });
    const leave = fc.record({
      who: fc.integer({ min: 0, max: 4 }),
      startQuarter: fc.integer({ min: 0, max: 4 * 48 - 1 }),
      quarters: fc.integer({ min: 1, max: 24 }),
    });
    const ask = fc.record({
      who: fc.integer({ min: 0, max: 4 }),
      with: fc.subarray([0, 1, 2, 3, 4], { minLength: 1 }),
      squad: fc.boolean(),
      length: fc.constantFrom(30, 45, 60, 90),
      preference: fc.constantFrom('earliest', 'quiet'),
    });

    let run = 0;
    it('every slot is free for everyone and its space; same question, same answer', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(booking, { maxLength: 25 }),
          fc.array(leave, { maxLength: 4 }),
          ask,
          async (bookings, leaves, q) => {
            // Each run gets its own two days, so runs do not crowd each other.
            const base = now + (1 + 2 * run++) * 86_400_000;
            for (const b of bookings) {
              const start = new Date(base + b.startQuarter * 15 * min).toISOString();
              const end = new Date(base + (b.startQuarter + b.quarters) * 15 * min).toISOString();
              await t.request('POST', '/api/v1/bookings', {
                as: people[b.who]!,
                body: {
                  spaceId: spaces[b.space]!,
                  start,
                  end,
                  title: 'x',
                  visibility: b.private ? 'private' : 'public',
                  participants: {
                    members: b.with.filter((i) => i !== b.who).map((i) => people[i]!.id),
                    squads: b.squad ? [squad] : [],
                  },
                },
              });
            }
            for (const l of leaves)
              await t.request('POST', `/api/v1/members/${people[l.who]!.id}/leave`, {
                as: people[l.who]!,
                body: {
                  start: new Date(base + l.startQuarter * 15 * min).toISOString(),
                  end: new Date(base + (l.startQuarter + l.quarters) * 15 * min).toISOString(),
                },
              });
            const body = {
              members: q.with.map((i) => people[i]!.id),
              squads: q.squad ? [squad] : [],
              lengthMinutes: q.length,
              from: new Date(base).toISOString(),
              to: new Date(base + 2 * 86_400_000).toISOString(),
              preference: q.preference,
              limit: 10,
            };
            const res = await t.request('POST', '/api/v1/find-time', { as: people[q.who]!, body });
            assert.equal(res.status, 200, JSON.stringify(res.body));
            const ids = res.body.people.map((p: any) => p.id);
            for (const s of res.body.slots) {
              assert.equal(Date.parse(s.end) - Date.parse(s.start), q.length * min);
              assert.deepEqual(await clashes(ids, s.space.id, s.start, s.end), [], JSON.stringify(s));
            }
            for (const s of res.body.partial)
              assert.deepEqual(
                await clashes(
                  s.attendees.map((p: any) => p.id),
                  s.space.id,
                  s.start,
                  s.end,
                ),
                [],
              );
            const again = await t.request('POST', '/api/v1/find-time', { as: people[q.who]!, body });
            assert.deepEqual(again.body, res.body);

            const partners = await t.request(
              'GET',
              `/api/v1/partners?discipline=grappling&from=${body.from}&to=${body.to}&length=${q.length}`,
              { as: people[q.who]! },
            );
            assert.equal(partners.status, 200, JSON.stringify(partners.body));
            for (const item of partners.body.items)
              for (const s of item.slots)
                assert.deepEqual(
                  await clashes([people[q.who]!.id, item.member.id], s.space.id, s.start, s.end),
                  [],
                );
          },
        ),
        { seed: 4242, numRuns: 12 },
      );
    });
  });
}
