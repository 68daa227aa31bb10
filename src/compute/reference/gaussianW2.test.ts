import { describe, expect, it } from 'vitest';
import type { MethodId } from '../../shared/methods';
import type { MethodIterator, RunSpec } from '../types';
import { makeRunSpec } from '../run/spec';
import { GaussianW2Iterator, GaussianW2NewtonIterator } from './gaussianW2';
import { WpoActorIterator } from './wpoActor';
import { bandit1d, boxMdp, policyMean, runMonotone } from './testing';

const reward = (x: number) => -((x - 0.3) ** 2);

function specOf(method: MethodId, options: Record<string, number | string>): RunSpec {
  return makeRunSpec(method, options);
}

/** After each step: the policy stays non-negative. */
function nonNegative(it: MethodIterator): void {
  for (const v of it.policy()) expect(v).toBeGreaterThanOrEqual(0);
}

describe('Gaussian W2 methods on the quadratic bandit r = -(a - 0.3)^2 on [-1, 1]', () => {
  const n = 200; // h = 0.01
  const mdp = bandit1d(reward, n, -1, 1);

  it('gaussian-w2, tau = 0, sigma floor 0.005: J increases monotonically, the mean -> 0.3', () => {
    for (const weighting of ['uniform', 'occupancy']) {
      const it = new GaussianW2Iterator(mdp, specOf('gaussian-w2', { tau: 0, eta: 0.2, sigma0: 0.5, sigmaMin: 0.005, weighting }));
      const r = runMonotone(it, 400, nonNegative);
      const mean = policyMean(it, n);
      console.log(`gaussian-w2 (${weighting}): ${r.k} its, J ${r.J0.toFixed(5)} -> ${r.m.J.toExponential(3)}, min dJ ${r.minDJ.toExponential(2)}, mean ${mean.toFixed(6)}, m ${it.params.m[0].toFixed(6)}, sigma ${it.params.sigma[0]}, gap ${r.m.gap.toExponential(2)}`);
      expect(r.minDJ).toBeGreaterThanOrEqual(-1e-14);
      expect(Math.abs(mean - 0.3)).toBeLessThan(5e-3); // half a cell
      expect(it.params.sigma[0]).toBe(0.005);
    }
  });

  it('gaussian-w2, tau = 0.05: converges to the Gibbs state N(0.3, tau/2) (in the family), gap -> discretisation level', () => {
    const tau = 0.05;
    const it = new GaussianW2Iterator(mdp, specOf('gaussian-w2', { tau, eta: 0.2, sigma0: 0.5, weighting: 'uniform' }));
    const r = runMonotone(it, 600, nonNegative);
    console.log(`gaussian-w2 tau=${tau}: m ${it.params.m[0].toFixed(6)}, sigma ${it.params.sigma[0].toFixed(6)} (sqrt(tau/2) = ${Math.sqrt(tau / 2).toFixed(6)}), gap ${r.m.gap.toExponential(2)}, min dJ ${r.minDJ.toExponential(2)}`);
    expect(r.minDJ).toBeGreaterThanOrEqual(-1e-14);
    expect(Math.abs(it.params.m[0] - 0.3)).toBeLessThan(1e-4);
    expect(Math.abs(it.params.sigma[0] - Math.sqrt(tau / 2))).toBeLessThan(1e-3);
    expect(r.m.gap).toBeLessThan(1e-4);
    expect(r.m.gap).toBeGreaterThanOrEqual(-1e-12);
  });

  it('gaussian-w2-newton: every accepted step ascends; tau = 0 mean -> 0.3, tau = 0.05 -> N(0.3, tau/2)', () => {
    const it = new GaussianW2NewtonIterator(mdp, specOf('gaussian-w2-newton', { tau: 0, damping: 1e-3, sigma0: 0.5, sigmaMin: 0.005 }));
    const r = runMonotone(it, 40, nonNegative);
    const mean = policyMean(it, n);
    console.log(`newton tau=0: ${r.k} its, min dJ ${r.minDJ.toExponential(2)}, mean ${mean.toFixed(6)}, sigma ${it.params.sigma[0]}, diag ${JSON.stringify(it.diagnostics().rejectedTrials)} rejected trials`);
    expect(r.minDJ).toBeGreaterThanOrEqual(0);
    expect(Math.abs(mean - 0.3)).toBeLessThan(5e-3);
    const tau = 0.05;
    const it2 = new GaussianW2NewtonIterator(mdp, specOf('gaussian-w2-newton', { tau, damping: 1e-3, sigma0: 0.5 }));
    const r2 = runMonotone(it2, 40, nonNegative);
    console.log(`newton tau=${tau}: ${r2.k} its, m ${it2.params.m[0].toFixed(6)}, sigma ${it2.params.sigma[0].toFixed(6)}, gap ${r2.m.gap.toExponential(2)}, min dJ ${r2.minDJ.toExponential(2)}`);
    expect(r2.minDJ).toBeGreaterThanOrEqual(0);
    expect(Math.abs(it2.params.m[0] - 0.3)).toBeLessThan(1e-4);
    expect(Math.abs(it2.params.sigma[0] - Math.sqrt(tau / 2))).toBeLessThan(1e-3);
  });
});

describe('Gaussian methods on a 5-state MDP with a 1-D action box', () => {
  const mdp = boxMdp(5, 40, 2, 0.8);
  it('gaussian-w2 (both weightings, small eta) and gaussian-w2-newton increase J monotonically', () => {
    for (const weighting of ['uniform', 'occupancy']) {
      const it = new GaussianW2Iterator(mdp, specOf('gaussian-w2', { tau: 0.05, eta: 0.05, sigma0: 0.5, weighting }));
      const r = runMonotone(it, 150, nonNegative);
      console.log(`MDP gaussian-w2 (${weighting}): J ${r.J0.toFixed(5)} -> ${r.m.J.toFixed(5)} (J* ${it.optimum.J.toFixed(5)}), min dJ ${r.minDJ.toExponential(2)}`);
      expect(r.minDJ).toBeGreaterThanOrEqual(-1e-13);
      expect(r.m.J).toBeGreaterThan(r.J0);
    }
    const nt = new GaussianW2NewtonIterator(mdp, specOf('gaussian-w2-newton', { tau: 0.05, damping: 1e-3, sigma0: 0.5 }));
    const r = runMonotone(nt, 15, nonNegative);
    console.log(`MDP newton: ${r.k} its, J ${r.J0.toFixed(5)} -> ${r.m.J.toFixed(5)} (J* ${nt.optimum.J.toFixed(5)}, gap ${r.m.gap.toExponential(2)}), min dJ ${r.minDJ.toExponential(2)}`);
    expect(r.minDJ).toBeGreaterThanOrEqual(0);
    const wa = new WpoActorIterator(mdp, specOf('wpo-actor', { tau: 0.05, eta: 0.05, sigma0: 0.5, fisherDamping: 1e-6 }));
    const ra = runMonotone(wa, 150, nonNegative);
    console.log(`MDP wpo-actor: J ${ra.J0.toFixed(5)} -> ${ra.m.J.toFixed(5)}, min dJ ${ra.minDJ.toExponential(2)}`);
    expect(ra.m.J).toBeGreaterThan(ra.J0);
  });
});
