import { Type } from 'typebox';
import { DateTime, Uuid } from '../../http/schemas.ts';

const Clock = Type.String({
  pattern: '^([01][0-9]|2[0-4]):[0-5][0-9]$',
  description: 'HH:MM, local time of the site',
});

export const QuotaRule = Type.Object({
  id: Uuid,
  name: Type.String(),
  memberId: Type.Union([Uuid, Type.Null()]),
  squadId: Type.Union([Uuid, Type.Null()]),
  spaceId: Type.Union([Uuid, Type.Null()]),
  spaceKind: Type.Union([Type.String(), Type.Null()]),
  metric: Type.Union([Type.Literal('hours'), Type.Literal('sessions')]),
  period: Type.Union([Type.Literal('day'), Type.Literal('week'), Type.Literal('month')]),
  maximum: Type.Number(),
  window: Type.Union([Type.Object({ start: Type.String(), end: Type.String() }), Type.Null()]),
  countParticipants: Type.Boolean(),
  version: Type.Integer(),
  createdAt: DateTime,
});

export const NewQuotaRule = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    memberId: Type.Optional(Uuid),
    squadId: Type.Optional(Uuid),
    spaceId: Type.Optional(Uuid),
    spaceKind: Type.Optional(
      Type.Union([
        Type.Literal('training'),
        Type.Literal('sparring'),
        Type.Literal('briefing'),
        Type.Literal('cabin'),
        Type.Literal('other'),
      ]),
    ),
    metric: Type.Union([Type.Literal('hours'), Type.Literal('sessions')]),
    period: Type.Union([Type.Literal('day'), Type.Literal('week'), Type.Literal('month')]),
    maximum: Type.Number({ exclusiveMinimum: 0, maximum: 100_000 }),
    window: Type.Optional(Type.Object({ start: Clock, end: Clock }, { additionalProperties: false })),
    countParticipants: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const QuotaUsage = Type.Object({
  rule: QuotaRule,
  used: Type.Number(),
  remaining: Type.Number(),
  periodStart: Type.String(),
  periodEnd: Type.String(),
});
