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

/**
 * Why a session does not fit a quota: the rule, whose quota, what is used and what remains. The
 * problem+json extras of quota-exceeded (and a skipped occurrence's `quota`); the document leaves
 * those open (additionalProperties), so this schema types the server's side only.
 */
export const QuotaRefusal = Type.Object({
  rule: Type.Object({
    id: Uuid,
    name: Type.String(),
    metric: Type.Union([Type.Literal('hours'), Type.Literal('sessions')]),
    period: Type.Union([Type.Literal('day'), Type.Literal('week'), Type.Literal('month')]),
    maximum: Type.Number(),
  }),
  member: Type.Object({ id: Uuid, displayName: Type.String() }),
  /** Null when the quota is another member's and the caller is not an admin: their use is theirs. */
  used: Type.Union([Type.Number(), Type.Null()]),
  remaining: Type.Union([Type.Number(), Type.Null()]),
  wanted: Type.Number(),
  periodStart: Type.String(),
  periodEnd: Type.String(),
});
