import { Type } from 'typebox';
import { type App, ctxOf, type Deps } from '../../http/deps.ts';
import { answerPost } from '../../http/idempotency.ts';
import { IfMatchHeaders, ifMatchVersion, withEtag } from '../../http/if-match.ts';
import { errorResponses, IdParams } from '../../http/schemas.ts';
import { NewQuotaRule, QuotaRule, QuotaUsage } from './schema.ts';
import { createQuotaRule, deleteQuotaRule, listQuotaRules, myQuota, replaceQuotaRule } from './service.ts';

export default async function quotasRoutes(app: App, deps: Deps): Promise<void> {
  app.get(
    '/quotas',
    {
      schema: {
        tags: ['quotas'],
        summary: "The site's fair-use quota rules (admins)",
        response: { 200: Type.Object({ items: Type.Array(QuotaRule) }), ...errorResponses },
      },
    },
    async (request) => ({ items: await listQuotaRules(ctxOf(request, deps)) }),
  );

  app.post(
    '/quotas',
    {
      schema: {
        tags: ['quotas'],
        summary:
          'Add a quota rule (admins): per member, per squad (each member on their own) or everyone; for a space, a kind or all',
        body: NewQuotaRule,
        response: { 201: QuotaRule, ...errorResponses },
      },
    },
    async (request, reply) =>
      answerPost(request, reply, deps, async (tx) => ({
        status: 201,
        body: await createQuotaRule(ctxOf(request, deps, tx), request.body),
      })),
  );

  app.put(
    '/quotas/:id',
    {
      schema: {
        tags: ['quotas'],
        summary:
          'Replace a quota rule (admins): every field as for a new one; If-Match with its ETag guards against lost updates',
        params: IdParams,
        headers: IfMatchHeaders,
        body: NewQuotaRule,
        response: { 200: QuotaRule, ...errorResponses },
      },
    },
    async (request, reply) =>
      withEtag(
        reply,
        await replaceQuotaRule(
          ctxOf(request, deps),
          request.params.id,
          request.body,
          ifMatchVersion(request.headers['if-match'], 'quota rule'),
        ),
      ),
  );

  app.delete(
    '/quotas/:id',
    {
      schema: {
        tags: ['quotas'],
        summary: 'Remove a quota rule (admins)',
        params: IdParams,
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await deleteQuotaRule(ctxOf(request, deps), request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/me/quota',
    {
      schema: {
        tags: ['quotas'],
        summary: "The caller's quotas in the current period: used and remaining, the tightest first",
        response: { 200: Type.Object({ items: Type.Array(QuotaUsage) }), ...errorResponses },
      },
    },
    async (request) => ({ items: await myQuota(ctxOf(request, deps)) }),
  );
}
