/**
 * Reference (f64 CPU) benchmarks: the figures issue 3 asks for, each printed with what it measured.
 */
import { compileMdp } from '../src/shared/mdp/compile';
import { presetById } from '../src/compute/presets';
import { softBellmanSweep, softValueIteration } from '../src/compute/reference/solvers';
import { evaluatePolicy, occupancy, uniformPolicy, actionValues } from '../src/compute/reference/evaluation';
import { OtTrustRegionSolver, detectLineCost } from '../src/compute/reference/otTrustRegion';
import { bandit1d, randomMdp } from '../src/compute/reference/testing';
import type { TabularMdp } from '../src/shared/mdp/types';
import { timeIt, type BenchRow } from './timing';

function preset(id: string): TabularMdp {
  const result = compileMdp(presetById(id)!.build());
  if (!result.ok) throw new Error(`preset ${id} does not compile`);
  return result.mdp;
}

export function referenceBenchmarks(): BenchRow[] {
  const rows: BenchRow[] = [];

  const taxi = preset('taxi');
  let iterations = 0;
  const svi = timeIt(() => {
    iterations = softValueIteration(taxi, taxi.gamma, 0.1, 1e-10).iterations;
  });
  rows.push({ name: 'soft value iteration to 1e-10 (Taxi, S=500, N=6, tau=0.1)', size: 'S=500', backend: 'reference', ms: svi.ms, note: `${iterations} sweeps` });

  for (const S of [1_000, 10_000]) {
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
    rows.push({ name: `policy evaluation (${solver}), residual ${residual.toExponential(1)}`, size: `S=${S}`, backend: 'reference', ms: pe.ms });
  }

  for (const N of [64, 256, 1024]) {
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
