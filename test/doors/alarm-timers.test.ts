import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeClock, systemClock } from '../../src/domain/clock.ts';
import { checkDoorAlarms, nextDoorAlarmDue, recordReport } from '../../src/features/doors/service.ts';
import { setDeliveryWaker } from '../../src/features/notifications/live.ts';
import { Scheduler } from '../../src/jobs/scheduler.ts';
import { serverTasks } from '../../src/jobs/tasks.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { buildSpace } from '../support/factories.ts';
import { storeKinds } from '../support/store.ts';
import { DoorSimulator, type DoorTestApp, startDoorApp, waitFor } from './support.ts';

const sec = 1000;
const min = 60 * sec;
const hour = 60 * min;

/**
 * The door alarms are planned, not polled: the door-alarms task names the next instant an alarm or
 * a reminder can fall due (or a checked-in booking starts or ends), always in the future, and the
 * scheduler runs it then. On a fake clock (what is due when), then on the real clock with the real
 * scheduler and a simulated lock (how late).
 */
for (const kind of storeKinds())
  describe(`door alarms: when they next fall due (${kind})`, () => {
    const clock = new FakeClock('2026-03-02T10:00:00Z');
    let t: TestApp;
    let ref: { siteId: string; id: string };
    let space: string;
    const T0 = clock.now().getTime();
    const at = (ms: number) => new Date(T0 + ms);
    const next = (ms: number) => nextDoorAlarmDue(t.db, at(ms), at(ms + 24 * hour));

    before(async () => {
      t = await startTestApp(kind, { clock });
      space = await buildSpace(t, { kind: 'training', changeoverMinutes: 0 });
      const created = await t.request('POST', '/api/v1/doors', {
        as: t.admin,
        body: { spaceId: space, topic: 'zigbee2mqtt/planned', hasContact: true },
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      ref = { siteId: t.siteId, id: created.body.id };
      await recordReport(t.db, ref, { lockState: 'locked', contact: true }, at(0));
    });
    after(() => t.close());

    it('names the end of the delay, then the hourly reminder; never an instant already past', async () => {
      assert.equal(await next(0), null, 'a locked, closed door has nothing due');
      const delay = 5 * min; // the site default
      await recordReport(t.db, ref, { lockState: 'unlocked' }, at(1 * sec));
      assert.deepEqual(await next(1 * sec), at(1 * sec + delay));
      assert.deepEqual(await next(delay), at(1 * sec + delay), 'still ahead just before it');
      assert.equal((await checkDoorAlarms(t.db, at(delay))).raised, 0);
      assert.equal((await checkDoorAlarms(t.db, at(1 * sec + delay))).raised, 1, 'raised on its instant');
      assert.deepEqual(await next(1 * sec + delay), at(1 * sec + delay + hour), 'the reminder is next');
      assert.deepEqual(await next(2 * delay), at(1 * sec + delay + hour), 'not the past instant');

      // The door opens: held open falls due a delay later, before the reminder.
      await recordReport(t.db, ref, { contact: false }, at(10 * min));
      assert.deepEqual(await next(10 * min), at(10 * min + delay));
      assert.equal((await checkDoorAlarms(t.db, at(10 * min + delay))).raised, 1);
      assert.deepEqual(await next(10 * min + delay), at(1 * sec + delay + hour));
      // Past the reminders' instants nothing is named until they are sent.
      await checkDoorAlarms(t.db, at(1 * sec + delay + hour));
      const after = await next(1 * sec + delay + hour);
      assert.ok(after && after.getTime() > T0 + 1 * sec + delay + hour, 'only future instants');

      // Offline: the state is unknown, nothing is due until the lock is back.
      await t.db.query('UPDATE doors SET online = false WHERE id = $1', [ref.id]);
      assert.equal(await next(2 * hour), null);
      await t.db.query('UPDATE doors SET online = true WHERE id = $1', [ref.id]);
      await recordReport(t.db, ref, { lockState: 'locked', contact: true }, at(2 * hour));
      const open = await t.db.query('SELECT 1 FROM door_alarms WHERE door_id = $1 AND ended_at IS NULL', [
        ref.id,
      ]);
      assert.equal(open.rows.length, 0, 'locking and closing the door ends its episodes at once');
      assert.equal((await checkDoorAlarms(t.db, at(2 * hour))).cleared, 0);
      assert.equal(await next(2 * hour), null);
    });

    it('while a checked-in booking keeps the door in use, names the end of that booking', async () => {
      clock.set(at(3 * hour));
      const start = at(3 * hour);
      const end = at(3 * hour + 30 * min);
      const b = await t.request('POST', '/api/v1/bookings', {
        as: t.admin,
        body: { spaceId: space, start: start.toISOString(), end: end.toISOString(), title: 'Drill' },
      });
      assert.equal(b.status, 201, JSON.stringify(b.body));
      const c = await t.request('POST', `/api/v1/bookings/${b.body.id}/check-in`, { as: t.admin });
      assert.equal(c.status, 200, JSON.stringify(c.body));
      await recordReport(t.db, ref, { lockState: 'unlocked' }, at(3 * hour + 1 * min));
      assert.deepEqual(await next(3 * hour + 1 * min), at(3 * hour + 6 * min), 'the delay comes first');
      assert.equal((await checkDoorAlarms(t.db, at(3 * hour + 6 * min))).raised, 0, 'in use: no alarm');
      assert.deepEqual(await next(3 * hour + 6 * min), end, 'the end of the booking that keeps it in use');
      assert.equal((await checkDoorAlarms(t.db, end)).raised, 1, 'raised when the booking ends');
      await recordReport(t.db, ref, { lockState: 'locked' }, end);
      await checkDoorAlarms(t.db, end);
    });
  });

/** Door tasks with a ten-minute poll: only a timer at the instant nextDue names can be on time. */
function timedDoorTasks(t: DoorTestApp) {
  return serverTasks(t.db)
    .filter((task) => task.name === 'door-alarms' || task.name === 'door-relocks')
    .map((task) => ({ ...task, everyMs: 10 * min }));
}

const [store] = storeKinds();
describe(`door alarms and relocks on the real clock, with the scheduler (${store})`, () => {
  let t: DoorTestApp;
  let sim: DoorSimulator;
  let scheduler: Scheduler;
  let doorId: string;
  let topic: string;

  before(async () => {
    t = await startDoorApp(store!, 'embedded', { clock: systemClock });
    const space = await buildSpace(t, { kind: 'training' });
    topic = t.topic('timed');
    const created = await t.request('POST', '/api/v1/doors', {
      as: t.admin,
      body: { spaceId: space, topic, hasContact: true, alarmSeconds: 10 },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    doorId = created.body.id;
    sim = await DoorSimulator.start(t.brokerUrl, [{ topic }]);
    await waitFor('the lock to report', async () => {
      const d = await t.request('GET', `/api/v1/doors/${doorId}`, { as: t.admin });
      return d.body.state === 'locked';
    });
    scheduler = new Scheduler(timedDoorTasks(t), { clock: systemClock });
    // As the server's scheduler hook does: a change (here the lock's report) plans the timers again.
    setDeliveryWaker(t.db, () => scheduler.wake());
    scheduler.start();
  });
  after(async () => {
    setDeliveryWaker(t?.db, undefined);
    await scheduler?.stop();
    await sim?.close();
    await t?.close();
  });

  const eventsOf = async (type: string) =>
    (
      await t.db.query<{ at: Date; after: any }>(
        'SELECT at, after FROM events WHERE type = $1 AND subject_id = $2 ORDER BY id',
        [type, doorId],
      )
    ).rows;

  it('raises left-unlocked and held-open within a second of their instants, each once', async () => {
    await sim.turn(topic, 'unlock');
    await new Promise((r) => setTimeout(r, 2_000));
    await sim.setContact(topic, false);
    const raised = await waitFor(
      'both alarms',
      async () => {
        const rows = (await eventsOf('door.alarm')).filter((e) => !e.after.reminder);
        return rows.length >= 2 ? rows : undefined;
      },
      20_000,
    );
    const { rows } = await t.db.query<{ unlockedSince: Date; openSince: Date }>(
      'SELECT unlocked_since AS "unlockedSince", open_since AS "openSince" FROM doors WHERE id = $1',
      [doorId],
    );
    const due = {
      'left-unlocked': new Date(rows[0]!.unlockedSince).getTime() + 10 * sec,
      'held-open': new Date(rows[0]!.openSince).getTime() + 10 * sec,
    };
    for (const e of raised) {
      const late = new Date(e.at).getTime() - due[e.after.kind as keyof typeof due];
      assert.ok(late >= 0, `${e.after.kind} not before its instant`);
      assert.ok(late < 1000, `${e.after.kind} ${late} ms late`);
    }
    assert.deepEqual(raised.map((e) => e.after.kind).sort(), ['held-open', 'left-unlocked']);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await eventsOf('door.alarm')).length, 2, 'each once');
    await sim.setContact(topic, true);
    await sim.turn(topic, 'lock');
    await waitFor(
      'the alarms to clear',
      async () => (await eventsOf('door.alarm-cleared')).length === 2,
      5_000,
    );
  });

  it('sends the automatic relock on its instant', async () => {
    const patched = await t.request('PATCH', `/api/v1/doors/${doorId}`, {
      as: t.admin,
      headers: {
        'if-match': String((await t.request('GET', `/api/v1/doors/${doorId}`, { as: t.admin })).body.version),
      },
      body: { relockSeconds: 2 },
    });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    const unlock = await t.request('POST', `/api/v1/doors/${doorId}/unlock`, {
      as: t.admin,
      body: { reason: 'Relock check' },
    });
    assert.equal(unlock.status, 202, JSON.stringify(unlock.body));
    const relock = await waitFor(
      'the relock request',
      async () => (await eventsOf('door.requested')).find((e) => e.after.as === 'auto-relock') ?? undefined,
      10_000,
    );
    const { rows } = await t.db.query<{ at: Date }>(
      `SELECT at FROM events WHERE type = 'door.confirmed' AND subject_id = $1 AND after->>'action' = 'unlock' ORDER BY id DESC LIMIT 1`,
      [doorId],
    );
    const late = new Date(relock.at).getTime() - (new Date(rows[0]!.at).getTime() + 2 * sec);
    // The confirmation's event time is the store's, a few ms after the instant the relock was armed.
    assert.ok(late > -50 && late < 1000, `relock ${late} ms late`);
    await waitFor('the door to lock again', async () => sim.locks.get(topic)!.lockState === 'locked', 5_000);
  });
});
