/**
 * Sampled methods on the reference backend, through the specs (makeRunSpec) and the reference registry:
 * sampled NPG and OT-TRPO approach the exact optimum as the Monte-Carlo budget grows (gap against samples
 * on a log-log scale, slope printed and asserted negative); WPO without splitting on Taxi with sampled
 * advantages reports its violation rate under the sampled and under the exact occupancy; the same seed is
 * bit-identical, two seeds differ; the exact estimator is today's run bit for bit.
 */
import { describe, expect, it } from 'vitest';
import type { IterationMetrics } from '../../src/shared/methods';
import { logLogSlope, preset, runRows } from './helpers';

const strip = (rows: IterationMetrics[]): unknown[] => rows.map(({ wallMs: _w, ...rest }) => rest);
const tailMeanGap = (rows: IterationMetrics[], k: number): number => rows.slice(-k).reduce((a, r) => a + r.gap, 0) / k;

describe('sampled methods', () => {
  it('sampled NPG and OT-TRPO on FrozenLake 4x4: the final gap falls with the sample budget (log-log slope < 0)', () => {
    const mdp = preset('frozenlake-4x4');
    const H = 80;
    const updates = 30;
    const budgets = [2, 8, 32, 128];
    for (const [method, options] of [
      ['npg', { gamma: 0.9, tau: 0.05, eta: 1 }],
      ['ot-trpo', { gamma: 0.9, eps: 0.5 }],
    ] as const) {
      const samples: number[] = [];
      const gaps: number[] = [];
      for (const M of budgets) {
        // the mean over three seeds of the gap averaged over the last 10 updates
        let gap = 0;
        let used = 0;
        for (const seed of [1, 2, 3]) {
          const rows = runRows(mdp, method, { ...options, estimator: 'monte-carlo', rollouts: M, horizon: H }, updates, seed);
          expect(rows.length).toBe(updates + 1);
          gap += tailMeanGap(rows, 10) / 3;
          used = rows[rows.length - 1].samples as number;
        }
        samples.push(used);
        gaps.push(gap);
      }
      const exact = runRows(mdp, method, options, updates);
      const slope = logLogSlope(samples, gaps);
      console.log(
        `${method} FrozenLake 4x4 (H = ${H}, ${updates} updates, seeds 1-3): M = ${budgets.join(', ')} -> samples ${samples.map((s) => s.toExponential(2)).join(', ')}, gap ${gaps.map((g) => g.toExponential(2)).join(', ')}; log-log slope ${slope.toFixed(3)}; exact run's gap ${exact[exact.length - 1].gap.toExponential(2)}`,
      );
      expect(slope).toBeLessThan(0);
      expect(gaps[gaps.length - 1]).toBeLessThan(gaps[0]);
      // the trace's sample count is cumulative: (S N + 1) M H per update at most
      expect(samples[samples.length - 1]).toBeLessThanOrEqual((mdp.S * mdp.N + 1) * budgets[budgets.length - 1] * H * updates);
    }
  });

  it('WPO without splitting on Taxi with sampled advantages: violation rate under the sampled and the exact occupancy', () => {
    const mdp = preset('taxi');
    const eps = 0.05;
    const rows = runRows(mdp, 'wpo-song', { eps, estimator: 'monte-carlo', rollouts: 2, horizon: 40 }, 15, 4);
    const updates = rows.slice(1);
    const rate = (k: 'sampledViolation' | 'exactViolation'): number => updates.reduce((a, r) => a + (r[k] as number), 0) / updates.length;
    for (const r of updates) {
      // the sampled cost is the cost the update constrained (its own transportCost)
      expect(Math.abs((r.sampledMoveCost as number) - (r.transportCost as number))).toBeLessThanOrEqual(1e-12 * Math.max(1, r.transportCost as number));
      expect(r.sampledViolation).toBe((r.sampledMoveCost as number) > eps * (1 + 1e-12) ? 1 : 0);
      expect(r.exactViolation).toBe((r.exactMoveCost as number) > eps * (1 + 1e-12) ? 1 : 0);
      expect(r.estimatorRms as number).toBeGreaterThan(0);
    }
    const exactOnly = updates.filter((r) => r.exactViolation === 1 && r.sampledViolation === 0).length;
    console.log(
      `wpo-song Taxi eps ${eps}, M = 2, H = 40, 15 updates, seed 4: violation rate ${rate('sampledViolation').toFixed(3)} under the sampled occupancy, ${rate('exactViolation').toFixed(3)} under the exact one; ${exactOnly} updates violate only under the exact measure; samples ${updates[updates.length - 1].samples}`,
    );
    // the two measures disagree somewhere: the occupancy of 2 rollouts is not the exact one
    expect(updates.some((r) => r.sampledMoveCost !== r.exactMoveCost)).toBe(true);
  });

  it('same seed: bit-identical traces; two seeds: different traces; exact runs carry no sampled metrics', () => {
    const mdp = preset('frozenlake-4x4');
    const o = { gamma: 0.9, eps: 0.3, estimator: 'monte-carlo', rollouts: 4, horizon: 30 };
    const a = runRows(mdp, 'ot-trpo', o, 8, 11);
    const b = runRows(mdp, 'ot-trpo', o, 8, 11);
    const c = runRows(mdp, 'ot-trpo', o, 8, 12);
    expect(strip(b)).toEqual(strip(a));
    expect(strip(c)).not.toEqual(strip(a));
    const exact1 = runRows(mdp, 'ot-trpo', { gamma: 0.9, eps: 0.3 }, 8, 11);
    const exact2 = runRows(mdp, 'ot-trpo', { gamma: 0.9, eps: 0.3, estimator: 'exact' }, 8, 12);
    expect(strip(exact2)).toEqual(strip(exact1));
    expect(exact1.every((r) => r.samples === undefined && r.estimatorBias === undefined)).toBe(true);
  });
});
