import { Type } from 'typebox';
import { Uuid } from '../../http/schemas.ts';
import { DisplayText } from '../spaces/schema.ts';

const Ref = Type.Object({ id: Uuid, displayName: Type.String() });

export const Discipline = Type.Object({ id: Uuid, name: Type.String(), members: Type.Integer() });
export const NewDiscipline = Type.Object(
  { name: DisplayText({ maxLength: 100 }) },
  { additionalProperties: false },
);

export const Level = Type.Union([
  Type.Literal('beginner'),
  Type.Literal('intermediate'),
  Type.Literal('advanced'),
  Type.Literal('expert'),
]);

export const MemberDiscipline = Type.Object({
  disciplineId: Uuid,
  discipline: Type.String(),
  level: Level,
  rating: Type.Number({ description: 'Glicko-2 rating (public scale)' }),
  rd: Type.Number({ description: 'Rating deviation, grown by the weeks without a counted result' }),
  volatility: Type.Number(),
  resultsCounted: Type.Integer(),
  ratedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

export const SetLevel = Type.Object({ level: Level }, { additionalProperties: false });

export const PartnerSettings = Type.Object({
  hidden: Type.Boolean({ description: 'Never suggested as a partner' }),
  nightTraining: Type.Boolean({ description: 'Quiet hours count as free time' }),
});
export const PartnerSettingsPatch = Type.Object(
  { hidden: Type.Optional(Type.Boolean()), nightTraining: Type.Optional(Type.Boolean()) },
  { additionalProperties: false, minProperties: 1 },
);

export const Outcome = Type.Union([Type.Literal('win'), Type.Literal('loss'), Type.Literal('draw')]);

export const NewResult = Type.Object(
  {
    bookingId: Uuid,
    discipline: Type.String({ minLength: 1, maxLength: 100, description: 'Id or name' }),
    memberA: Uuid,
    memberB: Uuid,
    outcome: Type.Union([Outcome, Type.Literal('even')], {
      description: "From memberA's side; even sparring counts as a draw",
    }),
  },
  { additionalProperties: false },
);

export const Result = Type.Object({
  id: Uuid,
  disciplineId: Uuid,
  discipline: Type.String(),
  bookingId: Uuid,
  memberA: Ref,
  memberB: Ref,
  outcome: Outcome,
  playedAt: Type.String({ format: 'date-time' }),
  recordedBy: Uuid,
  recordedAt: Type.String({ format: 'date-time' }),
  disputed: Type.Boolean(),
  disputedBy: Type.Union([Uuid, Type.Null()]),
  disputeReason: Type.Union([Type.String(), Type.Null()]),
  counts: Type.Boolean({ description: 'Disputed results do not count towards ratings' }),
});

export const DisputeBody = Type.Object(
  { reason: Type.Optional(Type.String({ maxLength: 500 })) },
  { additionalProperties: false },
);
