import type { HookContext, ServerHook } from '../server.ts';
import { Scheduler } from './scheduler.ts';
import { serverTasks } from './tasks.ts';

/** Runs the scheduler while the server runs, on the server's clock. */
export function schedulerHook(): ServerHook {
  let scheduler: Scheduler | undefined;
  return {
    name: 'scheduler',
    start(ctx: HookContext) {
      scheduler = new Scheduler(serverTasks(ctx.db), {
        clock: ctx.clock,
        onError: (task, err) => ctx.log.error({ err, task }, 'a scheduled task failed'),
      });
      scheduler.start();
    },
    async stop() {
      await scheduler?.stop();
    },
  };
}
