/**
 * JKO-Sinkhorn on WebGPU when 2 eta |Q| is large (Taxi derives eta = 250 with |Q| ~ 400, so the prox
 * exponent 2 eta Q / (blur + 2 eta tau) is ~ 4e3): the step used to normalise through lz = max + log Z,
 * which rounds to ulp(|lp|) in f32, and a row sum off by more than 1e-4 stopped the run as diverged at
 * iteration 1. Here a bandit with rewards near -4000 (exponents ~ 4e4, ulp 4e-3): every row agrees with
 * the f64 reference (J within 1e-5 relative, the final policy within its f32 floor) and mass is conserved.
 */
import { afterAll, afterEach, expect, it } from 'vitest';
import { jkoSinkhorn } from '../../src/compute/reference/jkoSinkhorn';
import { bandit1d, specFor } from '../../src/compute/reference/testing';
import { solveOptimum } from '../../src/compute/reference/solvers';
import { createWebGpuSession } from '../../src/compute/webgpu/session';
import { expectPoolDrained, gpuContext, policyTv } from './gpu';

afterEach(expectPoolDrained);
afterAll(async () => (await gpuContext()).destroy());

it('jko-sinkhorn with 2 eta |Q| ~ 2e6: rows sum to 1 and match the reference', async () => {
  const ctx = await gpuContext();
  const mdp = bandit1d((x) => -4000 - 3 * (x - 0.3) ** 2, 6, -1, 1);
  const options = { tau: 0.1, eta: 250, eps: 1, tol: 1e-6, maxInner: 500 };
  const spec = specFor('jko-sinkhorn', options);
  const optimum = solveOptimum(mdp, 0, 0.1);
  const ref = jkoSinkhorn.start(mdp, spec);
  const refRows = [];
  for (let i = 0; i < 5 && !ref.done; i++) refRows.push(ref.step());
  const s = await createWebGpuSession(ctx, mdp, spec, { optimum, batch: 8 });
  try {
    const rows = await s.nextBatch(refRows.length);
    expect(rows.length).toBe(refRows.length);
    for (let i = 0; i < rows.length; i++) expect(Math.abs(rows[i].J - refRows[i].J) / Math.max(1, Math.abs(refRows[i].J)), `J at row ${i}`).toBeLessThan(1e-5);
    const pol = await s.policy();
    let sum = 0;
    for (const p of pol) sum += p;
    expect(Math.abs(sum - 1)).toBeLessThan(1e-5);
    // f32 floor of the policy: the rewards are stored to u |r| (u = 2^-24), and the prox multiplies
    // that by 2 eta / (blur + 2 eta tau), a relative error of u |lp| per entry (2.3e-3 here)
    const floor = 2 ** -24 * ((2 * options.eta * 4003) / (options.eps + 2 * options.eta * options.tau));
    expect(policyTv(pol, ref.policy(), 1, 6)).toBeLessThan(floor);
    // the step moved mass: the policy left the uniform start
    expect(policyTv(pol, new Float64Array(6).fill(1 / 6), 1, 6)).toBeGreaterThan(0.05);
  } finally {
    s.dispose();
  }
}, 600_000);
