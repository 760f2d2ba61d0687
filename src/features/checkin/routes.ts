import { Type } from 'typebox';
import { type App, ctxOf, type Deps } from '../../http/deps.ts';
import { answerPost } from '../../http/idempotency.ts';
import { toProblem } from '../../http/problem.ts';
import { errorResponses, IdParams } from '../../http/schemas.ts';
import { Booking } from '../bookings/schema.ts';
import { AppError } from '../errors.ts';
import { type CheckInResult, checkIn, checkInHere, checkOut } from './service.ts';

const NoBody = Type.Object({}, { additionalProperties: false });

/** These POSTs take no body; a missing one is read as {}. */
const emptyBody = async (request: { body: unknown }) => {
  if (request.body === undefined || request.body === null) request.body = {};
};

/**
 * A check-in that meets a group still holding the space: answered, not thrown, so the "next group
 * is waiting" event commits with the refusal.
 */
function heldRefusal(result: Extract<CheckInResult, { ok: false }>, url: string) {
  const problem = toProblem(
    new AppError('booking-conflict', `The space is held until ${result.freeAtLocal}`, {
      field: 'path.id',
      freeAt: result.freeAt,
      opensAt: result.opensAt,
      holders: result.holders,
    }),
    url.split('?')[0],
  );
  return {
    status: 409,
    body: problem,
    headers: { 'content-type': 'application/problem+json; charset=utf-8' },
  };
}

export default async function checkinRoutes(app: App, deps: Deps): Promise<void> {
  app.post(
    '/bookings/:id/check-in',
    {
      schema: {
        tags: ['bookings'],
        summary: 'Check in; opens a few minutes before the start (per space)',
        description:
          'Before the check-in window opens: 409 `invalid-state` with `opensAt`. From then on, while another booking holds the space: 409 with `freeAt` (when it frees), and the holders of the booking in the way now are told, once, that the next group is waiting.',
        params: IdParams,
        body: NoBody,
        response: { 200: Booking, ...errorResponses },
      },
      preValidation: emptyBody,
    },
    async (request, reply) =>
      answerPost(request, reply, deps, async (tx) => {
        const result = await checkIn(ctxOf(request, deps, tx), request.params.id);
        if (result.ok) return { status: 200, body: result.booking };
        return heldRefusal(result, request.url);
      }),
  );

  app.post(
    '/spaces/:id/check-in',
    {
      schema: {
        tags: ['bookings'],
        summary: "Check in to the caller's own session in this space (the code at its door opens this)",
        description:
          "The session of the caller (organizer, participant or squad member) whose check-in window is open is checked in (`outcome: checked-in`); one already checked in answers `already-checked-in`. None: 404. A space still held: 409 as for a booking's check-in.",
        params: IdParams,
        body: NoBody,
        response: {
          200: Type.Object({
            outcome: Type.Union([Type.Literal('checked-in'), Type.Literal('already-checked-in')]),
            booking: Booking,
          }),
          ...errorResponses,
        },
      },
      preValidation: emptyBody,
    },
    async (request, reply) =>
      answerPost(request, reply, deps, async (tx) => {
        const result = await checkInHere(ctxOf(request, deps, tx), request.params.id);
        if (result.ok) return { status: 200, body: { outcome: result.outcome, booking: result.booking } };
        return heldRefusal(result, request.url);
      }),
  );

  app.post(
    '/bookings/:id/check-out',
    {
      schema: {
        tags: ['bookings'],
        summary: 'Check out; the rest of the slot is free at once',
        params: IdParams,
        body: NoBody,
        response: { 200: Booking, ...errorResponses },
      },
      preValidation: emptyBody,
    },
    async (request, reply) =>
      answerPost(request, reply, deps, async (tx) => ({
        status: 200,
        body: await checkOut(ctxOf(request, deps, tx), request.params.id),
      })),
  );
}
