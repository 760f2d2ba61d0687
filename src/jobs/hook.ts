import { setDeliveryWaker } from '../features/notifications/live.ts';
import { runDelivery } from '../features/notifications/service.ts';
import { Scheduler } from './scheduler.ts';
import type { HookContext, ServerHook } from './server-hook.ts';
import { serverTasks } from './tasks.ts';

/**
 * Runs the scheduler while the server runs, on the server's clock, and delivers notices as soon as a
 * change is answered (the periodic delivery task catches anything else, e.g. from another process);
 * a change also has the scheduler plan its timed jobs again.
 */
export function schedulerHook(): ServerHook {
  let scheduler: Scheduler | undefined;
  let stopDelivery: (() => Promise<void>) | undefined;
  return {
    name: 'scheduler',
    start(ctx: HookContext) {
      scheduler = new Scheduler(serverTasks(ctx.db), {
        clock: ctx.clock,
        onError: (task, err) => ctx.log.error({ err, task }, 'a scheduled task failed'),
      });
      scheduler.start();
      // One delivery at a time; wake-ups during a run cause one more run, not one each.
      let running: Promise<void> | undefined;
      let again = false;
      const wake = () => {
        // A change may have made a job due sooner than its timer (a heads-up for the session before).
        scheduler?.wake();
        if (running) {
          again = true;
          return;
        }
        running = (async () => {
          do {
            again = false;
            await runDelivery(ctx.db, () => ctx.clock.now()).catch((err: unknown) =>
              ctx.log.error({ err }, 'notice delivery failed'),
            );
          } while (again);
          running = undefined;
        })();
      };
      setDeliveryWaker(ctx.db, wake);
      stopDelivery = async () => {
        setDeliveryWaker(ctx.db, undefined);
        await running;
      };
    },
    async stop() {
      await stopDelivery?.();
      await scheduler?.stop();
    },
  };
}
