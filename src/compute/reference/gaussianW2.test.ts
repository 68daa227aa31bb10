import { describe, expect, it } from 'vitest';
import type { MethodId } from '../../shared/methods';
import type { MethodIterator, RunSpec } from '../types';
import { GaussianW2Iterator, GaussianW2NewtonIterator } from './gaussianW2';
import { WpoActorIterator } from './wpoActor';
import type { TabularMdp } from '../../shared/mdp/types';
import { bandit1d, cellCentres, tabularFromArrays, testRandom } from './testing';

const reward = (x: number) => -((x - 0.3) ** 2);

function specOf(method: MethodId, options: Record<string, number | string>): RunSpec {
  return { method, options: { gamma: NaN, ...options }, init: null, seed: 1 };
}

function policyMean(it: MethodIterator, n: number): number {
  const pi = it.policy();
  let m = 0;
  for (let j = 0; j < n; j++) m += pi[j] * (-1 + (j + 0.5) * (2 / n));
  return m;
}

function runMonotone(it: MethodIterator, iters: number) {
  let m = it.step();
  const J0 = m.J;
  let minDJ = Infinity;
  let k = 0;
  for (; k < iters && !it.done; k++) {
    const J = m.J;
    m = it.step();
    minDJ = Math.min(minDJ, m.J - J);
    for (const v of it.policy()) expect(v).toBeGreaterThanOrEqual(0);
  }
  return { m, minDJ, J0, k };
}

describe('Gaussian W2 methods on the quadratic bandit r = -(a - 0.3)^2 on [-1, 1]', () => {
  const n = 200; // h = 0.01
  const mdp = bandit1d(reward, n, -1, 1);

  it('gaussian-w2, tau = 0, sigma floor 0.005: J increases monotonically, the mean -> 0.3', () => {
    for (const weighting of ['uniform', 'occupancy']) {
      const it = new GaussianW2Iterator(mdp, specOf('gaussian-w2', { tau: 0, eta: 0.2, sigma0: 0.5, sigmaMin: 0.005, weighting }));
      const r = runMonotone(it, 400);
      const mean = policyMean(it, n);
      console.log(`gaussian-w2 (${weighting}): ${r.k} its, J ${r.J0.toFixed(5)} -> ${r.m.J.toExponential(3)}, min dJ ${r.minDJ.toExponential(2)}, mean ${mean.toFixed(6)}, m ${it.params.m[0].toFixed(6)}, sigma ${it.params.sigma[0]}, gap ${r.m.gap.toExponential(2)}`);
      expect(r.minDJ).toBeGreaterThanOrEqual(-1e-14);
      expect(Math.abs(mean - 0.3)).toBeLessThan(5e-3); // half a cell
      expect(it.params.sigma[0]).toBe(0.005);
    }
  });

  it('gaussian-w2, tau = 0.05: converges to the Gibbs state N(0.3, tau/2) (in the family), gap -> discretisation level', () => {
    const tau = 0.05;
    const it = new GaussianW2Iterator(mdp, specOf('gaussian-w2', { tau, eta: 0.2, sigma0: 0.5, sigmaMin: 0, weighting: 'uniform' }));
    const r = runMonotone(it, 600);
    console.log(`gaussian-w2 tau=${tau}: m ${it.params.m[0].toFixed(6)}, sigma ${it.params.sigma[0].toFixed(6)} (sqrt(tau/2) = ${Math.sqrt(tau / 2).toFixed(6)}), gap ${r.m.gap.toExponential(2)}, min dJ ${r.minDJ.toExponential(2)}`);
    expect(r.minDJ).toBeGreaterThanOrEqual(-1e-14);
    expect(Math.abs(it.params.m[0] - 0.3)).toBeLessThan(1e-4);
    expect(Math.abs(it.params.sigma[0] - Math.sqrt(tau / 2))).toBeLessThan(1e-3);
    expect(r.m.gap).toBeLessThan(1e-4);
    expect(r.m.gap).toBeGreaterThanOrEqual(-1e-12);
  });

  it('gaussian-w2-newton: every accepted step ascends; tau = 0 mean -> 0.3, tau = 0.05 -> N(0.3, tau/2)', () => {
    const it = new GaussianW2NewtonIterator(mdp, specOf('gaussian-w2-newton', { tau: 0, damping: 1e-3, sigma0: 0.5, sigmaMin: 0.005 }));
    const r = runMonotone(it, 40);
    const mean = policyMean(it, n);
    console.log(`newton tau=0: ${r.k} its, min dJ ${r.minDJ.toExponential(2)}, mean ${mean.toFixed(6)}, sigma ${it.params.sigma[0]}, diag ${JSON.stringify(it.diagnostics().rejectedTrials)} rejected trials`);
    expect(r.minDJ).toBeGreaterThanOrEqual(0);
    expect(Math.abs(mean - 0.3)).toBeLessThan(5e-3);
    const tau = 0.05;
    const it2 = new GaussianW2NewtonIterator(mdp, specOf('gaussian-w2-newton', { tau, damping: 1e-3, sigma0: 0.5, sigmaMin: 0 }));
    const r2 = runMonotone(it2, 40);
    console.log(`newton tau=${tau}: ${r2.k} its, m ${it2.params.m[0].toFixed(6)}, sigma ${it2.params.sigma[0].toFixed(6)}, gap ${r2.m.gap.toExponential(2)}, min dJ ${r2.minDJ.toExponential(2)}`);
    expect(r2.minDJ).toBeGreaterThanOrEqual(0);
    expect(Math.abs(it2.params.m[0] - 0.3)).toBeLessThan(1e-4);
    expect(Math.abs(it2.params.sigma[0] - Math.sqrt(tau / 2))).toBeLessThan(1e-3);
  });
});

/** S states on a 1-D box of n cells: the action drifts the state; smooth rewards */
function boxMdp(S: number, n: number, seed: number, gamma: number): TabularMdp {
  const r = testRandom(seed);
  const x = cellCentres(n, -1, 1);
  const P: [number, number][][][] = [];
  const R: number[][] = [];
  for (let s = 0; s < S; s++) {
    const c = r() * 1.4 - 0.7;
    P.push([]);
    R.push([]);
    for (let j = 0; j < n; j++) {
      const w = Array.from({ length: S }, (_, t) => Math.exp(-((t - (S - 1) * (0.5 + 0.5 * x[j])) ** 2)) + 0.05);
      const z = w.reduce((a, b) => a + b, 0);
      P[s].push(w.map((v, t) => [t, v / z] as [number, number]));
      R[s].push(-((x[j] - c) ** 2) + 0.3 * Math.sin(3 * x[j] + s));
    }
  }
  return tabularFromArrays({
    S,
    N: n,
    gamma,
    P,
    r: R,
    rho0: Array.from({ length: S }, () => 1 / S),
    positions: x.map((v) => [v]),
    grid: { dim: 1, n, lo: [-1], hi: [1], h: [2 / n] },
  });
}

describe('Gaussian methods on a 5-state MDP with a 1-D action box', () => {
  const mdp = boxMdp(5, 40, 2, 0.8);
  it('gaussian-w2 (both weightings, small eta) and gaussian-w2-newton increase J monotonically', () => {
    for (const weighting of ['uniform', 'occupancy']) {
      const it = new GaussianW2Iterator(mdp, specOf('gaussian-w2', { tau: 0.05, eta: 0.05, sigma0: 0.5, sigmaMin: 0, weighting }));
      const r = runMonotone(it, 150);
      console.log(`MDP gaussian-w2 (${weighting}): J ${r.J0.toFixed(5)} -> ${r.m.J.toFixed(5)} (J* ${it.optimum.J.toFixed(5)}), min dJ ${r.minDJ.toExponential(2)}`);
      expect(r.minDJ).toBeGreaterThanOrEqual(-1e-13);
      expect(r.m.J).toBeGreaterThan(r.J0);
    }
    const nt = new GaussianW2NewtonIterator(mdp, specOf('gaussian-w2-newton', { tau: 0.05, damping: 1e-3, sigma0: 0.5, sigmaMin: 0 }));
    const r = runMonotone(nt, 15);
    console.log(`MDP newton: ${r.k} its, J ${r.J0.toFixed(5)} -> ${r.m.J.toFixed(5)} (J* ${nt.optimum.J.toFixed(5)}, gap ${r.m.gap.toExponential(2)}), min dJ ${r.minDJ.toExponential(2)}`);
    expect(r.minDJ).toBeGreaterThanOrEqual(0);
    const wa = new WpoActorIterator(mdp, specOf('wpo-actor', { tau: 0.05, eta: 0.05, sigma0: 0.5, fisherDamping: 1e-6 }));
    const ra = runMonotone(wa, 150);
    console.log(`MDP wpo-actor: J ${ra.J0.toFixed(5)} -> ${ra.m.J.toFixed(5)}, min dJ ${ra.minDJ.toExponential(2)}`);
    expect(ra.m.J).toBeGreaterThan(ra.J0);
  });
});
