/**
 * The benchmark's per-kernel times: one iteration with every dispatch in its own pass, timed by the GPU's
 * timestamp queries (Dawn/SwiftShader has the feature; a device without it gives null). The entries and
 * their dispatch counts are the plan's, the counted bytes those the Recorder counts, and every dispatch
 * got a time from the GPU's clock.
 */
import { afterAll, expect, it } from 'vitest';
import { createNodeGpu } from '../../src/cli/nodeGpu';
import { GpuContext } from '../../src/compute/webgpu/context';
import { formatKernelTimes, kernelTimes, planCost } from '../../src/compute/webgpu/bench';
import { ROW_STRIDE } from '../../src/compute/webgpu/session';
import { productLanes } from '../../src/compute/webgpu/policyEvaluation';

let ctx: GpuContext | null = null;
afterAll(() => ctx?.destroy());

it('one NPG iteration at S=64, N=8 timed per kernel: the plan\'s entries and counts, a GPU time each', async () => {
  const { gpu } = await createNodeGpu();
  ctx = await GpuContext.create(gpu, { label: 'wwb-test-timestamps', optionalFeatures: ['timestamp-query'] });
  const rows = await kernelTimes(ctx, { method: 'npg', S: 64, N: 8 }, { warm: 1, batch: 4 });
  if (!ctx.device.features.has('timestamp-query')) {
    expect(rows).toBeNull();
    return;
  }
  expect(rows).not.toBeNull();
  const r = rows!;
  const dispatches = r.reduce((a, x) => a + x.dispatches, 0);
  // both solves side by side: 2 set-up + 5 per recorded BiCGSTAB iteration, Q, the occupancy's normalisation,
  // 2 metric kernels and the NPG update
  const k = (dispatches - 2 - 2 - 2 - 1) / 5;
  expect(Number.isInteger(k) && k >= 1).toBe(true);
  const plan = planCost(ctx, { method: 'npg', S: 64, N: 8 }, { krylovIterations: k, nnz: 3 * 64 * 8 });
  expect(dispatches).toBe(plan.dispatchesPerIteration);
  const byEntry = new Map(r.map((x) => [x.entry, x]));
  const lanes = productLanes(8);
  for (const [label, dispatchesOf] of [[`policyEvaluation.kMatP{LANES=${lanes}}`, k], [`policyEvaluation.kInit{LANES=${lanes}}`, 1], ['klUpdates.npgUpdate', 1]] as const) {
    expect(byEntry.get(label)?.dispatches, label).toBe(dispatchesOf);
  }
  // the counted bytes are the plan's (which adds the metric row's readback, ROW_STRIDE floats)
  expect(r.reduce((a, x) => a + x.bytes, 0)).toBeCloseTo(plan.bytesPerIteration - 4 * ROW_STRIDE, 3);
  for (const x of r) {
    expect(x.bytes).toBeGreaterThan(0);
    expect(x.seconds).toBeGreaterThanOrEqual(0);
  }
  // the GPU's clock advanced over the iteration
  expect(r.reduce((a, x) => a + x.seconds, 0)).toBeGreaterThan(0);
  const table = formatKernelTimes(r, ctx.adapterDescription);
  expect(table).toContain('kMatP');
  console.log(table);
}, 600_000);
