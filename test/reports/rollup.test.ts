import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { FakeClock } from '../../src/domain/clock.ts';
import { type GroupBy, reportBuckets } from '../../src/domain/report-buckets.ts';
import type { Ctx } from '../../src/features/context.ts';
import { type BucketSums, sumBuckets } from '../../src/features/reports/repository.ts';
import { getUtilization, sumFromRollup } from '../../src/features/reports/service.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { buildSpace } from '../support/factories.ts';
import { storeKinds } from '../support/store.ts';

// Adelaide (+09:30 / +10:30): summer time ends 2026-04-05 03:00 (a 25-hour day) and starts
// 2026-10-04 02:00 (a 23-hour day). Every run books around one of the two changes.
const zone = 'Australia/Adelaide';
const windows = ['2026-04-03T00:00:00+10:30', '2026-10-02T00:00:00+09:30'].map((s) => new Date(s).getTime());
const minute = 60_000;
const statuses = ['confirmed', 'checked_in', 'completed', 'released', 'cancelled'] as const;

const bookingArb = fc.record({
  gap: fc.integer({ min: 0, max: 600 }),
  length: fc.integer({ min: 1, max: 300 }),
  status: fc.constantFrom(...statuses),
  checkIn: fc.integer({ min: -15, max: 120 }),
  cancel: fc.integer({ min: -2000, max: 30 }),
  // After the insert: 0 keep, 1 check in later, 2 check out early, 3 cancel, 4 delete.
  change: fc.integer({ min: 0, max: 6 }),
});

type Booking = typeof bookingArb extends fc.Arbitrary<infer T> ? T : never;

/** Sums keyed by space and group or hour of week, rows that are all zero left out. */
function normalise(rows: BucketSums[]): Map<string, [number, number, number, number]> {
  const out = new Map<string, [number, number, number, number]>();
  for (const r of rows) {
    const key = `${r.spaceId} ${r.grp === null ? `h${r.how}` : `g${r.grp}`}`;
    const v = out.get(key) ?? [0, 0, 0, 0];
    // Per hour of week the report reads only hours booked (its peak hours); per group, all four.
    if (r.grp === null) out.set(key, [v[0] + r.bookedSeconds, 0, 0, 0]);
    else
      out.set(key, [
        v[0] + r.bookedSeconds,
        v[1] + r.usedSeconds,
        v[2] + r.noShows,
        v[3] + r.lateCancellations,
      ]);
  }
  for (const [k, v] of out) if (v.every((x) => Math.abs(x) < 1e-6)) out.delete(k);
  return out;
}

function assertSame(actual: BucketSums[], expected: BucketSums[], what: string) {
  const a = normalise(actual);
  const e = normalise(expected);
  assert.deepEqual([...a.keys()].sort(), [...e.keys()].sort(), what);
  for (const [k, v] of e) {
    const w = a.get(k)!;
    for (let i = 0; i < 4; i++)
      assert.ok(Math.abs(w[i]! - v[i]!) < 1e-3, `${what}: ${k} [${i}] ${w[i]} ≠ ${v[i]}`);
  }
}

for (const kind of storeKinds()) {
  describe(`utilization rollup (${kind})`, () => {
    let t: TestApp;
    let spaces: string[];
    before(async () => {
      t = await startTestApp(kind, {
        clock: new FakeClock('2026-01-01T00:00:00Z'),
        site: { timeZone: zone },
      });
      spaces = [await buildSpace(t, { name: 'Hold' }), await buildSpace(t, { name: 'Deck' })];
    });
    after(() => t.close());

    /**
     * Books the runs of sessions one after the other per space, then changes some of them. As the
     * services do, a session is completed (or checked out) only once its end has passed `now`.
     */
    async function load(base: number, perSpace: Booking[][], now: number) {
      await t.db.query('DELETE FROM bookings WHERE site_id = $1', [t.siteId]);
      const left = await t.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM (
           SELECT space_id, day, i, sum(v) AS v
             FROM space_days, unnest(booked_ms || used_ms || no_shows || late_cancellations) WITH ORDINALITY AS u(v, i)
            WHERE site_id = $1 GROUP BY 1, 2, 3) x
          WHERE v <> 0`,
        [t.siteId],
      );
      assert.equal(left.rows[0]!.n, 0, 'taking every booking off leaves nothing in the rollup');
      for (const [s, runs] of perSpace.entries()) {
        let at = base;
        for (const b of runs) {
          const start = at + b.gap * minute;
          const end = start + b.length * minute;
          at = end;
          const status = b.status === 'completed' && end > now ? 'checked_in' : b.status;
          const checkedIn = ['checked_in', 'completed'].includes(status) ? start + b.checkIn * minute : null;
          const cancelled = status === 'cancelled' ? start + b.cancel * minute : null;
          const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
          const res = await t.db.query<{ id: string }>(
            `INSERT INTO bookings (site_id, space_id, organizer_id, title, start_at, end_at, blocked, status,
                                   checked_in_at, cancelled_at)
             VALUES ($1, $2, $3, 'Drill', $4, $5, tstzrange($4, $5), $6, $7, $8) RETURNING id`,
            [t.siteId, spaces[s], t.admin.id, iso(start), iso(end), status, iso(checkedIn), iso(cancelled)],
          );
          const id = res.rows[0]!.id;
          const update = (set: string, params: unknown[]) =>
            t.db.query(`UPDATE bookings SET ${set} WHERE site_id = $1 AND id = $2`, [
              t.siteId,
              id,
              ...params,
            ]);
          const checkOut = start + Math.ceil(b.length / 2) * minute;
          if (b.change === 1 && status === 'confirmed')
            await update(`status = 'checked_in', checked_in_at = $3`, [iso(start + b.checkIn * minute)]);
          else if (b.change === 2 && status === 'checked_in' && b.length > 1 && checkOut <= now)
            await update(`status = 'completed', end_at = $3`, [iso(checkOut)]);
          else if (b.change === 3 && status === 'confirmed')
            await update(`status = 'cancelled', cancelled_at = $3`, [iso(start + b.cancel * minute)]);
          else if (b.change === 4)
            await t.db.query('DELETE FROM bookings WHERE site_id = $1 AND id = $2', [t.siteId, id]);
          else if (b.change === 5) await update(`title = 'Renamed'`, []);
        }
      }
    }

    const ctxAt = (now: number): Ctx => ({
      db: t.db,
      clock: new FakeClock(new Date(now).toISOString()),
      actor: { siteId: t.siteId, memberId: t.admin.id, role: 'member', squadIds: [], leaderOf: [] },
    });

    it('gives what cutting every booking gives, for any range, grouping and moment, across a change of summer time', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 0, max: 1 }),
          fc.array(fc.array(bookingArb, { maxLength: 14 }), { minLength: 2, maxLength: 2 }),
          fc.integer({ min: -1440, max: 7200 }),
          fc.integer({ min: 0, max: 4 * 1440 }),
          fc.integer({ min: 1, max: 4 * 1440 }),
          fc.boolean(),
          fc.constantFrom<GroupBy>('day', 'week', 'hourOfWeek'),
          async (w, perSpace, nowAt, fromAt, length, midnights, groupBy) => {
            const base = windows[w]!;
            const now = base + nowAt * minute;
            await load(base, perSpace, now);
            const day = 1440 * minute;
            let from = base - day + fromAt * minute;
            let to = from + length * minute;
            if (midnights) {
              // Local midnights: the rollup alone, no cut ends.
              from = base - day + Math.floor(fromAt / 1440) * day;
              to = from + Math.max(1, Math.round(length / 1440)) * day;
            }
            const b = reportBuckets(new Date(from), new Date(to), zone, groupBy);
            const expected = await sumBuckets(t.db, t.siteId, spaces, b, new Date(now));
            const actual = await sumFromRollup(t.db, t.siteId, spaces, b, groupBy, zone, new Date(now));
            assertSame(
              actual,
              expected,
              `${new Date(from).toISOString()}..${new Date(to).toISOString()} ${groupBy}`,
            );
          },
        ),
        { numRuns: 25 },
      );
    });

    it('rebuilds to the same rows, also after the site changes its zone', async () => {
      const base = windows[0]!;
      await load(
        base,
        [
          [
            { gap: 30, length: 90, status: 'completed', checkIn: 5, cancel: 0, change: 0 },
            { gap: 200, length: 240, status: 'checked_in', checkIn: -5, cancel: 0, change: 0 },
            { gap: 10, length: 30, status: 'released', checkIn: 0, cancel: 0, change: 0 },
          ],
          [{ gap: 1400, length: 45, status: 'cancelled', checkIn: 0, cancel: -20, change: 0 }],
        ],
        base + 3 * 1440 * minute,
      );
      const rows = async () =>
        (
          await t.db.query(
            `SELECT space_id, day::text, booked_ms, used_ms, no_shows, late_cancellations FROM space_days
              WHERE site_id = $1 AND EXISTS (SELECT 1 FROM unnest(booked_ms || used_ms || no_shows || late_cancellations) v
                                              WHERE v <> 0)
              ORDER BY space_id, day`,
            [t.siteId],
          )
        ).rows;
      // The triggers add a row per change; compacted, one row per space and day.
      assert.ok((await t.db.query<{ n: number }>('SELECT compact_report_rollups() AS n')).rows[0]!.n > 0);
      const kept = await rows();
      assert.ok(kept.length >= 2);
      await t.db.query('SELECT rebuild_space_days($1)', [t.siteId]);
      assert.deepEqual(await rows(), kept);

      const q = { from: '2026-04-02T00:00:00Z', to: '2026-04-09T00:00:00Z', groupBy: 'day' as const };
      const now = base + 3 * 1440 * minute;
      for (const tz of ['Asia/Kathmandu', 'Pacific/Chatham']) {
        const res = await t.request('PATCH', '/api/v1/site', {
          as: t.admin,
          body: { timeZone: tz },
          headers: {
            'if-match': `"${(await t.request('GET', '/api/v1/site', { as: t.admin })).body.version}"`,
          },
        });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.deepEqual(
          await getUtilization(ctxAt(now), q, 'rollup'),
          await getUtilization(ctxAt(now), q, 'bookings'),
          tz,
        );
      }
    });
  });
}
