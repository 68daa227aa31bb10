/**
 * WebGPU benchmarks for `npm run bench` (the lead's runner calls these with a GpuContext): throughput
 * of the method kernels at several sizes, achieved memory bandwidth of the memory-bound soft-VI sweep,
 * dispatches per iteration, and the ratio to the f64 reference where the reference has the method.
 *
 * Each function returns plain records. `perSecond` counts:
 *   - 'soft-vi-sweep': Jacobi sweeps of the soft Bellman operator (kernel only; gbps = bytes moved / s);
 *   - '<method>-update': the method's update step alone (kernel only, Q/V/d frozen at the current policy);
 *   - '<method>-iteration': full iterations of the session (update + warm-started evaluation + metrics,
 *     one metrics readback per batch), comparable with the reference's step().
 * Problems are `randomMdp(S, N, seed)` of the reference's test builders (3 successors per (s, j),
 * 1-D action positions j / (N - 1), cost |x_j - x_k|^2).
 */
import type { MethodId } from '../../shared/methods';
import { makeRunSpec } from '../run/spec';
import type { RunSpec } from '../types';
import type { ReferenceMethod } from '../reference/method';
import { randomMdp } from '../reference/testing';
import { softBellmanSweep } from '../reference/solvers';
import { wassersteinFlow } from '../reference/wassersteinFlow';
import { jkoSinkhorn } from '../reference/jkoSinkhorn';
import { otTrpoMethod } from '../reference/otTrustRegion';
import { npgMethod } from '../reference/npg';
import type { GpuContext } from './context';
import { createWebGpuSession, type WebGpuSession } from './session';

export interface BenchRecord {
  name: string;
  /** e.g. "S=256 N=64" */
  size: string;
  backend: 'webgpu' | 'reference';
  perSecond: number;
  /** achieved bandwidth of memory-bound kernels, GB/s (bytes moved / time) */
  gbps?: number;
  dispatchesPerIteration: number;
  /** webgpu records: perSecond / the reference's perSecond at the same size (when measured) */
  speedupVsReference?: number;
}

export interface BenchSize {
  S: number;
  N: number;
}

export interface BenchOptions {
  sizes?: BenchSize[];
  /** time budget per measurement, ms (default 1500) */
  budgetMs?: number;
  /** skip the reference when S * N exceeds this (default 2^16) */
  referenceMaxSN?: number;
  /** report progress */
  log?: (line: string) => void;
}

export const DEFAULT_BENCH_SIZES: BenchSize[] = [
  { S: 16, N: 16 },
  { S: 256, N: 64 },
  { S: 1024, N: 256 },
  { S: 10000, N: 16 },
  { S: 64, N: 1024 },
];

const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());
const sizeName = (z: BenchSize): string => `S=${z.S} N=${z.N}`;

function specFor(method: MethodId, options: Record<string, unknown>): RunSpec {
  return makeRunSpec(method, options, { seed: 1 });
}

/** Runs `fn` repeatedly (doubling the count) until the budget is used; returns calls per second. */
function timeSync(fn: () => void, budgetMs: number): number {
  let n = 1;
  let total = 0;
  let calls = 0;
  for (;;) {
    const t0 = now();
    for (let i = 0; i < n; i++) fn();
    total += now() - t0;
    calls += n;
    if (total >= budgetMs || calls >= 1 << 20) break;
    n *= 2;
  }
  return calls / (total / 1000);
}

async function timeKernel(session: WebGpuSession, kind: 'softViSweep' | 'update', budgetMs: number) {
  let reps = 2;
  let last = await session.timeKernels(kind, reps);
  while (last.seconds * 1000 < budgetMs / 4 && reps < 1 << 14) {
    reps *= 4;
    last = await session.timeKernels(kind, reps);
  }
  return { perSecond: reps / last.seconds, gbps: last.bytes / last.seconds / 1e9, dispatches: last.dispatches };
}

/** Soft-VI sweeps/s and GB/s on WebGPU, sweeps/s of the reference. */
export async function benchSoftViSweeps(ctx: GpuContext, opts: BenchOptions = {}): Promise<BenchRecord[]> {
  const out: BenchRecord[] = [];
  const budget = opts.budgetMs ?? 1500;
  for (const z of opts.sizes ?? DEFAULT_BENCH_SIZES) {
    const mdp = randomMdp(z.S, z.N, 1);
    const spec = specFor('soft-value-iteration', { tau: 0.1 });
    const opt = { V: new Float64Array(z.S), policy: new Float64Array(z.S * z.N).fill(1 / z.N), J: 0 };
    const s = (await createWebGpuSession(ctx, mdp, spec, { optimum: opt })) as WebGpuSession;
    let ref: number | undefined;
    try {
      await s.nextBatch(1);
      const k = await timeKernel(s, 'softViSweep', budget);
      if (z.S * z.N <= (opts.referenceMaxSN ?? 1 << 16)) {
        const V = new Float64Array(z.S);
        const W = new Float64Array(z.S);
        const Q = new Float64Array(z.S * z.N);
        ref = timeSync(() => softBellmanSweep(mdp, V, mdp.gamma, 0.1, W, Q), budget);
        out.push({ name: 'soft-vi-sweep', size: sizeName(z), backend: 'reference', perSecond: ref, dispatchesPerIteration: 0 });
      }
      out.push({
        name: 'soft-vi-sweep',
        size: sizeName(z),
        backend: 'webgpu',
        perSecond: k.perSecond,
        gbps: k.gbps,
        dispatchesPerIteration: k.dispatches,
        speedupVsReference: ref ? k.perSecond / ref : undefined,
      });
      opts.log?.(`soft-vi-sweep ${sizeName(z)}: ${k.perSecond.toFixed(1)}/s, ${k.gbps.toFixed(2)} GB/s`);
    } finally {
      s.dispose();
    }
  }
  return out;
}

interface MethodBench {
  method: MethodId;
  options: Record<string, unknown>;
  ref: ReferenceMethod;
  /** sizes this method is measured at (OT and Sinkhorn are O(S N^2) per step) */
  fits: (z: BenchSize) => boolean;
}

const METHOD_BENCHES: MethodBench[] = [
  { method: 'wasserstein-flow', options: { tau: 0.1 }, ref: wassersteinFlow, fits: () => true },
  { method: 'jko-sinkhorn', options: { tau: 0.1, eta: 0.05, eps: 0.05, tol: 1e-6, maxInner: 200 }, ref: jkoSinkhorn, fits: (z) => z.N <= 1024 && z.S * z.N * z.N <= 1 << 26 },
  { method: 'ot-trpo', options: { eps: 0.05 }, ref: otTrpoMethod, fits: (z) => z.S * z.N * z.N <= 1 << 26 },
  { method: 'npg', options: { tau: 0.1, eta: 0.5 }, ref: npgMethod, fits: () => true },
];

/** Update steps/s (kernel only) and full iterations/s per method and size, with the reference ratio. */
export async function benchMethods(ctx: GpuContext, opts: BenchOptions = {}, methods?: MethodId[]): Promise<BenchRecord[]> {
  const out: BenchRecord[] = [];
  const budget = opts.budgetMs ?? 1500;
  for (const b of METHOD_BENCHES) {
    if (methods && !methods.includes(b.method)) continue;
    for (const z of opts.sizes ?? DEFAULT_BENCH_SIZES) {
      if (!b.fits(z)) continue;
      const mdp = randomMdp(z.S, z.N, 2);
      const spec = specFor(b.method, b.options);
      const opt = { V: new Float64Array(z.S), policy: new Float64Array(z.S * z.N).fill(1 / z.N), J: 0 };
      let refIter: number | undefined;
      if (z.S * z.N <= (opts.referenceMaxSN ?? 1 << 16)) {
        const it = b.ref.start(mdp, { ...spec });
        it.step();
        let steps = 0;
        const t0 = now();
        while (now() - t0 < budget && !it.done) {
          it.step();
          steps++;
        }
        // a run that converged at once has no throughput to report
        if (steps >= 2) {
          refIter = steps / ((now() - t0) / 1000);
          out.push({ name: `${b.method}-iteration`, size: sizeName(z), backend: 'reference', perSecond: refIter, dispatchesPerIteration: 0 });
        }
      }
      const s = (await createWebGpuSession(ctx, mdp, spec, { optimum: opt, batch: 16 })) as WebGpuSession;
      try {
        await s.nextBatch(1);
        const k = await timeKernel(s, 'update', budget);
        out.push({ name: `${b.method}-update`, size: sizeName(z), backend: 'webgpu', perSecond: k.perSecond, dispatchesPerIteration: k.dispatches });
        // full iterations: warm up the adaptive sweep count, then time batches
        await s.nextBatch(4);
        let iters = 0;
        const t0 = now();
        while (now() - t0 < budget && !s.done) iters += (await s.nextBatch(8)).length;
        const perSecond = iters / ((now() - t0) / 1000);
        if (iters === 0) {
          opts.log?.(`${b.method} ${sizeName(z)}: converged before timing, no iteration rate`);
          continue;
        }
        out.push({
          name: `${b.method}-iteration`,
          size: sizeName(z),
          backend: 'webgpu',
          perSecond,
          dispatchesPerIteration: s.dispatchesLastBatch / Math.max(1, s.iterationsLastBatch),
          speedupVsReference: refIter ? perSecond / refIter : undefined,
        });
        opts.log?.(`${b.method} ${sizeName(z)}: update ${k.perSecond.toFixed(1)}/s, iteration ${perSecond.toFixed(1)}/s${refIter ? ` (reference ${refIter.toFixed(1)}/s)` : ''}`);
      } finally {
        s.dispose();
      }
    }
  }
  return out;
}

/** Everything: soft-VI sweeps (GB/s) and the method benches. */
export async function runWebGpuBenchmarks(ctx: GpuContext, opts: BenchOptions = {}): Promise<BenchRecord[]> {
  const a = await benchSoftViSweeps(ctx, opts);
  const b = await benchMethods(ctx, opts);
  ctx.pool.trim();
  return [...a, ...b];
}
