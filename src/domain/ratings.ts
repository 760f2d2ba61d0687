import { Glicko2 } from 'glicko2';

/**
 * Glicko-2 ratings (Glickman, "Example of the Glicko-2 system"), computed by the `glicko2`
 * package; this module fixes the system's constants and how Shipshape uses it: every counted
 * result is its own rating period for the two players, and a player's deviation grows by one
 * period's volatility for each week without a counted result, up to the deviation of a newcomer.
 */

export interface Rating {
  rating: number;
  rd: number;
  volatility: number;
}

/** The system constant τ: how much volatility may change (Glickman suggests 0.3 to 1.2). */
export const tau = 0.5;
/** The deviation of a player about whom nothing is known; RD never grows past it. */
export const maxRd = 350;
/** One rating period of inactivity, after which RD grows. */
export const periodMs = 7 * 86_400_000;

export type Level = 'beginner' | 'intermediate' | 'advanced' | 'expert';
export const levels: readonly Level[] = ['beginner', 'intermediate', 'advanced', 'expert'];

/**
 * The starting rating of a self-assessed level. A self-assessment is a guess, so the deviation
 * is wide (300): the first few results move it quickly.
 */
export function startingRating(level: Level): Rating {
  const rating = { beginner: 1200, intermediate: 1500, advanced: 1800, expert: 2100 }[level];
  return { rating, rd: 300, volatility: 0.06 };
}

function system(): Glicko2 {
  return new Glicko2({ tau, rating: 1500, rd: maxRd, vol: 0.06 });
}

/**
 * One player's rating after one rating period against `games` (score 1 win, 0.5 draw, 0 loss),
 * all against the opponents' ratings at the start of the period — Glickman's steps 1 to 8.
 * The opponents' own updates are not returned.
 */
export function ratePeriod(player: Rating, games: { opponent: Rating; score: number }[]): Rating {
  const g = system();
  const p = g.makePlayer(player.rating, player.rd, player.volatility);
  const matches: [ReturnType<typeof g.makePlayer>, ReturnType<typeof g.makePlayer>, number][] = games.map(
    (x) => [p, g.makePlayer(x.opponent.rating, x.opponent.rd, x.opponent.volatility), x.score],
  );
  if (matches.length === 0) return aged(player, periodMs);
  g.updateRatings(matches);
  return { rating: p.getRating(), rd: p.getRd(), volatility: p.getVol() };
}

/**
 * The rating after `idleMs` without a counted result: RD grows as in Glickman's step 6,
 * once per whole rating period, φ' = √(φ² + σ²) each, capped at the newcomer's deviation.
 */
export function aged(r: Rating, idleMs: number): Rating {
  const periods = Math.max(0, Math.floor(idleMs / periodMs));
  if (periods === 0) return { ...r };
  // On the Glicko-2 scale σ is per period; on the public scale that is σ · 173.7178.
  const sigma = r.volatility * 173.7178;
  const rd = Math.min(maxRd, Math.sqrt(r.rd * r.rd + periods * sigma * sigma));
  return { ...r, rd };
}

/**
 * The probability that `a` beats `b`, with both deviations taken into account (Glickman's
 * expected score with the combined deviation √(RDa² + RDb²)).
 */
export function winProbability(a: Rating, b: Rating): number {
  const q = Math.log(10) / 400;
  const rd = Math.sqrt(a.rd * a.rd + b.rd * b.rd);
  const g = 1 / Math.sqrt(1 + (3 * q * q * rd * rd) / (Math.PI * Math.PI));
  return 1 / (1 + 10 ** ((-g * (a.rating - b.rating)) / 400));
}

/** How fair a match is: 1 when each side is as likely to win, 0 when one surely wins. */
export function fairness(a: Rating, b: Rating): number {
  return 1 - 2 * Math.abs(winProbability(a, b) - 0.5);
}
