import { Type } from 'typebox';
import { DateTime, Uuid } from '../../http/schemas.ts';
import { AllowMemberOverlap } from '../bookings/schema.ts';

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

/** A new series: its RRULE in the site's zone from a local start date and time. */
export const NewSeries = Type.Object(
  {
    spaceId: Uuid,
    rrule: Type.String({
      maxLength: 500,
      description: 'FREQ=DAILY|WEEKLY|MONTHLY;INTERVAL;BYDAY;BYMONTHDAY;COUNT|UNTIL',
    }),
    startTime: Type.String({
      pattern: '^[0-9]{2}:[0-9]{2}$',
      description: 'Local HH:MM in the site zone',
    }),
    durationMinutes: Type.Integer({ minimum: 1, maximum: 1440 }),
    startDate: Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' }),
    title: Type.String({ minLength: 1, maxLength: 200 }),
    headcount: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000 })),
    visibility: Type.Optional(Type.Union([Type.Literal('public'), Type.Literal('private')])),
    participants: Type.Optional(Participants),
    policy: Type.Optional(Type.Union([Type.Literal('all-or-nothing'), Type.Literal('skip-conflicts')])),
    /** Admins: book occurrences even when a participant is in another session then (kept by the series). */
    allowMemberOverlap: Type.Optional(AllowMemberOverlap),
  },
  { additionalProperties: false },
);

/** A series made: the bookings made now (up to the horizon; the rest as time passes) and the skipped. */
export const SeriesCreated = Type.Object({
  series: Series,
  booked: Type.Array(Type.Object({ id: Uuid, start: Type.String(), end: Type.String() })),
  skipped: Type.Array(Occurrence),
});

/**
 * A change of a series: scope one moves or retitles one occurrence (start, end); following and all
 * change the remaining occurrences (startTime, durationMinutes) by splitting the series. `occurrence`
 * is the original start the change starts from (scope one and following); `reason` is required
 * from an admin changing someone else's series and is recorded in the events.
 */
export const SeriesChange = Type.Object(
  {
    scope: Type.Union([Type.Literal('one'), Type.Literal('following'), Type.Literal('all')]),
    occurrence: Type.Optional(DateTime),
    title: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    headcount: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000 })),
    start: Type.Optional(DateTime),
    end: Type.Optional(DateTime),
    startTime: Type.Optional(Type.String({ pattern: '^[0-9]{2}:[0-9]{2}$' })),
    durationMinutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 1440 })),
    reason: Type.Optional(
      Type.String({
        maxLength: 500,
        description: "Required from an admin changing someone else's series",
      }),
    ),
  },
  { additionalProperties: false },
);
