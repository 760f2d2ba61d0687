import { isUuid } from '../domain/ids.ts';
import { AppError } from './errors.ts';

/** Opaque keyset cursors over (name, id), shared by the lists ordered by name (spaces, squads, members). */
export function encodeNameCursor(name: string, id: string): string {
  return Buffer.from(JSON.stringify({ name, id })).toString('base64url');
}

export function decodeNameCursor(cursor: string | undefined): { name: string; id: string } | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      typeof parsed?.name !== 'string' ||
      typeof parsed?.id !== 'string' ||
      !isUuid(parsed.id) ||
      hasForbiddenChars(parsed.name)
    )
      throw new Error('shape');
    return { name: parsed.name, id: parsed.id };
  } catch {
    throw new AppError('validation', 'cursor is not one this server gave out', { field: 'query.cursor' });
  }
}

/** Control characters (NUL above all: PostgreSQL text refuses it) and lone surrogates. */
export function hasForbiddenChars(text: string): boolean {
  return /[\p{Cc}\p{Cs}]/u.test(text);
}

/** A page size from 1 to 500 (500 when not given), whoever calls: ajv's coercion can yield Infinity. */
export function checkLimit(limit: number | undefined): number {
  if (limit === undefined) return 500;
  if (!Number.isInteger(limit) || limit < 1 || limit > 500)
    throw new AppError('validation', 'limit must be a whole number from 1 to 500', { field: 'query.limit' });
  return limit;
}

/** Pages of `limit` items from rows fetched with `limit + 1`. */
export function pageOf<R extends { id: string; name: string }, V>(
  rows: R[],
  limit: number,
  present: (r: R) => V,
): { items: V[]; nextCursor: string | null } {
  const shown = rows.slice(0, limit);
  const last = shown[shown.length - 1];
  return {
    items: shown.map(present),
    nextCursor: rows.length > limit && last ? encodeNameCursor(last.name, last.id) : null,
  };
}
