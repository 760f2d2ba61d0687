import { Type } from 'typebox';
import { type App, ctxOf, type Deps } from '../../http/deps.ts';
import { answerPost } from '../../http/idempotency.ts';
import { DateTime, errorResponses, IdParams, Uuid } from '../../http/schemas.ts';
import { refusalOf } from '../bookings/service.ts';
import {
  type AnswerResult,
  answerProposal,
  findTime,
  getFreeTime,
  listProposals,
  proposePartner,
  suggestPartners,
} from './service.ts';

const Instant = Type.String({ format: 'date-time' });
const Span = Type.Object({ start: Instant, end: Instant });
const Ref = Type.Object({ id: Uuid, displayName: Type.String() });
const SpaceRef = Type.Object({
  id: Uuid,
  name: Type.String(),
  kind: Type.String(),
  capacity: Type.Integer(),
});

const Proposal = Type.Object({
  id: Uuid,
  from: Ref,
  to: Ref,
  disciplineId: Uuid,
  discipline: Type.String(),
  space: Type.Object({ id: Uuid, name: Type.String() }),
  start: Instant,
  end: Instant,
  status: Type.Union([Type.Literal('pending'), Type.Literal('accepted'), Type.Literal('declined')]),
  bookingId: Type.Union([Uuid, Type.Null()]),
  createdAt: Instant,
});

const FindTimeBody = Type.Object(
  {
    members: Type.Optional(Type.Array(Uuid, { maxItems: 200 })),
    squads: Type.Optional(Type.Array(Uuid, { maxItems: 50 })),
    lengthMinutes: Type.Integer({ minimum: 5, maximum: 1440 }),
    from: Type.Optional(DateTime),
    to: Type.Optional(DateTime),
    spaceId: Type.Optional(Uuid),
    spaceKind: Type.Optional(
      Type.Union(['training', 'sparring', 'briefing', 'cabin', 'other'].map((k) => Type.Literal(k))),
    ),
    minCapacity: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 10000, description: 'Default: the head count' }),
    ),
    preference: Type.Optional(
      Type.Union([Type.Literal('earliest'), Type.Literal('quiet')], {
        description: 'earliest first, or least time in quiet hours first',
      }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, default: 5 })),
    includeMe: Type.Optional(Type.Boolean({ description: 'Whether the caller attends (default true)' })),
  },
  { additionalProperties: false },
);

const FindTimeAnswer = Type.Object({
  people: Type.Array(Ref),
  headcount: Type.Integer(),
  slots: Type.Array(
    Type.Object({
      start: Instant,
      end: Instant,
      space: SpaceRef,
      quietMinutes: Type.Integer(),
      booking: Type.Object({
        spaceId: Uuid,
        start: Instant,
        end: Instant,
        headcount: Type.Integer(),
        participants: Type.Object({ members: Type.Array(Uuid), squads: Type.Array(Uuid) }),
      }),
    }),
  ),
  emptyReason: Type.Union([
    Type.Object({
      message: Type.String(),
      peopleNeverFree: Type.Array(Ref),
      spacesNeverFree: Type.Array(SpaceRef),
      spacesNotAllowed: Type.Array(
        Type.Object({
          id: Uuid,
          name: Type.String(),
          kind: Type.String(),
          capacity: Type.Integer(),
          reason: Type.String(),
        }),
      ),
    }),
    Type.Null(),
  ]),
  partial: Type.Array(
    Type.Object({
      start: Instant,
      end: Instant,
      space: SpaceRef,
      attendees: Type.Array(Ref),
      missing: Type.Array(Ref),
      attendancePercentage: Type.Integer(),
    }),
  ),
});

function answered(result: AnswerResult) {
  if (result.ok) return result.proposal;
  // The slot was taken meanwhile, or one of the two is now elsewhere at that time.
  throw refusalOf(result, 'path.id');
}

export default async function partnersRoutes(app: App, deps: Deps): Promise<void> {
  app.get(
    '/members/:id/free',
    {
      schema: {
        tags: ['partners'],
        summary:
          "A member's free intervals (busy: active sessions, duty shifts, leave, quiet hours); never why",
        params: IdParams,
        querystring: Type.Object(
          { from: Type.Optional(DateTime), to: Type.Optional(DateTime) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ memberId: Uuid, free: Type.Array(Span) }), ...errorResponses },
      },
    },
    async (request) => getFreeTime(ctxOf(request, deps), request.params.id, request.query),
  );

  app.get(
    '/partners',
    {
      schema: {
        tags: ['partners'],
        summary: 'Sparring partners for the caller: closest fair match first, with shared slots and a space',
        querystring: Type.Object(
          {
            discipline: Type.String({ minLength: 1, maxLength: 100, description: 'Id or name' }),
            from: Type.Optional(DateTime),
            to: Type.Optional(DateTime),
            length: Type.Optional(
              Type.Integer({ minimum: 5, maximum: 1440, description: 'Minutes (default 60)' }),
            ),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            discipline: Type.Object({ id: Uuid, name: Type.String() }),
            me: Type.Object({ rating: Type.Number(), rd: Type.Number() }),
            items: Type.Array(
              Type.Object({
                member: Ref,
                level: Type.String(),
                rating: Type.Number(),
                rd: Type.Number(),
                winProbability: Type.Number(),
                fairness: Type.Number(),
                sharedMinutes: Type.Integer(),
                slots: Type.Array(
                  Type.Object({
                    start: Instant,
                    end: Instant,
                    space: Type.Object({ id: Uuid, name: Type.String() }),
                  }),
                ),
              }),
            ),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => suggestPartners(ctxOf(request, deps), request.query),
  );

  app.post(
    '/find-time',
    {
      schema: {
        tags: ['partners'],
        summary:
          'Slots and a space that suit everyone; when none, why, and the slots with the fewest missing',
        body: FindTimeBody,
        response: { 200: FindTimeAnswer, ...errorResponses },
      },
    },
    async (request) => findTime(ctxOf(request, deps), request.body),
  );

  app.get(
    '/partners/proposals',
    {
      schema: {
        tags: ['partners'],
        summary: 'Proposals the caller sent or received, newest first',
        response: { 200: Type.Object({ items: Type.Array(Proposal) }), ...errorResponses },
      },
    },
    async (request) => ({ items: await listProposals(ctxOf(request, deps)) }),
  );

  app.post(
    '/partners/proposals',
    {
      schema: {
        tags: ['partners'],
        summary: 'Propose a slot to a partner; they get a notice with Accept and Decline',
        body: Type.Object(
          {
            memberId: Uuid,
            discipline: Type.String({ minLength: 1, maxLength: 100 }),
            spaceId: Uuid,
            start: DateTime,
            end: DateTime,
          },
          { additionalProperties: false },
        ),
        response: { 201: Proposal, ...errorResponses },
      },
    },
    async (request, reply) =>
      answerPost(request, reply, deps, async (tx) => ({
        status: 201,
        body: await proposePartner(ctxOf(request, deps, tx), request.body),
      })),
  );

  for (const action of ['accept', 'decline'] as const)
    app.post(
      `/partners/proposals/:id/${action}`,
      {
        schema: {
          tags: ['partners'],
          summary:
            action === 'accept'
              ? 'Accept a proposal: books the slot for both (409 when it is taken)'
              : 'Decline a proposal',
          params: IdParams,
          response: { 200: Proposal, ...errorResponses },
        },
      },
      async (request, reply) =>
        answerPost(request, reply, deps, async (tx) => ({
          status: 200,
          body: answered(
            await answerProposal(ctxOf(request, deps, tx), request.params.id, action === 'accept'),
          ),
        })),
    );
}
