import { Type } from 'typebox';
import { type App, ctxOf, type Deps } from '../../http/deps.ts';
import { answerPost } from '../../http/idempotency.ts';
import { DateTime, errorResponses, IdParams, Uuid } from '../../http/schemas.ts';
import { bookedOrConflict } from '../bookings/routes.ts';
import { AllowMemberOverlap, Booking, ExceedQuotaReason, Visibility } from '../bookings/schema.ts';
import { moveBooking, repeatBooking } from './service.ts';

export default async function movesRoutes(app: App, deps: Deps): Promise<void> {
  app.post(
    '/bookings/:id/move',
    {
      schema: {
        tags: ['bookings'],
        summary: 'Move to another space and/or time in one step; participants are told',
        params: IdParams,
        body: Type.Object(
          {
            spaceId: Type.Optional(Uuid),
            start: Type.Optional(DateTime),
            end: Type.Optional(DateTime),
            message: Type.Optional(Type.String({ maxLength: 500 })),
            visibility: Type.Optional(Visibility),
            allowMemberOverlap: Type.Optional(AllowMemberOverlap),
            exceedQuotaReason: Type.Optional(ExceedQuotaReason),
          },
          { additionalProperties: false },
        ),
        response: { 200: Booking, ...errorResponses },
      },
    },
    async (request, reply) =>
      answerPost(request, reply, deps, async (tx) => ({
        status: 200,
        body: bookedOrConflict(await moveBooking(ctxOf(request, deps, tx), request.params.id, request.body)),
      })),
  );

  app.post(
    '/bookings/:id/repeat',
    {
      schema: {
        tags: ['bookings'],
        summary:
          'Book the same slot again tomorrow or next week (same local time); 200 with the occurrence when its series already holds it',
        params: IdParams,
        body: Type.Object(
          {
            when: Type.Union([Type.Literal('tomorrow'), Type.Literal('next-week')]),
            allowMemberOverlap: Type.Optional(AllowMemberOverlap),
          },
          { additionalProperties: false },
        ),
        response: { 200: Booking, 201: Booking, ...errorResponses },
      },
    },
    async (request, reply) =>
      answerPost(request, reply, deps, async (tx) => {
        const result = await repeatBooking(ctxOf(request, deps, tx), request.params.id, request.body.when, {
          allowMemberOverlap: request.body.allowMemberOverlap,
        });
        return { status: result.ok && result.existing ? 200 : 201, body: bookedOrConflict(result) };
      }),
  );
}
