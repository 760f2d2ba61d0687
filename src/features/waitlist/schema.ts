import { Type } from 'typebox';
import { DateTime, Uuid } from '../../http/schemas.ts';

export const WaitlistEntry = Type.Object({
  id: Uuid,
  spaceId: Uuid,
  squadId: Type.Union([Uuid, Type.Null()]),
  title: Type.String(),
  start: DateTime,
  end: DateTime,
  lengthMinutes: Type.Union([Type.Integer(), Type.Null()]),
  autoBook: Type.Boolean(),
  status: Type.Union([
    Type.Literal('waiting'),
    Type.Literal('offered'),
    Type.Literal('booked'),
    Type.Literal('left'),
    Type.Literal('expired'),
    Type.Literal('declined'),
  ]),
  position: Type.Union([Type.Integer(), Type.Null()], {
    description: 'Place in line while waiting (1 = next)',
  }),
  bookingId: Type.Union([Uuid, Type.Null()]),
  offerExpiresAt: Type.Union([DateTime, Type.Null()]),
  createdAt: DateTime,
});

export const JoinWaitlist = Type.Object(
  {
    spaceId: Uuid,
    start: DateTime,
    end: DateTime,
    lengthMinutes: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 1440,
        description: 'Any free slot of this length between start and end',
      }),
    ),
    title: Type.String({ minLength: 1, maxLength: 200 }),
    squadId: Type.Optional(Uuid),
    autoBook: Type.Optional(
      Type.Boolean({
        description: 'Book at once when it frees (default for an exact slot), else offer with a hold',
      }),
    ),
  },
  { additionalProperties: false },
);
