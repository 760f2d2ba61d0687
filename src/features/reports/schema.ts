import { Type } from 'typebox';
import { DateTime, Uuid } from '../../http/schemas.ts';
import { SpaceKind } from '../spaces/schema.ts';

export const UtilizationQuery = Type.Object(
  {
    from: DateTime,
    to: DateTime,
    space: Type.Optional(Uuid),
    kind: Type.Optional(SpaceKind),
    groupBy: Type.Optional(
      Type.Union([Type.Literal('day'), Type.Literal('week'), Type.Literal('hourOfWeek')], {
        description: "Local days, local weeks (from Monday) or hour of week, in the site's zone; default day",
      }),
    ),
  },
  { additionalProperties: false },
);

const hours = (description: string) => Type.Number({ description });
const figures = {
  bookedHours: hours('Held by bookings that kept the space (a check-out ends one there)'),
  usedHours: hours('From check-in (not before the start) until check-out or the end'),
  noShows: Type.Integer({ description: 'Bookings released as no-shows, counted where they start' }),
  lateCancellations: Type.Integer({ description: 'Cancelled within an hour of the start (or after it)' }),
};
const spaceFigures = { openHours: hours('Open by its opening hours'), ...figures };

/** A space's figures over the range or one group of it. */
export const SpaceFigures = Type.Object(spaceFigures);

export const Utilization = Type.Object({
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  timeZone: Type.String(),
  groupBy: Type.String(),
  spaces: Type.Array(
    Type.Object({
      spaceId: Uuid,
      name: Type.String(),
      kind: Type.String(),
      totals: SpaceFigures,
      peakHours: Type.Array(
        Type.Object({
          hourOfWeek: Type.Integer({ description: '0 = Monday 00:00 … 167 = Sunday 23:00, local' }),
          label: Type.String(),
          bookedHours: Type.Number(),
        }),
        { description: 'The three hours of the week with the most booked hours' },
      ),
      groups: Type.Array(Type.Object({ key: Type.String(), ...spaceFigures })),
    }),
  ),
  members: Type.Optional(
    Type.Array(Type.Object({ memberId: Uuid, name: Type.String(), sessions: Type.Integer(), ...figures }), {
      description: 'Admins only: as organizer or named participant',
    }),
  ),
  squads: Type.Optional(
    Type.Array(Type.Object({ squadId: Uuid, name: Type.String(), sessions: Type.Integer(), ...figures }), {
      description: 'Admins only: sessions booked for the squad',
    }),
  ),
});
