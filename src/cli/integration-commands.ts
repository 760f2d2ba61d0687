import type { Command } from 'commander';
import { type Api, answer, type Json, signedInApi } from './api-client.ts';
import type { CliIo } from './io.ts';
import { listSpaces, listSquads } from './lookups.ts';

/** The CLI of calendar feeds, webhooks and email preferences; all through the API. */

type FeedCreated = Json<'/api/v1/feeds/{id}/rotate', 'post'>;

/** A space's or squad's id from its name (or the id itself). */
async function spaceOrSquadId(api: Api, kind: 'space' | 'squad', nameOrId: string): Promise<string> {
  const all = kind === 'space' ? await listSpaces(api) : await listSquads(api);
  const hit =
    all.find((x) => x.id === nameOrId) ?? all.find((x) => x.name.toLowerCase() === nameOrId.toLowerCase());
  return hit?.id ?? nameOrId;
}

export function registerIntegrationCommands(program: Command, io: CliIo): void {
  const feeds = program
    .command('feeds')
    .description('Secret calendar feed URLs (iCalendar): my sessions, a space, a squad');
  const printCreated = (r: FeedCreated, json: boolean) => {
    if (json) return io.out(`${JSON.stringify(r, null, 2)}\n`);
    io.out(
      `${r.feed.scope} feed ${r.feed.id}\n  ${r.url}\n  ${r.webcal}\nKeep it secret: anyone with the URL sees the feed. It is shown only now.\n`,
    );
  };
  feeds
    .command('create')
    .description('Make a feed URL (default: my sessions)')
    .option('--space <name|id>', 'a space feed')
    .option('--squad <name|id>', 'a squad feed')
    .option('--json')
    .action(async (o) => {
      const api = signedInApi(io.env);
      const body = o.space
        ? { scope: 'space' as const, subjectId: await spaceOrSquadId(api, 'space', o.space) }
        : o.squad
          ? { scope: 'squad' as const, subjectId: await spaceOrSquadId(api, 'squad', o.squad) }
          : { scope: 'member' as const };
      printCreated(await answer(api.POST('/api/v1/feeds', { body })), Boolean(o.json));
    });
  feeds
    .command('ls')
    .description('My feeds (without their secrets)')
    .option('--json')
    .action(async (o) => {
      const r = await answer(signedInApi(io.env).GET('/api/v1/feeds'));
      if (o.json) return io.out(`${JSON.stringify(r.items, null, 2)}\n`);
      for (const f of r.items)
        io.out(`${f.id}  ${f.scope.padEnd(6)}  ${f.subjectId}  last used ${f.lastUsedAt ?? 'never'}\n`);
    });
  feeds
    .command('rotate <id>')
    .description('Replace a feed URL by a new one (the old stops working)')
    .option('--json')
    .action(async (id: string, o) =>
      printCreated(
        await answer(signedInApi(io.env).POST('/api/v1/feeds/{id}/rotate', { params: { path: { id } } })),
        Boolean(o.json),
      ),
    );
  feeds
    .command('revoke <id>')
    .description('Revoke a feed URL')
    .action(async (id: string) => {
      await answer(signedInApi(io.env).DELETE('/api/v1/feeds/{id}', { params: { path: { id } } }));
      io.out(`Revoked ${id}\n`);
    });

  const hooks = program
    .command('webhooks')
    .description('Webhook endpoints (admins): Standard Webhooks, signed');
  hooks
    .command('add <url>')
    .description('Register an endpoint; prints its signing secret once')
    .option('--events <types>', 'comma-separated, e.g. booking.*,series.created (default: all)')
    .option('--description <text>')
    .action(async (url: string, o) => {
      const r = await answer(
        signedInApi(io.env).POST('/api/v1/webhooks', {
          body: {
            url,
            ...(o.events
              ? {
                  eventTypes: String(o.events)
                    .split(',')
                    .map((s) => s.trim())
                    .filter(Boolean),
                }
              : {}),
            ...(o.description ? { description: o.description } : {}),
          },
        }),
      );
      io.out(`Endpoint ${r.endpoint.id}\nSigning secret (shown only now): ${r.secret}\n`);
    });
  hooks
    .command('ls')
    .option('--json')
    .action(async (o) => {
      const r = await answer(signedInApi(io.env).GET('/api/v1/webhooks'));
      if (o.json) return io.out(`${JSON.stringify(r.items, null, 2)}\n`);
      for (const e of r.items)
        io.out(
          `${e.id}  ${e.enabled ? 'on ' : 'off'}  ${e.url}  ${e.eventTypes.join(',') || 'all'}${e.disabledReason ? `  (${e.disabledReason})` : ''}\n`,
        );
    });
  for (const [name, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const)
    hooks
      .command(`${name} <id>`)
      .description(`Turn an endpoint ${enabled ? 'on (again)' : 'off'}`)
      .action(async (id: string) => {
        await answer(
          signedInApi(io.env).PATCH('/api/v1/webhooks/{id}', { params: { path: { id } }, body: { enabled } }),
        );
        io.out(`${enabled ? 'Enabled' : 'Disabled'} ${id}\n`);
      });
  hooks.command('rm <id>').action(async (id: string) => {
    await answer(signedInApi(io.env).DELETE('/api/v1/webhooks/{id}', { params: { path: { id } } }));
    io.out(`Deleted ${id}\n`);
  });
  hooks
    .command('log <id>')
    .description('The delivery log: status, attempts, last answer and response time')
    .option('--json')
    .action(async (id: string, o) => {
      const r = await answer(
        signedInApi(io.env).GET('/api/v1/webhooks/{id}/deliveries', { params: { path: { id } } }),
      );
      if (o.json) return io.out(`${JSON.stringify(r.items, null, 2)}\n`);
      for (const d of r.items)
        io.out(
          `${d.id.padStart(6)}  ${d.eventType.padEnd(22)}  ${d.status.padEnd(9)}  ${d.attempts}x  ${d.lastStatus ?? d.lastError ?? ''}  ${d.lastResponseMs ?? ''} ms\n`,
        );
    });
  hooks
    .command('resend <id> <deliveryId>')
    .description('Send a delivery again (same webhook-id)')
    .action(async (id: string, deliveryId: string) => {
      await answer(
        signedInApi(io.env).POST('/api/v1/webhooks/{id}/deliveries/{deliveryId}/resend', {
          params: { path: { id, deliveryId } },
        }),
      );
      io.out(`Queued delivery ${deliveryId} again\n`);
    });

  program
    .command('email')
    .description('Which notices come by email too: --on kind,kind --off kind')
    .option('--on <kinds>')
    .option('--off <kinds>')
    .action(async (o) => {
      const api = signedInApi(io.env);
      const kinds: Record<string, boolean> = {};
      for (const k of String(o.on ?? '')
        .split(',')
        .filter(Boolean))
        kinds[k.trim()] = true;
      for (const k of String(o.off ?? '')
        .split(',')
        .filter(Boolean))
        kinds[k.trim()] = false;
      const r =
        Object.keys(kinds).length > 0
          ? await answer(api.PUT('/api/v1/email/preferences', { body: { kinds } }))
          : await answer(api.GET('/api/v1/email/preferences'));
      if (!r.available) io.out('(this server sends no email: SHIPSHAPE_SMTP_URL is not set)\n');
      for (const [k, v] of Object.entries(r.kinds)) io.out(`${v ? 'email' : 'in-app'}  ${k}\n`);
    });
}
