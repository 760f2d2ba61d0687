import { Type } from 'typebox';
import { AppError } from '../features/errors.ts';

/**
 * Optimistic concurrency for versioned objects (bookings, series, spaces, squads): the ETag is the version, a
 * change names the version it was made against in If-Match.
 */

/** The header schema of a route that reads If-Match. */
export const IfMatchHeaders = Type.Object({ 'if-match': Type.Optional(Type.String({ maxLength: 40 })) });

export const etag = (version: number) => `"${version}"`;

/** The version an If-Match header names ("3", W/"3" or 3); undefined when absent or "*" (any). */
export function ifMatchVersion(header: string | string[] | undefined, what: string): number | undefined {
  const raw = Array.isArray(header) ? header[0] : header;
  if (raw === undefined || raw.trim() === '*') return undefined;
  const m = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(raw);
  if (!m)
    throw new AppError('validation', `If-Match must be the ETag of the ${what}, e.g. "3"`, {
      field: 'header.if-match',
    });
  return Number(m[1]);
}

/** Like ifMatchVersion, but a missing header is a 428: changes must say what they were based on. */
export function requiredIfMatch(header: string | string[] | undefined, what: string): number {
  const expected = ifMatchVersion(header, what);
  if (expected === undefined)
    throw new AppError('precondition-required', `Send If-Match with the ETag of the ${what} you read`, {
      field: 'header.if-match',
    });
  return expected;
}

/** Answers a versioned object with its version as the ETag. */
export function withEtag<T extends { version: number }>(
  reply: { header(name: string, value: string): unknown },
  value: T,
): T {
  void reply.header('etag', etag(value.version));
  return value;
}
