/**
 * The KL trust region's candidate kernel (klCandRow: one workgroup per state, the row streamed through
 * workgroup memory in tiles of 256) on rows longer than a tile: kl-trpo on WebGPU against the f64
 * reference, J per row within 1e-5 relative and the final policy within 1e-4 average TV.
 */
import { afterAll, afterEach, expect, it } from 'vitest';
import { klTrpoMethod } from '../../src/compute/reference/klTrustRegion';
import { randomMdp, specFor } from '../../src/compute/reference/testing';
import { solveOptimum } from '../../src/compute/reference/solvers';
import { createWebGpuSession } from '../../src/compute/webgpu/session';
import { expectPoolDrained, gpuContext, policyTv } from './gpu';

afterEach(expectPoolDrained);
afterAll(async () => (await gpuContext()).destroy());

it('kl-trpo with N = 600 actions (three tiles of the row): rows match the reference', async () => {
  const ctx = await gpuContext();
  const mdp = randomMdp(3, 600, 5);
  const spec = specFor('kl-trpo', { delta: 0.05 });
  const optimum = solveOptimum(mdp, mdp.gamma, 0);
  const ref = klTrpoMethod.start(mdp, spec);
  const refRows = [];
  for (let i = 0; i < 5 && !ref.done; i++) refRows.push(ref.step());
  const s = await createWebGpuSession(ctx, mdp, spec, { optimum, batch: 8 });
  try {
    const rows = await s.nextBatch(refRows.length);
    expect(rows.length).toBe(refRows.length);
    for (let i = 0; i < rows.length; i++) {
      expect(Math.abs(rows[i].J - refRows[i].J) / Math.max(1, Math.abs(refRows[i].J)), `J at row ${i}`).toBeLessThan(1e-5);
      if (refRows[i].kl !== null) expect(Math.abs(rows[i].kl! - refRows[i].kl!), `kl at row ${i}`).toBeLessThan(1e-4 * Math.max(1, refRows[i].kl!));
    }
    // the steps are real: KL per step at the radius
    expect(refRows[1].kl!).toBeGreaterThan(0.01);
    expect(policyTv(await s.policy(), ref.policy(), mdp.S, mdp.N)).toBeLessThan(1e-4);
  } finally {
    s.dispose();
  }
}, 600_000);
