import type { Clock } from '../domain/clock.ts';

/**
 * A task the scheduler runs every `everyMs`. Tasks find their work in the database from the
 * clock's "now" and record what they did in the same transaction as the change, so a restart
 * (or a second server) neither loses nor repeats work: what was due while the server was down is
 * simply due at the next run.
 */
export interface Task {
  name: string;
  /** The longest wait between runs: the poll that catches work this process was not told of. */
  everyMs: number;
  run(now: Date): Promise<unknown>;
  /**
   * When the task next has work, if it can tell: the earliest instant after `now` and no later than
   * `until`, or null. The scheduler then runs it at that instant instead of a period later.
   */
  nextDue?(now: Date, until: Date): Promise<Date | null>;
}

export interface SchedulerOptions {
  clock: Clock;
  onError?: (task: string, err: unknown) => void;
}

/** How long `wake()` gathers changes before planning again: one look for a burst of bookings. */
const wakeDelayMs = 50;

/**
 * Runs tasks on the injected clock. In the server, `start()` drives each task on its own timer
 * (a slow task does not hold up the others): a task that can tell when its next work is due
 * (`nextDue`) runs at that instant, else a period after its last run; `wake()` after a change plans
 * again, since the change may have made something due sooner. Tests call `runDue()` after moving a
 * fake clock.
 */
export class Scheduler {
  private readonly nextAt = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** When each task's timer fires (clock ms), so a wake moves only timers it can bring forward. */
  private readonly plannedAt = new Map<string, number>();
  private readonly running = new Map<string, Promise<void>>();
  private stopped = true;
  private wakeTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly tasks: Task[],
    private readonly opts: SchedulerOptions,
  ) {}

  /** Runs one task now (waiting for a run in progress to finish first). */
  async runTask(name: string): Promise<void> {
    const task = this.tasks.find((t) => t.name === name);
    if (!task) throw new Error(`No task ${name}`);
    await this.running.get(name);
    const run = (async () => {
      try {
        await task.run(this.opts.clock.now());
      } catch (err) {
        this.opts.onError?.(name, err);
      }
    })();
    this.running.set(name, run);
    try {
      await run;
    } finally {
      if (this.running.get(name) === run) this.running.delete(name);
    }
  }

  /** Runs, one after another, every task whose period has passed on the clock. */
  async runDue(): Promise<string[]> {
    const now = this.opts.clock.now().getTime();
    const ran: string[] = [];
    for (const task of this.tasks) {
      const due = this.nextAt.get(task.name) ?? now;
      if (now < due) continue;
      this.nextAt.set(task.name, now + task.everyMs);
      await this.runTask(task.name);
      ran.push(task.name);
    }
    return ran;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    for (const task of this.tasks) this.loop(task);
  }

  /** Runs a task, then sets its timer for the next run. */
  private loop(task: Task): void {
    if (this.stopped) return;
    this.plannedAt.delete(task.name);
    void this.runTask(task.name).finally(() => this.plan(task));
  }

  /** Sets the task's timer at its next due instant, or a period from now, whichever is sooner. */
  private async plan(task: Task, onlyIfSooner = false): Promise<void> {
    if (this.stopped) return;
    const now = this.opts.clock.now().getTime();
    const planned = this.plannedAt.get(task.name);
    let at = onlyIfSooner && planned !== undefined ? planned : now + task.everyMs;
    if (task.nextDue) {
      try {
        const due = await task.nextDue(new Date(now), new Date(at));
        if (due) at = Math.min(at, due.getTime());
      } catch (err) {
        this.opts.onError?.(task.name, err);
      }
    }
    // Planning is asynchronous: the task may have started, been planned by another call or the
    // scheduler stopped meanwhile; only a timer that still stands is moved.
    if (this.stopped || this.running.has(task.name)) return;
    const current = this.plannedAt.get(task.name);
    if (current !== undefined && current <= at && (onlyIfSooner || current === planned)) return;
    clearTimeout(this.timers.get(task.name));
    this.plannedAt.set(task.name, at);
    // +1 ms: the store keeps microseconds, so a timer on the millisecond could run a hair early.
    const delay = Math.max(0, at - this.opts.clock.now().getTime() + 1);
    this.timers.set(
      task.name,
      setTimeout(() => this.loop(task), delay),
    );
  }

  /**
   * Something changed (a booking was made or moved): plan again the tasks that can tell when they are
   * due, so work the change made due sooner runs on time. Calls within a few ms are taken together.
   */
  wake(): void {
    if (this.stopped || this.wakeTimer) return;
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = undefined;
      for (const task of this.tasks) if (task.nextDue) void this.plan(task, true);
    }, wakeDelayMs);
  }

  /** Stops the timers and waits for runs in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.plannedAt.clear();
    clearTimeout(this.wakeTimer);
    this.wakeTimer = undefined;
    await Promise.all([...this.running.values()]);
  }
}
