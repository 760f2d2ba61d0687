import { type Command, Option } from 'commander';
import { addDays, localDate, localToInstant } from '../domain/time.ts';
import { ApiError, answer, createApi, type Json, loadCredentials } from './api-client.ts';
import { parseTimeArg } from './api-commands.ts';
import { CliError, type CliIo } from './io.ts';
import { resolveSpace, siteZone } from './lookups.ts';

/** `shipshape report`: the utilization report, as a table, JSON or CSV; through the API. */

/** The report as the API answers it. */
type Report = Json<'/api/v1/reports/utilization', 'get'>;

/** A day ("2026-11-25", its local midnight) or a time as `parseTimeArg` reads it. */
function dayOrTime(text: string, zone: string, option: string): Date {
  if (/^\d{4}-\d{2}-\d{2}$/.test(text.trim())) {
    try {
      return localToInstant(text.trim(), 0, zone);
    } catch {
      // An impossible date falls through to parseTimeArg's error.
    }
  }
  return parseTimeArg(text, zone, option);
}

const pct = (part: number, whole: number) => (whole > 0 ? `${Math.round((part / whole) * 100)}%` : '-');

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows
    .map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '))
    .join('\n');
}

export function registerReportCommands(program: Command, io: CliIo): void {
  program
    .command('report')
    .description(
      'How the spaces were used: hours open, booked, used, no-shows, late cancellations (through the API)',
    )
    .option('--from <day|time>', 'a local day (YYYY-MM-DD) or time; default: 30 days before today')
    .option('--to <day|time>', 'as --from, the end (exclusive); default: the end of today')
    .option('--space <name|id>', 'one space')
    .addOption(
      new Option('--kind <kind>', 'spaces of one kind').choices([
        'training',
        'sparring',
        'briefing',
        'cabin',
        'other',
      ]),
    )
    .addOption(
      new Option('--group-by <group>', 'rows of the CSV and JSON')
        .choices(['day', 'week', 'hourOfWeek'])
        .default('day'),
    )
    .option('--csv', 'print CSV (one row per space and group, then totals; people for admins)')
    .option('--json', 'print JSON')
    .action(
      async (o: {
        from?: string;
        to?: string;
        space?: string;
        kind?: string;
        groupBy: string;
        csv?: boolean;
        json?: boolean;
      }) => {
        const creds = loadCredentials(io.env);
        const api = createApi(creds.url, creds.token);
        const zone = await siteZone(api);
        const today = localDate(new Date(), zone);
        const to = o.to ? dayOrTime(o.to, zone, '--to') : localToInstant(addDays(today, 1), 0, zone);
        const from = o.from
          ? dayOrTime(o.from, zone, '--from')
          : localToInstant(addDays(today, -30), 0, zone);
        const query = {
          from: from.toISOString(),
          to: to.toISOString(),
          space: o.space ? (await resolveSpace(api, o.space)).id : undefined,
          kind: o.kind as 'training' | 'sparring' | 'briefing' | 'cabin' | 'other' | undefined,
          groupBy: o.groupBy as 'day' | 'week' | 'hourOfWeek',
        };
        if (o.csv) {
          const target = new URL('/api/v1/reports/utilization', creds.url);
          for (const [k, v] of Object.entries(query)) if (v !== undefined) target.searchParams.set(k, v);
          const res = await fetch(target, {
            headers: { accept: 'text/csv', authorization: `Bearer ${creds.token}` },
          });
          const text = await res.text();
          if (!res.ok) {
            let problem: Record<string, unknown> | undefined;
            try {
              problem = JSON.parse(text);
            } catch {
              problem = undefined;
            }
            const field = typeof problem?.field === 'string' ? ` [${problem.field}]` : '';
            throw new ApiError(`${String(problem?.detail ?? res.status)}${field}`, res.status, problem);
          }
          io.out(text);
          return;
        }
        const r: Report = await answer(api.GET('/api/v1/reports/utilization', { params: { query } }));
        if (o.json) {
          io.out(`${JSON.stringify(r, null, 2)}\n`);
          return;
        }
        if (r.spaces.length === 0) throw new CliError('No spaces match');
        io.out(
          `Utilization ${localDate(new Date(r.from), zone)} to ${localDate(new Date(new Date(r.to).getTime() - 1), zone)} (${zone})\n\n`,
        );
        io.out(
          `${table([
            [
              'space',
              'open h',
              'booked h',
              'booked',
              'used h',
              'used',
              'no-shows',
              'late cancels',
              'peak hours',
            ],
            ...r.spaces.map((s) => [
              s.name,
              String(s.totals.openHours),
              String(s.totals.bookedHours),
              pct(s.totals.bookedHours, s.totals.openHours),
              String(s.totals.usedHours),
              pct(s.totals.usedHours, s.totals.bookedHours),
              String(s.totals.noShows),
              String(s.totals.lateCancellations),
              s.peakHours.map((p) => p.label).join(', ') || '-',
            ]),
          ])}\n`,
        );
        for (const [title, rows] of [
          ['member', r.members],
          ['squad', r.squads],
        ] as const) {
          if (!rows || rows.length === 0) continue;
          io.out(
            `\n${table([
              [title, 'sessions', 'booked h', 'used h', 'no-shows', 'late cancels'],
              ...rows.map((p) => [
                p.name,
                String(p.sessions),
                String(p.bookedHours),
                String(p.usedHours),
                String(p.noShows),
                String(p.lateCancellations),
              ]),
            ])}\n`,
          );
        }
      },
    );
}
