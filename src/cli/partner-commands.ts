import type { Command } from 'commander';
import { localDateTime } from '../domain/time.ts';
import { answer, signedInApi } from './api-client.ts';
import { parseTimeArg } from './api-commands.ts';
import { CliError, type CliIo } from './io.ts';
import { resolveMember, resolveSquad, siteZone } from './lookups.ts';

/** `shipshape partners` and `shipshape find-time`: names, not ids; everything through the API. */

const local = (iso: string, zone: string) => localDateTime(new Date(iso), zone).replace('T', ' ');
const slotText = (s: { start: string; end: string }, zone: string) =>
  `${local(s.start, zone)}–${localDateTime(new Date(s.end), zone).slice(11)}`;

/** "7d", "36h", "90m" → milliseconds. */
export function parseWithin(text: string): number {
  const m = /^(\d{1,3})\s*([dhm])$/i.exec(text.trim());
  if (!m) throw new CliError(`--within must be like 7d, 36h or 90m, got ${text}`);
  const n = Number(m[1]);
  const unit = m[2]!.toLowerCase();
  const ms = n * (unit === 'd' ? 86_400_000 : unit === 'h' ? 3_600_000 : 60_000);
  if (ms <= 0) throw new CliError('--within must be more than nothing');
  return ms;
}

function minutesOf(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 5 || n > 1440)
    throw new CliError(`--minutes must be 5 to 1440, got ${text}`);
  return n;
}

function window(zone: string, o: { from?: string; within?: string }): { from: string; to: string } {
  const from = o.from ? parseTimeArg(o.from, zone, '--from') : new Date();
  const to = new Date(from.getTime() + parseWithin(o.within ?? '7d'));
  return { from: from.toISOString(), to: to.toISOString() };
}

async function partnersCommand(
  io: CliIo,
  o: {
    discipline: string;
    from?: string;
    within?: string;
    minutes?: string;
    propose?: string;
    json?: boolean;
  },
): Promise<void> {
  const api = signedInApi(io.env);
  const zone = await siteZone(api);
  const w = window(zone, o);
  const length = minutesOf(o.minutes, 60);
  const found = await answer(
    api.GET('/api/v1/partners', {
      params: { query: { discipline: o.discipline, from: w.from, to: w.to, length } },
    }),
  );
  if (o.propose !== undefined) {
    const [who, which] = o.propose.split(':');
    const pick =
      found.items.find((i) => i.member.displayName.toLowerCase() === who!.trim().toLowerCase()) ??
      found.items[Number(who) - 1];
    const slot = pick?.slots[Number(which ?? '1') - 1];
    if (!pick || !slot)
      throw new CliError(`No suggestion ${o.propose} (use a name or number, and :slot number)`);
    const p = await answer(
      api.POST('/api/v1/partners/proposals', {
        body: {
          memberId: pick.member.id,
          discipline: found.discipline.id,
          spaceId: slot.space.id,
          start: slot.start,
          end: slot.end,
        },
      }),
    );
    io.out(
      `Proposed ${found.discipline.name} to ${pick.member.displayName}: ${slotText(slot, zone)} in ${slot.space.name} (${p.id})\n`,
    );
    return;
  }
  if (o.json) {
    io.out(`${JSON.stringify(found, null, 2)}\n`);
    return;
  }
  io.out(
    `${found.discipline.name} partners for you (rating ${Math.round(found.me.rating)} ± ${Math.round(found.me.rd)}):\n`,
  );
  if (found.items.length === 0) io.out('  nobody else trains it yet\n');
  found.items.forEach((s, n) => {
    io.out(
      `${n + 1}. ${s.member.displayName} — ${s.level}, ${Math.round(s.rating)} ± ${Math.round(s.rd)}, you win ${Math.round(s.winProbability * 100)}%, ${Math.round(s.sharedMinutes / 60)} h free together\n`,
    );
    s.slots.forEach((slot, k) => {
      io.out(`     ${k + 1}) ${slotText(slot, zone)}  ${slot.space.name}\n`);
    });
  });
}

async function findTimeCommand(
  io: CliIo,
  o: {
    with?: string[];
    squad?: string[];
    minutes?: string;
    within?: string;
    from?: string;
    kind?: string;
    quiet?: boolean;
    book?: string;
    title?: string;
    json?: boolean;
  },
): Promise<void> {
  const api = signedInApi(io.env);
  const zone = await siteZone(api);
  const w = window(zone, o);
  const names = (o.with ?? [])
    .flatMap((x) => x.split(','))
    .map((x) => x.trim())
    .filter(Boolean);
  const members = [];
  for (const n of names) members.push((await resolveMember(api, n)).id);
  const squads = [];
  for (const s of o.squad ?? []) squads.push((await resolveSquad(api, s)).id);
  const found = await answer(
    api.POST('/api/v1/find-time', {
      body: {
        members,
        squads,
        lengthMinutes: minutesOf(o.minutes, 60),
        from: w.from,
        to: w.to,
        ...(o.kind ? { spaceKind: spaceKindOf(o.kind) } : {}),
        preference: o.quiet ? 'quiet' : 'earliest',
      },
    }),
  );
  if (o.book !== undefined) {
    const slot = found.slots[Number(o.book) - 1];
    if (!slot) throw new CliError(`No slot ${o.book}: there are ${found.slots.length}`);
    const b = await answer(
      api.POST('/api/v1/bookings', { body: { ...slot.booking, title: o.title ?? 'Session' } }),
    );
    io.out(`Booked ${slotText(slot, zone)} in ${slot.space.name} for ${found.headcount} (${b.id})\n`);
    return;
  }
  if (o.json) {
    io.out(`${JSON.stringify(found, null, 2)}\n`);
    return;
  }
  io.out(`For ${found.people.map((p) => p.displayName).join(', ')} (${found.headcount}):\n`);
  found.slots.forEach((s, n) => {
    io.out(`${n + 1}. ${slotText(s, zone)}  ${s.space.name}\n`);
  });
  if (found.emptyReason) {
    io.out(`No time suits everyone. ${found.emptyReason.message}\n`);
    if (found.partial.length > 0) io.out('Closest:\n');
    for (const p of found.partial)
      io.out(
        `   ${slotText(p, zone)}  ${p.space.name}  ${p.attendancePercentage}% (without ${p.missing.map((m) => m.displayName).join(', ')})\n`,
      );
  } else io.out('Book one with --book <n> --title <title>\n');
}

const spaceKinds = ['training', 'sparring', 'briefing', 'cabin', 'other'] as const;

function spaceKindOf(text: string): (typeof spaceKinds)[number] {
  const kind = spaceKinds.find((k) => k === text.trim().toLowerCase());
  if (!kind) throw new CliError(`--kind must be one of ${spaceKinds.join(', ')}, got ${text}`);
  return kind;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function registerPartnerCommands(program: Command, io: CliIo): void {
  program
    .command('partners')
    .description('Sparring partners of a similar level with free time in common (through the API)')
    .requiredOption('--discipline <name>', 'e.g. boxing')
    .option('--within <span>', 'how far ahead to look: 7d, 36h, 90m (default 7d)')
    .option('--from <time>', 'start looking at (default now)')
    .option('--minutes <n>', 'session length (default 60)')
    .option('--propose <who[:slot]>', 'propose a slot to a suggestion, by name or number (slot default 1)')
    .option('--json', 'print JSON')
    .action((o) => partnersCommand(io, o));

  program
    .command('find-time')
    .description('A time and a space that suit everyone (through the API)')
    .option('--with <names>', 'members by name or email, comma-separated or repeated', collect)
    .option('--squad <name>', 'a squad (repeatable)', collect)
    .option('--minutes <n>', 'length (default 60)')
    .option('--within <span>', 'how far ahead to look: 7d, 36h (default 7d)')
    .option('--from <time>', 'start looking at (default now)')
    .option('--kind <kind>', 'only spaces of this kind (training, sparring, briefing, cabin, other)')
    .option('--quiet', 'prefer slots that disturb quiet hours least')
    .option('--book <n>', 'book slot n for everyone')
    .option('--title <title>', 'title of the booking made with --book')
    .option('--json', 'print JSON')
    .action((o) => findTimeCommand(io, o));
}
