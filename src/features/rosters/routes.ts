import { Type } from 'typebox';
import { type App, ctxOf, type Deps } from '../../http/deps.ts';
import { answerPost } from '../../http/idempotency.ts';
import { DateTime, errorResponses, IdParams } from '../../http/schemas.ts';
import { DisplayText } from '../spaces/schema.ts';
import { DutyShift, Leave, Roster } from './schema.ts';
import { addDutyShift, addLeave, getRoster, removeDutyShift, removeLeave } from './service.ts';

export default async function rostersRoutes(app: App, deps: Deps): Promise<void> {
  app.get(
    '/members/:id/roster',
    {
      schema: {
        tags: ['partners'],
        summary: "A member's duty shifts and leave (the member or an admin)",
        params: IdParams,
        response: {
          200: Roster,
          ...errorResponses,
        },
      },
    },
    async (request) => getRoster(ctxOf(request, deps), request.params.id),
  );

  app.post(
    '/members/:id/duty-shifts',
    {
      schema: {
        tags: ['partners'],
        summary: 'Declare a recurring duty shift: RRULE, local start time and duration in the site zone',
        params: IdParams,
        body: Type.Object(
          {
            title: DisplayText({ maxLength: 200 }),
            rrule: Type.String({ minLength: 1, maxLength: 500, example: 'FREQ=WEEKLY;BYDAY=MO,WE,FR' }),
            startDate: Type.String({ format: 'date' }),
            startTime: Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', example: '08:00' }),
            durationMinutes: Type.Integer({ minimum: 1, maximum: 1440 }),
          },
          { additionalProperties: false },
        ),
        response: { 201: DutyShift, ...errorResponses },
      },
    },
    async (request, reply) =>
      answerPost(request, reply, deps, async (tx) => ({
        status: 201,
        body: await addDutyShift(ctxOf(request, deps, tx), request.params.id, request.body),
      })),
  );

  app.delete(
    '/duty-shifts/:id',
    {
      schema: {
        tags: ['partners'],
        summary: 'Remove a duty shift',
        params: IdParams,
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await removeDutyShift(ctxOf(request, deps), request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/members/:id/leave',
    {
      schema: {
        tags: ['partners'],
        summary: 'Declare one-off leave (busy time)',
        params: IdParams,
        body: Type.Object(
          { start: DateTime, end: DateTime, reason: Type.Optional(Type.String({ maxLength: 500 })) },
          { additionalProperties: false },
        ),
        response: { 201: Leave, ...errorResponses },
      },
    },
    async (request, reply) =>
      answerPost(request, reply, deps, async (tx) => ({
        status: 201,
        body: await addLeave(ctxOf(request, deps, tx), request.params.id, request.body),
      })),
  );

  app.delete(
    '/leave/:id',
    {
      schema: {
        tags: ['partners'],
        summary: 'Remove leave',
        params: IdParams,
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await removeLeave(ctxOf(request, deps), request.params.id);
      return reply.status(204).send(null);
    },
  );
}
