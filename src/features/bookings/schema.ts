import { Type } from 'typebox';
import { DateTime, Uuid } from '../../http/schemas.ts';

export const BookingStatus = Type.Union([
  Type.Literal('confirmed'),
  Type.Literal('checked_in'),
  Type.Literal('completed'),
  Type.Literal('cancelled'),
  Type.Literal('released'),
]);
export const Visibility = Type.Union([Type.Literal('public'), Type.Literal('private')]);

const Ref = Type.Object({ id: Uuid, displayName: Type.String() });
const SquadRef = Type.Object({ id: Uuid, name: Type.String() });
const Instant = Type.String({ format: 'date-time' });

export const BookingCan = Type.Object(
  {
    edit: Type.Boolean(),
    cancel: Type.Boolean(),
    move: Type.Boolean(),
    checkIn: Type.Boolean(),
    checkOut: Type.Boolean(),
    repeat: Type.Boolean(),
  },
  {
    description:
      "What the caller may do to the booking now, by the server's policy (an admin acting on someone else's gives a reason)",
  },
);

export const Booking = Type.Object(
  {
    id: Uuid,
    siteId: Uuid,
    spaceId: Uuid,
    title: Type.String({ description: '"Busy" when redacted' }),
    start: Instant,
    end: Instant,
    headcount: Type.Integer({ description: '0 when redacted' }),
    visibility: Visibility,
    status: BookingStatus,
    organizer: Type.Union([Ref, Type.Null()]),
    participants: Type.Object({ members: Type.Array(Ref), squads: Type.Array(SquadRef) }),
    seriesId: Type.Union([Uuid, Type.Null()]),
    originalStart: Type.Union([Instant, Type.Null()]),
    version: Type.Integer(),
    createdAt: Instant,
    updatedAt: Instant,
    busy: Type.Boolean({ description: 'A private booking the caller may only see as busy' }),
    can: BookingCan,
    checkinCode: Type.Optional(
      Type.String({ description: "The booking's own people only: the code to check in at the room display" }),
    ),
  },
  { description: 'A booking (session) of a space' },
);

/**
 * A booking in the way of a requested slot, as far as the caller may see it: the problem+json
 * extras of booking-conflict (`conflicts`) and a skipped occurrence's. The document leaves those
 * open (additionalProperties, unknown[]), so this schema types the server's side only.
 */
export const Conflict = Type.Object({
  id: Uuid,
  spaceId: Uuid,
  start: Instant,
  end: Instant,
  title: Type.String({ description: '"Busy" when redacted' }),
  busy: Type.Boolean(),
  organizer: Type.Optional(Ref),
});

/**
 * A participant already in an overlapping active session, and that session as far as the caller may
 * see it (a private session the caller is not part of shows only its time: no id, space, title or
 * people): the extras of member-conflict (`memberConflicts`), typed as Conflict above.
 */
export const MemberConflict = Type.Object({
  member: Ref,
  booking: Type.Object({
    id: Type.Optional(Uuid),
    spaceId: Type.Optional(Uuid),
    title: Type.String(),
    start: Instant,
    end: Instant,
    busy: Type.Boolean(),
    organizer: Type.Optional(Ref),
  }),
});

export const Participants = Type.Object(
  {
    members: Type.Optional(Type.Array(Uuid, { maxItems: 200 })),
    squads: Type.Optional(Type.Array(Uuid, { maxItems: 50 })),
  },
  { additionalProperties: false },
);

const Title = Type.String({ minLength: 1, maxLength: 200 });
const Headcount = Type.Integer({ minimum: 1, maximum: 10000 });
/** An admin's leave to seat someone twice; refused (403) for members. */
export const AllowMemberOverlap = Type.Boolean({
  description:
    'Admins only: book even though a participant is already in an overlapping active session (else 409 member-conflict)',
});
const Reason = Type.String({
  maxLength: 500,
  description: "Required when an admin acts on someone else's booking",
});

/** An admin's reason to go over a fair-use quota; recorded as a quota.exceeded event. */
export const ExceedQuotaReason = Type.String({
  minLength: 1,
  maxLength: 500,
  description: "An admin's reason to exceed a fair-use quota (audited)",
});

export const NewBooking = Type.Object(
  {
    spaceId: Uuid,
    start: DateTime,
    end: DateTime,
    title: Title,
    headcount: Type.Optional(Headcount),
    participants: Type.Optional(Participants),
    visibility: Type.Optional(Visibility),
    allowMemberOverlap: Type.Optional(AllowMemberOverlap),
    exceedQuotaReason: Type.Optional(ExceedQuotaReason),
  },
  { additionalProperties: false },
);

export const BookingPatch = Type.Object(
  {
    start: Type.Optional(DateTime),
    end: Type.Optional(DateTime),
    title: Type.Optional(Title),
    headcount: Type.Optional(Headcount),
    participants: Type.Optional(Participants),
    visibility: Type.Optional(Visibility),
    reason: Type.Optional(Reason),
    allowMemberOverlap: Type.Optional(AllowMemberOverlap),
    exceedQuotaReason: Type.Optional(ExceedQuotaReason),
  },
  { additionalProperties: false },
);

export const CancelBody = Type.Object({ reason: Type.Optional(Reason) }, { additionalProperties: false });
