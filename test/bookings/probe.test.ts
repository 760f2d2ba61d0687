import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import {
  findMemberConflicts,
  findOverlapping,
  probeNewSession,
} from '../../src/features/bookings/repository.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { buildSpace, buildSquad, seedRandomBookings } from '../support/factories.ts';
import { storeKinds } from '../support/store.ts';

// A new session's one-statement probe must say yes exactly when the detailed queries find something:
// a no where they would find a conflict would let the insert run into the constraint, or seat a
// person twice. Random bookings (all statuses, named members, squads) against random slots.
const base = Date.parse('2027-03-01T18:00:00Z');
const q = (n: number) => new Date(base + n * 15 * 60_000);

for (const kind of storeKinds()) {
  describe(`the new-session probe agrees with the conflict queries (${kind})`, () => {
    let t: TestApp;
    let spaces: string[];
    let members: string[];

    before(async () => {
      t = await startTestApp(kind);
      spaces = [
        await buildSpace(t, { name: 'Lounge' }),
        await buildSpace(t, { name: 'Ring' }),
        await buildSpace(t, { name: 'Cabin' }),
      ];
      members = [];
      for (let i = 0; i < 8; i++) members.push((await t.buildMember({ displayName: `Crew ${i}` })).id);
      const squadA = await buildSquad(t, { name: 'Night Watch', members: members.slice(0, 3) });
      const squadB = await buildSquad(t, { name: 'Deck', members: members.slice(3, 6) });
      const squads = [squadA, squadB];
      const statuses = [
        'confirmed',
        'confirmed',
        'confirmed',
        'checked_in',
        'completed',
        'cancelled',
        'released',
      ];
      await seedRandomBookings(t, {
        spaces,
        members,
        squads,
        statuses,
        count: 150,
        seed: 7,
        from: base,
        maxLength: 6,
      });
      const active = await t.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM bookings WHERE site_id = $1 AND status IN ('confirmed', 'checked_in')`,
        [t.siteId],
      );
      assert.ok(active.rows[0]!.n > 20, `${active.rows[0]!.n} active bookings: enough to collide with`);
    });
    after(() => t.close());

    it('says taken and busy exactly when findOverlapping and findMemberConflicts find something', async () => {
      let taken = 0;
      let busy = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 0, max: 2 }),
          fc.integer({ min: -2, max: 46 }),
          fc.integer({ min: 1, max: 8 }),
          fc.integer({ min: 0, max: 3 }),
          fc.subarray([0, 1, 2, 3, 4, 5, 6, 7]),
          async (s, from, length, changeoverQuarters, who) => {
            const start = q(from);
            const end = q(from + length);
            const blockedEnd = q(from + length + changeoverQuarters);
            const ids = who.map((i) => members[i]!);
            const probe = await probeNewSession(t.db, t.siteId, spaces[s]!, { start, end, blockedEnd }, ids);
            const overlapping = await findOverlapping(t.db, t.siteId, spaces[s]!, start, blockedEnd, null);
            const conflicts = await findMemberConflicts(t.db, t.siteId, ids, [{ start, end }], []);
            assert.equal(probe.spaceTaken, overlapping.length > 0);
            assert.equal(probe.memberBusy, conflicts.length > 0);
            assert.equal(probe.quotaRules, false);
            if (probe.spaceTaken) taken++;
            if (probe.memberBusy) busy++;
          },
        ),
        { numRuns: 150, seed: 42 },
      );
      // Both answers were seen both ways, so the comparison was not vacuous.
      assert.ok(taken > 10 && taken < 140, `taken ${taken}`);
      assert.ok(busy > 10 && busy < 140, `busy ${busy}`);
    });

    it('says there are quota rules once the site has one', async () => {
      const made = await t.request('POST', '/api/v1/quotas', {
        as: t.admin,
        body: { name: 'Three a week', memberId: members[0], metric: 'sessions', period: 'week', maximum: 3 },
      });
      assert.equal(made.status, 201, JSON.stringify(made.body));
      const probe = await probeNewSession(
        t.db,
        t.siteId,
        spaces[0]!,
        { start: q(0), end: q(1), blockedEnd: q(1) },
        [],
      );
      assert.equal(probe.quotaRules, true);
    });
  });
}
