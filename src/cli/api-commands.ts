import { hostname } from 'node:os';
import {
  addDays,
  formatInZone,
  formatLocalRange,
  localDate,
  localToInstant,
  parseClock,
  parseInstant,
} from '../domain/time.ts';
import {
  ApiError,
  allPages,
  answer,
  type Booking,
  createApi,
  saveCredentials,
  signedInApi,
} from './api-client.ts';
import { CliError, type CliIo } from './io.ts';
import { idArg, listSpaces, resolveSpace, siteZone } from './lookups.ts';

/**
 * A time from the command line: RFC 3339 with an offset, or a local "YYYY-MM-DD HH:MM" (or with a
 * T) read in the site's time zone, which is how crews think of their day.
 */
export function parseTimeArg(text: string, zone: string, option: string): Date {
  const instant = parseInstant(text);
  if (instant) return instant;
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})$/.exec(text.trim());
  const minutes = m ? parseClock(m[2]!) : undefined;
  if (m && minutes !== undefined) {
    try {
      return localToInstant(m[1]!, minutes, zone);
    } catch {
      // An impossible date such as 2026-02-30 falls through to the error below.
    }
  }
  throw new CliError(
    `${option} must be a time such as 2026-11-25T22:00+13:00 or "2026-11-25 22:00" (local to the site), got ${text}`,
  );
}

export async function loginCommand(
  io: CliIo,
  opts: { url?: string; email?: string; password?: string; token?: string },
): Promise<void> {
  const url = (opts.url ?? io.env.SHIPSHAPE_URL ?? 'http://localhost:8080').replace(/\/+$/, '');
  const api = createApi(url, undefined);
  let token = opts.token;
  if (!token) {
    if (!opts.email) throw new CliError('Give --email (and --password), or --token');
    const password =
      opts.password ?? io.env.SHIPSHAPE_PASSWORD ?? (await io.prompt?.(`Password for ${opts.email}: `));
    if (!password) throw new CliError('Give --password, set SHIPSHAPE_PASSWORD, or run in a terminal');
    const session = await answer(api.POST('/api/v1/auth/login', { body: { email: opts.email, password } }));
    const bearer = { authorization: `Bearer ${session.token}` };
    // A named API token rather than the 30-day session, so it can be listed and revoked on its own.
    const created = await answer(
      api.POST('/api/v1/tokens', {
        headers: bearer,
        body: { name: `shipshape CLI on ${hostname()}`.slice(0, 100) },
      }),
    );
    await answer(api.POST('/api/v1/auth/logout', { headers: bearer })).catch(() => undefined);
    token = created.token;
  }
  const me = await answer(api.GET('/api/v1/me', { headers: { authorization: `Bearer ${token}` } }));
  const path = saveCredentials(io.env, { url, token });
  io.out(`Signed in to ${url} as ${me.displayName} <${me.email}>; token saved in ${path}\n`);
}

/** A booking in one line; times in the site's zone with its offset. */
function describe(b: Booking, spaceName: string, zone: string): string {
  return `${formatLocalRange(new Date(b.start), new Date(b.end), zone)}  ${spaceName}  ${b.title ?? '(busy)'}`;
}

export async function bookCommand(
  io: CliIo,
  opts: {
    space: string;
    start: string;
    end: string;
    title: string;
    headcount?: string;
    private?: boolean;
    public?: boolean;
    json?: boolean;
  },
): Promise<void> {
  if (opts.private && opts.public) throw new CliError('--private and --public exclude each other');
  const api = signedInApi(io.env);
  const zone = await siteZone(api);
  const space = await resolveSpace(api, opts.space);
  const headcount = opts.headcount === undefined ? undefined : Number(opts.headcount);
  if (headcount !== undefined && !(Number.isInteger(headcount) && headcount >= 1))
    throw new CliError(`--headcount must be a whole number from 1, got ${opts.headcount}`);
  let booking: Booking;
  try {
    booking = await answer(
      api.POST('/api/v1/bookings', {
        body: {
          spaceId: space.id,
          start: formatInZone(parseTimeArg(opts.start, zone, '--start'), zone),
          end: formatInZone(parseTimeArg(opts.end, zone, '--end'), zone),
          title: opts.title,
          ...(headcount !== undefined ? { headcount } : {}),
          ...(opts.private
            ? { visibility: 'private' as const }
            : opts.public
              ? { visibility: 'public' as const }
              : {}),
        },
      }),
    );
  } catch (err) {
    // A conflict lists what holds the slot, as far as the caller may see it.
    const conflicts = err instanceof ApiError ? err.problem?.conflicts : undefined;
    if (err instanceof ApiError && Array.isArray(conflicts) && conflicts.length > 0) {
      const lines = (conflicts as Booking[]).map((c) => `  ${describe(c, space.name, zone)}`);
      throw new CliError(`${err.message}:\n${lines.join('\n')}`);
    }
    throw err;
  }
  if (opts.json) io.out(`${JSON.stringify(booking, null, 2)}\n`);
  else io.out(`Booked ${describe(booking, space.name, zone)}  (${booking.id}, ${booking.status})\n`);
}

export async function lsCommand(
  io: CliIo,
  opts: { space?: string; from?: string; to?: string; mine?: boolean; json?: boolean },
): Promise<void> {
  const api = signedInApi(io.env);
  const zone = await siteZone(api);
  const spaces = await listSpaces(api);
  let from = opts.from ? parseTimeArg(opts.from, zone, '--from') : undefined;
  let to = opts.to ? parseTimeArg(opts.to, zone, '--to') : undefined;
  if (!from && !to) {
    // By default: today and the next seven days, in the site's calendar.
    const today = localDate(new Date(), zone);
    from = localToInstant(today, 0, zone);
    to = localToInstant(addDays(today, 8), 0, zone);
  }
  const query = {
    space: opts.space ? (await resolveSpace(api, opts.space, spaces)).id : undefined,
    from: from?.toISOString(),
    to: to?.toISOString(),
    member: opts.mine ? (await answer(api.GET('/api/v1/me'))).id : undefined,
  };
  const items = await allPages((cursor) =>
    answer(api.GET('/api/v1/bookings', { params: { query: { ...query, limit: 500, cursor } } })),
  );
  if (opts.json) {
    io.out(`${JSON.stringify(items, null, 2)}\n`);
    return;
  }
  if (items.length === 0) {
    io.out('No bookings\n');
    return;
  }
  const names = new Map(spaces.map((s) => [s.id, s.name]));
  for (const b of items)
    io.out(`${b.id}  ${b.status.padEnd(10)}  ${describe(b, names.get(b.spaceId) ?? b.spaceId, zone)}\n`);
  io.out(`Times in ${zone}\n`);
}

export async function cancelCommand(io: CliIo, id: string, opts: { reason?: string }): Promise<void> {
  const api = signedInApi(io.env);
  const booking = await answer(
    api.POST('/api/v1/bookings/{id}/cancel', {
      params: { path: { id: idArg(id) } },
      body: opts.reason ? { reason: opts.reason } : {},
    }),
  );
  io.out(`Cancelled ${booking?.id ?? id}\n`);
}
