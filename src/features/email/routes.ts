import { Type } from 'typebox';
import { type App, ctxOf, type Deps } from '../../http/deps.ts';
import { errorResponses } from '../../http/schemas.ts';
import { noticeKinds } from '../notifications/service.ts';
import { getEmailPreferences, setEmailPreferences } from './service.ts';

const Kinds = Type.Object(Object.fromEntries(noticeKinds.map((k) => [k, Type.Optional(Type.Boolean())])), {
  additionalProperties: false,
  description: 'Per kind of notice: true to get it by email as well',
});
const Answer = Type.Object({
  available: Type.Boolean({ description: 'Whether this server sends email (SHIPSHAPE_SMTP_URL is set)' }),
  kinds: Kinds,
});

/** Which notices the caller gets by email. */
export default async function emailRoutes(app: App, deps: Deps): Promise<void> {
  const available = deps.config.smtpUrl !== undefined;
  app.get(
    '/email/preferences',
    {
      schema: {
        tags: ['email'],
        summary: 'Which kinds of notice the caller gets by email (in-app stays on)',
        response: { 200: Answer, ...errorResponses },
      },
    },
    async (request) => ({ available, kinds: await getEmailPreferences(ctxOf(request, deps)) }),
  );
  app.put(
    '/email/preferences',
    {
      schema: {
        tags: ['email'],
        summary: 'Turn email on or off per kind of notice (kinds left out are unchanged)',
        body: Type.Object({ kinds: Kinds }, { additionalProperties: false }),
        response: { 200: Answer, ...errorResponses },
      },
    },
    async (request) => ({
      available,
      kinds: await setEmailPreferences(ctxOf(request, deps), request.body.kinds as Record<string, unknown>),
    }),
  );
}
