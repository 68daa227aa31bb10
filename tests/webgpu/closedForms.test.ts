/**
 * Closed forms and invariants on the real adapter: the bandit's Gibbs state (flow, NPG with alpha = 1),
 * soft value iteration's fixed point = the f64 optimum, value iteration's greedy policy, per-step mass
 * conservation of the Fokker–Planck step, the OT trust-region budget, NaN/negative-mass detection as
 * DivergenceError, and the buffer pool's byte counters.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DivergenceError } from '../../src/compute/types';
import { bandit1d, randomMdp, specFor } from '../../src/compute/reference/testing';
import { solveOptimum } from '../../src/compute/reference/solvers';
import { createWebGpuSession, type WebGpuSession } from '../../src/compute/webgpu/session';
import { expectPoolDrained, gpuContext, maxRowTv, relDiff } from './gpu';

function gibbs(r: ArrayLike<number>, mu: ArrayLike<number>, tau: number): Float64Array {
  const n = r.length;
  let m = -Infinity;
  for (let j = 0; j < n; j++) m = Math.max(m, r[j]);
  const p = new Float64Array(n);
  let z = 0;
  for (let j = 0; j < n; j++) z += p[j] = mu[j] * Math.exp((r[j] - m) / tau);
  for (let j = 0; j < n; j++) p[j] /= z;
  return p;
}

describe('closed forms on WebGPU', () => {
  afterEach(expectPoolDrained);
  afterAll(async () => (await gpuContext()).destroy());

  it('flow on a 1-D bandit: mass conserved to 1e-5 per step, stationary state = Gibbs', async () => {
    const ctx = await gpuContext();
    const tau = 0.5;
    const mdp = bandit1d((x) => -2 * (x - 0.3) ** 2, 12, -1, 1);
    const s = await createWebGpuSession(ctx, mdp, specFor('wasserstein-flow', { tau }), { batch: 128 });
    try {
      await s.nextBatch(1);
      let prevSum = 1;
      let worstDrift = 0;
      for (let k = 0; k < 5; k++) {
        await s.nextBatch(1);
        const p = await s.policy();
        const sum = p.reduce((a, b) => a + b, 0);
        worstDrift = Math.max(worstDrift, Math.abs(sum - prevSum));
        prevSum = sum;
      }
      expect(worstDrift).toBeLessThan(1e-5);
      const rows = await s.nextBatch(600);
      const last = rows[rows.length - 1];
      const p = await s.policy();
      const g = gibbs(mdp.reward, mdp.mu, tau);
      let tv = 0;
      for (let j = 0; j < mdp.N; j++) tv += 0.5 * Math.abs(p[j] - g[j]);
      console.log(`flow bandit: TV to Gibbs ${tv.toExponential(2)} at t = ${last.t!.toFixed(2)}, gap ${last.gap.toExponential(2)}`);
      expect(tv).toBeLessThan(1e-4);
      expect(Math.abs(last.gap)).toBeLessThan(1e-5);
    } finally {
      s.dispose();
    }
  });

  it('npg with alpha = 1 on a bandit jumps to the Gibbs state in one step', async () => {
    const ctx = await gpuContext();
    const tau = 0.2;
    const mdp = bandit1d((x) => Math.sin(3 * x), 10, -1, 1);
    const s = await createWebGpuSession(ctx, mdp, specFor('npg', { tau, eta: 1 / tau }), {});
    try {
      const rows = await s.nextBatch(2);
      const p = await s.policy();
      const g = gibbs(mdp.reward, mdp.mu, tau);
      expect(maxRowTv(p, g, 1, mdp.N)).toBeLessThan(1e-6);
      expect(Math.abs(rows[1].gap)).toBeLessThan(1e-6);
    } finally {
      s.dispose();
    }
  });

  it('soft value iteration reaches the f64 soft optimum (J to 1e-5, policy to 1e-4 TV)', async () => {
    const ctx = await gpuContext();
    const mdp = randomMdp(8, 4, 21, { gamma: 0.8 });
    const tau = 0.1;
    const opt = solveOptimum(mdp, 0.8, tau);
    const s = (await createWebGpuSession(ctx, mdp, specFor('soft-value-iteration', { tau }), { batch: 64 })) as WebGpuSession;
    try {
      const rows = await s.nextBatch(400);
      expect(s.done).toBe(true);
      const last = rows[rows.length - 1];
      const V = await s.readWork('phi', mdp.S);
      let dv = 0;
      for (let i = 0; i < mdp.S; i++) dv = Math.max(dv, Math.abs(V[i] - opt.V[i]));
      const p = await s.policy();
      console.log(`soft VI: ${rows.length} sweeps, |V - V*| ${dv.toExponential(2)}, J rel ${relDiff(last.J, opt.J).toExponential(2)}`);
      expect(relDiff(last.J, opt.J)).toBeLessThan(1e-5);
      expect(maxRowTv(p, opt.policy, mdp.S, mdp.N)).toBeLessThan(1e-4);
      expect(dv).toBeLessThan(1e-5 * Math.max(1, Math.abs(opt.J)));
    } finally {
      s.dispose();
    }
  });

  it('value iteration: greedy policy of the f64 optimum', async () => {
    const ctx = await gpuContext();
    const mdp = randomMdp(8, 4, 22, { gamma: 0.8 });
    const opt = solveOptimum(mdp, 0.8, 0);
    const s = await createWebGpuSession(ctx, mdp, specFor('value-iteration', {}), { batch: 64 });
    try {
      const rows = await s.nextBatch(400);
      const p = await s.policy();
      expect(maxRowTv(p, opt.policy, mdp.S, mdp.N)).toBe(0);
      expect(relDiff(rows[rows.length - 1].J, opt.J)).toBeLessThan(1e-5);
    } finally {
      s.dispose();
    }
  });

  it('ot-trpo keeps the realised transport cost within eps', async () => {
    const ctx = await gpuContext();
    const mdp = randomMdp(6, 6, 9);
    const eps = 0.03;
    const s = await createWebGpuSession(ctx, mdp, specFor('ot-trpo', { eps }), { batch: 8 });
    try {
      const rows = await s.nextBatch(8);
      for (const r of rows.slice(1)) {
        expect(r.transportCost!).toBeLessThanOrEqual(eps * (1 + 1e-5));
        expect(r.trustViolated).toBe(false);
        expect(r.gap).toBeGreaterThan(-1e-5);
      }
      for (let i = 2; i < rows.length; i++) expect(rows[i].J).toBeGreaterThanOrEqual(rows[i - 1].J - 1e-5);
    } finally {
      s.dispose();
    }
  });

  it('a flow step with a huge fixed dt is reported as DivergenceError with its iteration', async () => {
    const ctx = await gpuContext();
    const mdp = bandit1d((x) => 5 * x, 8, -1, 1);
    const s = await createWebGpuSession(ctx, mdp, specFor('wasserstein-flow', { tau: 0.1, dt: 10 }), { batch: 4 });
    try {
      const err = await s.nextBatch(4).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DivergenceError);
      expect((err as DivergenceError).iteration).toBe(1);
    } finally {
      s.dispose();
    }
  });

  it('buffer pool: re-use by size and usage, counters back to 0 after trim', async () => {
    const ctx = await gpuContext();
    const pool = ctx.pool;
    const u = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST;
    const a = pool.acquire(1000, u, 'a');
    expect(pool.bytesInUse).toBe(1024);
    pool.release(a);
    expect(pool.bytesInUse).toBe(0);
    expect(pool.bytesPooled).toBe(1024);
    const created = pool.created;
    const b = pool.acquire(1020, u, 'b');
    expect(b).toBe(a);
    expect(pool.created).toBe(created);
    pool.release(b);
    expect(() => pool.release(b)).toThrow(/not in use/);
    pool.trim();
    expect(pool.bytesPooled).toBe(0);
  });
});
