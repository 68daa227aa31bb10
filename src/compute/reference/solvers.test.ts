import { describe, expect, it } from 'vitest';
import { evaluatePolicy } from './evaluation';
import { compileMdp } from '../../shared/mdp/compile';
import { presetById } from '../presets';
import { policyIteration, softBellmanSweep, softSweepCache, softValueIteration, softValueIterationSweeps, solveOptimum, valueIteration } from './solvers';
import { bandit1d, chainMdp, randomMdp, tabularFromArrays } from './testing';

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

describe('soft value iteration', () => {
  it('bandit (gamma = 0): pi* is the Gibbs measure mu exp(r/tau)/Z, V* = tau log sum mu exp(r/tau)', () => {
    const mdp = bandit1d((x) => -((x - 0.3) ** 2), 16, -1, 1);
    const tau = 0.1;
    const opt = softValueIteration(mdp, 0, tau);
    const r = Array.from(mdp.reward);
    const z = r.reduce((acc, v) => acc + Math.exp(v / tau) / 16, 0);
    expect(opt.V[0]).toBeCloseTo(tau * Math.log(z), 14);
    for (let j = 0; j < 16; j++) expect(Math.abs(opt.policy[j] - Math.exp(r[j] / tau) / 16 / z)).toBeLessThan(1e-14);
  });

  for (const [name, mdp] of [
    ['random MDP 40x5', randomMdp(40, 5, 1, { gamma: 0.9, terminate: 0.1 })],
    ['chain of 6', chainMdp(6, 0.95)],
  ] as const) {
    it(`agrees with soft policy iteration to 1e-10 on a ${name}`, () => {
      const tau = 0.2;
      const vi = softValueIteration(mdp, mdp.gamma, tau, 1e-13);
      const pi = policyIteration(mdp, mdp.gamma, tau);
      expect(maxDiff(vi.V, pi.V)).toBeLessThan(1e-10);
      expect(maxDiff(vi.policy, pi.policy)).toBeLessThan(1e-10);
      expect(pi.residual).toBeLessThan(1e-12);
      // the soft optimum's own regularised value equals V*
      const ev = evaluatePolicy(mdp, pi.policy, mdp.gamma, tau);
      expect(maxDiff(ev.V, pi.V)).toBeLessThan(1e-11);
      const opt = solveOptimum(mdp, mdp.gamma, tau);
      expect(maxDiff(opt.V, pi.V)).toBeLessThan(1e-12);
      expect(opt.residual).toBeLessThan(1e-12);
    });
  }
});

describe('value / policy iteration (tau = 0)', () => {
  it('agree on a random MDP; the optimum is greedy and deterministic', () => {
    const mdp = randomMdp(30, 4, 9, { gamma: 0.9 });
    const vi = valueIteration(mdp, 0.9, 1e-13);
    const pi = policyIteration(mdp, 0.9, 0);
    expect(maxDiff(vi.V, pi.V)).toBeLessThan(1e-10);
    expect(maxDiff(vi.policy, pi.policy)).toBe(0);
    const opt = solveOptimum(mdp, 0.9, 0);
    expect(maxDiff(opt.V, pi.V)).toBeLessThan(1e-12);
    for (let s = 0; s < 30; s++) expect(opt.policy.slice(s * 4, s * 4 + 4).reduce((a, b) => a + b, 0)).toBe(1);
  });

  it('ties break to the lowest index', () => {
    const mdp = tabularFromArrays({ S: 1, N: 3, gamma: 0.5, P: [[[[0, 1]], [[0, 1]], [[0, 1]]]], r: [[0, 1, 1]] });
    const opt = solveOptimum(mdp, 0.5, 0);
    expect(Array.from(opt.policy)).toEqual([0, 1, 0]);
    expect(opt.V[0]).toBeCloseTo(2, 12);
  });
});

describe('soft Bellman sweep with the exponential cache', () => {
  it('gives bit-identical sweeps to the uncached sweep, and reuses every term once V has settled', () => {
    const mdp = chainMdp(30, 0.9, 0.1);
    const tau = 0.2;
    let V = new Float64Array(mdp.S);
    let W = new Float64Array(mdp.S);
    const Vc = new Float64Array(mdp.S);
    const Q = new Float64Array(mdp.S * mdp.N);
    const Qc = new Float64Array(mdp.S * mdp.N);
    const cache = softSweepCache(mdp);
    for (let k = 0; k < 400; k++) {
      const a = softBellmanSweep(mdp, V, 0.9, tau, W, Q);
      const b = softBellmanSweep(mdp, V, 0.9, tau, Vc, Qc, cache);
      expect(b).toBe(a);
      for (let s = 0; s < mdp.S; s++) expect(Vc[s]).toBe(W[s]);
      [V, W] = [W, V];
    }
    // at the fixed point the arguments repeat bit for bit, so the cached terms are the ones used: doubling
    // them (a marker) must shift every V by exactly tau log 2
    softBellmanSweep(mdp, V, 0.9, tau, W, Q);
    for (let i = 0; i < cache.term.length; i++) cache.term[i] *= 2;
    softBellmanSweep(mdp, V, 0.9, tau, Vc, Qc, cache);
    for (let s = 0; s < mdp.S; s++) expect(Math.abs(Vc[s] - W[s] - tau * Math.log(2))).toBeLessThan(1e-12);
  });
});

describe('factorised sweeps on a deterministic MDP', () => {
  it('Taxi: the same values as plain soft Bellman sweeps (to 1e-12), after the same number of sweeps', () => {
    const compiled = compileMdp(presetById('taxi')!.build());
    if (!compiled.ok) throw new Error('taxi does not compile');
    const mdp = compiled.mdp;
    for (const tau of [0.1, 1]) {
      const fast = softValueIterationSweeps(mdp, mdp.gamma, tau, 1e-10);
      let V = new Float64Array(mdp.S);
      let W = new Float64Array(mdp.S);
      const Q = new Float64Array(mdp.S * mdp.N);
      let sweeps = 0;
      for (let change = Infinity; change > 1e-10; sweeps++) {
        change = softBellmanSweep(mdp, V, mdp.gamma, tau, W, Q);
        [V, W] = [W, V];
      }
      expect(Math.abs(fast.iterations - sweeps)).toBeLessThanOrEqual(1);
      expect(maxDiff(fast.V, V)).toBeLessThan(1e-12 * Math.max(1, ...Array.from(V, Math.abs)));
    }
  });
});
