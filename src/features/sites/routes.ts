import { Type } from 'typebox';
import { type App, ctxOf, type Deps } from '../../http/deps.ts';
import { errorResponses } from '../../http/schemas.ts';
import { Clock, Site } from './schema.ts';
import { getSite, updateSite } from './service.ts';

export default async function sitesRoutes(app: App, deps: Deps): Promise<void> {
  app.get(
    '/site',
    { schema: { tags: ['site'], summary: "The caller's site", response: { 200: Site, ...errorResponses } } },
    async (request) => getSite(ctxOf(request, deps)),
  );
  app.patch(
    '/site',
    {
      schema: {
        tags: ['site'],
        summary: 'Change site settings (admin)',
        body: Type.Object(
          {
            name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
            timeZone: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
            quietHours: Type.Optional(
              Type.Union([
                Type.Object({ start: Clock, end: Clock }, { additionalProperties: false }),
                Type.Null(),
              ]),
            ),
            horizonDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 1100 })),
            adjacencyMinutes: Type.Optional(Type.Integer({ minimum: 0, maximum: 720 })),
            headsUpMinutes: Type.Optional(Type.Integer({ minimum: 0, maximum: 240 })),
            waitlistHoldMinutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 1440 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Site, ...errorResponses },
      },
    },
    async (request) => updateSite(ctxOf(request, deps), request.body),
  );
}
