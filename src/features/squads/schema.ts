import { Type } from 'typebox';
import { Uuid } from '../../http/schemas.ts';
import { DisplayText } from '../spaces/schema.ts';

const Ids = Type.Array(Uuid, { maxItems: 500 });

export const NewSquad = Type.Object(
  { name: DisplayText({ maxLength: 120 }), leaderIds: Type.Optional(Ids), memberIds: Type.Optional(Ids) },
  { additionalProperties: false },
);

export const SquadPatch = Type.Object(
  {
    name: Type.Optional(DisplayText({ maxLength: 120 })),
    leaderIds: Type.Optional(Ids),
    memberIds: Type.Optional(Ids),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const Squad = Type.Object({
  id: Uuid,
  siteId: Uuid,
  name: Type.String(),
  leaders: Type.Array(Type.Object({ id: Uuid, displayName: Type.String() })),
  members: Type.Array(Type.Object({ id: Uuid, displayName: Type.String(), rank: Type.String() })),
  version: Type.Integer(),
});
