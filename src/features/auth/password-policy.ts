import { createRequire } from 'node:module';
import type * as ZxcvbnCommon from '@zxcvbn-ts/language-common';
import { invalid } from '../errors.ts';

/** The shortest password accepted anywhere a password is set. */
export const minPasswordLength = 12;
const maxPasswordLength = 200;

/**
 * The common-password list of zxcvbn-ts (about 49,000 passwords from public breaches, kept by the
 * zxcvbn-ts project), lower-cased: a password on it is refused whatever its length. Loaded at the
 * first password checked, not at start: its dictionaries are a tenth of the server's start-up time.
 */
let commonPasswords: Set<string> | undefined;
function isCommon(password: string): boolean {
  if (!commonPasswords) {
    // The CommonJS build: its exports are the module's default export.
    const common = createRequire(import.meta.url)(
      '@zxcvbn-ts/language-common',
    ) as typeof ZxcvbnCommon.default;
    commonPasswords = new Set(
      (common.dictionary['passwords-common'] as string[]).map((p) => p.toLowerCase()),
    );
  }
  return commonPasswords.has(password.toLowerCase());
}

/**
 * Throws a validation error naming `field` unless the password is acceptable: 12 to 200
 * characters, not all one character, and not on the list of common passwords.
 */
export function checkPassword(password: string, field: string): void {
  const length = [...password].length;
  if (length < minPasswordLength)
    throw invalid(field, `The password must be at least ${minPasswordLength} characters long`);
  if (length > maxPasswordLength)
    throw invalid(field, `The password must be at most ${maxPasswordLength} characters long`);
  if (new Set(password).size === 1) throw invalid(field, 'The password must not be one character repeated');
  if (isCommon(password))
    throw invalid(field, 'This password is on a list of common passwords; choose another');
}
