import type { Clock } from '../domain/clock.ts';

/**
 * A task the scheduler runs every `everyMs`. Tasks find their work in the database from the
 * clock's "now" and record what they did in the same transaction as the change, so a restart
 * (or a second server) neither loses nor repeats work: what was due while the server was down is
 * simply due at the next run.
 */
export interface Task {
  name: string;
  everyMs: number;
  run(now: Date): Promise<unknown>;
}

export interface SchedulerOptions {
  clock: Clock;
  onError?: (task: string, err: unknown) => void;
}

/**
 * Runs tasks on the injected clock. In the server, `start()` drives each task on its own timer
 * (a slow task does not hold up the others); tests call `runDue()` after moving a fake clock.
 */
export class Scheduler {
  private readonly nextAt = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly running = new Map<string, Promise<void>>();
  private stopped = true;

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
    for (const task of this.tasks) {
      const loop = () => {
        if (this.stopped) return;
        void this.runTask(task.name).finally(() => {
          if (this.stopped) return;
          const timer = setTimeout(loop, task.everyMs);
          this.timers.set(task.name, timer);
        });
      };
      loop();
    }
  }

  /** Stops the timers and waits for runs in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    await Promise.all([...this.running.values()]);
  }
}
