/**
 * The direct evaluation for tiny S (policyEvaluation.wgsl: kDenseRow + kDenseSolve, S <= DIRECT_MAX):
 * V and the normalised occupancy d of the GPU's own f32 policy against the f64 reference's dense solve,
 * within the bound the BiCGSTAB path is held to (error <= 2^-22 max|b| / (1 - gamma), here with a factor 4
 * for the rounding of b and of the stored transitions); one more state takes the BiCGSTAB path and
 * meets the same bound. A direct iteration records two dispatches per solve.
 */
import { afterAll, afterEach, expect, it } from 'vitest';
import { evaluatePolicy } from '../../src/compute/reference/evaluation';
import { randomMdp, specFor } from '../../src/compute/reference/testing';
import { createWebGpuSession, type WebGpuSession } from '../../src/compute/webgpu/session';
import { DIRECT_MAX } from '../../src/compute/webgpu/policyEvaluation';
import { expectPoolDrained, gpuContext } from './gpu';

afterEach(expectPoolDrained);
afterAll(async () => (await gpuContext()).destroy());

const cases = [
  { S: DIRECT_MAX, solver: 'direct', gamma: 0.95, terminate: 0 },
  { S: 24, solver: 'direct', gamma: 0.99, terminate: 0.1 },
  { S: DIRECT_MAX + 1, solver: 'bicgstab', gamma: 0.95, terminate: 0 },
];

for (const c of cases) {
  it(`S = ${c.S}, gamma ${c.gamma}${c.terminate ? ', terminating' : ''}: ${c.solver} evaluation matches the f64 solve`, async () => {
    const ctx = await gpuContext();
    const N = 5;
    const tau = 0.1;
    const mdp = randomMdp(c.S, N, 11, { gamma: c.gamma, terminate: c.terminate });
    const opt = { V: new Float64Array(c.S), policy: new Float64Array(c.S * N).fill(1 / N), J: 0 };
    const s = (await createWebGpuSession(ctx, mdp, specFor('npg', { tau, eta: 0.05 }), { optimum: opt, batch: 2 })) as WebGpuSession;
    try {
      // row 0 evaluates the initial policy, rows 1-2 two updated ones (the solve after a change of pi)
      await s.nextBatch(3);
      expect(String(s.diagnostics().evalSolver).startsWith(c.solver)).toBe(true);
      const pi = await s.policy();
      const ref = evaluatePolicy(mdp, pi, c.gamma, tau, null, 1e-13, { occupancy: true });
      const V = await s.readWork('V', c.S);
      const d = await s.readWork('d', c.S);
      let errV = 0;
      let errD = 0;
      let vmax = 0;
      for (let i = 0; i < c.S; i++) {
        errV = Math.max(errV, Math.abs(V[i] - ref.V[i]));
        errD = Math.max(errD, Math.abs(d[i] - ref.d![i]));
        vmax = Math.max(vmax, Math.abs(ref.V[i]));
      }
      // max|b| <= (1 - gamma) max|V| + gamma max|V| ... bounded by max|V| (b = A V, ||A||_inf <= 1 + gamma)
      const bound = (4 * 2 ** -22 * (1 + c.gamma) * vmax) / (1 - c.gamma);
      console.log(`${c.solver} S=${c.S}: max|V - V_ref| ${errV.toExponential(2)} (bound ${bound.toExponential(2)}), max|d - d_ref| ${errD.toExponential(2)}, dispatches/iteration ${s.dispatchesLastBatch / s.iterationsLastBatch}`);
      expect(errV).toBeLessThan(bound);
      expect(errD).toBeLessThan((4 * 2 ** -22 * (1 + c.gamma)) / (1 - c.gamma));
      if (c.solver === 'direct') {
        // NPG's update, 2 + 2 solve dispatches, Q, occFinish and the metric row: far below one BiCGSTAB iteration's 5 per solve
        expect(s.dispatchesLastBatch / s.iterationsLastBatch).toBeLessThan(20);
      }
    } finally {
      s.dispose();
    }
  }, 600_000);
}
