import { deliverWebhooks } from '../features/webhooks/service.ts';
import type { HookContext, ServerHook } from '../server.ts';
import { Scheduler, type Task } from './scheduler.ts';

/** The integration deliveries (webhooks, email) as scheduler tasks, each state-driven from the store. */
export function integrationTasks(ctx: HookContext): Task[] {
  const { db, clock, config } = ctx;
  return [
    // Often enough that a receiver hears of a change well within half a second of its commit.
    {
      name: 'deliver-webhooks',
      everyMs: 100,
      run: () => deliverWebhooks(db, clock, { allowPrivate: config.webhookAllowPrivate }),
    },
  ];
}

/** Runs the integration deliveries while the server runs, on their own timers. */
export function integrationsHook(): ServerHook {
  let scheduler: Scheduler | undefined;
  return {
    name: 'integrations',
    start(ctx: HookContext) {
      scheduler = new Scheduler(integrationTasks(ctx), {
        clock: ctx.clock,
        onError: (task, err) => ctx.log.error({ err, task }, 'an integration delivery failed'),
      });
      scheduler.start();
    },
    async stop() {
      await scheduler?.stop();
    },
  };
}
