import { Type } from 'typebox';
import { type App, ctxOf, type Deps } from '../../http/deps.ts';
import { AppError } from '../../http/errors.ts';
import { answerPost } from '../../http/idempotency.ts';
import { Cursor, DateTime, errorResponses, IdParams, Limit, page, Uuid } from '../../http/schemas.ts';
import { Booking, BookingPatch, BookingStatus, CancelBody, NewBooking } from './schema.ts';
import {
  type BookingResult,
  type BookingView,
  cancelBooking,
  createBooking,
  getBooking,
  listBookings,
  updateBooking,
} from './service.ts';

const etag = (version: number) => `"${version}"`;

/** The version an If-Match header names ("3", W/"3" or 3); undefined when absent. */
function ifMatchVersion(header: string | string[] | undefined): number | undefined {
  const raw = Array.isArray(header) ? header[0] : header;
  if (raw === undefined) return undefined;
  const m = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(raw);
  if (!m)
    throw new AppError('validation', 'If-Match must be the ETag of the booking, e.g. "3"', {
      field: 'header.if-match',
    });
  return Number(m[1]);
}

/** A taken slot becomes a 409 problem listing the conflicting bookings the caller may see. */
function bookedOrConflict(result: BookingResult): BookingView {
  if (result.ok) return result.booking;
  throw new AppError(
    'booking-conflict',
    'The slot overlaps other bookings of the space (changeover included)',
    {
      field: 'body.start',
      conflicts: result.conflicts,
    },
  );
}

export default async function bookingsRoutes(app: App, deps: Deps): Promise<void> {
  app.get(
    '/bookings',
    {
      schema: {
        tags: ['bookings'],
        summary: 'Bookings by start; filters combine',
        querystring: Type.Object(
          {
            space: Type.Optional(Uuid),
            member: Type.Optional(Uuid),
            from: Type.Optional(DateTime),
            to: Type.Optional(DateTime),
            status: Type.Optional(BookingStatus),
            cursor: Cursor,
            limit: Limit,
          },
          { additionalProperties: false },
        ),
        response: { 200: page(Booking), ...errorResponses },
      },
    },
    async (request) =>
      listBookings(ctxOf(request, deps), {
        spaceId: request.query.space,
        memberId: request.query.member,
        from: request.query.from,
        to: request.query.to,
        status: request.query.status,
        cursor: request.query.cursor,
        limit: request.query.limit ?? 100,
      }),
  );

  app.post(
    '/bookings',
    {
      schema: {
        tags: ['bookings'],
        summary: 'Book a space; 409 lists the bookings in the way',
        body: NewBooking,
        response: { 201: Booking, ...errorResponses },
      },
    },
    async (request, reply) =>
      answerPost(
        request,
        reply,
        deps,
        async (tx) => {
          const booking = bookedOrConflict(await createBooking(ctxOf(request, deps, tx), request.body));
          return { status: 201, body: booking, headers: { etag: etag(booking.version) } };
        },
        { ownTransaction: true },
      ),
  );

  app.get(
    '/bookings/:id',
    {
      schema: {
        tags: ['bookings'],
        summary: 'One booking; the ETag is its version',
        params: IdParams,
        response: { 200: Booking, ...errorResponses },
      },
    },
    async (request, reply) => {
      const booking = await getBooking(ctxOf(request, deps), request.params.id);
      void reply.header('etag', etag(booking.version));
      return booking;
    },
  );

  app.patch(
    '/bookings/:id',
    {
      schema: {
        tags: ['bookings'],
        summary: 'Change a booking; requires If-Match with its ETag',
        params: IdParams,
        headers: Type.Object({ 'if-match': Type.Optional(Type.String({ maxLength: 40 })) }),
        body: BookingPatch,
        response: { 200: Booking, ...errorResponses },
      },
    },
    async (request, reply) => {
      const expected = ifMatchVersion(request.headers['if-match']);
      if (expected === undefined)
        throw new AppError('precondition-required', 'Send If-Match with the ETag of the booking you read', {
          field: 'header.if-match',
        });
      const booking = bookedOrConflict(
        await updateBooking(ctxOf(request, deps), request.params.id, expected, request.body),
      );
      void reply.header('etag', etag(booking.version));
      return booking;
    },
  );

  app.post(
    '/bookings/:id/cancel',
    {
      schema: {
        tags: ['bookings'],
        summary: 'Cancel a booking; If-Match optional',
        params: IdParams,
        headers: Type.Object({ 'if-match': Type.Optional(Type.String({ maxLength: 40 })) }),
        body: CancelBody,
        response: { 200: Booking, ...errorResponses },
      },
      // The body is optional: no body means no reason (a JSON null is still refused).
      preValidation: async (request) => {
        if (request.body === undefined) request.body = {};
      },
    },
    async (request, reply) =>
      answerPost(request, reply, deps, async (tx) => {
        const booking = await cancelBooking(ctxOf(request, deps, tx), request.params.id, {
          reason: request.body.reason,
          expectedVersion: ifMatchVersion(request.headers['if-match']),
        });
        return { status: 200, body: booking, headers: { etag: etag(booking.version) } };
      }),
  );
}
