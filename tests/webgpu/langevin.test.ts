/**
 * The counter-based RNG on the GPU is the reference's Philox4x32-10 bit for bit, and Langevin particles
 * on WebGPU follow the reference's particles (same stream, f32 positions): histograms agree up to the
 * few particles that f32 rounding moves across a cell boundary.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { philox4x32_10, seedKey } from '../../src/compute/reference/rng';
import { langevin } from '../../src/compute/reference/langevin';
import { bandit1d, bandit2d, specFor } from '../../src/compute/reference/testing';
import { PhiloxPass } from '../../src/compute/webgpu/philox';
import { createWebGpuSession } from '../../src/compute/webgpu/session';
import { expectPoolDrained, gpuContext, maxRowTv } from './gpu';

describe('Philox and Langevin on WebGPU', () => {
  afterEach(expectPoolDrained);
  afterAll(async () => (await gpuContext()).destroy());

  it('Philox4x32-10 integer stream is bit-exact with the reference', async () => {
    const ctx = await gpuContext();
    const pass = new PhiloxPass(ctx);
    const n = 4096;
    const counters = new Uint32Array(4 * n);
    for (let i = 0; i < n; i++) {
      counters[4 * i] = i * 2654435761;
      counters[4 * i + 1] = i % 97;
      counters[4 * i + 2] = (i * 7919) >>> 0;
      counters[4 * i + 3] = i & 1;
    }
    counters.set([0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], 0);
    for (const seed of [0, 1, 123456789, 2 ** 40 + 17]) {
      const key = seedKey(seed);
      const gpu = await pass.blocks(counters, key);
      const ref = new Uint32Array(4);
      let mismatches = 0;
      for (let i = 0; i < n; i++) {
        philox4x32_10(counters[4 * i], counters[4 * i + 1], counters[4 * i + 2], counters[4 * i + 3], key[0], key[1], ref);
        for (let w = 0; w < 4; w++) if (gpu[4 * i + w] !== ref[w]) mismatches++;
      }
      expect(mismatches).toBe(0);
    }
  });

  for (const [name, mk, steps] of [
    ['1-D bandit', () => bandit1d((x) => -3 * (x - 0.2) ** 2, 16, -1, 1), 30],
    ['2-D bandit', () => bandit2d((x, y) => -(x * x + 2 * y * y), 6, -1, 1), 20],
  ] as const) {
    it(`langevin ${name}: histograms follow the reference (same seed)`, async () => {
      const ctx = await gpuContext();
      const mdp = mk();
      const M = 1024;
      const spec = specFor('langevin', { tau: 0.2, particles: M, dt: 2e-3 }, null, 7);
      const ref = langevin.start(mdp, spec);
      const refRows = [];
      for (let i = 0; i <= steps; i++) refRows.push(ref.step());
      const s = await createWebGpuSession(ctx, mdp, spec, { batch: 16 });
      try {
        const rows = await s.nextBatch(steps + 1);
        const p = await s.policy();
        const tv = maxRowTv(p, ref.policy(), mdp.S, mdp.N);
        let maxJ = 0;
        for (let i = 0; i < rows.length; i++) maxJ = Math.max(maxJ, Math.abs(rows[i].J - refRows[i].J) / Math.max(1, Math.abs(refRows[i].J)));
        console.log(`langevin ${name}: TV(gpu, ref) = ${tv.toExponential(2)} (1/M = ${(1 / M).toExponential(2)}), max J diff ${maxJ.toExponential(2)}`);
        expect(rows[rows.length - 1].t).toBeCloseTo(steps * 2e-3, 9);
        // identical streams: at most a handful of particles land in a neighbouring cell
        expect(tv).toBeLessThanOrEqual(4 / M);
        expect(maxJ).toBeLessThan(1e-3);
      } finally {
        s.dispose();
      }
    });
  }

  it('the run seed reaches the GPU stream: seeds 1 and 2 differ, the same seed is bit-identical', async () => {
    const ctx = await gpuContext();
    const mdp = bandit1d((x) => -3 * (x - 0.2) ** 2, 16, -1, 1);
    const run = async (seed: number) => {
      const s = await createWebGpuSession(ctx, mdp, { ...specFor('langevin', { tau: 0.2, particles: 256, dt: 2e-3 }), seed }, { batch: 8 });
      try {
        const rows = await s.nextBatch(6);
        return { J: rows.map((r) => r.J), policy: Array.from(await s.policy()) };
      } finally {
        s.dispose();
      }
    };
    const a = await run(1);
    const b = await run(1);
    const c = await run(2);
    expect(b).toEqual(a);
    expect(c.policy).not.toEqual(a.policy);
  });
});
