import { Type } from 'typebox';
import { Uuid } from '../../http/schemas.ts';

/** A display link as admins see it; the token itself is shown only when made. */
export const DisplayLink = Type.Object({
  id: Uuid,
  spaceId: Uuid,
  spaceName: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
});

/** A session on the display: the display is a viewer uninvolved in every booking. */
export const DisplaySession = Type.Object({
  title: Type.String({ description: '"Busy" for a private session' }),
  start: Type.String({ format: 'date-time' }),
  end: Type.String({ format: 'date-time' }),
  checkedIn: Type.Boolean(),
});

/** What a room display shows now. */
export const DisplayState = Type.Object({
  space: Type.Object({ id: Uuid, name: Type.String() }),
  timeZone: Type.String(),
  now: Type.String({ format: 'date-time' }),
  /** busy: a session (or the changeover after one) holds the space now. */
  status: Type.Union([Type.Literal('free'), Type.Literal('busy')]),
  current: Type.Union([DisplaySession, Type.Null()]),
  /** The sessions after the current one that start today (local), by start. */
  next: Type.Array(DisplaySession),
  /** When busy: when the space frees, after any back-to-back sessions and changeovers. */
  freeAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  /** When free: when the next session today starts (null: free for the rest of the day). */
  freeUntil: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  /** Whether a session's check-in window is open now: the code pad is offered. */
  checkInOpen: Type.Boolean(),
});

export const DisplayTokenParams = Type.Object({ token: Type.String({ maxLength: 100 }) });

export const DisplayCheckIn = Type.Object(
  { code: Type.String({ maxLength: 20 }) },
  { additionalProperties: false },
);

export const DisplayBookNow = Type.Object(
  { memberCode: Type.String({ maxLength: 20 }) },
  { additionalProperties: false },
);

export const DisplayCode = Type.Object({ code: Type.String() });
