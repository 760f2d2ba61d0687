import { isUuid } from '../domain/ids.ts';
import { AppError } from './errors.ts';
import { hasForbiddenChars } from './text.ts';

/**
 * Keyset paging, one helper for every keyset list: an opaque cursor holds the (key, id) of the last
 * row shown, the key being what the list is ordered by (a name, or an instant as ISO text).
 */
export function encodeCursor(key: string, id: string): string {
  return Buffer.from(JSON.stringify({ k: key, id })).toString('base64url');
}

/** The (key, id) of a cursor this server gave out; `valid` checks the key. Refused (400) otherwise. */
export function decodeCursor(
  cursor: string | undefined,
  valid: (key: string) => boolean,
): { key: string; id: string } | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      typeof parsed?.k !== 'string' ||
      typeof parsed?.id !== 'string' ||
      !isUuid(parsed.id) ||
      !valid(parsed.k)
    )
      throw new Error('shape');
    return { key: parsed.k, id: parsed.id };
  } catch {
    throw new AppError('validation', 'cursor is not one this server gave out', { field: 'query.cursor' });
  }
}

/** The cursor of a list ordered by name (spaces, squads, members). */
export function decodeNameCursor(cursor: string | undefined): { name: string; id: string } | undefined {
  const c = decodeCursor(cursor, (k) => !hasForbiddenChars(k));
  return c && { name: c.key, id: c.id };
}

/** The cursor of a list ordered by an instant (bookings by start). */
export function decodeInstantCursor(cursor: string | undefined): { start: Date; id: string } | undefined {
  const c = decodeCursor(cursor, (k) => !Number.isNaN(new Date(k).getTime()));
  return c && { start: new Date(c.key), id: c.id };
}

/** A page size from 1 to 500 (500 when not given), whoever calls: ajv's coercion can yield Infinity. */
export function checkLimit(limit: number | undefined): number {
  if (limit === undefined) return 500;
  if (!Number.isInteger(limit) || limit < 1 || limit > 500)
    throw new AppError('validation', 'limit must be a whole number from 1 to 500', { field: 'query.limit' });
  return limit;
}

/** Pages of `limit` items from rows fetched with `limit + 1`; `keyOf` is the key the list is ordered by. */
export function pageOf<R extends { id: string }, V>(
  rows: R[],
  limit: number,
  present: (r: R) => V,
  keyOf: (r: R) => string,
): { items: V[]; nextCursor: string | null } {
  const shown = rows.slice(0, limit);
  const last = shown[shown.length - 1];
  return {
    items: shown.map(present),
    nextCursor: rows.length > limit && last ? encodeCursor(keyOf(last), last.id) : null,
  };
}
