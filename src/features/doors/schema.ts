import { Type } from 'typebox';
import { DateTime, Uuid } from '../../http/schemas.ts';

const LockStateShown = Type.Union(
  [
    Type.Literal('locked'),
    Type.Literal('unlocked'),
    Type.Literal('not_fully_locked'),
    Type.Literal('unknown'),
  ],
  { description: 'The lock as last reported; unknown when offline, never heard from, or silent too long' },
);

const Topic = Type.String({
  minLength: 1,
  maxLength: 200,
  description: "The lock's MQTT base topic (Zigbee2MQTT: zigbee2mqtt/<friendly name>)",
  example: 'zigbee2mqtt/cabin-7-lock',
});

const FailMode = Type.Union([Type.Literal('safe'), Type.Literal('secure')], {
  description: 'Without power the lock opens (safe) or stays locked (secure); recorded and shown',
});

export const Door = Type.Object({
  id: Uuid,
  spaceId: Uuid,
  spaceName: Type.String(),
  name: Type.String(),
  topic: Type.Union([Type.String(), Type.Null()], {
    description:
      "The lock's MQTT base topic, for those who manage the door (can.manage: its owner and admins); null for others (anyone on the broker could command the lock with it)",
  }),
  hasContact: Type.Boolean(),
  failMode: FailMode,
  relockSeconds: Type.Integer({ description: 'Locks again this long after it was unlocked; 0 = never' }),
  alarmSeconds: Type.Integer({
    description: 'Left unlocked or open this long while not in use raises an alarm',
  }),
  state: Type.Union([LockStateShown, Type.Null()], {
    description:
      "null when the caller may not see it: a private cabin's state is shown only to those who may open it now and to its owner and admins",
  }),
  contact: Type.Union([Type.Literal('open'), Type.Literal('closed'), Type.Literal('unknown'), Type.Null()], {
    description: 'The contact sensor; null when the door has none',
  }),
  online: Type.Union([Type.Boolean(), Type.Null()], { description: 'null when unknown or not shown' }),
  lastSeenAt: Type.Union([DateTime, Type.Null()], { description: 'null when never heard from or not shown' }),
  alarms: Type.Array(Type.Object({ kind: Type.String(), since: DateTime }), {
    description: "Open alarms (shown to the space's owner and admins)",
  }),
  access: Type.Object({
    allowed: Type.Boolean(),
    as: Type.Union([Type.String(), Type.Null()], { description: 'owner | booking | guest | admin' }),
    why: Type.Union([Type.String(), Type.Null()], {
      description: 'no-booking | window-not-open | not-a-guest | reason-required',
    }),
    detail: Type.Union([Type.String(), Type.Null()]),
  }),
  can: Type.Object({
    unlock: Type.Boolean(),
    lock: Type.Boolean(),
    manage: Type.Boolean(),
    viewLog: Type.Boolean(),
    viewState: Type.Boolean({ description: 'Whether the caller sees the lock state (and follows it live)' }),
  }),
  version: Type.Integer(),
});

export const DoorRequest = Type.Object({
  id: Uuid,
  action: Type.Union([Type.Literal('lock'), Type.Literal('unlock')]),
  status: Type.Union([Type.Literal('pending'), Type.Literal('confirmed'), Type.Literal('timed_out')]),
  actorId: Type.Union([Uuid, Type.Null()]),
  requestedAt: DateTime,
  deadlineAt: DateTime,
  settledAt: Type.Union([DateTime, Type.Null()]),
});

export const DoorWithRequests = Type.Intersect([Door, Type.Object({ requests: Type.Array(DoorRequest) })]);

export const NewDoor = Type.Object(
  {
    spaceId: Uuid,
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    topic: Topic,
    hasContact: Type.Optional(Type.Boolean()),
    failMode: Type.Optional(FailMode),
    relockSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 86400 })),
    alarmSeconds: Type.Optional(Type.Union([Type.Integer({ minimum: 10, maximum: 86400 }), Type.Null()])),
  },
  { additionalProperties: false },
);

export const DoorPatch = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    topic: Type.Optional(Topic),
    hasContact: Type.Optional(Type.Boolean()),
    failMode: Type.Optional(FailMode),
    relockSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 86400 })),
    alarmSeconds: Type.Optional(Type.Union([Type.Integer({ minimum: 10, maximum: 86400 }), Type.Null()])),
  },
  { additionalProperties: false },
);

export const DoorCommand = Type.Object(
  {
    reason: Type.Optional(
      Type.String({ maxLength: 500, description: 'Required of an admin without a booking or ownership' }),
    ),
  },
  { additionalProperties: false },
);

export const Accepted = Type.Object({
  requestId: Uuid,
  status: Type.Literal('pending'),
  action: Type.Union([Type.Literal('lock'), Type.Literal('unlock')]),
  deadlineAt: DateTime,
});

export const DoorEvent = Type.Object({
  id: Type.String(),
  at: DateTime,
  type: Type.String({
    description:
      'door.requested | door.confirmed | door.timed-out | door.refused | door.state | door.availability | door.alarm | door.alarm-cleared | door.created | door.updated | door.guest-set | door.guest-removed',
  }),
  actor: Type.Union([Type.Object({ id: Uuid, displayName: Type.String() }), Type.Null()]),
  before: Type.Unknown(),
  after: Type.Unknown(),
  reason: Type.Union([Type.String(), Type.Null()]),
});

export const Guest = Type.Object({
  memberId: Uuid,
  displayName: Type.String(),
  from: Type.Union([DateTime, Type.Null()]),
  until: Type.Union([DateTime, Type.Null()]),
});

export const NewGuest = Type.Object(
  {
    memberId: Uuid,
    from: Type.Optional(DateTime),
    until: Type.Optional(DateTime),
  },
  { additionalProperties: false },
);
