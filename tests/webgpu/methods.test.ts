/**
 * Every method on WebGPU (Dawn + SwiftShader, f32) against the f64 reference on the same problem:
 * per-row J within 1e-5 relative (of max(|J|, 1)), the final policy within 1e-4 average TV, the same
 * iteration numbering (row 0 = the initial policy), and the buffer pool empty after dispose + trim.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { TabularMdp } from '../../src/shared/mdp/types';
import type { IterationMetrics, MethodId } from '../../src/shared/methods';
import type { ReferenceMethod } from '../../src/compute/reference/method';
import { npgMethod } from '../../src/compute/reference/npg';
import { klTrpoMethod } from '../../src/compute/reference/klTrustRegion';
import { otTrpoMethod, wpoSongMethod } from '../../src/compute/reference/otTrustRegion';
import { wassersteinFlow } from '../../src/compute/reference/wassersteinFlow';
import { jkoSinkhorn } from '../../src/compute/reference/jkoSinkhorn';
import { softValueIterationMethod } from '../../src/compute/reference/softValueIterationMethod';
import { valueIterationMethod } from '../../src/compute/reference/valueIterationMethod';
import { bandit1d, bandit2d, chainMdp, randomMdp, specFor, tabularFromArrays, testRandom } from '../../src/compute/reference/testing';
import { solveOptimum } from '../../src/compute/reference/solvers';
import { createWebGpuSession, KRYLOV_CPU_WARM } from '../../src/compute/webgpu/session';
import { expectPoolDrained, gpuContext, policyTv, relDiff } from './gpu';

interface Case {
  name: string;
  method: MethodId;
  ref: ReferenceMethod | null;
  mdp: () => TabularMdp;
  options: Record<string, unknown>;
  iterations: number;
  /** J tolerance relative to max(|J|, 1) */
  jTol?: number;
  tvTol?: number;
  /**
   * value iteration: the GPU's row 0 is the soft-greedy policy of W = 0 and the reference's the initial
   * policy, so only the converged end (last row's J, final policy) is compared
   */
  finalOnly?: boolean;
  /** force 2-D dispatch splits (linear index reconstruction in every kernel) */
  maxWorkgroupsPerDimension?: number;
}

/** A random MDP with an explicit, asymmetric cost matrix (no positions: the dense O(N^2) path). */
function costMatrixMdp(): TabularMdp {
  const base = randomMdp(5, 5, 31);
  const rnd = testRandom(99);
  const cost = Array.from({ length: 5 }, (_, j) => Array.from({ length: 5 }, (_, k) => (j === k ? 0 : 0.2 + rnd())));
  const P = Array.from({ length: 5 }, (_, s) =>
    Array.from({ length: 5 }, (_, j) => {
      const sj = s * 5 + j;
      const out: [number, number][] = [];
      for (let e = base.rowPtr[sj]; e < base.rowPtr[sj + 1]; e++) out.push([base.next[e], base.prob[e]]);
      return out;
    }),
  );
  const r = Array.from({ length: 5 }, (_, s) => Array.from(base.reward.subarray(s * 5, s * 5 + 5)));
  return tabularFromArrays({ S: 5, N: 5, gamma: 0.9, P, r, rho0: Array.from(base.rho0), cost, name: 'cost-matrix' });
}

/** 2-D action positions (a 3 x 3 lattice of discrete actions). */
function lattice2dMdp(): TabularMdp {
  const base = randomMdp(4, 9, 37);
  const positions = Array.from({ length: 9 }, (_, j) => [j % 3, Math.floor(j / 3)]);
  const P = Array.from({ length: 4 }, (_, s) =>
    Array.from({ length: 9 }, (_, j) => {
      const sj = s * 9 + j;
      const out: [number, number][] = [];
      for (let e = base.rowPtr[sj]; e < base.rowPtr[sj + 1]; e++) out.push([base.next[e], base.prob[e]]);
      return out;
    }),
  );
  const r = Array.from({ length: 4 }, (_, s) => Array.from(base.reward.subarray(s * 9, s * 9 + 9)));
  return tabularFromArrays({ S: 4, N: 9, gamma: 0.9, P, r, rho0: Array.from(base.rho0), positions, name: 'lattice-2d' });
}

// every GPU method but Langevin (stochastic: langevin.test.ts compares its histograms) is in this table
const CASES: Case[] = [
  { name: 'soft-value-iteration random 6x4', method: 'soft-value-iteration', ref: softValueIterationMethod, mdp: () => randomMdp(6, 4, 41), options: { tau: 0.1 }, iterations: 300, finalOnly: true },
  { name: 'value-iteration random 6x4', method: 'value-iteration', ref: valueIterationMethod, mdp: () => randomMdp(6, 4, 43), options: {}, iterations: 300, finalOnly: true },
  { name: 'ot-trpo, explicit cost matrix', method: 'ot-trpo', ref: otTrpoMethod, mdp: costMatrixMdp, options: { eps: 0.1 }, iterations: 6 },
  { name: 'wpo-song, explicit cost matrix', method: 'wpo-song', ref: wpoSongMethod, mdp: costMatrixMdp, options: { eps: 0.1 }, iterations: 6 },
  // the precomputed G^T path (the line cases below form the cost from the positions)
  { name: 'jko-sinkhorn, explicit cost matrix', method: 'jko-sinkhorn', ref: jkoSinkhorn, mdp: costMatrixMdp, options: { tau: 0.2, eta: 0.2, eps: 0.05, tol: 1e-9 }, iterations: 6 },
  { name: 'ot-trpo, 2-D lattice of actions', method: 'ot-trpo', ref: otTrpoMethod, mdp: lattice2dMdp, options: { eps: 0.3 }, iterations: 6 },
  { name: 'wasserstein-flow, 2-D lattice of actions', method: 'wasserstein-flow', ref: wassersteinFlow, mdp: lattice2dMdp, options: { tau: 0.3 }, iterations: 10 },
  { name: 'npg random 6x4', method: 'npg', ref: npgMethod, mdp: () => randomMdp(6, 4, 3), options: { tau: 0.1, eta: 0.5 }, iterations: 12 },
  {
    name: 'npg random 6x4, batch of 4 with warm-started solves',
    method: 'npg',
    ref: npgMethod,
    mdp: () => randomMdp(6, 4, 3),
    options: { tau: 0.1, eta: 0.5 },
    iterations: 6,
  },
  {
    name: 'jko-sinkhorn, every dispatch split over x and y',
    method: 'jko-sinkhorn',
    ref: jkoSinkhorn,
    mdp: () => randomMdp(12, 12, 29),
    options: { tau: 0.2, eta: 0.2, eps: 0.05, tol: 1e-9 },
    iterations: 3,
    maxWorkgroupsPerDimension: 1,
    jTol: 2e-5,
    tvTol: 2e-4,
  },
  {
    name: 'ot-trpo terminating MDP',
    method: 'ot-trpo',
    ref: otTrpoMethod,
    mdp: () => randomMdp(5, 4, 23, { terminate: 0.25 }),
    options: { eps: 0.1 },
    iterations: 5,
  },
  { name: 'kl-trpo random 6x4', method: 'kl-trpo', ref: klTrpoMethod, mdp: () => randomMdp(6, 4, 5), options: { delta: 0.05 }, iterations: 8 },
  { name: 'ot-trpo random 6x5', method: 'ot-trpo', ref: otTrpoMethod, mdp: () => randomMdp(6, 5, 7), options: { eps: 0.05 }, iterations: 8 },
  { name: 'wpo-song random 6x5', method: 'wpo-song', ref: wpoSongMethod, mdp: () => randomMdp(6, 5, 7), options: { eps: 0.05 }, iterations: 6 },
  { name: 'ot-trpo chain 5', method: 'ot-trpo', ref: otTrpoMethod, mdp: () => chainMdp(5), options: { eps: 0.2 }, iterations: 6 },
  {
    name: 'wasserstein-flow random 5x8',
    method: 'wasserstein-flow',
    ref: wassersteinFlow,
    mdp: () => randomMdp(5, 8, 11),
    options: { tau: 0.2 },
    iterations: 20,
  },
  {
    name: 'wasserstein-flow 2-D bandit',
    method: 'wasserstein-flow',
    ref: wassersteinFlow,
    mdp: () => bandit2d((x, y) => -(x * x + y * y), 4, -1, 1),
    options: { tau: 0.3 },
    iterations: 20,
  },
  {
    name: 'wasserstein-flow occupancy-weighted, qEvery 3, terminating MDP',
    method: 'wasserstein-flow',
    ref: wassersteinFlow,
    mdp: () => randomMdp(5, 6, 17, { terminate: 0.2 }),
    options: { tau: 0.2, weighting: 'occupancy', qEvery: 3 },
    iterations: 12,
  },
  { name: 'npg chain 6 (terminating-free, sparse)', method: 'npg', ref: npgMethod, mdp: () => chainMdp(6), options: { tau: 0.05, eta: 1 }, iterations: 10 },
  { name: 'kl-trpo terminating MDP', method: 'kl-trpo', ref: klTrpoMethod, mdp: () => randomMdp(6, 4, 19, { terminate: 0.3 }), options: { delta: 0.1 }, iterations: 6 },
  // every dispatch split over x and y: the searches' per-candidate sums (candReduce) and, at S = 80, the
  // gate's indirect arguments of the Krylov kernels
  { name: 'ot-trpo random 6x5, every dispatch split over x and y', method: 'ot-trpo', ref: otTrpoMethod, mdp: () => randomMdp(6, 5, 7), options: { eps: 0.05 }, iterations: 8, maxWorkgroupsPerDimension: 1 },
  { name: 'kl-trpo random 6x4, every dispatch split over x and y', method: 'kl-trpo', ref: klTrpoMethod, mdp: () => randomMdp(6, 4, 5), options: { delta: 0.05 }, iterations: 8, maxWorkgroupsPerDimension: 1 },
  { name: 'npg random 80x5, BiCGSTAB, every dispatch split over x and y', method: 'npg', ref: npgMethod, mdp: () => randomMdp(80, 5, 47), options: { tau: 0.1, eta: 0.5 }, iterations: 6, maxWorkgroupsPerDimension: 1 },
  // N = 24: one workgroup per state (N <= 16 runs one state per invocation, every JKO case above)
  {
    name: 'jko-sinkhorn random 4x24, one workgroup per state',
    method: 'jko-sinkhorn',
    ref: jkoSinkhorn,
    mdp: () => randomMdp(4, 24, 31),
    options: { tau: 0.2, eta: 0.2, eps: 0.05, tol: 1e-9 },
    iterations: 4,
    jTol: 2e-5,
    tvTol: 2e-4,
  },
  // S = 80 > DIRECT_MAX: BiCGSTAB, the first evaluation warm-started from the CPU's f64 solve
  { name: 'npg random 80x5, BiCGSTAB', method: 'npg', ref: npgMethod, mdp: () => randomMdp(80, 5, 47), options: { tau: 0.1, eta: 0.5 }, iterations: 8 },
  {
    name: 'jko-sinkhorn random 80x6, BiCGSTAB',
    method: 'jko-sinkhorn',
    ref: jkoSinkhorn,
    mdp: () => randomMdp(80, 6, 53),
    options: { tau: 0.2, eta: 0.2, eps: 0.05, tol: 1e-9 },
    iterations: 6,
    jTol: 2e-5,
    tvTol: 2e-4,
  },
  {
    name: 'jko-sinkhorn random 4x6',
    method: 'jko-sinkhorn',
    ref: jkoSinkhorn,
    mdp: () => randomMdp(4, 6, 13),
    options: { tau: 0.2, eta: 0.2, eps: 0.05, tol: 1e-9 },
    iterations: 6,
    jTol: 2e-5,
    tvTol: 2e-4,
  },
];

function runReference(c: Case, mdp: TabularMdp, optimum: ReturnType<typeof solveOptimum>): { rows: IterationMetrics[]; policy: Float64Array } {
  const it = c.ref!.start(mdp, specFor(c.method, c.options));
  void optimum;
  const rows: IterationMetrics[] = [];
  for (let i = 0; i <= c.iterations && !it.done; i++) rows.push(it.step());
  return { rows, policy: it.policy() };
}

export const measured: Record<string, { maxJRel: number; tv: number }> = {};

describe('methods on WebGPU vs the f64 reference', () => {
  afterEach(expectPoolDrained);
  afterAll(async () => {
    console.log('measured', JSON.stringify(measured, null, 1));
    (await gpuContext()).destroy();
  });

  for (const c of CASES) {
    it(c.name, async () => {
      const ctx = await gpuContext();
      const mdp = c.mdp();
      const spec = specFor(c.method, c.options);
      const o = spec.options as { gamma?: number; tau?: number };
      const gamma = o.gamma ?? mdp.gamma;
      const tau = o.tau ?? 0;
      const optimum = solveOptimum(mdp, gamma, tau);
      const ref = runReference(c, mdp, optimum);
      const session = await createWebGpuSession(ctx, mdp, spec, { optimum, batch: c.finalOnly ? 64 : 4, maxWorkgroupsPerDimension: c.maxWorkgroupsPerDimension });
      try {
        if (c.finalOnly) {
          const rows = await session.nextBatch(c.iterations + 1);
          const a = rows[rows.length - 1].J;
          const b = ref.rows[ref.rows.length - 1].J;
          const pol = await session.policy();
          const tv = policyTv(pol, ref.policy, mdp.S, mdp.N);
          measured[c.name] = { maxJRel: Math.abs(a - b) / Math.max(1, Math.abs(b)), tv };
          expect(session.done).toBe(true);
          expect(measured[c.name].maxJRel).toBeLessThan(c.jTol ?? 1e-5);
          expect(tv).toBeLessThan(c.tvTol ?? 1e-4);
          return;
        }
        const rows = await session.nextBatch(ref.rows.length);
        expect(rows.length).toBe(ref.rows.length);
        let maxJRel = 0;
        for (let i = 0; i < rows.length; i++) {
          expect(rows[i].iteration).toBe(ref.rows[i].iteration);
          const d = Math.abs(rows[i].J - ref.rows[i].J) / Math.max(1, Math.abs(ref.rows[i].J));
          maxJRel = Math.max(maxJRel, d);
          if (ref.rows[i].t !== null) expect(relDiff(rows[i].t!, ref.rows[i].t!, 1e-12)).toBeLessThan(1e-4);
          // every other §8 metric: same nullness, same value to f32 accuracy
          for (const key of ['Jplain', 'gap', 'tv', 'entropy', 'transportCost', 'kl', 'trustSlack', 'lambda'] as const) {
            const a = rows[i][key];
            const b = ref.rows[i][key];
            expect(a === null, `${key} null at row ${i}`).toBe(b === null);
            if (a === null || b === null) continue;
            if (!Number.isFinite(b)) {
              expect(a, `${key} at row ${i}`).toBe(b);
              continue;
            }
            const tol = key === 'lambda' ? 1e-3 * Math.max(1, Math.abs(b)) : 1e-4 * Math.max(1, Math.abs(b));
            expect(Math.abs(a - b), `${key} at row ${i}: ${a} vs ${b}`).toBeLessThan(tol);
          }
          expect(rows[i].trustViolated).toBe(ref.rows[i].trustViolated);
        }
        const pol = await session.policy();
        const tv = policyTv(pol, ref.policy, mdp.S, mdp.N);
        measured[c.name] = { maxJRel, tv };
        expect(maxJRel).toBeLessThan(c.jTol ?? 1e-5);
        expect(tv).toBeLessThan(c.tvTol ?? 1e-4);
      } finally {
        session.dispose();
      }
    });
  }

  it('jko-sinkhorn forms a line cost from the positions and reads an explicit cost matrix otherwise', async () => {
    const ctx = await gpuContext();
    for (const [mdp, want] of [
      [randomMdp(4, 6, 13), /computed from the 1-D positions/],
      [costMatrixMdp(), /matrix G\^T/],
    ] as const) {
      const session = await createWebGpuSession(ctx, mdp, specFor('jko-sinkhorn', { tau: 0.2, eta: 0.2, eps: 0.05 }));
      try {
        expect(String(session.diagnostics().sinkhornCost)).toMatch(want);
      } finally {
        session.dispose();
      }
    }
  });

  it('the paths a session takes: Sinkhorn per invocation or per workgroup, the first evaluation from the CPU or cold', async () => {
    const ctx = await gpuContext();
    const jko = { tau: 0.2, eta: 0.2, eps: 0.05 };
    for (const [mdp, method, options, perWorkgroup, warm] of [
      [randomMdp(4, 6, 13), 'jko-sinkhorn', jko, 64, false],
      [randomMdp(4, 24, 31), 'jko-sinkhorn', jko, 1, false],
      [randomMdp(80, 6, 53), 'jko-sinkhorn', jko, 64, true],
      [randomMdp(80, 5, 47), 'npg', { tau: 0.1, eta: 0.5 }, null, true],
      // value iteration forms its first policy on the GPU: nothing to warm-start from on the CPU
      [randomMdp(80, 5, 47), 'soft-value-iteration', { tau: 0.1 }, null, false],
    ] as const) {
      const session = await createWebGpuSession(ctx, mdp, specFor(method, options), { optimum: solveOptimum(mdp, mdp.gamma, options.tau ?? 0) });
      try {
        const d = session.diagnostics();
        expect(d.sinkhornStatesPerWorkgroup ?? null, `${method} ${mdp.S}x${mdp.N}`).toBe(perWorkgroup);
        // every Sinkhorn here holds pi_old, the prox constant and the log prox (privately or in workgroup memory)
        if (perWorkgroup !== null) expect(d.sinkhornRowsHeld).toBe(true);
        expect(d.firstEvaluationWarmStart !== undefined, `${method} ${mdp.S}x${mdp.N}`).toBe(warm);
        await session.nextBatch(1);
        const cold = Number(session.diagnostics().coldEvalIterations);
        // from the f64 solve the values need at most the few iterations recorded for it; cold, more
        if (warm) expect(cold).toBeLessThanOrEqual(KRYLOV_CPU_WARM);
        else if (mdp.S > 60) expect(cold).toBeGreaterThan(KRYLOV_CPU_WARM);
      } finally {
        session.dispose();
      }
    }
  });

  it('methods not ported throw a MethodInputError', async () => {
    const ctx = await gpuContext();
    await expect(createWebGpuSession(ctx, randomMdp(3, 3, 1), specFor('softmax-pg', {}))).rejects.toThrow(/not on webgpu yet/);
  });
});
