import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeClock } from '../../src/domain/clock.ts';
import { sendHeadsUps } from '../../src/features/checkin/service.ts';
import { runDelivery } from '../../src/features/notifications/service.ts';
import { Scheduler } from '../../src/jobs/scheduler.ts';
import { serverTasks } from '../../src/jobs/tasks.ts';
import type { Caller, TestApp } from '../support/app.ts';
import { startTestApp } from '../support/app.ts';
import { at, buildSpace } from '../support/factories.ts';
import { storeKinds } from '../support/store.ts';

const t0 = '2026-11-25T10:00:00.000Z';

for (const kind of storeKinds()) {
  describe(`heads-up lead time is a site setting (${kind})`, () => {
    let t: TestApp;
    let clock: FakeClock;
    let a: Caller;
    let c: Caller;

    before(async () => {
      clock = new FakeClock(t0);
      t = await startTestApp(kind, { clock, site: { name: 'Vessel', timeZone: 'Europe/Berlin' } });
      a = await t.buildMember({ displayName: 'Aiko' });
      c = await t.buildMember({ displayName: 'Cleo' });
    });
    after(() => t.close());

    const setLead = async (minutes: number) => {
      const res = await t.request('PATCH', '/api/v1/site', {
        as: t.admin,
        body: { headsUpMinutes: minutes },
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.headsUpMinutes, minutes);
    };

    /** A session of Aiko's and, five minutes after it ends, Cleo's: the pair a heads-up is about. */
    const pair = async (space: string, base: string) => {
      const post = async (as: Caller, start: number, end: number) => {
        const res = await t.request('POST', '/api/v1/bookings', {
          as,
          body: {
            spaceId: space,
            start: at(base, start),
            end: at(base, end),
            title: 'Session',
            headcount: 1,
            participants: { members: [], squads: [] },
          },
        });
        assert.equal(res.status, 201, JSON.stringify(res.body));
        return res.body as { id: string; end: string };
      };
      return { first: await post(a, 60, 120), second: await post(c, 125, 185) };
    };

    const headsUps = async (as: Caller) => {
      const res = await t.request('GET', '/api/v1/notifications', { as });
      assert.equal(res.status, 200);
      return (res.body.items as { kind: string; data: { nextBookingId: string } }[]).filter(
        (n) => n.kind === 'heads-up',
      );
    };

    it('defaults to 10 minutes and shows the setting on GET /site', async () => {
      const res = await t.request('GET', '/api/v1/site', { as: a });
      assert.equal(res.status, 200);
      assert.equal(res.body.headsUpMinutes, 10);
    });

    it('with 20 minutes sends the heads-up 20 minutes before the end, not 21, once across a restart', async () => {
      await setLead(20);
      const space = await buildSpace(t, { name: 'Briefing', capacity: 8 });
      const base = at(t0, 24 * 60);
      clock.set(base);
      const { first, second } = await pair(space, base);
      // Checked in, so the scheduler's release of no-shows leaves it be.
      clock.set(at(base, 58));
      const checkIn = await t.request('POST', `/api/v1/bookings/${first.id}/check-in`, { as: a });
      assert.equal(checkIn.status, 200, JSON.stringify(checkIn.body));

      clock.set(at(base, 99)); // 21 minutes before the first ends
      assert.equal(await sendHeadsUps(t.db, clock.now()), 0, 'not at 21 minutes');
      clock.set(at(base, 100)); // 20 minutes before
      const tasks = serverTasks(t.db);
      let scheduler = new Scheduler(tasks, { clock });
      await scheduler.runDue();
      // Restart at the same instant: the record in the database keeps it from going out twice.
      await scheduler.stop();
      scheduler = new Scheduler(tasks, { clock });
      await scheduler.runDue();
      await scheduler.stop();
      assert.equal(await sendHeadsUps(t.db, clock.now()), 0, 'not repeated');
      await runDelivery(t.db);
      const heads = await headsUps(a);
      assert.equal(heads.length, 1, JSON.stringify(heads));
      assert.equal(heads[0]!.data.nextBookingId, second.id);
      const jobs = await t.db.query<{ doneAt: Date }>(
        `SELECT done_at AS "doneAt" FROM booking_jobs WHERE site_id = $1 AND booking_id = $2 AND job = 'heads-up'`,
        [t.siteId, first.id],
      );
      assert.deepEqual(
        jobs.rows.map((r) => new Date(r.doneAt).toISOString()),
        [at(base, 100)],
      );
    });

    it('with 0 minutes sends none', async () => {
      await setLead(0);
      const space = await buildSpace(t, { name: 'Sparring ring', capacity: 8 });
      const base = at(t0, 3 * 24 * 60);
      clock.set(base);
      const { first } = await pair(space, base);
      for (const minute of [100, 110, 119]) {
        clock.set(at(base, minute));
        assert.equal(await sendHeadsUps(t.db, clock.now()), 0, `none at ${minute}`);
      }
      const jobs = await t.db.query(`SELECT 1 FROM booking_jobs WHERE site_id = $1 AND booking_id = $2`, [
        t.siteId,
        first.id,
      ]);
      assert.equal(jobs.rows.length, 0);
      // Turned back on, the same session gets its heads-up: 0 held nothing back for later.
      await setLead(5);
      assert.equal(await sendHeadsUps(t.db, clock.now()), 1);
    });

    it('PATCH /site validates headsUpMinutes, records the change, and is for admins only', async () => {
      for (const value of [-1, 241, 1.5, '20', null]) {
        const res = await t.request('PATCH', '/api/v1/site', {
          as: t.admin,
          body: { headsUpMinutes: value },
        });
        assert.ok(res.status === 400 || res.status === 422, JSON.stringify([value, res.status, res.body]));
        assert.equal(res.body.field, 'body.headsUpMinutes', JSON.stringify([value, res.body]));
      }
      for (const edge of [240, 0]) await setLead(edge);
      const forbidden = await t.request('PATCH', '/api/v1/site', { as: a, body: { headsUpMinutes: 30 } });
      assert.equal(forbidden.status, 403);
      assert.equal((await t.request('GET', '/api/v1/site', { as: a })).body.headsUpMinutes, 0);
      const events = await t.db.query<{ after: { headsUpMinutes: number } }>(
        `SELECT after FROM events WHERE site_id = $1 AND type = 'site.updated' ORDER BY id`,
        [t.siteId],
      );
      assert.deepEqual(
        events.rows.map((r) => r.after.headsUpMinutes),
        [20, 0, 5, 240, 0],
      );
    });
  });
}
