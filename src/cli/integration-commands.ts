import type { Command } from 'commander';
import { ApiClient, loadCredentials } from './api-client.ts';
import type { CliIo } from './io.ts';

/** The CLI of calendar feeds, webhooks and email preferences; all through the API. */

function client(io: CliIo): ApiClient {
  const creds = loadCredentials(io.env);
  return new ApiClient(creds.url, creds.token);
}

interface FeedCreated {
  feed: { id: string; scope: string; subjectId: string };
  url: string;
  webcal: string;
}

async function spaceOrSquadId(
  api: ApiClient,
  path: '/spaces' | '/squads',
  nameOrId: string,
): Promise<string> {
  const all = await api.all<{ id: string; name: string }>(path);
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
      const api = client(io);
      const body = o.space
        ? { scope: 'space', subjectId: await spaceOrSquadId(api, '/spaces', o.space) }
        : o.squad
          ? { scope: 'squad', subjectId: await spaceOrSquadId(api, '/squads', o.squad) }
          : { scope: 'member' };
      printCreated(await api.call<FeedCreated>('POST', '/feeds', { body }), Boolean(o.json));
    });
  feeds
    .command('ls')
    .description('My feeds (without their secrets)')
    .option('--json')
    .action(async (o) => {
      const r = await client(io).call<{
        items: { id: string; scope: string; subjectId: string; lastUsedAt: string | null }[];
      }>('GET', '/feeds');
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
        await client(io).call<FeedCreated>('POST', `/feeds/${id}/rotate`, { body: {} }),
        Boolean(o.json),
      ),
    );
  feeds
    .command('revoke <id>')
    .description('Revoke a feed URL')
    .action(async (id: string) => {
      await client(io).call('DELETE', `/feeds/${id}`);
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
      const r = await client(io).call<{ endpoint: { id: string }; secret: string }>('POST', '/webhooks', {
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
      });
      io.out(`Endpoint ${r.endpoint.id}\nSigning secret (shown only now): ${r.secret}\n`);
    });
  hooks
    .command('ls')
    .option('--json')
    .action(async (o) => {
      const r = await client(io).call<{
        items: {
          id: string;
          url: string;
          enabled: boolean;
          eventTypes: string[];
          disabledReason: string | null;
        }[];
      }>('GET', '/webhooks');
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
        await client(io).call('PATCH', `/webhooks/${id}`, { body: { enabled } });
        io.out(`${enabled ? 'Enabled' : 'Disabled'} ${id}\n`);
      });
  hooks.command('rm <id>').action(async (id: string) => {
    await client(io).call('DELETE', `/webhooks/${id}`);
    io.out(`Deleted ${id}\n`);
  });
  hooks
    .command('log <id>')
    .description('The delivery log: status, attempts, last answer and response time')
    .option('--json')
    .action(async (id: string, o) => {
      const r = await client(io).call<{
        items: {
          id: string;
          eventType: string;
          status: string;
          attempts: number;
          lastStatus: number | null;
          lastResponseMs: number | null;
          lastError: string | null;
        }[];
      }>('GET', `/webhooks/${id}/deliveries`);
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
      await client(io).call('POST', `/webhooks/${id}/deliveries/${deliveryId}/resend`, { body: {} });
      io.out(`Queued delivery ${deliveryId} again\n`);
    });

  program
    .command('email')
    .description('Which notices come by email too: --on kind,kind --off kind')
    .option('--on <kinds>')
    .option('--off <kinds>')
    .action(async (o) => {
      const api = client(io);
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
          ? await api.call<{ available: boolean; kinds: Record<string, boolean> }>(
              'PUT',
              '/email/preferences',
              { body: { kinds } },
            )
          : await api.call<{ available: boolean; kinds: Record<string, boolean> }>(
              'GET',
              '/email/preferences',
            );
      if (!r.available) io.out('(this server sends no email: SHIPSHAPE_SMTP_URL is not set)\n');
      for (const [k, v] of Object.entries(r.kinds)) io.out(`${v ? 'email' : 'in-app'}  ${k}\n`);
    });
}
