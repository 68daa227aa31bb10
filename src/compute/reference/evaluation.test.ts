import { describe, expect, it } from 'vitest';
import {
  evaluatePolicy,
  luFactor,
  luSolve,
  luSolveTransposed,
  occupancy,
  occupancyWithMass,
  policyObjective,
  policyTransitionMatrix,
  regularisedReward,
  solveEvaluationSystem,
  uniformPolicy,
} from './evaluation';
import { randomMdp, tabularFromArrays, testRandom } from './testing';

function randomPolicy(S: number, N: number, seed: number): Float64Array {
  const rnd = testRandom(seed);
  const pi = new Float64Array(S * N);
  for (let s = 0; s < S; s++) {
    let z = 0;
    for (let j = 0; j < N; j++) z += pi[s * N + j] = rnd() + 0.01;
    for (let j = 0; j < N; j++) pi[s * N + j] /= z;
  }
  return pi;
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

describe('dense LU', () => {
  it('solves A x = b and A^T x = b with pivoting (to 1e-12)', () => {
    const n = 7;
    const rnd = testRandom(3);
    const A = Float64Array.from({ length: n * n }, () => rnd() - 0.5);
    A[0] = 0; // forces a pivot swap
    const x = Float64Array.from({ length: n }, (_, i) => i - 2.5);
    const b = new Float64Array(n);
    const bt = new Float64Array(n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      b[i] += A[i * n + j] * x[j];
      bt[i] += A[j * n + i] * x[j];
    }
    const f = luFactor(Float64Array.from(A), n);
    expect(maxDiff(luSolve(f, b), x)).toBeLessThan(1e-12);
    expect(maxDiff(luSolveTransposed(f, bt), x)).toBeLessThan(1e-12);
  });
});

describe('evaluatePolicy', () => {
  it('one absorbing state: V = (r_pi - tau KL)/(1 - gamma) exactly', () => {
    const mdp = tabularFromArrays({ S: 1, N: 2, gamma: 0.9, P: [[[[0, 1]], [[0, 1]]]], r: [[1, 0]], mu: [0.5, 0.5] });
    const pi = Float64Array.from([0.8, 0.2]);
    const tau = 0.3;
    const kl = 0.8 * Math.log(0.8 / 0.5) + 0.2 * Math.log(0.2 / 0.5);
    const ev = evaluatePolicy(mdp, pi, 0.9, tau);
    expect(ev.V[0]).toBeCloseTo((0.8 - tau * kl) / 0.1, 12);
    expect(ev.Q[0]).toBeCloseTo(1 + 0.9 * ev.V[0], 12);
    expect(ev.residual).toBeLessThan(1e-13);
    expect(ev.solver).toBe('dense');
  });

  it('terminated mass counts as value 0 (row sums < 1)', () => {
    // stay with prob 0.5, terminate with 0.5: V = 1 / (1 - 0.9 * 0.5)
    const mdp = tabularFromArrays({ S: 1, N: 1, gamma: 0.9, P: [[[[0, 0.5]]]], r: [[1]] });
    const ev = evaluatePolicy(mdp, Float64Array.from([1]), 0.9, 0);
    expect(ev.V[0]).toBeCloseTo(1 / 0.55, 13);
  });

  it('dense and warm-started Gauss–Seidel agree on a random MDP (to 1e-10), residual reported', () => {
    const mdp = randomMdp(60, 4, 7, { gamma: 0.95, terminate: 0.05 });
    const pi = randomPolicy(60, 4, 11);
    const a = evaluatePolicy(mdp, pi, 0.95, 0.2, null, 1e-12, { occupancy: true });
    const b = evaluatePolicy(mdp, pi, 0.95, 0.2, null, 1e-12, { solver: 'iterative', occupancy: true });
    const b2 = evaluatePolicy(mdp, pi, 0.95, 0.2, null, 1e-12, { solver: 'iterative', iterative: 'gauss-seidel', occupancy: true });
    expect(maxDiff(a.V, b2.V)).toBeLessThan(1e-10);
    expect(maxDiff(a.d!, b2.d!)).toBeLessThan(1e-10);
    expect(b.matvecs!).toBeLessThan(b2.sweeps!);
    expect(a.solver).toBe('dense');
    expect(b.solver).toBe('iterative');
    expect(maxDiff(a.V, b.V)).toBeLessThan(1e-10);
    expect(maxDiff(a.Q, b.Q)).toBeLessThan(1e-10);
    expect(maxDiff(a.d!, b.d!)).toBeLessThan(1e-10);
    expect(Math.abs(a.occupancyMass! - b.occupancyMass!)).toBeLessThan(1e-10);
    expect(a.residual).toBeLessThan(1e-12);
    expect(b.residual).toBeLessThan(1e-10);
    // warm start from the answer: converges in very few sweeps
    const c = evaluatePolicy(mdp, pi, 0.95, 0.2, a.V, 1e-12, { solver: 'iterative', iterative: 'gauss-seidel' });
    expect(c.sweeps!).toBeLessThan(5);
    expect(b2.sweeps!).toBeGreaterThan(c.sweeps!);
  });
});

describe('occupancy', () => {
  it('is rho0 for gamma = 0 and a probability vector otherwise', () => {
    const mdp = randomMdp(20, 3, 5, { terminate: 0.2 });
    const pi = uniformPolicy(mdp);
    expect(maxDiff(occupancy(mdp, pi, 0), mdp.rho0)).toBeLessThan(1e-15);
    const { d, mass } = occupancyWithMass(mdp, pi, 0.9);
    expect(Math.abs(d.reduce((x, y) => x + y, 0) - 1)).toBeLessThan(1e-14);
    expect(mass).toBeLessThan(1);
    expect(Math.min(...d)).toBeGreaterThanOrEqual(0);
  });

  it('two-state closed form: d = (1-g) rho0 (I - g P)^{-1}', () => {
    // s0 -> s1 surely, s1 -> s1 surely; rho0 = e0: d = (1 - g, g)
    const mdp = tabularFromArrays({ S: 2, N: 1, gamma: 0.8, P: [[[[1, 1]]], [[[1, 1]]]], r: [[0], [1]] });
    const d = occupancy(mdp, Float64Array.from([1, 1]), 0.8);
    expect(d[0]).toBeCloseTo(0.2, 14);
    expect(d[1]).toBeCloseTo(0.8, 14);
    // J = sum rho0 V = g / (1 - g)
    const ev = evaluatePolicy(mdp, Float64Array.from([1, 1]), 0.8, 0);
    expect(policyObjective(mdp, ev.V)).toBeCloseTo(4, 12);
  });
});

describe('BiCGSTAB policy evaluation', () => {
  it('equals the direct (LU) answer on a smaller case, with and without a warm start', () => {
    const mdp = randomMdp(300, 5, 31, { branching: 4 });
    const pi = randomPolicy(300, 5, 32);
    const direct = evaluatePolicy(mdp, pi, 0.97, 0.3, null, 1e-12, { solver: 'dense', occupancy: true });
    const krylov = evaluatePolicy(mdp, pi, 0.97, 0.3, null, 1e-12, { solver: 'iterative', occupancy: true });
    expect(krylov.solver).toBe('iterative');
    expect(krylov.sweeps).toBe(0); // BiCGSTAB converged, no Gauss–Seidel fallback
    expect(maxDiff(krylov.V, direct.V)).toBeLessThan(1e-9);
    expect(maxDiff(krylov.d!, direct.d!)).toBeLessThan(1e-12);
    const warm = evaluatePolicy(mdp, pi, 0.97, 0.3, direct.V, 1e-12, { solver: 'iterative' });
    expect(warm.matvecs!).toBeLessThan(krylov.matvecs!);
    expect(maxDiff(warm.V, direct.V)).toBeLessThan(1e-9);
  });

  it('S = 10^4: the residual |V - (c + gamma P_pi V)|_inf meets the tolerance, in few products', () => {
    const S = 10_000;
    const mdp = randomMdp(S, 4, 33, { branching: 3 });
    const pi = uniformPolicy(mdp);
    const M = policyTransitionMatrix(mdp, pi);
    const c = regularisedReward(mdp, pi, 0.1);
    const V = new Float64Array(S);
    const r = solveEvaluationSystem(M, c, 0.9, V, 1e-12);
    expect(r.converged).toBe(true);
    expect(r.sweeps).toBe(0);
    expect(r.matvecs).toBeLessThan(100);
    let res = 0;
    let sup = 1;
    for (let s = 0; s < S; s++) {
      let acc = 0;
      for (let e = M.rowPtr[s]; e < M.rowPtr[s + 1]; e++) acc += M.val[e] * V[M.col[e]];
      res = Math.max(res, Math.abs(V[s] - c[s] - 0.9 * acc));
      sup = Math.max(sup, Math.abs(V[s]));
    }
    expect(res).toBeLessThan(1e-12 * sup);
  });

  it("the 'gmres' and 'gauss-seidel' choices give the same answer", () => {
    const mdp = randomMdp(400, 3, 34, { branching: 3 });
    const pi = randomPolicy(400, 3, 35);
    const a = evaluatePolicy(mdp, pi, 0.95, 0.1, null, 1e-12, { solver: 'iterative' });
    const b = evaluatePolicy(mdp, pi, 0.95, 0.1, null, 1e-12, { solver: 'iterative', iterative: 'gmres' });
    const c = evaluatePolicy(mdp, pi, 0.95, 0.1, null, 1e-12, { solver: 'iterative', iterative: 'gauss-seidel' });
    expect(maxDiff(a.V, b.V)).toBeLessThan(1e-9);
    expect(maxDiff(a.V, c.V)).toBeLessThan(1e-9);
  });
});
