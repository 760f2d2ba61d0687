import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { aged, fairness, maxRd, periodMs, ratePeriod, winProbability } from '../../src/domain/ratings.ts';

describe('Glicko-2 ratings', () => {
  it("match the worked example in Glickman's paper", () => {
    // "Example of the Glicko-2 system", section 3: 1500/200/0.06, τ = 0.5.
    const r = ratePeriod({ rating: 1500, rd: 200, volatility: 0.06 }, [
      { opponent: { rating: 1400, rd: 30, volatility: 0.06 }, score: 1 },
      { opponent: { rating: 1550, rd: 100, volatility: 0.06 }, score: 0 },
      { opponent: { rating: 1700, rd: 300, volatility: 0.06 }, score: 0 },
    ]);
    // The paper rounds intermediate steps and prints 1464.06; exact arithmetic gives 1464.05.
    assert.ok(Math.abs(r.rating - 1464.06) < 0.02, `rating ${r.rating}`);
    assert.ok(Math.abs(r.rd - 151.52) < 0.01, `rd ${r.rd}`);
    assert.ok(Math.abs(r.volatility - 0.05999) < 0.00001, `volatility ${r.volatility}`);
  });

  it('move in the right direction and stay finite', () => {
    const rating = fc.record({
      rating: fc.double({ min: 100, max: 3000, noNaN: true }),
      rd: fc.double({ min: 30, max: 350, noNaN: true }),
      volatility: fc.double({ min: 0.03, max: 0.1, noNaN: true }),
    });
    fc.assert(
      fc.property(rating, rating, fc.constantFrom(0, 0.5, 1), (a, b, score) => {
        const after = ratePeriod(a, [{ opponent: b, score }]);
        for (const v of [after.rating, after.rd, after.volatility]) assert.ok(Number.isFinite(v));
        // Step 7: a game never widens RD beyond the pre-period deviation with the new volatility.
        assert.ok(
          after.rd > 0 && after.rd <= Math.sqrt(a.rd ** 2 + (after.volatility * 173.7178) ** 2) + 1e-6,
        );
        const expected = winProbability({ ...a }, b);
        if (score === 1) assert.ok(after.rating >= a.rating);
        if (score === 0) assert.ok(after.rating <= a.rating);
        // A draw moves towards the opponent: up when the player was expected to lose.
        if (score === 0.5 && expected < 0.49) assert.ok(after.rating >= a.rating - 1e-9);
        if (score === 0.5 && expected > 0.51) assert.ok(after.rating <= a.rating + 1e-9);
      }),
      { seed: 20261202, numRuns: 300 },
    );
  });

  it('RD grows with inactivity, by whole weeks, up to a newcomer’s', () => {
    const r = { rating: 1600, rd: 60, volatility: 0.06 };
    assert.equal(aged(r, periodMs - 1).rd, 60);
    assert.ok(aged(r, periodMs).rd > 60);
    assert.ok(aged(r, 10 * periodMs).rd > aged(r, 2 * periodMs).rd);
    assert.equal(aged(r, 10_000 * periodMs).rd, maxRd);
  });

  it('fairness is 1 for equals and falls with the gap, less so when deviations are wide', () => {
    const a = { rating: 1500, rd: 50, volatility: 0.06 };
    assert.equal(fairness(a, a), 1);
    const near = fairness(a, { rating: 1550, rd: 50, volatility: 0.06 });
    const far = fairness(a, { rating: 1900, rd: 50, volatility: 0.06 });
    const farUnsure = fairness({ ...a, rd: 350 }, { rating: 1900, rd: 350, volatility: 0.06 });
    assert.ok(near > far && farUnsure > far);
  });
});
