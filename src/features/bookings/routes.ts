import { Type } from 'typebox';
import { type App, ctxOf, type Deps } from '../../http/deps.ts';
import { answerPost } from '../../http/idempotency.ts';
import { etag, IfMatchHeaders, ifMatchVersion, requiredIfMatch, withEtag } from '../../http/if-match.ts';
import { Cursor, DateTime, errorResponses, IdParams, Limit, page, Uuid } from '../../http/schemas.ts';
import { Booking, BookingPatch, BookingStatus, CancelBody, NewBooking } from './schema.ts';
import {
  type BookingResult,
  type BookingView,
  cancelBooking,
  createBooking,
  getBooking,
  listBookings,
  refusalOf,
  updateBooking,
} from './service.ts';

/**
 * A taken slot becomes a 409 problem listing the conflicting bookings the caller may see; a
 * participant already elsewhere at that time a 409 member-conflict naming them and that session.
 */
export function bookedOrConflict(result: BookingResult): BookingView {
  if (result.ok) return result.booking;
  throw refusalOf(result);
}

export default async function bookingsRoutes(app: App, deps: Deps): Promise<void> {
  app.get(
    '/bookings',
    {
      schema: {
        tags: ['bookings'],
        summary: 'Bookings by start; filters combine',
        description:
          'member= and squad= never match a private booking the caller may not see; such a booking still appears, as busy, in lists not filtered on people.',
        querystring: Type.Object(
          {
            space: Type.Optional(Uuid),
            member: Type.Optional(Uuid),
            squad: Type.Optional(Uuid),
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
        squadId: request.query.squad,
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
    async (request, reply) => withEtag(reply, await getBooking(ctxOf(request, deps), request.params.id)),
  );

  app.patch(
    '/bookings/:id',
    {
      schema: {
        tags: ['bookings'],
        summary: 'Change a booking; requires If-Match with its ETag',
        params: IdParams,
        headers: IfMatchHeaders,
        body: BookingPatch,
        response: { 200: Booking, ...errorResponses },
      },
    },
    async (request, reply) => {
      const expected = requiredIfMatch(request.headers['if-match'], 'booking');
      return withEtag(
        reply,
        bookedOrConflict(
          await updateBooking(ctxOf(request, deps), request.params.id, expected, request.body),
        ),
      );
    },
  );

  app.post(
    '/bookings/:id/cancel',
    {
      schema: {
        tags: ['bookings'],
        summary: 'Cancel a booking; If-Match optional',
        params: IdParams,
        headers: IfMatchHeaders,
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
          expectedVersion: ifMatchVersion(request.headers['if-match'], 'booking'),
        });
        return { status: 200, body: booking, headers: { etag: etag(booking.version) } };
      }),
  );
}
