import type { Static } from 'typebox';
import { firstSlots, freeIntervals } from '../../domain/availability.ts';
import { clip, type Interval } from '../../domain/intervals.ts';
import { openPeriods } from '../../domain/opening-hours.ts';
import { parseInstant } from '../../domain/time.ts';
import type { Ctx } from '../context.ts';
import { AppError, invalid } from '../errors.ts';
import { spacesWithBlocked } from './repository.ts';
import type { Availability } from './schema.ts';

export interface AvailabilityQuery {
  spaceIds: string[];
  from: string | Date;
  to: string | Date;
  /** With a length (minutes), the first `limit` slots of that length are listed too. */
  lengthMinutes?: number | undefined;
  limit?: number | undefined;
}

export type AvailabilityView = Static<typeof Availability>;

function pairs(flat: number[]): Interval[] {
  const out: Interval[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push({ start: Number(flat[i]), end: Number(flat[i + 1]) });
  return out;
}

/** The longest range one request may ask about. */
export const maxRangeDays = 62;

const present = (i: Interval) => ({
  start: new Date(i.start).toISOString(),
  end: new Date(i.end).toISOString(),
});

function instant(value: string | Date, field: string): Date {
  const d = value instanceof Date ? value : parseInstant(value);
  if (!d || Number.isNaN(d.getTime()))
    throw invalid(field, `${field} must be an RFC 3339 instant with an offset`);
  return d;
}

/**
 * Free intervals of each space over [from, to) (see freeIntervals for the exact meaning) and,
 * when a length is given, the first slots of that length that could be booked now: starting no
 * earlier than now and no later than the site's horizon, and none when the length is outside
 * the space's shortest and longest booking.
 */
export async function getAvailability(ctx: Ctx, q: AvailabilityQuery): Promise<AvailabilityView> {
  const from = instant(q.from, 'query.from');
  const to = instant(q.to, 'query.to');
  if (to.getTime() <= from.getTime()) throw invalid('query.to', 'query.to must be after query.from');
  if (to.getTime() - from.getTime() > maxRangeDays * 86_400_000)
    throw invalid('query.to', `Ask about at most ${maxRangeDays} days at a time`);
  const spaceIds = [...new Set(q.spaceIds.map((s) => s.toLowerCase()))];
  if (spaceIds.length === 0) throw invalid('query.space', 'Name at least one space');
  const spaces = await spacesWithBlocked(ctx.db, ctx.actor.siteId, spaceIds, from, to);
  const missing = spaceIds.filter((id) => !spaces.some((s) => s.id === id));
  if (missing.length > 0)
    throw new AppError('not-found', `No such space: ${missing.join(', ')}`, { field: 'query.space' });
  const range = { start: from.getTime(), end: to.getTime() };
  const now = ctx.clock.now().getTime();
  return {
    spaces: spaceIds.map((id) => {
      const space = spaces.find((s) => s.id === id)!;
      const free = freeIntervals({
        range,
        open: space.openingHours === null ? null : openPeriods(space.openingHours, space.timeZone, range),
        blocked: pairs(space.blocked),
        changeoverMs: space.changeoverMinutes * 60_000,
      });
      const entry: AvailabilityView['spaces'][number] = { spaceId: id, free: free.map(present) };
      if (q.lengthMinutes !== undefined) {
        const length = q.lengthMinutes * 60_000;
        const lengthOk = q.lengthMinutes >= space.minMinutes && q.lengthMinutes <= space.maxMinutes;
        // A slot may start up to the horizon, so it may end up to one length after it.
        const bookable = clip(free, { start: now, end: now + space.horizonDays * 86_400_000 + length });
        entry.slots = lengthOk ? firstSlots(bookable, length, q.limit ?? 10).map(present) : [];
      }
      return entry;
    }),
  };
}
