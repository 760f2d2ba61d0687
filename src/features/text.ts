/**
 * The one check of text the API stores: storable text has no NUL (PostgreSQL text refuses it) and no
 * unpaired surrogate (not text at all); a name shown to people has no control character either.
 */
import { invalid } from './errors.ts';

// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is exactly what this refuses.
const unstorable = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Text that can be stored: no NUL and no unpaired surrogate. */
export function isStorableText(text: string): boolean {
  return !unstorable.test(text);
}

/** Control characters (NUL above all) and lone surrogates: refused in names shown to people. */
export function hasForbiddenChars(text: string): boolean {
  return /[\p{Cc}\p{Cs}]/u.test(text);
}

/**
 * The trimmed text of `value`, refused naming `field` when it is not `min` to `max` characters long
 * or holds what it must not: for a name (`name: true`) any control character, else NUL or an
 * unpaired surrogate (free text such as a reason may hold line breaks).
 */
export function checkText(
  value: unknown,
  field: string,
  o: { max: number; min?: number; name?: boolean },
): string {
  const t = typeof value === 'string' ? value.trim() : '';
  const min = o.min ?? 0;
  if (t.length < min || t.length > o.max)
    throw invalid(
      field,
      min > 0
        ? `${field} must be ${min} to ${o.max} characters`
        : `${field} must be at most ${o.max} characters`,
    );
  if (o.name ? hasForbiddenChars(t) : !isStorableText(t))
    throw invalid(
      field,
      o.name
        ? `${field} must not contain control characters`
        : `${field} holds a NUL or an unpaired surrogate`,
    );
  return t;
}
