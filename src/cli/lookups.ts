import { type Api, allPages, answer } from './api-client.ts';
import { CliError } from './io.ts';

/** Names the CLI takes instead of ids: spaces, members, squads; and the site's zone for times. */

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The site's IANA zone: every time the CLI prints or reads without an offset is in it. */
export async function siteZone(api: Api): Promise<string> {
  return (await answer(api.GET('/api/v1/site'))).timeZone;
}

/** An id given on the command line, refused before any request when it is not one. */
export function idArg(id: string, what = 'booking'): string {
  if (!uuidPattern.test(id)) throw new CliError(`${id} is not a ${what} id`);
  return id;
}

export async function listSpaces(api: Api) {
  return allPages((cursor) =>
    answer(api.GET('/api/v1/spaces', { params: { query: { limit: 500, cursor } } })),
  );
}

export async function listSquads(api: Api) {
  return allPages((cursor) =>
    answer(api.GET('/api/v1/squads', { params: { query: { limit: 500, cursor } } })),
  );
}

export type Space = Awaited<ReturnType<typeof listSpaces>>[number];

/** A space by id, name, or a fragment of its name that matches one space only. */
export async function resolveSpace(api: Api, nameOrId: string, spaces?: Space[]): Promise<Space> {
  const all = spaces ?? (await listSpaces(api));
  const wanted = nameOrId.trim().toLowerCase();
  const found =
    all.find((s) => s.id.toLowerCase() === wanted) ?? all.find((s) => s.name.toLowerCase() === wanted);
  if (found) return found;
  const near = all.filter((s) => s.name.toLowerCase().includes(wanted));
  if (near.length === 1) return near[0]!;
  throw new CliError(
    `No space ${nameOrId}${near.length > 1 ? ` (it matches ${near.map((s) => s.name).join(', ')})` : ''}; spaces: ${all.map((s) => s.name).join(', ') || 'none'}`,
  );
}

/** A member by email, exact name, or a name fragment that matches one member only. */
export async function resolveMember(api: Api, text: string) {
  const wanted = text.trim().toLowerCase();
  const found = await allPages((cursor) =>
    answer(api.GET('/api/v1/members', { params: { query: { q: text.trim(), limit: 500, cursor } } })),
  );
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

/** A squad by id or name. */
export async function resolveSquad(api: Api, name: string) {
  const all = await listSquads(api);
  const found = all.find((s) => s.name.toLowerCase() === name.trim().toLowerCase() || s.id === name);
  if (!found) throw new CliError(`No squad ${name}; squads: ${all.map((s) => s.name).join(', ') || 'none'}`);
  return found;
}
