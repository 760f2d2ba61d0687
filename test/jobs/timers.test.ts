import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { systemClock } from '../../src/domain/clock.ts';
import { Scheduler, type Task } from '../../src/jobs/scheduler.ts';
import { serverTasks } from '../../src/jobs/tasks.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { buildSpace } from '../support/factories.ts';
import { storeKinds } from '../support/store.ts';

/** Resolves when `check` holds, polling; rejects after `guardMs` (far beyond the period under test). */
async function eventually(check: () => boolean | Promise<boolean>, guardMs: number, what: string) {
  const until = Date.now() + guardMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`not within ${guardMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('scheduler timers on the real clock', () => {
  it('runs a task at the instant its nextDue names, not a period later', async () => {
    const runs: number[] = [];
    let due: Date | null = null;
    const task: Task = {
      name: 'timed',
      everyMs: 10 * 60_000,
      run: async () => {
        runs.push(Date.now());
        due = null;
      },
      nextDue: async (now, until) => (due && due > now && due <= until ? due : null),
    };
    const s = new Scheduler([task], { clock: systemClock });
    s.start();
    try {
      // The first run is at start and clears `due`; a second one can only come from a timer planned
      // at a due instant, here one named after a wake (the period is ten minutes).
      await eventually(() => runs.length === 1, 5_000, 'the run at start');
      const dueAt = Date.now() + 300;
      due = new Date(dueAt);
      s.wake();
      await eventually(() => runs.length === 2, 20_000, 'the run at the due instant after a wake');
      assert.ok(runs[1]! >= dueAt, 'not before the due instant');
    } finally {
      await s.stop();
    }
  });

  it('keeps the period when nothing is due, and a wake does not run a task early', async () => {
    let runs = 0;
    const task: Task = {
      name: 'idle',
      everyMs: 10 * 60_000,
      run: async () => {
        runs += 1;
      },
      nextDue: async () => null,
    };
    const s = new Scheduler([task], { clock: systemClock });
    s.start();
    try {
      await eventually(() => runs === 1, 5_000, 'the run at start');
      s.wake();
      s.wake();
      await new Promise((r) => setTimeout(r, 400));
      assert.equal(runs, 1);
    } finally {
      await s.stop();
    }
  });
});

for (const kind of storeKinds()) {
  describe(`timed jobs fire when due (${kind})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(kind);
    });
    after(() => t.close());

    it('sends a heads-up at its instant, planned after the booking that makes it due', async () => {
      const scheduler = new Scheduler(serverTasks(t.db), { clock: systemClock });
      scheduler.start();
      try {
        const space = await buildSpace(t, { changeoverMinutes: 0 });
        // A 30-minute heads-up on a 30-minute session is due at its start: three seconds from now.
        await t.request('PATCH', '/api/v1/site', { as: t.admin, body: { headsUpMinutes: 30 } });
        const start = new Date(Date.now() + 3_000);
        const end = new Date(start.getTime() + 30 * 60_000);
        const first = await t.request('POST', '/api/v1/bookings', {
          as: t.admin,
          body: { spaceId: space, start: start.toISOString(), end: end.toISOString(), title: 'Pads' },
        });
        assert.equal(first.status, 201, JSON.stringify(first.body));
        const next = await t.request('POST', '/api/v1/bookings', {
          as: t.admin,
          body: {
            spaceId: space,
            start: end.toISOString(),
            end: new Date(end.getTime() + 30 * 60_000).toISOString(),
            title: 'Squad drill',
          },
        });
        assert.equal(next.status, 201, JSON.stringify(next.body));
        scheduler.wake();
        const headsUp = async () =>
          (
            await t.db.query(`SELECT 1 FROM events WHERE type = 'booking.heads-up' AND subject_id = $1`, [
              first.body.id,
            ])
          ).rows.length === 1;
        // The poll is 30 s: only the timer at the due instant can make it within 20 s.
        await eventually(headsUp, 20_000, 'the heads-up');
        const sentAt = await t.db.query<{ at: Date }>(
          `SELECT at FROM events WHERE type = 'booking.heads-up' AND subject_id = $1`,
          [first.body.id],
        );
        assert.ok(new Date(sentAt.rows[0]!.at).getTime() >= start.getTime() - 1, 'not before it was due');
      } finally {
        await scheduler.stop();
      }
    });
  });
}
