import { Type } from 'typebox';
import { Uuid } from '../../http/schemas.ts';

/** The people of a new series: members and squads by id. */
export const Participants = Type.Object(
  {
    members: Type.Optional(Type.Array(Uuid, { maxItems: 200 })),
    squads: Type.Optional(Type.Array(Uuid, { maxItems: 50 })),
  },
  { additionalProperties: false },
);

/** A series as the API answers it, with the caller's `can`. */
export const Series = Type.Object({
  id: Uuid,
  spaceId: Uuid,
  organizerId: Uuid,
  title: Type.String(),
  rrule: Type.String(),
  startDate: Type.String(),
  startTime: Type.String(),
  durationMinutes: Type.Integer(),
  timeZone: Type.String(),
  headcount: Type.Integer(),
  visibility: Type.Union([Type.Literal('public'), Type.Literal('private')]),
  participants: Type.Object({ members: Type.Array(Uuid), squads: Type.Array(Uuid) }),
  allowMemberOverlap: Type.Boolean({ description: "Booked with an admin's leave to overlap" }),
  status: Type.String(),
  materializedUntil: Type.String({ format: 'date-time' }),
  version: Type.Integer(),
  createdAt: Type.String({ format: 'date-time' }),
  can: Type.Object(
    { edit: Type.Boolean(), cancel: Type.Boolean() },
    { description: "What the caller may do to the series, by the server's policy" },
  ),
});

/** A series with its booked occurrences and exceptions. */
export const SeriesDetail = Type.Intersect([
  Series,
  Type.Object({
    occurrences: Type.Array(
      Type.Object({
        bookingId: Uuid,
        originalStart: Type.String(),
        start: Type.String(),
        status: Type.String(),
      }),
    ),
    exceptions: Type.Array(Type.Object({ originalStart: Type.String(), kind: Type.String() })),
  }),
]);

/** An occurrence refused or skipped, with what is in its way. */
export const Occurrence = Type.Object(
  {
    originalStart: Type.String(),
    start: Type.String(),
    end: Type.String(),
    conflicts: Type.Array(Type.Unknown()),
    memberConflicts: Type.Optional(Type.Array(Type.Unknown())),
    quota: Type.Optional(Type.Unknown()),
  },
  { additionalProperties: true },
);
