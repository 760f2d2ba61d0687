import { Type } from 'typebox';

export const Clock = Type.String({ pattern: '^\\d{2}:\\d{2}$', description: 'Local time HH:MM' });
/** The site as the API answers it. */
export const Site = Type.Object({
  id: Type.String(),
  name: Type.String(),
  timeZone: Type.String(),
  quietHours: Type.Union([Type.Object({ start: Clock, end: Clock }), Type.Null()]),
  horizonDays: Type.Integer(),
  adjacencyMinutes: Type.Integer(),
  headsUpMinutes: Type.Integer({
    description: 'Minutes before a session ends that a heads-up goes out; 0 = none',
  }),
  waitlistHoldMinutes: Type.Integer({
    description: 'Minutes a slot freed for someone on the waitlist is held for them to accept',
  }),
});
