/**
 * The OT trust region's O(N) max-plus dual on the GPU (otCandLine / otTiesLine: distance transform for
 * |x_j - x_k|, lower envelope of parabolas for |x_j - x_k|^2) against the f64 reference (which uses its
 * own O(N) path) and against the GPU's dense O(N^2) kernels on the same problem with the cost given as a
 * matrix: J per row within 1e-5 relative, lambda* within 1e-3, the final policy within 1e-4 average TV.
 * Positions are non-uniform so the envelope's breakpoints do not fall on a regular grid. Sizes cover both
 * homes of the rows: workgroup memory (one workgroup per state) and, beyond 16 KiB, global memory.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { TabularMdp } from '../../src/shared/mdp/types';
import type { IterationMetrics, MethodId } from '../../src/shared/methods';
import { otTrpoMethod, wpoSongMethod } from '../../src/compute/reference/otTrustRegion';
import { randomMdp, specFor, tabularFromArrays, testRandom } from '../../src/compute/reference/testing';
import { solveOptimum } from '../../src/compute/reference/solvers';
import { createWebGpuSession } from '../../src/compute/webgpu/session';
import { OtTrustRegionPass, otLineLanes, otLineWorkgroupBytes, otRowsInWorkgroup } from '../../src/compute/webgpu/otTrustRegion';
import { expectPoolDrained, gpuContext, policyTv } from './gpu';

/**
 * randomMdp(S, N)'s transitions and rewards on sorted random positions (gaps `spacing` times 0.2 to 1.2) with
 * cost |x_j - x_k|^p, or the same cost as a matrix.
 */
function lineMdp(S: number, N: number, p: 1 | 2, asMatrix: boolean, spacing = 1): TabularMdp {
  const base = randomMdp(S, N, 41);
  const rnd = testRandom(7);
  const x: number[] = [];
  let at = 0;
  for (let j = 0; j < N; j++) x.push((at += (0.2 + rnd()) * spacing));
  const P = Array.from({ length: S }, (_, s) =>
    Array.from({ length: N }, (_, j) => {
      const sj = s * N + j;
      const out: [number, number][] = [];
      for (let e = base.rowPtr[sj]; e < base.rowPtr[sj + 1]; e++) out.push([base.next[e], base.prob[e]]);
      return out;
    }),
  );
  const r = Array.from({ length: S }, (_, s) => Array.from(base.reward.subarray(s * N, s * N + N)));
  const common = { S, N, gamma: 0.9, P, r, rho0: Array.from(base.rho0), name: `line-p${p}` };
  if (asMatrix) return tabularFromArrays({ ...common, cost: x.map((a) => x.map((b) => Math.abs(a - b) ** p)) });
  return tabularFromArrays({ ...common, positions: x.map((v) => [v]), costPower: p });
}

async function gpuRows(mdp: TabularMdp, method: MethodId, eps: number, iterations: number) {
  const ctx = await gpuContext();
  const optimum = solveOptimum(mdp, mdp.gamma, 0);
  const s = await createWebGpuSession(ctx, mdp, specFor(method, { eps }), { optimum, batch: 8 });
  try {
    const rows = await s.nextBatch(iterations + 1);
    return { rows, policy: await s.policy(), dual: String(s.diagnostics().otDual) };
  } finally {
    s.dispose();
  }
}

function compare(a: IterationMetrics[], b: IterationMetrics[], jTol = 1e-5): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) {
    expect(Math.abs(a[i].J - b[i].J) / Math.max(1, Math.abs(b[i].J)), `J at row ${i}`).toBeLessThan(jTol);
    if (b[i].lambda !== null) expect(Math.abs(a[i].lambda! - b[i].lambda!), `lambda at row ${i}`).toBeLessThan(1e-3 * Math.max(1, Math.abs(b[i].lambda!)));
  }
}

describe('OT dual on a 1-D line: O(N) max-plus kernels', () => {
  afterEach(expectPoolDrained);
  afterAll(async () => (await gpuContext()).destroy());

  // WPO stops after 4 updates: its 5th step on this problem has a (s, j) whose two maximisers differ by
  // less than the f32 tie tolerance at lambda*, where the lowest-index choice is decided by rounding
  const cases: { method: MethodId; p: 1 | 2; eps: number; iterations: number }[] = [
    { method: 'ot-trpo', p: 2, eps: 0.5, iterations: 6 },
    { method: 'ot-trpo', p: 1, eps: 0.5, iterations: 6 },
    { method: 'wpo-song', p: 2, eps: 0.5, iterations: 4 },
    { method: 'wpo-song', p: 1, eps: 0.5, iterations: 4 },
  ];
  for (const c of cases) {
    it(`${c.method}, |x_j - x_k|^${c.p}, S = 6, N = 24: line kernels = reference = dense kernels`, async () => {
      const S = 6;
      const N = 24;
      const iterations = c.iterations;
      const line = lineMdp(S, N, c.p, false);
      const dense = lineMdp(S, N, c.p, true);
      const a = await gpuRows(line, c.method, c.eps, iterations);
      expect(a.dual).toMatch(/max-plus on the line/);
      const b = await gpuRows(dense, c.method, c.eps, iterations);
      expect(b.dual).toMatch(/dense/);
      const refMethod = c.method === 'ot-trpo' ? otTrpoMethod : wpoSongMethod;
      const it0 = refMethod.start(line, specFor(c.method, { eps: c.eps }));
      const ref: IterationMetrics[] = [];
      for (let i = 0; i <= iterations && !it0.done; i++) ref.push(it0.step());
      // the moves are real: lambda* > 0 somewhere and the policy leaves the uniform start
      expect(ref.some((r) => (r.lambda ?? 0) > 0)).toBe(true);
      compare(a.rows, ref);
      compare(a.rows, b.rows);
      expect(policyTv(a.policy, it0.policy(), S, N)).toBeLessThan(1e-4);
      expect(policyTv(a.policy, b.policy, S, N)).toBeLessThan(1e-4);
    }, 600_000);
  }

  // otCandLine / otTiesLine hold a row in workgroup memory: at N = 150 each of the 64 lanes queries a chunk
  // of 3 j (its envelope pointer found by binary search, some lanes idle), at N = 1024 (the benchmark's
  // size, 14.7 KB: within the 16 KiB every adapter grants) a chunk of 16. 'global': the smallest row that
  // does not fit this device's workgroup storage (N > 1100 at 16 KiB, N > 2316 at the 32 KiB Dawn grants
  // here), where the global-scratch kernels (otCandLineGlobal / otTiesLineGlobal) run instead.
  it('rows of up to 1024 actions fit 16 KiB of workgroup storage, 1200 do not', () => {
    expect(otLineWorkgroupBytes(1024, otLineLanes(1024))).toBeLessThanOrEqual(16_384);
    expect(otRowsInWorkgroup(1024, 16_384)).toBe(true);
    expect(otRowsInWorkgroup(1200, 16_384)).toBe(false);
  });
  // Rows of 10^3 actions and more on a line of fixed length, p = 2: neighbouring actions differ in A by
  // little more than the f32 tie tolerance, so the f32 kernels (the global-scratch path, unchanged, as much
  // as the workgroup one) leave the f64 reference by a few 1e-5 in J and a few 1e-4 in TV: 5e-5 and 1e-3.
  const sizes: { method: MethodId; N: number | 'global'; p: 1 | 2; dense: boolean; jTol?: number; tvTol?: number }[] = [
    { method: 'ot-trpo', N: 150, p: 2, dense: true },
    { method: 'ot-trpo', N: 150, p: 1, dense: true },
    { method: 'wpo-song', N: 150, p: 2, dense: true },
    { method: 'wpo-song', N: 150, p: 1, dense: true },
    { method: 'ot-trpo', N: 1024, p: 2, dense: false, jTol: 5e-5, tvTol: 1e-3 },
    { method: 'ot-trpo', N: 1024, p: 1, dense: false },
    { method: 'ot-trpo', N: 'global', p: 2, dense: false, jTol: 5e-5, tvTol: 1e-3 },
    { method: 'ot-trpo', N: 'global', p: 1, dense: false },
  ];
  for (const c of sizes) {
    const where = c.N === 'global' ? 'rows beyond workgroup storage, in global memory' : 'rows in workgroup memory';
    it(`${c.method}, |x_j - x_k|^${c.p}, S = 3, N = ${c.N}: ${where}, line kernels = reference${c.dense ? ' = dense kernels' : ''}`, async () => {
      const S = 3;
      const iterations = 4;
      const ctx = await gpuContext();
      const limit = ctx.limits.maxComputeWorkgroupStorageSize;
      let N = 2;
      if (c.N === 'global') while (otRowsInWorkgroup(N, limit)) N++;
      else N = c.N;
      expect(new OtTrustRegionPass(ctx, true).rowsInWorkgroup(N)).toBe(c.N !== 'global');
      // the line keeps the length of the N = 24 cases (costs of the same range in f32)
      const spacing = 24 / N;
      const line = lineMdp(S, N, c.p, false, spacing);
      const a = await gpuRows(line, c.method, 0.5, iterations);
      expect(a.dual).toMatch(/max-plus on the line/);
      const it0 = (c.method === 'ot-trpo' ? otTrpoMethod : wpoSongMethod).start(line, specFor(c.method, { eps: 0.5 }));
      const ref: IterationMetrics[] = [];
      for (let i = 0; i <= iterations && !it0.done; i++) ref.push(it0.step());
      expect(ref.some((r) => (r.lambda ?? 0) > 0)).toBe(true);
      compare(a.rows, ref, c.jTol);
      expect(policyTv(a.policy, it0.policy(), S, N)).toBeLessThan(c.tvTol ?? 1e-4);
      if (c.dense) {
        const b = await gpuRows(lineMdp(S, N, c.p, true, spacing), c.method, 0.5, iterations);
        expect(b.dual).toMatch(/dense/);
        compare(a.rows, b.rows);
        expect(policyTv(a.policy, b.policy, S, N)).toBeLessThan(1e-4);
      }
    }, 600_000);
  }
});
