import nodemailer from 'nodemailer';
import { publicHost } from '../config.ts';
import { deliverEmail } from '../features/email/service.ts';
import { deliverWebhooks } from '../features/webhooks/service.ts';
import { Scheduler, type Task } from './scheduler.ts';
import type { HookContext, ServerHook } from './server-hook.ts';

/**
 * The integration deliveries (webhooks, email) as scheduler tasks, each state-driven from the
 * store; `close` releases what they hold (the SMTP connection pool).
 */
export function integrationTasks(ctx: HookContext): { tasks: Task[]; close: () => void } {
  const { db, clock, config } = ctx;
  const email: Task[] = [];
  let close: () => void = () => undefined;
  if (config.smtpUrl) {
    const transport = nodemailer.createTransport(config.smtpUrl);
    close = () => transport.close();
    email.push({
      name: 'deliver-email',
      everyMs: 1000,
      run: () => deliverEmail(db, clock, { transport, from: config.mailFrom, domain: publicHost(config) }),
    });
  } else ctx.log.info('email: off (set SHIPSHAPE_SMTP_URL to send notices by email)');
  const tasks: Task[] = [
    ...email,
    // Often enough that a receiver hears of a change well within half a second of its commit.
    {
      name: 'deliver-webhooks',
      everyMs: 100,
      run: () => deliverWebhooks(db, clock, { allowPrivate: config.webhookAllowPrivate }),
    },
  ];
  return { tasks, close };
}

/** Runs the integration deliveries while the server runs, on their own timers. */
export function integrationsHook(): ServerHook {
  let scheduler: Scheduler | undefined;
  let close: (() => void) | undefined;
  return {
    name: 'integrations',
    start(ctx: HookContext) {
      const made = integrationTasks(ctx);
      close = made.close;
      scheduler = new Scheduler(made.tasks, {
        clock: ctx.clock,
        onError: (task, err) => ctx.log.error({ err, task }, 'an integration delivery failed'),
      });
      scheduler.start();
    },
    async stop() {
      await scheduler?.stop();
      close?.();
    },
  };
}
