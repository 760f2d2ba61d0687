import { Type } from 'typebox';
import { type App, ctxOf, type Deps } from '../../http/deps.ts';
import { answerPost } from '../../http/idempotency.ts';
import { errorResponses, IdParams } from '../../http/schemas.ts';
import { JoinWaitlist, WaitlistEntry } from './schema.ts';
import { acceptOffer, joinWaitlist, leaveWaitlist, listMyWaitlist } from './service.ts';

export default async function waitlistRoutes(app: App, deps: Deps): Promise<void> {
  app.get(
    '/waitlist',
    {
      schema: {
        tags: ['waitlist'],
        summary: "The caller's waitlist entries, open ones first, with their place in line",
        response: { 200: Type.Object({ items: Type.Array(WaitlistEntry) }), ...errorResponses },
      },
    },
    async (request) => ({ items: await listMyWaitlist(ctxOf(request, deps)) }),
  );

  app.post(
    '/waitlist',
    {
      schema: {
        tags: ['waitlist'],
        summary:
          'Wait for a taken slot of a space (exact, or any free slot of a length between start and end)',
        body: JoinWaitlist,
        response: { 201: WaitlistEntry, ...errorResponses },
      },
    },
    async (request, reply) =>
      answerPost(request, reply, deps, async (tx) => ({
        status: 201,
        body: await joinWaitlist(ctxOf(request, deps, tx), request.body),
      })),
  );

  app.post(
    '/waitlist/:id/accept',
    {
      schema: {
        tags: ['waitlist'],
        summary: 'Accept an offered slot while it is held',
        params: IdParams,
        response: { 200: WaitlistEntry, ...errorResponses },
      },
    },
    async (request, reply) =>
      answerPost(request, reply, deps, async (tx) => ({
        status: 200,
        body: await acceptOffer(ctxOf(request, deps, tx), request.params.id),
      })),
  );

  app.post(
    '/waitlist/:id/leave',
    {
      schema: {
        tags: ['waitlist'],
        summary: 'Leave the line, or decline an offer (it passes to the next)',
        params: IdParams,
        response: { 200: WaitlistEntry, ...errorResponses },
      },
    },
    async (request, reply) =>
      answerPost(request, reply, deps, async (tx) => ({
        status: 200,
        body: await leaveWaitlist(ctxOf(request, deps, tx), request.params.id),
      })),
  );
}
