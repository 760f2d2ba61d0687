import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { type Db, StoreBusyError, type Tx } from '../../src/db/store.ts';
import { FakeClock } from '../../src/domain/clock.ts';
import { writeLockKeys } from '../../src/features/bookings/repository.ts';
import { type Answer, type Caller, startTestApp, type TestApp } from '../support/app.ts';
import { at, buildSpace } from '../support/factories.ts';
import { storeKinds } from '../support/store.ts';

const now = '2026-06-01T00:00:00Z';
const day = '2026-06-04T00:00:00Z';

/** A promise and the function that settles it. */
function latch(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { wait, open };
}

async function until(what: string, check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('write locks: the key order', () => {
  it('space keys come before member keys, each sorted and distinct', () => {
    const site = '6f1c2b9e-2f5e-4d43-9d7e-0a1b2c3d4e5f';
    const spaces = ['b1c2d3e4-0000-4000-8000-000000000002', 'a1c2d3e4-0000-4000-8000-000000000001'];
    const members = ['c1c2d3e4-0000-4000-8000-000000000003', 'd1c2d3e4-0000-4000-8000-000000000004'];
    const keys = writeLockKeys(site, spaces, [...members, members[0]!]);
    assert.equal(keys.length, 4);
    for (let i = 1; i < keys.length; i++) assert.ok(keys[i - 1]! < keys[i]!);
    const spaceKeys = writeLockKeys(site, spaces, []);
    const memberKeys = writeLockKeys(site, [], members);
    assert.ok(spaceKeys.every((s) => memberKeys.every((m) => s < m)));
    // Keys fit PostgreSQL's bigint and stay clear of small keys (the migration lock's).
    assert.ok(keys.every((k) => k > 2n ** 56n && k < 2n ** 63n));
    // The same ids in another site are other locks.
    assert.notDeepEqual(writeLockKeys('7f1c2b9e-2f5e-4d43-9d7e-0a1b2c3d4e5f', spaces, []), spaceKeys);
  });
});

for (const kind of storeKinds()) {
  describe(`bounded waits (${kind})`, () => {
    let t: TestApp;
    let alice: Caller;
    let space: string;
    // One connection on PGlite; on the server a pool of 4, so that holding it is cheap.
    const max = 4;

    before(async () => {
      t = await startTestApp(kind, {
        clock: new FakeClock(now),
        store: { max, limits: { acquireTimeoutMs: 300, lockTimeoutMs: 300 } },
      });
      alice = await t.buildMember();
      space = await buildSpace(t);
    });
    after(() => t.close());

    it('a request that gets no connection within the bound answers 503 and books nothing', async () => {
      const hold = latch();
      const held: Promise<unknown>[] = [];
      const inside = latch();
      let entered = 0;
      const holders = kind === 'pglite' ? 1 : max;
      // Each holder keeps trying until it has a connection: the app's own jobs use them too.
      const holdOne = async (): Promise<void> => {
        for (;;) {
          try {
            return await t.db.transaction(async (tx: Tx) => {
              await tx.query('SELECT 1');
              if (++entered === holders) inside.open();
              await hold.wait;
            });
          } catch (err) {
            if (!(err instanceof StoreBusyError)) throw err;
          }
        }
      };
      for (let i = 0; i < holders; i++) held.push(holdOne());
      let res: Answer;
      let took: number;
      try {
        await Promise.race([
          inside.wait,
          new Promise((_, reject) => setTimeout(() => reject(new Error('could not hold the store')), 20_000)),
        ]);
        const started = Date.now();
        res = await t.request('POST', '/api/v1/bookings', {
          as: alice,
          body: { spaceId: space, title: 'Drill', start: at(day, 0), end: at(day, 60) },
        });
        took = Date.now() - started;
      } finally {
        // Never leave the store held, whatever failed.
        hold.open();
        await Promise.all(held);
      }
      assert.equal(res.status, 503, JSON.stringify(res.body));
      assert.equal(res.body.code, 'unavailable');
      assert.equal(res.headers['retry-after'], '1');
      assert.ok(took < 5000, `answered after ${took} ms`);
      const again = await t.request('POST', '/api/v1/bookings', {
        as: alice,
        body: { spaceId: space, title: 'Drill', start: at(day, 0), end: at(day, 60) },
      });
      assert.equal(again.status, 201, JSON.stringify(again.body));
    });
  });
}

if (storeKinds().includes('postgres')) {
  describe('writers of one space queue instead of deadlocking (postgres)', () => {
    let t: TestApp;
    let space: string;
    let raw: pg.Client;
    const members: Caller[] = [];

    before(async () => {
      t = await startTestApp('postgres', {
        clock: new FakeClock(now),
        store: { limits: { lockTimeoutMs: 2000 } },
      });
      space = await buildSpace(t);
      for (let i = 0; i < 3; i++) members.push(await t.buildMember());
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

    /** Locks the app's connections wait for, by type (other databases on the server left out). */
    const waiting = async (db: Db) =>
      (
        await db.query<{ locktype: string; n: number }>(
          `SELECT l.locktype, count(*)::int AS n FROM pg_locks l
             JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE NOT l.granted AND a.datname = current_database()
            GROUP BY l.locktype`,
        )
      ).rows;

    it('two keyed bookings behind an unfinished insert: one waits on the space lock, no deadlock', async () => {
      // An insert still in flight (not yet committed) holds the slot's index entry.
      await raw.query('BEGIN');
      await raw.query(
        `INSERT INTO bookings (site_id, space_id, organizer_id, title, start_at, end_at, blocked)
         VALUES ($1, $2, $3, 'In flight', $4, $5, tstzrange($4::timestamptz, $5::timestamptz, '[)'))`,
        [t.siteId, space, t.admin.id, at(day, 0), at(day, 60)],
      );
      const answers = [0, 1].map((i) =>
        t.request('POST', '/api/v1/bookings', {
          as: members[i]!,
          body: { spaceId: space, title: 'Drill', start: at(day, 10 + i), end: at(day, 70 + i) },
          headers: { 'idempotency-key': `behind-${i}` },
        }),
      );
      // Today's main: both inserts wait on the one in flight, then on each other (40P01, after
      // deadlock_timeout, 1 s). Now: one waits on the insert, the other on the space's lock.
      await until('both requests to wait', async () => {
        const w = await waiting(t.db);
        return w.reduce((sum, r) => sum + r.n, 0) >= 2;
      });
      assert.deepEqual((await waiting(t.db)).map((r) => `${r.locktype}:${r.n}`).sort(), [
        'advisory:1',
        'transactionid:1',
      ]);
      await raw.query('ROLLBACK');
      const released = Date.now();
      const done = await Promise.all(answers);
      const took = Date.now() - released;
      assert.deepEqual(done.map((d) => d.status).sort(), [201, 409], JSON.stringify(done.map((d) => d.body)));
      assert.ok(took < 900, `answered ${took} ms after the insert in flight ended (a deadlock takes 1 s)`);
    });

    it('a wait past lock_timeout answers 503 instead of hanging, and writes nothing', async () => {
      await raw.query('BEGIN');
      await raw.query(
        `INSERT INTO bookings (site_id, space_id, organizer_id, title, start_at, end_at, blocked)
         VALUES ($1, $2, $3, 'Slow writer', $4, $5, tstzrange($4::timestamptz, $5::timestamptz, '[)'))`,
        [t.siteId, space, t.admin.id, at(day, 600), at(day, 660)],
      );
      const started = Date.now();
      const res = await t.request('POST', '/api/v1/bookings', {
        as: members[2]!,
        body: { spaceId: space, title: 'Drill', start: at(day, 610), end: at(day, 640) },
      });
      const took = Date.now() - started;
      await raw.query('ROLLBACK');
      assert.equal(res.status, 503, JSON.stringify(res.body));
      assert.equal(res.body.code, 'unavailable');
      assert.ok(took >= 1900 && took < 6000, `answered after ${took} ms`);
      const n = await t.db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM bookings WHERE start_at >= $1',
        [at(day, 600)],
      );
      assert.equal(n.rows[0]!.n, 0);
    });

    it('a writer holding the space lock makes the next one queue, then it goes through', async () => {
      await raw.query('BEGIN');
      const [key] = writeLockKeys(t.siteId, [space], []);
      await raw.query('SELECT pg_advisory_xact_lock($1::bigint)', [String(key)]);
      const pending = t.request('POST', '/api/v1/bookings', {
        as: members[2]!,
        body: { spaceId: space, title: 'Drill', start: at(day, 900), end: at(day, 930) },
      });
      await until('the request to queue on the space lock', async () =>
        (await waiting(t.db)).some((r) => r.locktype === 'advisory'),
      );
      await raw.query('COMMIT');
      const res = await pending;
      assert.equal(res.status, 201, JSON.stringify(res.body));
    });
  });
}
