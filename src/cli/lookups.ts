import { isUuid } from '../domain/ids.ts';
import { type Api, allPages, answer } from './api-client.ts';
import { CliError } from './io.ts';

/** Names the CLI takes instead of ids: spaces, members, squads; and the site's zone for times. */

/** The site's IANA zone: every time the CLI prints or reads without an offset is in it. */
export async function siteZone(api: Api): Promise<string> {
  return (await answer(api.GET('/api/v1/site'))).timeZone;
}

/** An id given on the command line, refused before any request when it is not one. */
export function idArg(id: string, what = 'booking'): string {
  if (!isUuid(id)) throw new CliError(`${id} is not a ${what} id`);
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

/** A space by id, name, or the start of its name when only one space's name starts so. */
export async function resolveSpace(api: Api, nameOrId: string, spaces?: Space[]): Promise<Space> {
  const all = spaces ?? (await listSpaces(api));
  const wanted = nameOrId.trim().toLowerCase();
  const found =
    all.find((s) => s.id.toLowerCase() === wanted) ?? all.find((s) => s.name.toLowerCase() === wanted);
  if (found) return found;
  const near = wanted ? all.filter((s) => s.name.toLowerCase().startsWith(wanted)) : [];
  if (near.length === 1) return near[0]!;
  if (near.length > 1)
    throw new CliError(
      `${nameOrId} could be any of: ${near.map((s) => s.name).join(', ')}; say more of the name`,
    );
  throw new CliError(`No space ${nameOrId}; spaces: ${all.map((s) => s.name).join(', ') || 'none'}`);
}

/** The members of `--with` options (repeatable, or comma-separated): names, emails or ids. */
export async function resolveMembers(api: Api, texts: string[] | undefined): Promise<string[]> {
  const ids: string[] = [];
  for (const text of splitList(texts)) ids.push(isUuid(text) ? text : (await resolveMember(api, text)).id);
  return [...new Set(ids)];
}

/** The squads of `--squad` options (repeatable, or comma-separated): names or ids. */
export async function resolveSquads(api: Api, texts: string[] | undefined): Promise<string[]> {
  const ids: string[] = [];
  for (const text of splitList(texts)) ids.push((await resolveSquad(api, text)).id);
  return [...new Set(ids)];
}

function splitList(texts: string[] | undefined): string[] {
  return (texts ?? [])
    .flatMap((x) => x.split(','))
    .map((x) => x.trim())
    .filter(Boolean);
}

/** Collects a repeatable commander option into a list. */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

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
    list.length === 0 ? `No member ${text}` : `${text} could be any of: ${list.join(', ')}; use the email`,
  );
}

/** A squad by id, name, or the start of its name when only one squad's name starts so. */
export async function resolveSquad(api: Api, name: string) {
  const all = await listSquads(api);
  const wanted = name.trim().toLowerCase();
  const found = all.find((s) => s.name.toLowerCase() === wanted || s.id === name.trim());
  if (found) return found;
  const near = wanted ? all.filter((s) => s.name.toLowerCase().startsWith(wanted)) : [];
  if (near.length === 1) return near[0]!;
  if (near.length > 1)
    throw new CliError(
      `${name} could be any of: ${near.map((s) => s.name).join(', ')}; say more of the name`,
    );
  throw new CliError(`No squad ${name}; squads: ${all.map((s) => s.name).join(', ') || 'none'}`);
}
