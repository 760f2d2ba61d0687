import { Type } from 'typebox';
import { Booking } from '../bookings/schema.ts';

/** A neighbouring booking and the gap to it; `adjacent`: within the site's adjacency window. */
const Neighbour = Type.Union([
  Type.Object({ booking: Booking, gapMinutes: Type.Integer(), adjacent: Type.Boolean() }),
  Type.Null(),
]);

/** The nearest active bookings of the same space before and after a booking (redacted as usual). */
export const Neighbours = Type.Object({
  before: Neighbour,
  after: Neighbour,
  adjacencyMinutes: Type.Integer(),
});
