/**
 * The one error type of Shipshape. Each code maps to one HTTP status and one stable
 * problem `type` URI; the mapper in problem.ts turns it into RFC 9457 problem+json.
 */
export const errorCodes = {
  /** A field is malformed, of the wrong type, or out of range. */
  validation: 400,
  /** The body is not JSON or is larger than allowed. */
  'bad-request': 400,
  /** No valid session or token was presented. */
  unauthenticated: 401,
  /** Wrong email or password. */
  'invalid-credentials': 401,
  /** The caller may see the object but may not do this to it. */
  forbidden: 403,
  /** The member must set a new password (an admin reset it) before doing anything else. */
  'password-change-required': 403,
  /** The object does not exist, or the caller may not see it. */
  'not-found': 404,
  /** The slot overlaps other active bookings of the space (changeover included). */
  'booking-conflict': 409,
  /** A participant would be in two overlapping active sessions (organizer, named, or by squad). */
  'member-conflict': 409,
  /** A unique name or email is already taken. */
  'already-exists': 409,
  /** The booking is not in a state that allows this action. */
  'invalid-state': 409,
  /** If-Match named a version that is no longer current. */
  'version-mismatch': 412,
  /** An update was sent without If-Match. */
  'precondition-required': 428,
  /** A retry whose first answer held a secret shown once (a new token): the secret is not kept. */
  'secret-not-replayed': 409,
  /** Idempotency-Key reused with another request. */
  'idempotency-key-reused': 422,
  /** A booking rule refused the request: hours, length, horizon, capacity, who may book. */
  'rule-violation': 422,
  /** A fair-use quota rule would be exceeded (features/quotas): names the rule, used and remaining. */
  'quota-exceeded': 422,
  /** Too many attempts; try later. */
  'rate-limited': 429,
  /** Anything unexpected: logged, never detailed to the caller. */
  internal: 500,
  /** A bounded wait ran out (a connection of the store, or a lock held by other writers); retry. */
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof errorCodes;

export interface ProblemExtras {
  /** The field the problem is about, as a JSON pointer-ish dotted path ("body.start"). */
  field?: string;
  /** Extra members of the problem document (e.g. `conflicts`). */
  [key: string]: unknown;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly extras: ProblemExtras;
  constructor(code: ErrorCode, message: string, extras: ProblemExtras = {}) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.extras = extras;
  }

  get status(): number {
    return errorCodes[this.code];
  }
}

export const problemTypeBase = 'https://shipshape.dev/problems/';

/** Shorthand for a validation error naming a field. */
export function invalid(field: string, message: string): AppError {
  return new AppError('validation', message, { field });
}

/** Shorthand for a booking rule refusal naming a field and the rule. */
export function ruleViolation(rule: string, field: string, message: string): AppError {
  return new AppError('rule-violation', message, { field, rule });
}

/**
 * Throws 412 when a change names a version other than the current one: optimistic concurrency in
 * use-cases (the version arrives as If-Match over HTTP, http/if-match.ts), before anything is written.
 */
export function checkVersion(current: number, expected: number | undefined, what: string): void {
  if (expected !== undefined && current !== expected)
    throw new AppError('version-mismatch', `The ${what} is at version ${current}, not ${expected}`, {
      field: 'header.if-match',
      currentVersion: current,
    });
}
