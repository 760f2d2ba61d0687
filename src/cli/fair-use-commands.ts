import type { Command } from 'commander';
import { localDateTime } from '../domain/time.ts';
import { answer, type Json, signedInApi } from './api-client.ts';
import { parseTimeArg } from './api-commands.ts';
import { CliError, type CliIo } from './io.ts';
import { listSpaces, resolveMember, resolveSpace, resolveSquad, siteZone } from './lookups.ts';

/** `shipshape waitlist` and `shipshape quota`: names, not ids; everything through the API. */

const local = (iso: string, zone: string) => localDateTime(new Date(iso), zone).replace('T', ' ');

/** A waitlist entry as the API answers it. */
type Entry = Json<'/api/v1/waitlist', 'post'>;

function entryLine(e: Entry, zone: string, spaces: Map<string, string>): string {
  const what = e.lengthMinutes
    ? `${e.lengthMinutes} min between ${local(e.start, zone)} and ${local(e.end, zone)}`
    : `${local(e.start, zone)}–${local(e.end, zone).slice(11)}`;
  const state =
    e.status === 'waiting'
      ? `waiting, #${e.position} in line`
      : e.status === 'offered'
        ? `OFFERED until ${local(e.offerExpiresAt!, zone)}: shipshape waitlist accept ${e.id}`
        : e.status;
  return `${e.id}  ${spaces.get(e.spaceId) ?? e.spaceId}  ${what}  "${e.title}"  ${state}\n`;
}

export function registerWaitlistCommands(program: Command, io: CliIo): void {
  const waitlist = program
    .command('waitlist')
    .description('Wait for a taken slot of a space (through the API)');

  waitlist
    .command('join')
    .description(
      'Join the line for a taken slot; with --length, any free slot of that length between --start and --end',
    )
    .requiredOption('--space <name|id>', 'the space')
    .requiredOption('--start <time>', 'RFC 3339, or "YYYY-MM-DD HH:MM" in the site\'s zone')
    .requiredOption('--end <time>', 'as --start')
    .requiredOption('--title <title>', 'what the booking will be for')
    .option('--length <minutes>', 'any free slot of this many minutes between --start and --end')
    .option('--squad <name>', 'wait for your squad (squad leaders)')
    .option('--offer', 'offer me the slot with a hold to accept, instead of booking it at once')
    .option('--auto-book', 'book it at once when it frees (the default for an exact slot)')
    .option('--json', 'print the entry as JSON')
    .action(async (o) => {
      const api = signedInApi(io.env);
      const zone = await siteZone(api);
      const space = await resolveSpace(api, o.space);
      const length = o.length === undefined ? undefined : Number(o.length);
      if (length !== undefined && (!Number.isInteger(length) || length < 1 || length > 1440))
        throw new CliError(`--length must be 1 to 1440 minutes, got ${o.length}`);
      if (o.offer && o.autoBook) throw new CliError('Give --offer or --auto-book, not both');
      const body = {
        spaceId: space.id,
        start: parseTimeArg(o.start, zone, '--start').toISOString(),
        end: parseTimeArg(o.end, zone, '--end').toISOString(),
        title: o.title,
        ...(length !== undefined ? { lengthMinutes: length } : {}),
        ...(o.squad ? { squadId: (await resolveSquad(api, o.squad)).id } : {}),
        ...(o.offer ? { autoBook: false } : o.autoBook ? { autoBook: true } : {}),
      };
      const e = await answer(api.POST('/api/v1/waitlist', { body }));
      io.out(
        o.json ? `${JSON.stringify(e, null, 2)}\n` : entryLine(e, zone, new Map([[space.id, space.name]])),
      );
    });

  waitlist
    .command('ls')
    .description('My waitlist entries and my place in each line')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const api = signedInApi(io.env);
      const { items } = await answer(api.GET('/api/v1/waitlist'));
      if (o.json) return io.out(`${JSON.stringify(items, null, 2)}\n`);
      if (items.length === 0) return io.out('Not waiting for anything.\n');
      const zone = await siteZone(api);
      const spaces = new Map((await listSpaces(api)).map((s) => [s.id, s.name]));
      for (const e of items) io.out(entryLine(e, zone, spaces));
    });

  for (const [name, verb, text] of [
    ['leave', 'leave', 'Leave a line (or decline an offer: it passes to the next)'],
    ['accept', 'accept', 'Accept an offered slot while it is held'],
  ] as const)
    waitlist
      .command(name)
      .description(text)
      .argument('<id>', 'the entry id (shipshape waitlist ls)')
      .action(async (id: string) => {
        const api = signedInApi(io.env);
        const params = { params: { path: { id } } };
        const e = await answer(
          verb === 'leave'
            ? api.POST('/api/v1/waitlist/{id}/leave', params)
            : api.POST('/api/v1/waitlist/{id}/accept', params),
        );
        io.out(
          `${e.id}  ${e.status}${e.bookingId && e.status === 'booked' ? `  booking ${e.bookingId}` : ''}\n`,
        );
      });
}

/** A quota rule as the API answers it. */
type Rule = Json<'/api/v1/quotas', 'post'>;

const ruleText = (r: Rule) =>
  `at most ${r.maximum} ${r.metric} a ${r.period}${r.window ? `, ${r.window.start}–${r.window.end}` : ''}` +
  `${r.spaceKind ? `, ${r.spaceKind} spaces` : r.spaceId ? ', one space' : ''}` +
  `${r.memberId ? ', one member' : r.squadId ? ', each of a squad' : ', everyone'}` +
  `${r.countParticipants ? ', participants count' : ''}`;

export function registerQuotaCommands(program: Command, io: CliIo): void {
  const quota = program
    .command('quota')
    .description('Fair-use quotas (through the API; ls/set/rm for admins)');

  quota
    .command('ls')
    .description("The site's quota rules (admins)")
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const { items } = await answer(signedInApi(io.env).GET('/api/v1/quotas'));
      if (o.json) return io.out(`${JSON.stringify(items, null, 2)}\n`);
      if (items.length === 0) return io.out('No quota rules.\n');
      for (const r of items) io.out(`${r.id}  ${r.name}: ${ruleText(r)}\n`);
    });

  quota
    .command('set')
    .description('Add a rule, or replace the rule of that name (admins)')
    .requiredOption('--name <name>', 'the rule name')
    .requiredOption('--metric <hours|sessions>')
    .requiredOption('--period <day|week|month>', "in the site's zone; weeks start on Monday")
    .requiredOption('--max <n>', 'the most hours or sessions in a period')
    .option('--member <email|name>', 'only this member')
    .option('--squad <name>', 'each member of this squad')
    .option('--space <name|id>', 'only this space')
    .option('--kind <kind>', 'only spaces of this kind (training, sparring, briefing, cabin, other)')
    .option('--window <HH:MM-HH:MM>', 'count only this time of day (e.g. 18:00-23:00)')
    .option('--count-participants', 'a booking counts for each participant, not only its organizer')
    .action(async (o) => {
      const api = signedInApi(io.env);
      const max = Number(o.max);
      if (!Number.isFinite(max) || max <= 0)
        throw new CliError(`--max must be a number above 0, got ${o.max}`);
      let window: { start: string; end: string } | undefined;
      if (o.window) {
        const m = /^(\d{2}:\d{2})-(\d{2}:\d{2})$/.exec(o.window.trim());
        if (!m) throw new CliError(`--window must be like 18:00-23:00, got ${o.window}`);
        window = { start: m[1]!, end: m[2]! };
      }
      const body = {
        name: o.name,
        metric: o.metric as 'hours' | 'sessions',
        period: o.period as 'day' | 'week' | 'month',
        maximum: max,
        ...(o.member ? { memberId: (await resolveMember(api, o.member)).id } : {}),
        ...(o.squad ? { squadId: (await resolveSquad(api, o.squad)).id } : {}),
        ...(o.space ? { spaceId: (await resolveSpace(api, o.space)).id } : {}),
        ...(o.kind ? { spaceKind: o.kind as 'training' | 'sparring' | 'briefing' | 'cabin' | 'other' } : {}),
        ...(window ? { window } : {}),
        ...(o.countParticipants ? { countParticipants: true } : {}),
      };
      const old = (await answer(api.GET('/api/v1/quotas'))).items.find(
        (r) => r.name.toLowerCase() === String(o.name).trim().toLowerCase(),
      );
      if (old) await answer(api.DELETE('/api/v1/quotas/{id}', { params: { path: { id: old.id } } }));
      const r = await answer(api.POST('/api/v1/quotas', { body }));
      io.out(`${r.id}  ${r.name}: ${ruleText(r)}\n`);
    });

  quota
    .command('rm')
    .description('Remove a rule by id or name (admins)')
    .argument('<rule>', 'id or name')
    .action(async (text: string) => {
      const api = signedInApi(io.env);
      const all = (await answer(api.GET('/api/v1/quotas'))).items;
      const r = all.find((x) => x.id === text || x.name.toLowerCase() === text.trim().toLowerCase());
      if (!r) throw new CliError(`No quota rule ${text}`);
      await answer(api.DELETE('/api/v1/quotas/{id}', { params: { path: { id: r.id } } }));
      io.out(`Removed ${r.name}\n`);
    });

  quota
    .command('me')
    .description('My quotas now: used and remaining, the tightest first')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      const api = signedInApi(io.env);
      const { items } = await answer(api.GET('/api/v1/me/quota'));
      if (o.json) return io.out(`${JSON.stringify(items, null, 2)}\n`);
      if (items.length === 0) return io.out('No quota applies to you.\n');
      const zone = await siteZone(api);
      for (const u of items)
        io.out(
          `${u.rule.name}: ${u.used} of ${u.rule.maximum} ${u.rule.metric} used, ${u.remaining} left until ${local(u.periodEnd, zone)}\n`,
        );
    });
}
