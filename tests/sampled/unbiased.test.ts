/**
 * The Monte-Carlo estimator (src/compute/estimators/monteCarlo.ts) is unbiased for the H-step truncated
 * Q_H within its stated confidence interval, on FrozenLake (slippery transitions, a random policy) and on
 * the bandits (gamma = 0: one step, no randomness left, so the estimate is exact with a zero-width
 * interval); fixed seeds. The truncation bias against the exact Q is within gamma^H max|r| / (1 - gamma).
 */
import { describe, expect, it } from 'vitest';
import { MonteCarloEstimator } from '../../src/compute/estimators';
import { randomPolicy } from '../../src/compute/initialPolicy';
import { evaluatePolicy } from '../../src/compute/reference/evaluation';
import { preset, truncatedQ } from './helpers';

describe('Monte-Carlo Q estimates', () => {
  it('FrozenLake 4x4: Q-hat within its 99.99% interval of Q_H for every pair; 95% intervals cover about 95%', () => {
    const mdp = preset('frozenlake-4x4');
    const gamma = 0.9;
    const tau = 0.05;
    const H = 60;
    const M = 4000;
    const pi = Float64Array.from(randomPolicy(mdp, 7));
    const est = new MonteCarloEstimator(mdp, gamma, tau, M, H, 2026).estimate(1, pi);
    const QH = truncatedQ(mdp, pi, gamma, tau, H);
    let worstZ = 0;
    let covered = 0;
    let sumErr = 0;
    let sumVar = 0;
    let pairs = 0;
    for (let i = 0; i < QH.length; i++) {
      const se = Math.sqrt(est.qVar[i]);
      const err = est.Q[i] - QH[i];
      if (se === 0) {
        // absorbing holes and the goal: the return is deterministic, so the estimate must be exact
        expect(Math.abs(err)).toBeLessThan(1e-12);
        continue;
      }
      pairs++;
      worstZ = Math.max(worstZ, Math.abs(err / se));
      if (Math.abs(err) <= 1.96 * se) covered++;
      sumErr += err;
      sumVar += est.qVar[i];
    }
    const pooledZ = sumErr / Math.sqrt(sumVar);
    console.log(`FrozenLake 4x4, M = ${M}, H = ${H}: ${pairs} random pairs, worst |z| = ${worstZ.toFixed(2)}, 95% interval coverage ${covered}/${pairs}, pooled z = ${pooledZ.toFixed(2)}`);
    // Bonferroni over <= 64 pairs at 99.99% each; coverage of the nominal 95% interval
    expect(worstZ).toBeLessThan(4.5);
    expect(Math.abs(pooledZ)).toBeLessThan(3.9);
    expect(covered / pairs).toBeGreaterThan(0.8);
    // the truncation bias against the exact regularised Q
    const exact = evaluatePolicy(mdp, pi, gamma, tau, null, 1e-13);
    let rMax = 0;
    for (let i = 0; i < mdp.reward.length; i++) rMax = Math.max(rMax, Math.abs(mdp.reward[i]));
    const bound = (Math.pow(gamma, H) * (rMax + tau * Math.log(mdp.N))) / (1 - gamma);
    for (let i = 0; i < QH.length; i++) expect(Math.abs(exact.Q[i] - QH[i])).toBeLessThanOrEqual(bound + 1e-12);
  });

  it('FrozenLake 4x4: the occupancy estimate d-hat is a probability vector close to the exact d at a long horizon', () => {
    const mdp = preset('frozenlake-4x4');
    const gamma = 0.9;
    const pi = new Float64Array(mdp.S * mdp.N).fill(1 / mdp.N);
    const est = new MonteCarloEstimator(mdp, gamma, 0, 5000, 120, 11).estimate(1, pi);
    const exact = evaluatePolicy(mdp, pi, gamma, 0, null, 1e-13, { occupancy: true });
    let l1 = 0;
    let mass = 0;
    for (let s = 0; s < mdp.S; s++) {
      l1 += Math.abs(est.d[s] - exact.d![s]);
      mass += est.d[s];
    }
    console.log(`FrozenLake 4x4 occupancy, 5000 rollouts of horizon 120: L1(d-hat, d) = ${l1.toExponential(3)}`);
    expect(Math.abs(mass - 1)).toBeLessThan(1e-12);
    expect(l1).toBeLessThan(0.05);
  });

  it('bandits (gamma = 0): the estimate is r (to round-off) with a zero-width interval, one sample per pair and rollout', () => {
    for (const id of ['bandit-quadratic', 'bandit-bimodal']) {
      const mdp = preset(id, { n: 16 });
      const pi = Float64Array.from(randomPolicy(mdp, 3));
      const est = new MonteCarloEstimator(mdp, mdp.gamma, 0, 8, 50, 5).estimate(1, pi);
      for (let i = 0; i < mdp.N; i++) {
        // the mean of M equal returns, up to the round-off of the sum
        expect(Math.abs(est.Q[i] - mdp.reward[i])).toBeLessThanOrEqual(1e-15 * Math.max(1, Math.abs(mdp.reward[i])));
        expect(est.qVar[i]).toBe(0);
      }
      expect(est.samples).toBe((mdp.N + 1) * 8);
    }
  });

  it('the same (seed, update, policy) gives the same estimate bit for bit; another seed or update does not', () => {
    const mdp = preset('frozenlake-4x4');
    const pi = new Float64Array(mdp.S * mdp.N).fill(1 / mdp.N);
    const a = Float64Array.from(new MonteCarloEstimator(mdp, 0.9, 0, 16, 30, 1).estimate(3, pi).Q);
    const b = Float64Array.from(new MonteCarloEstimator(mdp, 0.9, 0, 16, 30, 1).estimate(3, pi).Q);
    const c = Float64Array.from(new MonteCarloEstimator(mdp, 0.9, 0, 16, 30, 2).estimate(3, pi).Q);
    const d = Float64Array.from(new MonteCarloEstimator(mdp, 0.9, 0, 16, 30, 1).estimate(4, pi).Q);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
    expect(d).not.toEqual(a);
  });
});
