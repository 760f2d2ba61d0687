import { Type } from 'typebox';
import { Uuid } from '../../http/schemas.ts';

/** A name shown to people: no control characters or lone surrogates (PostgreSQL refuses NUL). */
export const DisplayText = (opts: { minLength?: number; maxLength: number }) =>
  Type.String({ minLength: opts.minLength ?? 1, maxLength: opts.maxLength, pattern: '^[^\\p{Cc}\\p{Cs}]*$' });

export const SpaceKind = Type.Union([
  Type.Literal('training'),
  Type.Literal('sparring'),
  Type.Literal('briefing'),
  Type.Literal('cabin'),
  Type.Literal('other'),
]);
export const Access = Type.Union([
  Type.Literal('everyone'),
  Type.Literal('restricted'),
  Type.Literal('owner'),
]);
export const DefaultVisibility = Type.Union([Type.Literal('public'), Type.Literal('private')], {
  description:
    "The visibility a booking in the space takes unless it says otherwise; when not given, 'private' for a cabin or an owner's space, else 'public'",
});
export const AllowedRole = Type.Union([Type.Literal('admin'), Type.Literal('member')]);

const Clock = Type.String({ pattern: '^([01]\\d|2[0-4]):[0-5]\\d$', description: 'Local time HH:MM' });
const OpenInterval = Type.Object(
  { open: Clock, close: Clock },
  { additionalProperties: false, description: 'A close at or before the open runs past midnight' },
);
const DayHours = Type.Optional(Type.Array(OpenInterval, { maxItems: 12 }));
export const OpeningHours = Type.Union(
  [
    Type.Object(
      {
        mon: DayHours,
        tue: DayHours,
        wed: DayHours,
        thu: DayHours,
        fri: DayHours,
        sat: DayHours,
        sun: DayHours,
      },
      { additionalProperties: false },
    ),
    Type.Null(),
  ],
  { description: 'Local opening intervals per weekday; a missing day is closed; null means always open' },
);

/** Limits shared by the HTTP schema and the service's own checks. */
export const spaceLimits = {
  name: { max: 120 },
  capacity: { min: 1, max: 10000 },
  changeoverMinutes: { min: 0, max: 1440 },
  minMinutes: { min: 1, max: 10080 },
  maxMinutes: { min: 1, max: 10080 },
  checkInOpenMinutes: { min: 0, max: 240 },
  releaseAfterMinutes: { min: 1, max: 1440 },
} as const;

const int = (k: Exclude<keyof typeof spaceLimits, 'name'>) =>
  Type.Integer({ minimum: spaceLimits[k].min, maximum: spaceLimits[k].max });

const spaceFields = {
  name: DisplayText({ maxLength: spaceLimits.name.max }),
  kind: SpaceKind,
  capacity: int('capacity'),
  changeoverMinutes: Type.Optional(int('changeoverMinutes')),
  openingHours: Type.Optional(OpeningHours),
  minMinutes: Type.Optional(int('minMinutes')),
  maxMinutes: Type.Optional(int('maxMinutes')),
  access: Type.Optional(Access),
  allowedRoles: Type.Optional(Type.Array(AllowedRole, { maxItems: 2 })),
  allowedSquadIds: Type.Optional(Type.Array(Uuid, { maxItems: 200 })),
  ownerId: Type.Optional(Type.Union([Uuid, Type.Null()])),
  checkInOpenMinutes: Type.Optional(int('checkInOpenMinutes')),
  releaseAfterMinutes: Type.Optional(int('releaseAfterMinutes')),
  hasDoor: Type.Optional(Type.Boolean()),
  defaultVisibility: Type.Optional(DefaultVisibility),
};

export const NewSpace = Type.Object(spaceFields, { additionalProperties: false });
export const SpacePatch = Type.Object(
  {
    ...spaceFields,
    name: Type.Optional(spaceFields.name),
    kind: Type.Optional(spaceFields.kind),
    capacity: Type.Optional(spaceFields.capacity),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const Space = Type.Object({
  id: Uuid,
  siteId: Uuid,
  name: Type.String(),
  kind: SpaceKind,
  capacity: Type.Integer(),
  changeoverMinutes: Type.Integer(),
  openingHours: OpeningHours,
  minMinutes: Type.Integer(),
  maxMinutes: Type.Integer(),
  access: Access,
  allowedRoles: Type.Array(AllowedRole),
  allowedSquadIds: Type.Array(Uuid),
  ownerId: Type.Union([Uuid, Type.Null()]),
  checkInOpenMinutes: Type.Integer(),
  releaseAfterMinutes: Type.Integer(),
  hasDoor: Type.Boolean(),
  defaultVisibility: DefaultVisibility,
  version: Type.Integer(),
  can: Type.Object(
    { edit: Type.Boolean(), book: Type.Boolean() },
    { description: "What the caller may do to the space, by the server's policy" },
  ),
});
