import type { Command } from 'commander';
import { formatInZone, formatLocalRange, formatLocalWithOffset } from '../domain/time.ts';
import { ApiError, answer, signedInApi } from './api-client.ts';
import { parseTimeArg } from './api-commands.ts';
import { CliError, type CliIo } from './io.ts';
import {
  collect,
  idArg,
  listSpaces,
  resolveMembers,
  resolveSpace,
  resolveSquads,
  siteZone,
} from './lookups.ts';

/** The CLI of recurring sessions, check-in, moves, repeats and notifications; all through the API. */

/** Times in CLI messages are in the site's zone with its offset. */
const when = (b: { start: string; end: string }, zone: string) =>
  formatLocalRange(new Date(b.start), new Date(b.end), zone);

/** A conflict's problem as lines naming what is in the way. */
function explain(err: unknown, zone: string): never {
  if (err instanceof ApiError && err.problem) {
    const p = err.problem;
    const extra: string[] = [];
    if (typeof p.freeAt === 'string')
      extra.push(`  the space frees at ${formatLocalWithOffset(new Date(p.freeAt), zone)}`);
    for (const o of (p.occurrences as { start: string }[] | undefined) ?? [])
      extra.push(`  taken: ${formatLocalWithOffset(new Date(o.start), zone)}`);
    if (!p.occurrences)
      for (const c of (p.conflicts as { start: string; end: string; title: string }[] | undefined) ?? [])
        extra.push(`  in the way: ${when(c, zone)}  ${c.title}`);
    if (extra.length > 0) throw new CliError(`${err.message}\n${extra.join('\n')}`);
  }
  throw err;
}

export function registerNightCommands(program: Command, io: CliIo): void {
  const series = program.command('series').description('Recurring sessions (through the API)');
  series
    .command('create')
    .description('Create a series from an RRULE, e.g. --rrule FREQ=DAILY --time 22:00 --minutes 90')
    .requiredOption('--space <name|id>')
    .requiredOption('--rrule <rule>', 'FREQ=DAILY|WEEKLY|MONTHLY;INTERVAL;BYDAY;BYMONTHDAY;COUNT|UNTIL')
    .requiredOption('--time <HH:MM>', "local start time in the site's zone")
    .requiredOption('--minutes <n>', 'length of each session')
    .requiredOption('--from <YYYY-MM-DD>', 'first date')
    .requiredOption('--title <title>')
    .option('--with <member>', 'a participant by name, email or id (repeatable, or comma-separated)', collect)
    .option('--squad <squad>', 'a squad taking part, by name or id (repeatable)', collect)
    .option('--skip-conflicts', 'book the free occurrences and list the skipped (default: all or nothing)')
    .action(async (o) => {
      const api = signedInApi(io.env);
      const zone = await siteZone(api);
      const space = await resolveSpace(api, o.space);
      const minutes = Number(o.minutes);
      if (!Number.isInteger(minutes) || minutes < 1)
        throw new CliError(`--minutes must be a whole number, got ${o.minutes}`);
      const members = await resolveMembers(api, o.with);
      const squads = await resolveSquads(api, o.squad);
      const created = await answer(
        api.POST('/api/v1/series', {
          body: {
            spaceId: space.id,
            rrule: o.rrule,
            startTime: o.time,
            durationMinutes: minutes,
            startDate: o.from,
            title: o.title,
            ...(members.length > 0 || squads.length > 0 ? { participants: { members, squads } } : {}),
            policy: o.skipConflicts ? 'skip-conflicts' : 'all-or-nothing',
          },
        }),
      ).catch((err: unknown) => explain(err, zone));
      io.out(`Series ${created.series.id}: ${created.booked.length} sessions booked in ${space.name}\n`);
      for (const s of created.skipped)
        io.out(`  skipped (taken): ${formatLocalWithOffset(new Date(s.start), zone)}\n`);
    });
  series
    .command('ls')
    .description('Series I organize or take part in')
    .option('--json')
    .action(async (o) => {
      const api = signedInApi(io.env);
      const list = await answer(api.GET('/api/v1/series'));
      if (o.json) return io.out(`${JSON.stringify(list.items, null, 2)}\n`);
      if (list.items.length === 0) return io.out('No series\n');
      for (const s of list.items)
        io.out(`${s.id}  ${s.status.padEnd(9)}  ${s.startTime}  ${s.rrule}  ${s.title}\n`);
    });
  series
    .command('cancel')
    .description('Cancel a series: all (default), or one occurrence / this and following with --occurrence')
    .argument('<id>')
    .option('--scope <scope>', 'one | following | all', 'all')
    .option('--occurrence <time>', 'the original start of the occurrence')
    .option('--reason <reason>', "needed when an admin cancels someone else's series")
    .action(async (id: string, o) => {
      const api = signedInApi(io.env);
      const zone = await siteZone(api);
      const query = {
        scope: o.scope,
        ...(o.occurrence
          ? { occurrence: parseTimeArg(o.occurrence, zone, '--occurrence').toISOString() }
          : {}),
        ...(o.reason ? { reason: o.reason } : {}),
      };
      const res = await answer(
        api.DELETE('/api/v1/series/{id}', { params: { path: { id: idArg(id) }, query } }),
      );
      io.out(`Series ${id} is ${res.status}\n`);
    });

  program
    .command('repeat')
    .description('Book a session again: same time tomorrow (default) or next week')
    .argument('<booking-id>')
    .option('--next-week', 'a week later instead of tomorrow')
    .action(async (id: string, o) => {
      const api = signedInApi(io.env);
      const zone = await siteZone(api);
      const b = await answer(
        api.POST('/api/v1/bookings/{id}/repeat', {
          params: { path: { id: idArg(id) } },
          body: { when: o.nextWeek ? 'next-week' : 'tomorrow' },
        }),
      ).catch((err: unknown) => explain(err, zone));
      // A repeat books a session of its own; an occurrence of a series in the answer is the one the
      // series already holds at that time (nothing was booked twice).
      io.out(
        `${b.seriesId ? 'Already booked by its series:' : 'Booked'} ${when(b, zone)}  ${b.title}  (${b.id})\n`,
      );
    });

  program
    .command('check-in')
    .description('Check in to a booking')
    .argument('<booking-id>')
    .action(async (id: string) => {
      const api = signedInApi(io.env);
      const zone = await siteZone(api);
      const b = await answer(
        api.POST('/api/v1/bookings/{id}/check-in', { params: { path: { id: idArg(id) } }, body: {} }),
      ).catch((err: unknown) => explain(err, zone));
      io.out(`Checked in: ${when(b, zone)}  ${b.title}\n`);
    });

  program
    .command('check-out')
    .description('Check out; the rest of the slot is free at once')
    .argument('<booking-id>')
    .action(async (id: string) => {
      const api = signedInApi(io.env);
      const zone = await siteZone(api);
      const b = await answer(
        api.POST('/api/v1/bookings/{id}/check-out', { params: { path: { id: idArg(id) } }, body: {} }),
      );
      io.out(`Checked out: ${when(b, zone)}  ${b.title}\n`);
    });

  program
    .command('move')
    .description('Move a booking to another space and/or time; participants are told')
    .argument('<booking-id>')
    .option('--space <name|id>')
    .option('--start <time>', 'RFC 3339, or "YYYY-MM-DD HH:MM" local to the site')
    .option('--end <time>', 'as --start (default: keep the length)')
    .option('--message <text>', 'told to the participants')
    .action(async (id: string, o) => {
      const api = signedInApi(io.env);
      const zone = await siteZone(api);
      const spaces = await listSpaces(api);
      const body = {
        ...(o.space ? { spaceId: (await resolveSpace(api, o.space, spaces)).id } : {}),
        ...(o.start ? { start: formatInZone(parseTimeArg(o.start, zone, '--start'), zone) } : {}),
        ...(o.end ? { end: formatInZone(parseTimeArg(o.end, zone, '--end'), zone) } : {}),
        ...(o.message ? { message: String(o.message) } : {}),
      };
      const b = await answer(
        api.POST('/api/v1/bookings/{id}/move', { params: { path: { id: idArg(id) } }, body }),
      ).catch((err: unknown) => explain(err, zone));
      const where = spaces.find((s) => s.id === b.spaceId)?.name ?? b.spaceId;
      io.out(`Moved to ${where}: ${when(b, zone)}  ${b.title}  (times in ${zone})\n`);
    });

  program
    .command('notifications')
    .description('My notices, newest first')
    .option('--unread', 'only unread ones')
    .option('--read-all', 'mark all read')
    .option('--json')
    .action(async (o) => {
      const api = signedInApi(io.env);
      const zone = await siteZone(api);
      if (o.readAll) {
        const r = await answer(api.POST('/api/v1/notifications/read', { body: { all: true } }));
        return io.out(`Marked ${r.updated} read\n`);
      }
      const list = await answer(
        api.GET('/api/v1/notifications', { params: { query: o.unread ? { unread: true } : {} } }),
      );
      if (o.json) return io.out(`${JSON.stringify(list, null, 2)}\n`);
      for (const n of list.items)
        io.out(
          `${n.read ? ' ' : '*'} ${formatLocalWithOffset(new Date(n.createdAt), zone)}  ${n.kind.padEnd(18)}  ${n.body}\n`,
        );
      io.out(`${list.unreadCount} unread\n`);
    });
}
