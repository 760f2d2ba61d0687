import { Type } from 'typebox';
import { Uuid } from '../../http/schemas.ts';

export const Role = Type.Union([Type.Literal('admin'), Type.Literal('member')]);

export const Member = Type.Object({
  id: Uuid,
  siteId: Uuid,
  email: Type.String(),
  displayName: Type.String(),
  rank: Type.String(),
  role: Role,
  squads: Type.Array(Type.Object({ id: Uuid, name: Type.String(), leader: Type.Boolean() })),
  createdAt: Type.String({ format: 'date-time' }),
  mustChangePassword: Type.Boolean({
    description: 'The member must set a new password (after an admin reset it)',
  }),
  deactivatedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
    description: 'When the member was deactivated; they can no longer sign in',
  }),
});

/** An admin's change to a member: only the fields given change. */
export const MemberPatch = Type.Object(
  {
    displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 120 })),
    rank: Type.Optional(Type.String({ maxLength: 80 })),
    email: Type.Optional(Type.String({ format: 'email', maxLength: 254 })),
    role: Type.Optional(Role),
  },
  { additionalProperties: false, minProperties: 1 },
);
