import { Type } from 'typebox';
import { type App, ctxOf, type Deps } from '../../http/deps.ts';
import { answerPost } from '../../http/idempotency.ts';
import { errorResponses, IdParams } from '../../http/schemas.ts';
import { refusalOf } from '../bookings/service.ts';
import {
  FindTime,
  FindTimeAnswer,
  FreeTime,
  FreeTimeQuery,
  NewProposal,
  PartnerSuggestions,
  PartnersQuery,
  Proposal,
} from './schema.ts';
import {
  type AnswerResult,
  answerProposal,
  findTime,
  getFreeTime,
  listProposals,
  proposePartner,
  suggestPartners,
} from './service.ts';

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
        querystring: FreeTimeQuery,
        response: { 200: FreeTime, ...errorResponses },
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
        querystring: PartnersQuery,
        response: { 200: PartnerSuggestions, ...errorResponses },
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
        body: FindTime,
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
        body: NewProposal,
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
