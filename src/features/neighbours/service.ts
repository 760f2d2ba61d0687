import type { Static } from 'typebox';
import { isUuid } from '../../domain/ids.ts';
import * as bookingsRepo from '../bookings/repository.ts';
import { presentBooking } from '../bookings/service.ts';
import type { Ctx } from '../context.ts';
import { AppError } from '../errors.ts';
import * as repo from './repository.ts';
import type { Neighbours as NeighboursSchema } from './schema.ts';

/** The nearest active bookings before and after one, with the gaps (the answer of GET /bookings/{id}/neighbours). */
export type Neighbours = Static<typeof NeighboursSchema>;

/** The nearest active bookings of the same space before and after a booking (redacted as usual). */
export async function getNeighbours(ctx: Ctx, id: string): Promise<Neighbours> {
  const b = isUuid(id) ? await bookingsRepo.findBooking(ctx.db, ctx.actor.siteId, id) : undefined;
  if (!b) throw new AppError('not-found', 'No such booking', { field: 'path.id' });
  const start = new Date(b.start);
  const end = new Date(b.end);
  const ids = await repo.findNeighbourIds(ctx.db, ctx.actor.siteId, b.spaceId, b.id, start, end);
  const window = await repo.adjacencyMinutes(ctx.db, ctx.actor.siteId);
  const load = async (nid: string | null, gapOf: (n: bookingsRepo.BookingRow) => number) => {
    if (!nid) return null;
    const n = await bookingsRepo.findBooking(ctx.db, ctx.actor.siteId, nid);
    if (!n) return null;
    const gap = gapOf(n);
    return {
      booking: presentBooking(n, ctx.actor, ctx.clock.now()),
      gapMinutes: gap,
      adjacent: gap <= window,
    };
  };
  const minutes = (a: Date, z: Date) => Math.round((z.getTime() - a.getTime()) / 60_000);
  return {
    before: await load(ids.before, (n) => minutes(new Date(n.end), start)),
    after: await load(ids.after, (n) => minutes(end, new Date(n.start))),
    adjacencyMinutes: window,
  };
}
