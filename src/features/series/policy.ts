import { AppError, ruleViolation } from '../../http/errors.ts';
import type { Actor } from '../context.ts';
import type { SeriesRow } from './repository.ts';

/** Who may see and change a series: the service's checks and the answer's `can`. */

/** Its organizer and admins manage a series (an admin acting on someone else's gives a reason). */
export function mayManageSeries(actor: Actor, s: Pick<SeriesRow, 'organizerId'>): boolean {
  return actor.role === 'admin' || s.organizerId === actor.memberId;
}

/** Public series are seen by all; private ones by those who manage or take part (squads included). */
export function mayViewSeries(actor: Actor, s: SeriesRow): boolean {
  return (
    s.visibility === 'public' ||
    mayManageSeries(actor, s) ||
    s.memberIds.includes(actor.memberId) ||
    s.squadIds.some((q) => actor.squadIds.includes(q) || actor.leaderOf.includes(q))
  );
}

/**
 * May the caller change or cancel the series? Throws: not found when they may not see it,
 * forbidden when they may not manage it, reason-required for an admin without a reason.
 */
export function authorizeSeries(
  actor: Actor,
  s: SeriesRow | undefined,
  reason: { text: string | undefined; field: string },
): asserts s is SeriesRow {
  if (!s || !mayViewSeries(actor, s)) throw new AppError('not-found', 'No such series', { field: 'path.id' });
  if (!mayManageSeries(actor, s))
    throw new AppError('forbidden', 'Only the organizer or an admin may change a series');
  // The same rule as for single bookings (bookings/policy.ts): an admin acting on someone else's
  // series says why, and the events record it.
  if (s.organizerId !== actor.memberId && !reason.text?.trim())
    throw ruleViolation(
      'reason-required',
      reason.field,
      "An admin changing or cancelling someone else's series must give a reason",
    );
}

/** Why the series' state refuses a change: only an active series (not ended or cancelled) changes. */
export function changeStateRefusal(s: Pick<SeriesRow, 'status'>): AppError | undefined {
  if (s.status === 'active') return undefined;
  return new AppError('invalid-state', `The series is ${s.status}`);
}

/** What the caller may do to the series: the same functions the service authorizes with. */
export function seriesCan(actor: Actor, s: SeriesRow): { edit: boolean; cancel: boolean } {
  const manages = mayViewSeries(actor, s) && mayManageSeries(actor, s);
  return { edit: manages && changeStateRefusal(s) === undefined, cancel: manages };
}
