import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isStoreBusy, PgCode, pgErrorCode } from '../db/store.ts';
import { AppError, type errorCodes, problemTypeBase } from '../features/errors.ts';

/** The problem+json document (RFC 9457) every error answer carries. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  field?: string;
  instance?: string;
  [key: string]: unknown;
}

const titles: Record<keyof typeof errorCodes, string> = {
  validation: 'Invalid request',
  'bad-request': 'Bad request',
  unauthenticated: 'Not signed in',
  'invalid-credentials': 'Wrong email or password',
  forbidden: 'Not allowed',
  'password-change-required': 'Set a new password first',
  'not-found': 'Not found',
  'booking-conflict': 'The slot is taken',
  'member-conflict': 'Someone would be in two places at once',
  'already-exists': 'Already exists',
  'invalid-state': 'Not possible in the current state',
  'version-mismatch': 'Changed since you read it',
  'precondition-required': 'If-Match required',
  'idempotency-key-reused': 'Idempotency-Key reused with another request',
  'secret-not-replayed': 'The first answer held a secret that is not kept',
  'rule-violation': 'Not allowed by the booking rules',
  'quota-exceeded': 'Over a fair-use quota',
  'rate-limited': 'Too many requests',
  internal: 'Internal error',
  unavailable: 'Busy; try again',
};

export function toProblem(err: AppError, instance?: string): Problem {
  return {
    type: problemTypeBase + err.code,
    title: titles[err.code],
    status: err.status,
    detail: err.message,
    code: err.code,
    ...(instance ? { instance } : {}),
    ...err.extras,
  };
}

/** Path, query and header fields are named path.x, query.x and header.x, as services name them. */
const contextNames: Record<string, string> = { querystring: 'query', headers: 'header', params: 'path' };

/** Turns a Fastify schema validation failure into a problem naming the field. */
function fromValidation(err: FastifyError): AppError {
  const first = err.validation?.[0];
  const context = contextNames[err.validationContext ?? 'body'] ?? err.validationContext ?? 'body';
  let path = first?.instancePath?.replace(/^\//, '').replace(/\//g, '.') ?? '';
  const params = (first?.params ?? {}) as Record<string, unknown>;
  if (typeof params.missingProperty === 'string')
    path = path ? `${path}.${params.missingProperty}` : params.missingProperty;
  if (typeof params.additionalProperty === 'string')
    path = path ? `${path}.${params.additionalProperty}` : params.additionalProperty;
  const field = path ? `${context}.${path}` : context;
  const reason = first?.message ?? 'is invalid';
  return new AppError('validation', `${field} ${reason}`, { field, reason });
}

/** The one place errors become answers. Unknown errors are logged and answered as a bare 500. */
export function handleError(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  let appError: AppError;
  const fe = error as FastifyError;
  if (error instanceof AppError) {
    appError = error;
  } else if (fe?.validation) {
    appError = fromValidation(fe);
  } else if (fe?.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    appError = new AppError('bad-request', 'The body is larger than allowed', { field: 'body' });
  } else if (fe?.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    appError = new AppError('bad-request', 'Send the body as application/json', { field: 'body' });
  } else if (fe?.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || fe?.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    appError = new AppError('bad-request', 'The body is not valid JSON', { field: 'body' });
  } else if (pgErrorCode(error) === PgCode.uniqueViolation) {
    // A unique key lost a race the service's own check could not see.
    appError = new AppError('already-exists', 'Something with this name or key already exists');
  } else if (pgErrorCode(error) === PgCode.exclusionViolation) {
    // The constraint refused a write that no service check saw coming (a writer outside the
    // write locks): still a conflict, never a 500.
    appError = new AppError('booking-conflict', 'The slot overlaps other bookings of the space', {
      field: 'body.start',
      conflicts: [],
    });
  } else if (isStoreBusy(error)) {
    // A bounded wait ran out: the request did nothing (its transaction rolled back) and may be retried.
    request.log.warn({ err: error }, 'store busy');
    void reply.header('retry-after', '1');
    appError = new AppError('unavailable', 'The store is busy with other writers; try again in a moment');
  } else if (fe?.statusCode === 429) {
    appError = new AppError('rate-limited', 'Too many attempts; wait a minute and try again');
  } else if (typeof fe?.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    appError = new AppError('bad-request', fe.message.slice(0, 300), { field: 'body' });
  } else {
    request.log.error({ err: error }, 'unhandled error');
    appError = new AppError('internal', 'Something went wrong on our side; it has been logged');
  }
  void reply
    .status(appError.status)
    .type('application/problem+json')
    .send(toProblem(appError, request.url.split('?')[0]));
}
