import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { FakeClock } from '../../src/domain/clock.ts';
import { addDays, localDate, localToInstant } from '../../src/domain/time.ts';
import { sumPeople } from '../../src/features/reports/service.ts';
import { type Caller, startTestApp, type TestApp } from '../support/app.ts';
import { buildSpace, buildSquad } from '../support/factories.ts';
import { storeKinds } from '../support/store.ts';

// Adelaide (+09:30 / +10:30): summer time ends 2026-04-05 03:00 (a 25-hour day) and starts
// 2026-10-04 02:00 (a 23-hour day). Every run books around one of the two changes.
const zone = 'Australia/Adelaide';
const windows = ['2026-04-03T00:00:00+10:30', '2026-10-02T00:00:00+09:30'].map((s) => new Date(s).getTime());
const minute = 60_000;
const day = 1440 * minute;
const statuses = ['confirmed', 'checked_in', 'completed', 'released', 'cancelled'] as const;

const bookingArb = fc.record({
  gap: fc.integer({ min: 0, max: 600 }),
  length: fc.integer({ min: 1, max: 300 }),
  status: fc.constantFrom(...statuses),
  checkIn: fc.integer({ min: -15, max: 120 }),
  cancel: fc.integer({ min: -2000, max: 30 }),
  organizer: fc.integer({ min: 0, max: 3 }),
  // Indexes into the members and the squads (the organizer among them now and then).
  members: fc.uniqueArray(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }),
  squads: fc.uniqueArray(fc.integer({ min: 0, max: 1 }), { maxLength: 2 }),
  // After the insert: 0 keep, 1 check in, 2 check out early, 3 cancel, 4 delete, 5 move to the annex,
  // 6 another organizer, 7 other participants and squads, 8 rename.
  change: fc.integer({ min: 0, max: 8 }),
  other: fc.integer({ min: 0, max: 3 }),
});
type Booking = typeof bookingArb extends fc.Arbitrary<infer T> ? T : never;

for (const kind of storeKinds()) {
  describe(`utilization rollup per member and squad (${kind})`, () => {
    let t: TestApp;
    let spaces: string[];
    let annex: string;
    let people: Caller[];
    let squads: string[];
    before(async () => {
      t = await startTestApp(kind, {
        clock: new FakeClock('2026-01-01T00:00:00Z'),
        site: { timeZone: zone },
      });
      spaces = [await buildSpace(t, { name: 'Hold' }), await buildSpace(t, { name: 'Deck' })];
      annex = await buildSpace(t, { name: 'Annex' });
      people = [
        await t.buildMember({ displayName: 'Ana' }),
        await t.buildMember({ displayName: 'Ben' }),
        await t.buildMember({ displayName: 'Cy' }),
        await t.buildMember({ displayName: 'Di' }),
      ];
      squads = [
        await buildSquad(t, { name: 'Port watch' }),
        await buildSquad(t, { name: 'Starboard watch' }),
      ];
    });
    after(() => t.close());

    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    const q = (sql: string, params: unknown[] = []) => t.db.query(sql, [t.siteId, ...params]);

    /** The sums per key and day of the two rollups' rows (pending deltas and all), all-zero ones left out. */
    async function rollupRows() {
      const rows = async (table: string, key: string) =>
        (
          await q(
            `SELECT ${key}::text AS id, day::text, sum(bookings)::int AS bookings, sum(sessions)::int AS sessions,
                    sum(booked_ms)::float8 AS booked, sum(used_ms)::float8 AS used, sum(no_shows)::int AS no_shows,
                    sum(late_cancellations)::int AS late_cancellations, count(*)::int AS rows
               FROM ${table} WHERE site_id = $1 GROUP BY 1, 2
             HAVING (sum(bookings), sum(sessions), sum(booked_ms), sum(used_ms), sum(no_shows), sum(late_cancellations))
                    <> (0, 0, 0, 0, 0, 0)
              ORDER BY 1, 2`,
          )
        ).rows as { rows: number }[];
      const sums = async (table: string, key: string) =>
        (await rows(table, key)).map(({ rows: _, ...r }) => r);
      return {
        members: await sums('member_days', 'member_id'),
        squads: await sums('squad_days', 'squad_id'),
        rowsPerDay: Math.max(
          1,
          ...(await rows('member_days', 'member_id')).map((r) => r.rows),
          ...(await rows('squad_days', 'squad_id')).map((r) => r.rows),
        ),
      };
    }

    /**
     * Books the runs of sessions one after the other per space with their people, then changes some
     * of them: by SQL, as the services write them (a session completes only once its end is past).
     */
    async function load(base: number, perSpace: Booking[][], now: number) {
      await q('DELETE FROM bookings WHERE site_id = $1');
      const { rowsPerDay: _, ...left } = await rollupRows();
      assert.deepEqual(left, { members: [], squads: [] }, 'deleting every booking leaves nothing');
      let n = 0;
      for (const [s, runs] of perSpace.entries()) {
        let at = base;
        for (const b of runs) {
          const start = at + b.gap * minute;
          const end = start + b.length * minute;
          at = end;
          const status = b.status === 'completed' && end > now ? 'checked_in' : b.status;
          const checkedIn = ['checked_in', 'completed'].includes(status) ? start + b.checkIn * minute : null;
          const cancelled = status === 'cancelled' ? start + b.cancel * minute : null;
          const res = await q(
            `WITH b AS (
               INSERT INTO bookings (site_id, space_id, organizer_id, title, start_at, end_at, blocked, status,
                                     checked_in_at, cancelled_at)
               VALUES ($1, $2, $3, 'Drill', $4, $5, tstzrange($4, $5), $6, $7, $8) RETURNING site_id, id),
             m AS (INSERT INTO booking_members (site_id, booking_id, member_id)
                   SELECT b.site_id, b.id, unnest($9::uuid[]) FROM b),
             s AS (INSERT INTO booking_squads (site_id, booking_id, squad_id)
                   SELECT b.site_id, b.id, unnest($10::uuid[]) FROM b)
             SELECT id FROM b`,
            [
              spaces[s],
              people[b.organizer]!.id,
              iso(start),
              iso(end),
              status,
              iso(checkedIn),
              iso(cancelled),
              b.members.map((i) => people[i]!.id),
              b.squads.map((i) => squads[i]!),
            ],
          );
          const id = (res.rows[0] as { id: string }).id;
          const update = (set: string, params: unknown[]) =>
            q(`UPDATE bookings SET ${set} WHERE site_id = $1 AND id = $2`, [id, ...params]);
          const checkOut = start + Math.ceil(b.length / 2) * minute;
          n++;
          if (b.change === 1 && status === 'confirmed')
            await update(`status = 'checked_in', checked_in_at = $3`, [iso(start + b.checkIn * minute)]);
          else if (b.change === 2 && status === 'checked_in' && b.length > 1 && checkOut <= now)
            await update(`status = 'completed', end_at = $3`, [iso(checkOut)]);
          else if (b.change === 3 && status === 'confirmed')
            await update(`status = 'cancelled', cancelled_at = $3`, [iso(start + b.cancel * minute)]);
          else if (b.change === 4) await q('DELETE FROM bookings WHERE site_id = $1 AND id = $2', [id]);
          else if (b.change === 5 && ['confirmed', 'cancelled', 'released'].includes(status)) {
            // To a slot of its own in the annex, 7 hours from the last, over other days.
            const moved = base - day + n * 7 * 60 * minute;
            await update('space_id = $3, start_at = $4, end_at = $5, blocked = tstzrange($4, $5)', [
              annex,
              iso(moved),
              iso(moved + b.length * minute),
            ]);
          } else if (b.change === 6) await update('organizer_id = $3', [people[b.other]!.id]);
          else if (b.change === 7) {
            await q('DELETE FROM booking_members WHERE site_id = $1 AND booking_id = $2', [id]);
            await q(
              `INSERT INTO booking_members (site_id, booking_id, member_id) SELECT $1, $2, unnest($3::uuid[])`,
              [id, [people[b.other]!.id, people[(b.other + 1) % 4]!.id]],
            );
            await q('DELETE FROM booking_squads WHERE site_id = $1 AND booking_id = $2 AND squad_id = $3', [
              id,
              squads[b.other % 2]!,
            ]);
          } else if (b.change === 8) await update(`title = 'Renamed'`, []);
        }
      }
    }

    it('counts sessions that run across the first and the last midnight once, over a 23-hour day', async () => {
      await q('DELETE FROM bookings WHERE site_id = $1');
      const [ana, ben, cy, di] = people.map((p) => p.id) as [string, string, string, string];
      const book = async (
        organizer: string,
        start: string,
        end: string,
        status: string,
        extra: { members?: string[]; squads?: string[]; checkedIn?: string; cancelled?: string } = {},
      ) => {
        await q(
          `WITH b AS (
             INSERT INTO bookings (site_id, space_id, organizer_id, title, start_at, end_at, blocked, status,
                                   checked_in_at, cancelled_at)
             VALUES ($1, $2, $3, 'Drill', $4, $5, tstzrange($4, $5), $6, $7, $8) RETURNING site_id, id),
           m AS (INSERT INTO booking_members (site_id, booking_id, member_id) SELECT b.site_id, b.id, unnest($9::uuid[]) FROM b)
           INSERT INTO booking_squads (site_id, booking_id, squad_id) SELECT b.site_id, b.id, unnest($10::uuid[]) FROM b`,
          [
            spaces[0],
            organizer,
            start,
            end,
            status,
            extra.checkedIn ?? null,
            extra.cancelled ?? null,
            extra.members ?? [],
            extra.squads ?? [],
          ],
        );
      };
      // Friday 2 to Monday 5 October 2026; summer time starts on Sunday the 4th at 02:00 (+09:30 to +10:30).
      await book(ana, '2026-10-02T23:00:00+09:30', '2026-10-03T01:00:00+09:30', 'completed', {
        members: [ben],
        squads: [squads[0]!],
        checkedIn: '2026-10-02T23:00:00+09:30',
      });
      await book(ana, '2026-10-03T23:00:00+09:30', '2026-10-04T00:20:00+09:30', 'confirmed');
      // Ben organizes and is named too: counted once. Two real hours over the missing local hour.
      await book(ben, '2026-10-04T01:00:00+09:30', '2026-10-04T04:00:00+10:30', 'confirmed', {
        members: [ben],
      });
      // Cancelled two days ahead: Cy is listed, with nothing.
      await book(cy, '2026-10-03T10:00:00+09:30', '2026-10-03T11:00:00+09:30', 'cancelled', {
        cancelled: '2026-10-01T10:00:00+09:30',
      });
      await book(di, '2026-10-04T23:30:00+10:30', '2026-10-05T00:30:00+10:30', 'released');
      const now = new Date('2026-10-06T00:00:00Z');
      const report = async (from: string, to: string) => {
        const args = [t.db, t.siteId, null, new Date(from), new Date(to), zone, now] as const;
        const rollup = await sumPeople(...args, 'rollup');
        assert.deepEqual(rollup, await sumPeople(...args, 'bookings'), `${from}..${to}`);
        const brief = (p: {
          name: string;
          sessions: number;
          bookedSeconds: number;
          usedSeconds: number;
          noShows: number;
        }) => [p.name, p.sessions, p.bookedSeconds / 60, p.usedSeconds / 60, p.noShows] as const;
        return { members: rollup.members.map(brief), squads: rollup.squads.map(brief) };
      };
      // Whole days Saturday and Sunday: Ana's first session runs into them from Friday.
      assert.deepEqual(await report('2026-10-03T00:00:00+09:30', '2026-10-05T00:00:00+10:30'), {
        members: [
          ['Ana', 2, 60 + 80, 60, 0],
          ['Ben', 2, 60 + 120, 60, 0],
          ['Cy', 0, 0, 0, 0],
          ['Di', 0, 0, 0, 1],
        ],
        squads: [['Port watch', 1, 60, 60, 0]],
      });
      // Saturday, and the first 30 minutes of Sunday: Ana's second session runs into them, counted once.
      assert.deepEqual(await report('2026-10-03T00:00:00+09:30', '2026-10-04T00:30:00+09:30'), {
        members: [
          ['Ana', 2, 60 + 80, 60, 0],
          ['Ben', 1, 60, 60, 0],
          ['Cy', 0, 0, 0, 0],
        ],
        squads: [['Port watch', 1, 60, 60, 0]],
      });
      // Noon to noon: parts of Friday and Sunday cut from the bookings, Saturday from the rollups.
      assert.deepEqual(await report('2026-10-02T12:00:00+09:30', '2026-10-04T12:00:00+10:30'), {
        members: [
          ['Ana', 2, 120 + 80, 120, 0],
          ['Ben', 2, 120 + 120, 120, 0],
          ['Cy', 0, 0, 0, 0],
        ],
        squads: [['Port watch', 1, 120, 120, 0]],
      });
    });

    it('keeps its sums when bookings are written and the rollups compacted at once', async () => {
      await q('DELETE FROM bookings WHERE site_id = $1');
      const spaceSums = async () =>
        (
          await q(
            `SELECT space_id::text, day::text, i, sum(v)::bigint::text AS v
               FROM space_days, unnest(booked_ms || used_ms || no_shows || late_cancellations) WITH ORDINALITY AS u(v, i)
              WHERE site_id = $1 GROUP BY 1, 2, 3 HAVING sum(v) <> 0 ORDER BY 1, 2, 3`,
          )
        ).rows;
      const base = windows[0]!;
      const ids: string[] = [];
      const write = async (i: number) => {
        const start = base + i * 50 * minute;
        const res = await q(
          `WITH b AS (
             INSERT INTO bookings (site_id, space_id, organizer_id, title, start_at, end_at, blocked)
             VALUES ($1, $2, $3, 'Drill', $4, $5, tstzrange($4, $5)) RETURNING site_id, id),
           m AS (INSERT INTO booking_members (site_id, booking_id, member_id) SELECT b.site_id, b.id, $6 FROM b)
           INSERT INTO booking_squads (site_id, booking_id, squad_id) SELECT b.site_id, b.id, $7 FROM b RETURNING booking_id`,
          [
            spaces[i % 2],
            people[i % 4]!.id,
            iso(start),
            iso(start + 45 * minute),
            people[(i + 1) % 4]!.id,
            squads[i % 2],
          ],
        );
        ids.push((res.rows[0] as { booking_id: string }).booking_id);
      };
      const compact = () => t.db.query('SELECT compact_report_rollups()');
      await Promise.all([...Array.from({ length: 40 }, (_, i) => write(i)), compact(), compact(), compact()]);
      await Promise.all([
        ...ids
          .slice(0, 20)
          .map((id, i) =>
            q(`UPDATE bookings SET status = $3, cancelled_at = start_at WHERE site_id = $1 AND id = $2`, [
              id,
              i % 2 === 0 ? 'cancelled' : 'released',
            ]),
          ),
        compact(),
        compact(),
      ]);
      const { rowsPerDay: _, ...people1 } = await rollupRows();
      const spaces1 = await spaceSums();
      assert.ok(people1.members.length > 0 && spaces1.length > 0);
      await compact();
      const { rowsPerDay, ...people2 } = await rollupRows();
      assert.equal(rowsPerDay, 1);
      assert.deepEqual(people2, people1);
      await q('SELECT rebuild_people_days($1)');
      await q('SELECT rebuild_space_days($1)');
      const { rowsPerDay: __, ...rebuilt } = await rollupRows();
      assert.deepEqual(rebuilt, people1, 'per member and squad, what a rebuild makes');
      assert.deepEqual(await spaceSums(), spaces1, 'per space, what a rebuild makes');
    });

    it('gives from the rollups what the bookings give; compacting and rebuilding the rollups keep their sums; across a change of summer time', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 0, max: 1 }),
          fc.array(fc.array(bookingArb, { maxLength: 10 }), { minLength: 2, maxLength: 2 }),
          fc.integer({ min: -1440, max: 7200 }),
          fc.integer({ min: 0, max: 4 * 1440 }),
          fc.integer({ min: 1, max: 5 * 1440 }),
          fc.boolean(),
          async (w, perSpace, nowAt, fromAt, length, midnights) => {
            const base = windows[w]!;
            const now = base + nowAt * minute;
            await load(base, perSpace, now);
            const { rowsPerDay: _, ...kept } = await rollupRows();
            let from = base - day + fromAt * minute;
            let to = from + length * minute;
            if (midnights) {
              // Local midnights: the rollups alone, and the sessions that run into the first day.
              const first = localDate(new Date(from), zone);
              from = localToInstant(first, 0, zone).getTime();
              to = localToInstant(addDays(first, Math.max(1, Math.round(length / 1440))), 0, zone).getTime();
            }
            const args = [t.db, t.siteId, null, new Date(from), new Date(to), zone, new Date(now)] as const;
            assert.deepEqual(
              await sumPeople(...args, 'rollup'),
              await sumPeople(...args, 'bookings'),
              `${new Date(from).toISOString()}..${new Date(to).toISOString()} at ${new Date(now).toISOString()}`,
            );
            // The triggers' deltas merged into one row per day, and a rebuild from scratch: the same sums.
            await t.db.query('SELECT compact_report_rollups()');
            const { rowsPerDay, ...compacted } = await rollupRows();
            assert.deepEqual(compacted, kept, 'compacting keeps the sums');
            assert.equal(rowsPerDay, 1, 'compacting leaves one row per day');
            await q('SELECT rebuild_people_days($1)');
            const { rowsPerDay: __, ...rebuilt } = await rollupRows();
            assert.deepEqual(rebuilt, kept, 'the triggers keep what a rebuild makes');
          },
        ),
        { numRuns: 25 },
      );
    });
  });
}
