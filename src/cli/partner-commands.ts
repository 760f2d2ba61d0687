import type { Command } from 'commander';
import { localDateTime } from '../domain/time.ts';
import { ApiClient, loadCredentials } from './api-client.ts';
import { parseTimeArg } from './api-commands.ts';
import { CliError, type CliIo } from './io.ts';

/** `shipshape partners` and `shipshape find-time`: names, not ids; everything through the API. */

function client(io: CliIo): ApiClient {
  const creds = loadCredentials(io.env);
  return new ApiClient(creds.url, creds.token);
}

async function zoneOf(api: ApiClient): Promise<string> {
  return (await api.call<{ timeZone: string }>('GET', '/site')).timeZone;
}

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

interface Member {
  id: string;
  displayName: string;
  email: string;
}

/** A member by email, exact name, or a name fragment that matches one member only. */
async function resolveMember(api: ApiClient, text: string): Promise<Member> {
  const wanted = text.trim().toLowerCase();
  const found = await api.all<Member>('/members', { q: text.trim() });
  const exact = found.filter(
    (m) => m.email.toLowerCase() === wanted || m.displayName.toLowerCase() === wanted,
  );
  if (exact.length === 1) return exact[0]!;
  if (exact.length === 0 && found.length === 1) return found[0]!;
  const list = (exact.length > 1 ? exact : found).map((m) => `${m.displayName} <${m.email}>`);
  throw new CliError(
    list.length === 0
      ? `No member ${text}`
      : `${text} matches several members: ${list.join(', ')}; use the email`,
  );
}

async function resolveSquad(api: ApiClient, name: string): Promise<{ id: string; name: string }> {
  const all = await api.all<{ id: string; name: string }>('/squads');
  const found = all.find((s) => s.name.toLowerCase() === name.trim().toLowerCase() || s.id === name);
  if (!found) throw new CliError(`No squad ${name}; squads: ${all.map((s) => s.name).join(', ') || 'none'}`);
  return found;
}

function window(zone: string, o: { from?: string; within?: string }): { from: string; to: string } {
  const from = o.from ? parseTimeArg(o.from, zone, '--from') : new Date();
  const to = new Date(from.getTime() + parseWithin(o.within ?? '7d'));
  return { from: from.toISOString(), to: to.toISOString() };
}

interface Suggestion {
  member: { id: string; displayName: string };
  level: string;
  rating: number;
  rd: number;
  winProbability: number;
  fairness: number;
  sharedMinutes: number;
  slots: { start: string; end: string; space: { id: string; name: string } }[];
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
  const api = client(io);
  const zone = await zoneOf(api);
  const w = window(zone, o);
  const length = minutesOf(o.minutes, 60);
  const answer = await api.call<{
    discipline: { id: string; name: string };
    me: { rating: number; rd: number };
    items: Suggestion[];
  }>('GET', '/partners', {
    query: { discipline: o.discipline, from: w.from, to: w.to, length: String(length) },
  });
  if (o.propose !== undefined) {
    const [who, which] = o.propose.split(':');
    const pick =
      answer.items.find((i) => i.member.displayName.toLowerCase() === who!.trim().toLowerCase()) ??
      answer.items[Number(who) - 1];
    const slot = pick?.slots[Number(which ?? '1') - 1];
    if (!pick || !slot)
      throw new CliError(`No suggestion ${o.propose} (use a name or number, and :slot number)`);
    const p = await api.call<{ id: string }>('POST', '/partners/proposals', {
      body: {
        memberId: pick.member.id,
        discipline: answer.discipline.id,
        spaceId: slot.space.id,
        start: slot.start,
        end: slot.end,
      },
    });
    io.out(
      `Proposed ${answer.discipline.name} to ${pick.member.displayName}: ${slotText(slot, zone)} in ${slot.space.name} (${p.id})\n`,
    );
    return;
  }
  if (o.json) {
    io.out(`${JSON.stringify(answer, null, 2)}\n`);
    return;
  }
  io.out(
    `${answer.discipline.name} partners for you (rating ${Math.round(answer.me.rating)} ± ${Math.round(answer.me.rd)}):\n`,
  );
  if (answer.items.length === 0) io.out('  nobody else trains it yet\n');
  answer.items.forEach((s, n) => {
    io.out(
      `${n + 1}. ${s.member.displayName} — ${s.level}, ${Math.round(s.rating)} ± ${Math.round(s.rd)}, you win ${Math.round(s.winProbability * 100)}%, ${Math.round(s.sharedMinutes / 60)} h free together\n`,
    );
    s.slots.forEach((slot, k) => {
      io.out(`     ${k + 1}) ${slotText(slot, zone)}  ${slot.space.name}\n`);
    });
  });
}

interface FoundTime {
  people: { id: string; displayName: string }[];
  headcount: number;
  slots: {
    start: string;
    end: string;
    space: { name: string };
    booking: Record<string, unknown>;
  }[];
  emptyReason: { message: string } | null;
  partial: {
    start: string;
    end: string;
    space: { name: string };
    missing: { displayName: string }[];
    attendancePercentage: number;
  }[];
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
  const api = client(io);
  const zone = await zoneOf(api);
  const w = window(zone, o);
  const names = (o.with ?? [])
    .flatMap((x) => x.split(','))
    .map((x) => x.trim())
    .filter(Boolean);
  const members = [];
  for (const n of names) members.push((await resolveMember(api, n)).id);
  const squads = [];
  for (const s of o.squad ?? []) squads.push((await resolveSquad(api, s)).id);
  const answer = await api.call<FoundTime>('POST', '/find-time', {
    body: {
      members,
      squads,
      lengthMinutes: minutesOf(o.minutes, 60),
      from: w.from,
      to: w.to,
      ...(o.kind ? { spaceKind: o.kind } : {}),
      preference: o.quiet ? 'quiet' : 'earliest',
    },
  });
  if (o.book !== undefined) {
    const slot = answer.slots[Number(o.book) - 1];
    if (!slot) throw new CliError(`No slot ${o.book}: there are ${answer.slots.length}`);
    const b = await api.call<{ id: string }>('POST', '/bookings', {
      body: { ...slot.booking, title: o.title ?? 'Session' },
    });
    io.out(`Booked ${slotText(slot, zone)} in ${slot.space.name} for ${answer.headcount} (${b.id})\n`);
    return;
  }
  if (o.json) {
    io.out(`${JSON.stringify(answer, null, 2)}\n`);
    return;
  }
  io.out(`For ${answer.people.map((p) => p.displayName).join(', ')} (${answer.headcount}):\n`);
  answer.slots.forEach((s, n) => {
    io.out(`${n + 1}. ${slotText(s, zone)}  ${s.space.name}\n`);
  });
  if (answer.emptyReason) {
    io.out(`No time suits everyone. ${answer.emptyReason.message}\n`);
    if (answer.partial.length > 0) io.out('Closest:\n');
    for (const p of answer.partial)
      io.out(
        `   ${slotText(p, zone)}  ${p.space.name}  ${p.attendancePercentage}% (without ${p.missing.map((m) => m.displayName).join(', ')})\n`,
      );
  } else io.out('Book one with --book <n> --title <title>\n');
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
