import { Type } from 'typebox';
import { Uuid } from '../../http/schemas.ts';

/** A duty shift: an RRULE with a local start and duration in the site's zone. */
export const DutyShift = Type.Object({
  id: Uuid,
  memberId: Uuid,
  title: Type.String(),
  rrule: Type.String(),
  startDate: Type.String({ format: 'date' }),
  startTime: Type.String(),
  durationMinutes: Type.Integer(),
  timeZone: Type.String(),
});
/** One-off leave. */
export const Leave = Type.Object({
  id: Uuid,
  memberId: Uuid,
  start: Type.String({ format: 'date-time' }),
  end: Type.String({ format: 'date-time' }),
  reason: Type.String(),
});

/** A member's roster: duty shifts and leave. */
export const Roster = Type.Object({ dutyShifts: Type.Array(DutyShift), leave: Type.Array(Leave) });
