import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import pg from 'pg';
import type { Db, Queryable, Tx } from '../../src/db/store.ts';
import { FakeClock } from '../../src/domain/clock.ts';
import {
  bookSession,
  findMemberConflicts,
  findOverlapping,
  loadBookingContext,
  writeLockKeys,
} from '../../src/features/bookings/repository.ts';
import { createBooking } from '../../src/features/bookings/service.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { buildSpace, buildSquad, seedRandomBookings } from '../support/factories.ts';
import { storeKinds } from '../support/store.ts';

// A new session of the organizer alone is booked in one statement (shipshape_book_session) when
// nothing is in the way; any "no" goes to the detailed path. The statement must say "ok" exactly
// when the detailed queries find nothing in the way, write the booking with its event, and book only
// on the space's rules as they are stored now, whoever changed them.
const base = Date.parse('2027-03-01T18:00:00Z');
const q = (n: number) => new Date(base + n * 15 * 60_000);

class Rollback extends Error {}

/** Runs `fn` in a transaction that is then rolled back, so every attempt sees the same data. */
async function rolledBack<T>(db: Db, fn: (tx: Tx) => Promise<T>): Promise<T> {
  let out: T | undefined;
  await db
    .transaction(async (tx) => {
      out = await fn(tx);
      throw new Rollback();
    })
    .catch((err) => {
      if (!(err instanceof Rollback)) throw err;
    });
  return out!;
}

/** The store, counting the statements sent through it. */
function counting(db: Db): { db: Db; count: () => number } {
  let n = 0;
  const wrap = (q: Queryable): Queryable => ({
    query: (sql, params) => {
      n++;
      return q.query(sql, params);
    },
    exec: (sql) => {
      n++;
      return q.exec(sql);
    },
  });
  const counted: Db = {
    ...db,
    ...wrap(db),
    kind: db.kind,
    transaction: (fn) =>
      db.transaction((tx) => fn({ ...tx, ...wrap(tx), inTransaction: true, serial: tx.serial })),
    close: () => db.close(),
    listen: (channel, onNotify) => db.listen(channel, onNotify),
  };
  return { db: counted, count: () => n };
}

for (const kind of storeKinds()) {
  describe(`one-statement booking agrees with the detailed path (${kind})`, () => {
    let t: TestApp;
    let spaces: string[];
    let members: string[];
    const names = new Map<string, string>();

    before(async () => {
      t = await startTestApp(kind);
      spaces = [await buildSpace(t, { name: 'Lounge' }), await buildSpace(t, { name: 'Ring' })];
      members = [];
      for (let i = 0; i < 6; i++) {
        const m = await t.buildMember({ displayName: `Crew ${i}` });
        members.push(m.id);
        names.set(m.id, `Crew ${i}`);
      }
      const squads = [
        await buildSquad(t, { name: 'Night Watch', members: members.slice(0, 2) }),
        await buildSquad(t, { name: 'Deck', members: members.slice(2, 4) }),
      ];
      const statuses = ['confirmed', 'confirmed', 'checked_in', 'completed', 'cancelled', 'released'];
      await seedRandomBookings(t, {
        spaces,
        members,
        squads,
        statuses,
        count: 80,
        seed: 11,
        from: base,
        maxLength: 5,
      });
    });
    after(() => t.close());

    const attempt = async (
      db: Queryable,
      s: number,
      organizer: string,
      from: number,
      length: number,
      changeover: number,
      allowOverlap: boolean,
      rulesKey?: string,
    ) => {
      const key =
        rulesKey ?? (await loadBookingContext(db, t.siteId, spaces[s]!, organizer, [], [])).rulesKey!;
      const memberIds = allowOverlap ? [] : [organizer];
      const id = crypto.randomUUID();
      const done = await bookSession(
        db,
        {
          siteId: t.siteId,
          spaceId: spaces[s]!,
          organizerId: organizer,
          id,
          title: 'probe',
          start: q(from),
          end: q(from + length),
          changeoverMinutes: changeover,
          headcount: 1,
          visibility: 'public',
          seriesId: null,
          originalStart: null,
          now: new Date(),
          checkinCode: '123456',
        },
        {
          rulesKey: key,
          lockKeys: kind === 'pglite' ? [] : writeLockKeys(t.siteId, [spaces[s]!], memberIds),
          memberIds,
        },
        { id, organizer: { id: organizer, displayName: '' }, title: 'probe' },
      );
      return { id, ...done };
    };

    it('books exactly when neither the slot nor the organizer is taken, and writes the event with it', async () => {
      const seen = { ok: 0, taken: 0, busy: 0 };
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 0, max: 1 }),
          fc.integer({ min: 0, max: 5 }),
          fc.integer({ min: -2, max: 46 }),
          fc.integer({ min: 1, max: 6 }),
          fc.integer({ min: 0, max: 2 }),
          fc.boolean(),
          async (s, who, from, length, changeoverQuarters, allowOverlap) => {
            const organizer = members[who]!;
            const overlapping = await findOverlapping(
              t.db,
              t.siteId,
              spaces[s]!,
              q(from),
              q(from + length + changeoverQuarters),
              null,
            );
            const clashes = allowOverlap
              ? []
              : await findMemberConflicts(
                  t.db,
                  t.siteId,
                  [organizer],
                  [{ start: q(from), end: q(from + length) }],
                  [],
                );
            const expected = overlapping.length > 0 ? 'taken' : clashes.length > 0 ? 'busy' : 'ok';
            const got = await rolledBack(t.db, async (tx) => {
              const done = await attempt(
                tx,
                s,
                organizer,
                from,
                length,
                changeoverQuarters * 15,
                allowOverlap,
              );
              const written = await tx.query<{ blockedEnd: Date; name: string | null; type: string | null }>(
                `SELECT upper(b.blocked) AS "blockedEnd", e.after->'organizer'->>'displayName' AS name, e.type
                   FROM bookings b LEFT JOIN events e ON e.site_id = b.site_id AND e.subject_id = b.id
                  WHERE b.site_id = $1 AND b.id = $2`,
                [t.siteId, done.id],
              );
              return { ...done, written: written.rows };
            });
            assert.equal(got.outcome, expected);
            seen[expected]++;
            if (expected === 'ok') {
              assert.equal(got.organizerName, names.get(organizer));
              assert.equal(got.written.length, 1);
              assert.equal(got.written[0]!.type, 'booking.created');
              assert.equal(got.written[0]!.name, names.get(organizer));
              assert.equal(
                new Date(got.written[0]!.blockedEnd).getTime(),
                q(from + length + changeoverQuarters).getTime(),
              );
            } else assert.equal(got.written.length, 0, 'a refused attempt writes nothing');
          },
        ),
        { numRuns: 150, seed: 42 },
      );
      // Every answer was seen, so the comparison was not vacuous.
      assert.ok(seen.ok > 10 && seen.taken > 10 && seen.busy > 5, JSON.stringify(seen));
    });

    it('says stale on other rules, and quota once the site has quota rules', async () => {
      const free = 200; // far after the seeded bookings
      const stale = await rolledBack(t.db, (tx) =>
        attempt(tx, 0, members[5]!, free, 2, 0, false, '0123456789abcdef0123456789abcdef'),
      );
      assert.equal(stale.outcome, 'stale');
      const fresh = await rolledBack(t.db, (tx) => attempt(tx, 0, members[5]!, free, 2, 0, false));
      assert.equal(fresh.outcome, 'ok');
      const before = (await loadBookingContext(t.db, t.siteId, spaces[0]!, members[5]!, [], [])).rulesKey!;
      await t.db.query('UPDATE sites SET horizon_days = horizon_days + 1 WHERE site_id = $1', [t.siteId]);
      const changed = await rolledBack(t.db, (tx) => attempt(tx, 0, members[5]!, free, 2, 0, false, before));
      assert.equal(changed.outcome, 'stale', 'a change of the site is a change of the rules');
      const made = await t.request('POST', '/api/v1/quotas', {
        as: t.admin,
        body: { name: 'Three a week', memberId: members[0], metric: 'sessions', period: 'week', maximum: 3 },
      });
      assert.equal(made.status, 201, JSON.stringify(made.body));
      const quota = await rolledBack(t.db, (tx) => attempt(tx, 0, members[5]!, free, 2, 0, false));
      assert.equal(quota.outcome, 'quota');
      await t.db.query('DELETE FROM quota_rules WHERE site_id = $1', [t.siteId]);
    });
  });

  describe(`the booking service books in one statement on rules it verifies (${kind})`, () => {
    let t: TestApp;
    const clock = new FakeClock(new Date('2027-05-03T00:00:00Z'));
    const hour = (h: number) => new Date(Date.parse('2027-05-04T00:00:00Z') + h * 3_600_000).toISOString();

    before(async () => {
      t = await startTestApp(kind, { clock, site: { timeZone: 'UTC' } });
    });
    after(() => t.close());

    it('takes one statement once the rules are known, and sees rules and names changed behind its back', async () => {
      const space = await buildSpace(t, { name: 'Gym', capacity: 6, maxMinutes: 240 });
      const crew = await t.buildMember({ displayName: 'Ensign Ro' });
      const counted = counting(t.db);
      const ctx = { db: counted.db, clock, actor: crew.actor };
      const book = async (h: number, extra: { headcount?: number; hours?: number } = {}) => {
        const startedAt = counted.count();
        const res = await createBooking(ctx, {
          spaceId: space,
          start: hour(h),
          end: hour(h + (extra.hours ?? 1)),
          title: 'Drill',
          headcount: extra.headcount,
        });
        return { res, statements: counted.count() - startedAt };
      };

      const first = await book(0);
      assert.ok(first.res.ok);
      assert.ok(first.statements > 1, 'the first booking of a space reads its rules');
      const second = await book(2);
      assert.ok(second.res.ok);
      assert.equal(second.statements, 1, 'a known space books in one statement');
      assert.equal(second.res.booking.organizer?.displayName, 'Ensign Ro');

      // Changed in SQL, as a script or another process would, without touching the version.
      await t.db.query('UPDATE spaces SET capacity = 2 WHERE site_id = $1 AND id = $2', [t.siteId, space]);
      const afterChange = await book(4);
      assert.ok(afterChange.res.ok);
      assert.ok(afterChange.statements > 1, 'the changed rules were read again');
      assert.equal((await book(6)).statements, 1);
      await t.db.query('UPDATE spaces SET max_minutes = 60 WHERE site_id = $1 AND id = $2', [
        t.siteId,
        space,
      ]);
      await assert.rejects(book(8, { hours: 2 }), /at most 60 minutes/);
      await t.db.query('UPDATE spaces SET max_minutes = 240 WHERE site_id = $1 AND id = $2', [
        t.siteId,
        space,
      ]);
      await assert.rejects(book(8, { headcount: 3 }), /more than the space holds \(2\)/);

      // A taken slot and the organizer elsewhere: the detailed answers, as ever.
      const taken = await book(4);
      assert.ok(!taken.res.ok && 'conflicts' in taken.res && taken.res.conflicts.length === 1);
      const elsewhere = await buildSpace(t, { name: 'Ring' });
      await createBooking(ctx, { spaceId: elsewhere, start: hour(10), end: hour(11), title: 'Warm-up' });
      const busy = await createBooking(ctx, {
        spaceId: space,
        start: hour(10),
        end: hour(11),
        title: 'Drill',
      });
      assert.ok(!busy.ok && 'memberConflicts' in busy && busy.memberConflicts[0]!.member.id === crew.id);

      // The organizer's name as stored now, in the answer and in the event.
      await t.db.query('UPDATE members SET display_name = $3 WHERE site_id = $1 AND id = $2', [
        t.siteId,
        crew.id,
        'Lieutenant Ro',
      ]);
      const renamed = await book(12);
      assert.equal(renamed.statements, 1);
      assert.ok(renamed.res.ok);
      assert.equal(renamed.res.booking.organizer?.displayName, 'Lieutenant Ro');
      const event = await t.db.query<{ after: { organizer: { displayName: string }; title: string } }>(
        `SELECT after FROM events WHERE site_id = $1 AND subject_id = $2 AND type = 'booking.created'`,
        [t.siteId, renamed.res.booking.id],
      );
      assert.equal(event.rows[0]!.after.organizer.displayName, 'Lieutenant Ro');
      assert.deepEqual(
        { ...event.rows[0]!.after, organizer: renamed.res.booking.organizer },
        (({ can: _can, checkinCode: _code, ...rest }) => rest)(renamed.res.booking),
        'the event holds the booking as answered',
      );
    });
  });
}

async function until(what: string, check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

if (storeKinds().includes('postgres')) {
  describe('one-statement booking behind a writer that took no lock (postgres)', () => {
    let t: TestApp;
    let raw: pg.Client;
    const clock = new FakeClock(new Date('2027-05-03T00:00:00Z'));
    const hour = (h: number) => new Date(Date.parse('2027-05-04T00:00:00Z') + h * 3_600_000).toISOString();

    before(async () => {
      t = await startTestApp('postgres', { clock, site: { timeZone: 'UTC' } });
      const { database } = (await t.db.query<{ database: string }>('SELECT current_database() AS database'))
        .rows[0]!;
      const url = new URL(process.env.TEST_DATABASE_URL!);
      url.pathname = `/${database}`;
      raw = new pg.Client({ connectionString: url.toString() });
      await raw.connect();
    });
    after(async () => {
      await raw.end();
      await t.close();
    });

    it('loses to the insert in flight on the constraint and answers its detailed 409', async () => {
      const space = await buildSpace(t, { name: 'Gym' });
      const crew = await t.buildMember({ displayName: 'Ensign Ro' });
      const post = (h: number) =>
        t.request('POST', '/api/v1/bookings', {
          as: crew,
          body: { spaceId: space, title: 'Drill', start: hour(h), end: hour(h + 1) },
        });
      assert.equal((await post(0)).status, 201); // the rules are known from here on
      await raw.query('BEGIN');
      const inFlight = await raw.query<{ id: string }>(
        `INSERT INTO bookings (site_id, space_id, organizer_id, title, start_at, end_at, blocked)
         VALUES ($1, $2, $3, 'In flight', $4, $5, tstzrange($4::timestamptz, $5::timestamptz, '[)'))
         RETURNING id`,
        [t.siteId, space, t.admin.id, hour(2), hour(3)],
      );
      const answer = post(2);
      // The statement found the slot free (the insert is not committed) and waits on it at the constraint.
      await until('the booking to wait on the insert in flight', async () => {
        const w = await t.db.query(
          `SELECT 1 FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE NOT l.granted AND l.locktype = 'transactionid' AND a.datname = current_database()`,
        );
        return w.rows.length > 0;
      });
      await raw.query('COMMIT');
      const res = await answer;
      assert.equal(res.status, 409, JSON.stringify(res.body));
      assert.equal(res.body.code, 'booking-conflict');
      assert.deepEqual(
        res.body.conflicts.map((c: { id: string }) => c.id),
        [inFlight.rows[0]!.id],
      );
      const mine = await t.db.query(
        `SELECT 1 FROM bookings WHERE site_id = $1 AND organizer_id = $2 AND start_at = $3::timestamptz`,
        [t.siteId, crew.id, hour(2)],
      );
      assert.equal(mine.rows.length, 0);
    });
  });
}
