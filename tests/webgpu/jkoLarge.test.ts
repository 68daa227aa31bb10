/**
 * JKO-Sinkhorn at S = 16, N = 4096 runs on WebGPU: three rows of N floats per state exceed the adapter's
 * workgroup storage, so the rows live in the work buffer (tiling through global memory), and one step
 * agrees with the f64 reference run with the same inner-iteration cap; a step that reaches the cap is
 * reported in the diagnostics, not silently.
 */
import { afterAll, afterEach, expect, it } from 'vitest';
import { jkoSinkhorn } from '../../src/compute/reference/jkoSinkhorn';
import { bandit1d, specFor } from '../../src/compute/reference/testing';
import { solveOptimum } from '../../src/compute/reference/solvers';
import { createWebGpuSession } from '../../src/compute/webgpu/session';
import { sinkhornWorkgroupBytes } from '../../src/compute/webgpu/sinkhorn';
import { expectPoolDrained, gpuContext } from './gpu';
import type { TabularMdp } from '../../src/shared/mdp/types';
import type { Diagnostics } from '../../src/compute/types';

afterEach(expectPoolDrained);
afterAll(async () => (await gpuContext()).destroy());

/**
 * Row 0 and one JKO step of `mdp` on WebGPU against the f64 reference (J within 2e-5 relative); returns
 * the session's diagnostics.
 */
async function twoRowsAgainstReference(mdp: TabularMdp, options: Record<string, number>, gamma: number): Promise<Diagnostics> {
  const ctx = await gpuContext();
  const spec = specFor('jko-sinkhorn', options);
  const optimum = solveOptimum(mdp, gamma, options.tau);
  const ref = jkoSinkhorn.start(mdp, spec);
  const refRows = [ref.step(), ref.step()];
  const s = await createWebGpuSession(ctx, mdp, spec, { optimum, batch: 2 });
  try {
    const rows = await s.nextBatch(2);
    expect(rows.length).toBe(2);
    for (let i = 0; i < 2; i++) expect(Math.abs(rows[i].J - refRows[i].J) / Math.max(1, Math.abs(refRows[i].J))).toBeLessThan(2e-5);
    return s.diagnostics();
  } finally {
    s.dispose();
  }
}

it('jko-sinkhorn S=16, N=4096: runs with the rows in global memory and matches the reference', async () => {
  const ctx = await gpuContext();
  const N = 4096;
  expect(sinkhornWorkgroupBytes(N)).toBeGreaterThan(ctx.limits.maxComputeWorkgroupStorageSize);
  // 16 states: the 1-D bandit's row repeated by a 16-state chain of identical states
  const base = bandit1d((x) => -2 * (x - 0.3) ** 2, N, -1, 1);
  const S = 16;
  const reward = new Float64Array(S * N);
  const rowPtr = new Uint32Array(S * N + 1);
  const next = new Uint32Array(S * N);
  const prob = new Float64Array(S * N);
  for (let s = 0; s < S; s++)
    for (let j = 0; j < N; j++) {
      const sj = s * N + j;
      reward[sj] = base.reward[j] * (1 + s / S);
      rowPtr[sj + 1] = sj + 1;
      next[sj] = (s + 1 + (j % 3)) % S;
      prob[sj] = 1;
    }
  const mdp = { ...base, S, reward, rowPtr, next, prob, rho0: new Float64Array(S).fill(1 / S), gamma: 0.5, name: 'jko-16x4096', stateLabels: Array.from({ length: S }, (_, s) => `s${s}`) };
  const d = await twoRowsAgainstReference(mdp, { tau: 0.5, eta: 0.1, eps: 0.5, tol: 1e-6, maxInner: 1 }, 0.5);
  expect(d.sinkhornRowsInGlobalMemory).toBe(true);
  // one inner iteration cannot meet tol = 1e-6 here: the cap is reported
  expect(d.sinkhornCapHits).toBe(1);
  expect(String(d.sinkhornCapWarning)).toMatch(/maxInner = 1/);
}, 600_000);

it('jko-sinkhorn at the first N whose held rows exceed workgroup storage: the three Sinkhorn rows in workgroup memory, the rest read per inner iteration, as the reference', async () => {
  const ctx = await gpuContext();
  const limit = ctx.limits.maxComputeWorkgroupStorageSize;
  // the smallest N with pi_old, the prox constant, the log prox and the positions (a line cost) no longer
  // beside the three Sinkhorn rows
  const N = Math.floor((limit / 4 - 80) / 7) + 1;
  expect(sinkhornWorkgroupBytes(N, 7)).toBeGreaterThan(limit);
  expect(sinkhornWorkgroupBytes(N)).toBeLessThanOrEqual(limit);
  const mdp = bandit1d((x) => -2 * (x - 0.3) ** 2, N, -1, 1);
  const d = await twoRowsAgainstReference(mdp, { tau: 0.5, eta: 0.1, eps: 0.5, tol: 1e-6, maxInner: 20 }, mdp.gamma);
  expect(d.sinkhornRowsInGlobalMemory).toBe(false);
  expect(d.sinkhornRowsHeld).toBe(false);
}, 600_000);
