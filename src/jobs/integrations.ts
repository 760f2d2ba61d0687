import { publicHost } from '../config.ts';
import { deliverEmail } from '../features/email/service.ts';
import { deliverWebhooks } from '../features/webhooks/service.ts';
import { Scheduler, type Task } from './scheduler.ts';
import type { HookContext, ServerHook } from './server-hook.ts';

/**
 * `fn` run one at a time: a call during a run asks for one more run after it (not one each), and
 * answers the promise of the run that will cover it.
 */
function oneAtATime(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  let again = false;
  let next: Promise<void> | undefined;
  const start = (): Promise<void> => {
    running = (async () => {
      try {
        await fn();
      } finally {
        running = undefined;
      }
    })();
    return running;
  };
  return () => {
    if (!running) return start();
    if (!again) {
      again = true;
      const current = running;
      next = current
        .catch(() => undefined)
        .then(() => {
          again = false;
          return running ?? start();
        });
    }
    return next!;
  };
}

/**
 * The integration deliveries (webhooks, email) as scheduler tasks, each state-driven from the
 * store; `close` releases what they hold (the SMTP connection pool). `deliverWebhooksNow` runs a
 * webhook round at once (or right after the one running): the store wakes it after each commit.
 */
export async function integrationTasks(ctx: HookContext): Promise<{
  tasks: Task[];
  close: () => void;
  deliverWebhooksNow: () => Promise<void>;
}> {
  const { db, clock, config } = ctx;
  const email: Task[] = [];
  let close: () => void = () => undefined;
  if (config.smtpUrl) {
    // Loaded only when email is configured: most servers send none.
    const { default: nodemailer } = await import('nodemailer');
    const transport = nodemailer.createTransport(config.smtpUrl);
    close = () => transport.close();
    email.push({
      name: 'deliver-email',
      everyMs: 1000,
      run: () => deliverEmail(db, clock, { transport, from: config.mailFrom, domain: publicHost(config) }),
    });
  } else ctx.log.info('email: off (set SHIPSHAPE_SMTP_URL to send notices by email)');
  const deliverWebhooksNow = oneAtATime(() =>
    deliverWebhooks(db, clock, { allowPrivate: config.webhookAllowPrivate }),
  );
  const tasks: Task[] = [
    ...email,
    // A commit wakes the round at once (LISTEN); the poll catches retries coming due, leases that
    // ran out and a lost listening connection.
    { name: 'deliver-webhooks', everyMs: 1000, run: deliverWebhooksNow },
  ];
  return { tasks, close, deliverWebhooksNow };
}

/** Runs the integration deliveries while the server runs, on their own timers. */
export function integrationsHook(): ServerHook {
  let scheduler: Scheduler | undefined;
  let close: (() => void) | undefined;
  let unlisten: (() => Promise<void>) | undefined;
  let woken: Promise<void> | undefined;
  return {
    name: 'integrations',
    async start(ctx: HookContext) {
      const made = await integrationTasks(ctx);
      close = made.close;
      scheduler = new Scheduler(made.tasks, {
        clock: ctx.clock,
        onError: (task, err) => ctx.log.error({ err, task }, 'an integration delivery failed'),
      });
      scheduler.start();
      try {
        unlisten = await ctx.db.listen('shipshape_webhooks', () => {
          woken = made
            .deliverWebhooksNow()
            .catch((err: unknown) => ctx.log.error({ err }, 'a webhook delivery failed'));
        });
      } catch (err) {
        ctx.log.warn({ err }, 'webhooks: no wake-up on commit (LISTEN failed); the poll delivers');
      }
    },
    async stop() {
      await unlisten?.();
      await woken;
      await scheduler?.stop();
      close?.();
    },
  };
}
