/**
 * Reference (f64 CPU) benchmarks without a peer: each printed with what it measured (the kernels with
 * a numpy / scipy / POT counterpart are in sideBySide.ts).
 */
import { softBellmanSweep } from '../src/compute/reference/solvers';
import { entropicJkoStep, jkoKernel, type JkoKernel } from '../src/compute/reference/sinkhorn';
import { evaluatePolicy, occupancy, uniformPolicy, actionValues } from '../src/compute/reference/evaluation';
import { OtTrustRegionSolver, detectLineCost } from '../src/compute/reference/otTrustRegion';
import { bandit1d, randomMdp } from '../src/compute/reference/testing';
import { timeIt, type BenchRow } from './timing';

export function referenceBenchmarks(quick = false): BenchRow[] {
  const rows: BenchRow[] = [];

  for (const S of quick ? [1_000] : [1_000, 10_000]) {
    const mdp = randomMdp(S, 4, 7, { branching: 3 });
    const V = new Float64Array(S);
    const Vout = new Float64Array(S);
    const Q = new Float64Array(S * 4);
    const sweep = timeIt(() => softBellmanSweep(mdp, V, 0.9, 0.1, Vout, Q), 20);
    rows.push({ name: 'one soft Bellman sweep (random MDP, N=4, 3 successors)', size: `S=${S}`, backend: 'reference', ms: sweep.ms, perSecond: 1000 / sweep.ms });
    const pi = uniformPolicy(mdp);
    let residual = 0;
    let solver = '';
    const pe = timeIt(() => {
      const e = evaluatePolicy(mdp, pi, 0.9, 0.1);
      residual = e.residual;
      solver = e.solver;
    }, 3);
    rows.push({ name: `policy evaluation with P_pi build, c and Q (${solver}), residual ${residual.toExponential(1)}`, size: `S=${S}`, backend: 'reference', ms: pe.ms });
  }

  // one JKO step per state: scaling domain (K = exp(-C/eps)) against the log domain it replaces
  for (const N of quick ? [64] : [16, 64, 256]) {
    const mdp = bandit1d((x) => Math.cos(6 * x), N, -1, 1);
    const eps = 0.05;
    const scaling = jkoKernel(mdp.cost, N, eps);
    const logOnly: JkoKernel = { ...scaling, K: null, domain: 'log' };
    const pi = new Float64Array(N).fill(1 / N);
    const logMu = Float64Array.from(mdp.mu, Math.log);
    const out = new Float64Array(N);
    const scratch = new Float64Array(3 * N);
    let its = 0;
    const step = (k: JkoKernel) => () => {
      const lb = new Float64Array(N);
      its = entropicJkoStep(k, pi, mdp.reward, 0, logMu, 0.5, 0.2, 1e-9, 5000, lb, out, scratch).iterations;
    };
    const tS = timeIt(step(scaling), 5);
    const tL = timeIt(step(logOnly), 3);
    rows.push({ name: `entropic JKO step (one state, eps ${eps}, tol 1e-9), scaling domain`, size: `N=${N}`, backend: 'reference', ms: tS.ms, note: `${its} iterations` });
    rows.push({ name: 'entropic JKO step, log domain (the fallback)', size: `N=${N}`, backend: 'reference', ms: tL.ms, note: `scaling is ${(tL.ms / tS.ms).toFixed(1)}x faster` });
  }

  for (const N of quick ? [256] : [64, 256, 1024]) {
    const S = 16;
    const mdp = bandit1d((x) => Math.cos(6 * x), N, -1, 1);
    const base = randomMdp(S, N, 3, { branching: 2 });
    const pi = uniformPolicy(base);
    const ev = evaluatePolicy(base, pi, 0.9, 0);
    const Q = actionValues(base, ev.V, 0.9);
    const A = new Float64Array(S * N);
    for (let s = 0; s < S; s++) for (let j = 0; j < N; j++) A[s * N + j] = Q[s * N + j] - ev.V[s];
    const rho = occupancy(base, pi, 0.9);
    const line = detectLineCost(mdp);
    const out = new Float64Array(S * N);
    const input = { rho, policy: pi, advantage: A, eps: 0.05, tieTol: 1e-9 };
    const fast = new OtTrustRegionSolver(S, N, mdp.cost, line);
    const dense = new OtTrustRegionSolver(S, N, mdp.cost, line);
    dense.forceDense = true;
    const tFast = timeIt(() => fast.step(input, true, out), 3);
    const tDense = timeIt(() => dense.step(input, true, out), N >= 1024 ? 1 : 2);
    rows.push({ name: 'OT-TRPO update, 1-D grid, max-plus O(N) dual', size: `S=${S} N=${N}`, backend: 'reference', ms: tFast.ms, perSecond: 1000 / tFast.ms });
    rows.push({ name: 'OT-TRPO update, 1-D grid, dense O(N^2) dual', size: `S=${S} N=${N}`, backend: 'reference', ms: tDense.ms, perSecond: 1000 / tDense.ms, note: `O(N) is ${(tDense.ms / tFast.ms).toFixed(1)}x faster` });
  }
  return rows;
}
