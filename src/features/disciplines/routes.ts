import { Type } from 'typebox';
import { type App, ctxOf, type Deps } from '../../http/deps.ts';
import { answerPost } from '../../http/idempotency.ts';
import { errorResponses, IdParams, Uuid } from '../../http/schemas.ts';
import {
  Discipline,
  DisputeBody,
  MemberDiscipline,
  NewDiscipline,
  NewResult,
  PartnerSettings,
  PartnerSettingsPatch,
  Result,
  SetLevel,
} from './schema.ts';
import {
  createDiscipline,
  disputeResult,
  getPartnerSettings,
  listDisciplines,
  listMemberDisciplines,
  listResults,
  recordResult,
  removeMemberDiscipline,
  setMemberDiscipline,
  setPartnerSettings,
} from './service.ts';

const MemberDisciplineParams = Type.Object({
  id: Uuid,
  discipline: Type.String({ minLength: 1, maxLength: 100, description: 'Id or name' }),
});

export default async function disciplinesRoutes(app: App, deps: Deps): Promise<void> {
  app.get(
    '/disciplines',
    {
      schema: {
        tags: ['partners'],
        summary: 'Disciplines of the site, with how many members train each',
        response: { 200: Type.Object({ items: Type.Array(Discipline) }), ...errorResponses },
      },
    },
    async (request) => ({ items: await listDisciplines(ctxOf(request, deps)) }),
  );

  app.post(
    '/disciplines',
    {
      schema: {
        tags: ['partners'],
        summary: 'Add a discipline (admin)',
        body: NewDiscipline,
        response: { 201: Discipline, ...errorResponses },
      },
    },
    async (request, reply) =>
      answerPost(request, reply, deps, async (tx) => ({
        status: 201,
        body: await createDiscipline(ctxOf(request, deps, tx), request.body),
      })),
  );

  app.get(
    '/members/:id/disciplines',
    {
      schema: {
        tags: ['partners'],
        summary: "A member's disciplines with level and Glicko-2 rating",
        params: IdParams,
        response: { 200: Type.Object({ items: Type.Array(MemberDiscipline) }), ...errorResponses },
      },
    },
    async (request) => ({ items: await listMemberDisciplines(ctxOf(request, deps), request.params.id) }),
  );

  app.put(
    '/members/:id/disciplines/:discipline',
    {
      schema: {
        tags: ['partners'],
        summary: 'Train a discipline at a self-assessed level, or change the level (the member or an admin)',
        params: MemberDisciplineParams,
        body: SetLevel,
        response: { 200: MemberDiscipline, ...errorResponses },
      },
    },
    async (request) =>
      setMemberDiscipline(ctxOf(request, deps), request.params.id, request.params.discipline, request.body),
  );

  app.delete(
    '/members/:id/disciplines/:discipline',
    {
      schema: {
        tags: ['partners'],
        summary: 'Stop training a discipline',
        params: MemberDisciplineParams,
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await removeMemberDiscipline(ctxOf(request, deps), request.params.id, request.params.discipline);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/members/:id/partner-settings',
    {
      schema: {
        tags: ['partners'],
        summary: 'Hidden from suggestions; night training (the member or an admin)',
        params: IdParams,
        response: { 200: PartnerSettings, ...errorResponses },
      },
    },
    async (request) => getPartnerSettings(ctxOf(request, deps), request.params.id),
  );

  app.patch(
    '/members/:id/partner-settings',
    {
      schema: {
        tags: ['partners'],
        summary: 'Change partner settings (the member or an admin)',
        params: IdParams,
        body: PartnerSettingsPatch,
        response: { 200: PartnerSettings, ...errorResponses },
      },
    },
    async (request) => setPartnerSettings(ctxOf(request, deps), request.params.id, request.body),
  );

  app.get(
    '/results',
    {
      schema: {
        tags: ['partners'],
        summary: 'Results the caller took part in (admins: any member), newest first',
        querystring: Type.Object(
          {
            member: Type.Optional(Uuid),
            discipline: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ items: Type.Array(Result) }), ...errorResponses },
      },
    },
    async (request) => ({
      items: await listResults(ctxOf(request, deps), {
        memberId: request.query.member,
        discipline: request.query.discipline,
        limit: request.query.limit,
      }),
    }),
  );

  app.post(
    '/results',
    {
      schema: {
        tags: ['partners'],
        summary: 'Record a result between two people of a finished session; ratings follow (Glicko-2)',
        body: NewResult,
        response: { 201: Result, ...errorResponses },
      },
    },
    async (request, reply) =>
      answerPost(request, reply, deps, async (tx) => ({
        status: 201,
        body: await recordResult(ctxOf(request, deps, tx), request.body),
      })),
  );

  app.post(
    '/results/:id/dispute',
    {
      schema: {
        tags: ['partners'],
        summary: 'Dispute a result (either player): it stops counting',
        params: IdParams,
        body: DisputeBody,
        response: { 200: Result, ...errorResponses },
      },
      preValidation: async (request) => {
        if (request.body === undefined) request.body = {};
      },
    },
    async (request, reply) =>
      answerPost(request, reply, deps, async (tx) => ({
        status: 200,
        body: await disputeResult(ctxOf(request, deps, tx), request.params.id, request.body),
      })),
  );
}
