import { Type } from 'typebox';
import { DateTime, Uuid } from '../../http/schemas.ts';

const Instant = Type.String({ format: 'date-time' });
export const Span = Type.Object({ start: Instant, end: Instant });
export const Ref = Type.Object({ id: Uuid, displayName: Type.String() });
export const SpaceRef = Type.Object({
  id: Uuid,
  name: Type.String(),
  kind: Type.String(),
  capacity: Type.Integer(),
});

/** A partner proposal: a slot offered to a partner, answered with Accept or Decline. */
export const Proposal = Type.Object({
  id: Uuid,
  from: Ref,
  to: Ref,
  disciplineId: Uuid,
  discipline: Type.String(),
  space: Type.Object({ id: Uuid, name: Type.String() }),
  start: Instant,
  end: Instant,
  status: Type.Union([Type.Literal('pending'), Type.Literal('accepted'), Type.Literal('declined')]),
  bookingId: Type.Union([Uuid, Type.Null()]),
  createdAt: Instant,
});

/** What to find a time for: people, a length, a window, where. */
export const FindTime = Type.Object(
  {
    members: Type.Optional(Type.Array(Uuid, { maxItems: 200 })),
    squads: Type.Optional(Type.Array(Uuid, { maxItems: 50 })),
    lengthMinutes: Type.Integer({ minimum: 5, maximum: 1440 }),
    from: Type.Optional(DateTime),
    to: Type.Optional(DateTime),
    spaceId: Type.Optional(Uuid),
    spaceKind: Type.Optional(
      Type.Union(['training', 'sparring', 'briefing', 'cabin', 'other'].map((k) => Type.Literal(k))),
    ),
    minCapacity: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 10000, description: 'Default: the head count' }),
    ),
    preference: Type.Optional(
      Type.Union([Type.Literal('earliest'), Type.Literal('quiet')], {
        description: 'earliest first, or least time in quiet hours first',
      }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, default: 5 })),
    includeMe: Type.Optional(Type.Boolean({ description: 'Whether the caller attends (default true)' })),
  },
  { additionalProperties: false },
);

/** Slots that suit everyone; when none, why (emptyReason), and the slots with the fewest missing (partial). */
export const FindTimeAnswer = Type.Object({
  people: Type.Array(Ref),
  headcount: Type.Integer(),
  slots: Type.Array(
    Type.Object({
      start: Instant,
      end: Instant,
      space: SpaceRef,
      quietMinutes: Type.Integer(),
      booking: Type.Object({
        spaceId: Uuid,
        start: Instant,
        end: Instant,
        headcount: Type.Integer(),
        participants: Type.Object({ members: Type.Array(Uuid), squads: Type.Array(Uuid) }),
      }),
    }),
  ),
  emptyReason: Type.Union([
    Type.Object({
      message: Type.String(),
      peopleNeverFree: Type.Array(Ref),
      spacesNeverFree: Type.Array(SpaceRef),
      spacesNotAllowed: Type.Array(
        Type.Object({
          id: Uuid,
          name: Type.String(),
          kind: Type.String(),
          capacity: Type.Integer(),
          reason: Type.String(),
        }),
      ),
    }),
    Type.Null(),
  ]),
  partial: Type.Array(
    Type.Object({
      start: Instant,
      end: Instant,
      space: SpaceRef,
      attendees: Type.Array(Ref),
      missing: Type.Array(Ref),
      attendancePercentage: Type.Integer(),
    }),
  ),
});

export const FreeTimeQuery = Type.Object(
  { from: Type.Optional(DateTime), to: Type.Optional(DateTime) },
  { additionalProperties: false },
);

/** A member's free intervals; why they are busy never shows. */
export const FreeTime = Type.Object({ memberId: Uuid, free: Type.Array(Span) });

export const PartnersQuery = Type.Object(
  {
    discipline: Type.String({ minLength: 1, maxLength: 100, description: 'Id or name' }),
    from: Type.Optional(DateTime),
    to: Type.Optional(DateTime),
    length: Type.Optional(Type.Integer({ minimum: 5, maximum: 1440, description: 'Minutes (default 60)' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  },
  { additionalProperties: false },
);

/** A suggested partner: how fair a match, how much shared free time, and up to three shared slots. */
export const PartnerSuggestion = Type.Object({
  member: Ref,
  level: Type.String(),
  rating: Type.Number(),
  rd: Type.Number(),
  /** The chance the caller wins, deviations taken into account. */
  winProbability: Type.Number(),
  /** 1 when each side is as likely to win, 0 when one surely does. */
  fairness: Type.Number(),
  /** Minutes of shared free time in the window, in stretches of at least the length. */
  sharedMinutes: Type.Integer(),
  slots: Type.Array(
    Type.Object({
      start: Instant,
      end: Instant,
      space: Type.Object({ id: Uuid, name: Type.String() }),
    }),
  ),
});

export const PartnerSuggestions = Type.Object({
  discipline: Type.Object({ id: Uuid, name: Type.String() }),
  me: Type.Object({ rating: Type.Number(), rd: Type.Number() }),
  items: Type.Array(PartnerSuggestion),
});

export const NewProposal = Type.Object(
  {
    memberId: Uuid,
    discipline: Type.String({ minLength: 1, maxLength: 100 }),
    spaceId: Uuid,
    start: DateTime,
    end: DateTime,
  },
  { additionalProperties: false },
);
