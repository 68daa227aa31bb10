/**
 * The benchmark's cost model is what the session records: dispatches, submits, readbacks and bytes per
 * iteration counted from a real session (Dawn/SwiftShader) equal those of the same plan recorded without
 * a GPU pass (direct and BiCGSTAB evaluations), and the plan at S = 10^4, N = 1024 stays within the dispatch budget (counts, not times).
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { MethodId } from '../../src/shared/methods';
import { formatCostModel, minimumIterationBytes, planCost, sessionCost } from '../../src/compute/webgpu/bench';
import { expectPoolDrained, gpuContext } from './gpu';

describe('WebGPU cost model', () => {
  afterEach(expectPoolDrained);
  afterAll(async () => (await gpuContext()).destroy());

  // S = 32: the direct evaluation (S <= DIRECT_MAX); S = 64: BiCGSTAB
  const cases: [MethodId, number][] = [['npg', 32], ['npg', 64], ['wasserstein-flow', 64]];
  for (const [method, S] of cases) {
    it(`${method}: the session's counters per iteration at S=${S}, N=8 are the plan's`, async () => {
      const ctx = await gpuContext();
      const c = { method, S, N: 8 };
      // one warm batch first: after row 0 the session's batches grow 2, 4, ..., so the measured one is a full 4
      const real = await sessionCost(ctx, c, { batch: 4, warm: 1, referenceMaxSN: 0 });
      // one submit and one readback per batch of 4
      expect(real.submitsPerIteration).toBe(1 / 4);
      expect(real.readbacksPerIteration).toBe(1 / 4);
      const plan = planCost(ctx, c, { krylovIterations: real.krylovIterations, occIterations: real.occIterations, batch: 4, nnz: 3 * S * 8 });
      expect(real.dispatchesPerIteration).toBe(plan.dispatchesPerIteration);
      expect(real.bytesPerIteration).toBeCloseTo(plan.bytesPerIteration, 6);
      expect(real.krylovIterations).toBeGreaterThan(0);
      expect(real.krylovIterations).toBeLessThanOrEqual(64);
      console.log(formatCostModel([real, plan]));
    }, 600_000);
  }

  it('value iteration, the flow and Langevin at S=10^4, N=1024 with 4 BiCGSTAB iterations per solve: 28 dispatches', async () => {
    const ctx = await gpuContext();
    // the evaluation: both solves side by side (2 set-up + 5 per iteration) + Q + occupancy normalisation;
    // the metric row 2
    const evaluation = 2 + 5 * 4 + 2 + 2;
    // a sweep: Q from W, then W and the greedy policy from one read of each Q row
    expect(planCost(ctx, { method: 'soft-value-iteration', S: 10_000, N: 1024 }, { krylovIterations: 4 }).dispatchesPerIteration).toBe(evaluation + 2);
    // the flow (1-D actions, Phi refreshed): rates with the refresh fused, step (dt derived in the step);
    // the step's W2 is walked by the metric row's kernel
    expect(planCost(ctx, { method: 'wasserstein-flow', S: 10_000, N: 1024 }, { krylovIterations: 4 }).dispatchesPerIteration).toBe(evaluation + 2);
    // Langevin (1-D grid, gradient refreshed): the step with the refresh fused, the histogram; W2 as the flow's
    expect(planCost(ctx, { method: 'langevin', S: 10_000, N: 1024 }, { krylovIterations: 4 }).dispatchesPerIteration).toBe(evaluation + 2);
  });

  it('the direct evaluation at S = 60: two dispatches per solve whatever the recorded Krylov count', async () => {
    const ctx = await gpuContext();
    for (const k of [4, 64]) {
      // 2 solves x 2 + Q + occupancy normalisation + 2 metrics + 1 update
      expect(planCost(ctx, { method: 'npg', S: 60, N: 1024 }, { krylovIterations: k }).dispatchesPerIteration).toBe(2 * 2 + 2 + 2 + 1);
    }
  });

  it('the trust regions at S=10^4, N=1024 with 4 BiCGSTAB iterations per solve: each search in 1 + 2 x rounds dispatches', async () => {
    const ctx = await gpuContext();
    const evaluation = 2 + 5 * 4 + 2 + 2;
    // per round (candidates: round 0 starts the search, later ones with the previous bracket step folded in;
    // per-candidate sums), then the last bracket step
    const search = (rounds: number) => 1 + 2 * rounds;
    // kl-trpo: the beta search (64 candidates, 5 rounds), then the tilt: 38
    expect(planCost(ctx, { method: 'kl-trpo', S: 10_000, N: 1024 }, { krylovIterations: 4 }).dispatchesPerIteration).toBe(evaluation + search(5) + 1);
    // ot-trpo / wpo-song on the line: the spread of A, the lambda search (32 candidates, 6 rounds), ties,
    // state costs, t*, the move: 44
    for (const method of ['ot-trpo', 'wpo-song'] as const) {
      expect(planCost(ctx, { method, S: 10_000, N: 1024 }, { krylovIterations: 4 }).dispatchesPerIteration).toBe(evaluation + 1 + search(6) + 4);
    }
  });

  it('npg at S=10^4, N=1024 with 4 BiCGSTAB iterations per solve: 27 dispatches, bytes counted per pass', async () => {
    const ctx = await gpuContext();
    const plan = planCost(ctx, { method: 'npg', S: 10_000, N: 1024 }, { krylovIterations: 4 });
    // both solves side by side (2 set-up + 5 per iteration) + Q + occupancy normalisation + 2 metrics + 1 update
    expect(plan.dispatchesPerIteration).toBe(2 + 5 * 4 + 2 + 2 + 1);
    expect(plan.minimumBytes).toBe(minimumIterationBytes(10_000, 1024, 3 * 10_000 * 1024));
    // every product A y moves at least the transitions once: 2 solves x (1 + 2 x 4) products
    expect(plan.bytesPerIteration).toBeGreaterThan(18 * 4 * 3 * 2 * 10_000 * 1024);
    console.log(formatCostModel([plan]));
  });
});
