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
import { createWebGpuSession, KRYLOV_WARM_START, ROW_STRIDE, type WebGpuSession } from './session';
import { Recorder, type PlanShape } from './layout';
import { createPasses, recordIteration, type IterationSettings } from './plan';

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

// ---- cost model ------------------------------------------------------------------------------------

/** A GPU the cost model estimates time on: memory bandwidth and the cost of one dispatch in the browser. */
export interface GpuModel {
  name: string;
  /** bytes per second */
  bandwidth: number;
  /** seconds per dispatch (Chrome's WebGPU: 20-40 us; native: 5-10 us) */
  dispatchSeconds: number;
}

export const H200_CHROME: GpuModel = { name: 'H200 (4.8 TB/s, 30 us per dispatch in Chrome)', bandwidth: 4.8e12, dispatchSeconds: 30e-6 };

export interface CostCase {
  method: MethodId;
  S: number;
  N: number;
}

export interface CostRecord {
  method: MethodId;
  size: string;
  /** counted from a real session's batch ('session') or from the plan recorded without a GPU pass ('plan') */
  source: 'session' | 'plan';
  dispatchesPerIteration: number;
  submitsPerIteration: number;
  readbacksPerIteration: number;
  /** bytes read + written per iteration (each pass's count of what it binds and touches) */
  bytesPerIteration: number;
  /**
   * The unavoidable bytes of one iteration: the transitions (CSR rows, successors, probabilities) and the
   * rewards read once, the policy read and written once.
   */
  minimumBytes: number;
  /** BiCGSTAB iterations recorded per values solve and per occupancy solve (measured by the session, or assumed for a plan) */
  krylovIterations: number;
  occIterations: number;
  /** estimated seconds per iteration on `gpu`: bytes / bandwidth + dispatches x dispatch cost */
  estimatedSeconds: number;
  gpu: string;
  /** the f64 reference's seconds per iteration at the same size, when measured */
  referenceSeconds?: number;
  /** the entry points that move the most bytes: [label, dispatches, bytes] per iteration */
  top: [string, number, number][];
}

/** Bytes every iteration must move (see CostRecord.minimumBytes). */
export function minimumIterationBytes(S: number, N: number, nnz: number): number {
  const SN = S * N;
  return 4 * (SN + 1 + 2 * nnz) + 4 * SN + 8 * SN;
}

const COST_OPTIONS: Partial<Record<MethodId, Record<string, unknown>>> = {
  'soft-value-iteration': { tau: 0.1 },
  'value-iteration': {},
  'wasserstein-flow': { tau: 0.1 },
  'jko-sinkhorn': { tau: 0.1, eta: 0.05, eps: 0.05, tol: 1e-6, maxInner: 200 },
  'ot-trpo': { eps: 0.05 },
  'wpo-song': { eps: 0.05 },
  npg: { tau: 0.1, eta: 0.5 },
  'kl-trpo': { delta: 0.05 },
};

function costRecord(
  c: CostCase,
  source: 'session' | 'plan',
  counts: { dispatches: number; bytes: number; submits: number; readbacks: number; perEntry: Map<string, { dispatches: number; bytes: number }> },
  nnz: number,
  k: number,
  kOcc: number,
  gpu: GpuModel,
): CostRecord {
  const top = [...counts.perEntry.entries()]
    .sort((a, b) => b[1].bytes - a[1].bytes)
    .slice(0, 4)
    .map(([label, e]) => [label, e.dispatches, e.bytes] as [string, number, number]);
  return {
    method: c.method,
    size: sizeName(c),
    source,
    dispatchesPerIteration: counts.dispatches,
    submitsPerIteration: counts.submits,
    readbacksPerIteration: counts.readbacks,
    bytesPerIteration: counts.bytes,
    minimumBytes: minimumIterationBytes(c.S, c.N, nnz),
    krylovIterations: k,
    occIterations: kOcc,
    estimatedSeconds: counts.bytes / gpu.bandwidth + counts.dispatches * gpu.dispatchSeconds,
    gpu: gpu.name,
    top,
  };
}

/**
 * Counts of one steady iteration of `c.method` recorded WITHOUT a GPU pass (the same plan.ts code the
 * session records; nothing is allocated, so any size can be modelled): randomMdp's shape (3 successors
 * per (s, j)), `krylovIterations` recorded per solve, `sinkhornInner` inner iterations per JKO step,
 * one submit and one readback per batch of `batch` iterations.
 */
export function planCost(
  ctx: GpuContext,
  c: CostCase,
  opts: { krylovIterations?: number; occIterations?: number; sinkhornInner?: number; batch?: number; gpu?: GpuModel; particles?: number; nnz?: number; lineCost?: boolean } = {},
): CostRecord {
  const k = opts.krylovIterations ?? KRYLOV_WARM_START;
  const nnz = opts.nnz ?? 3 * c.S * c.N;
  const shape: PlanShape = { S: c.S, N: c.N, nnz, E: Math.max(0, c.N - 1), M: c.method === 'langevin' ? (opts.particles ?? 2048) : 0 };
  const r = new Recorder(null, ctx.limits.maxComputeWorkgroupsPerDimension, shape);
  // randomMdp's actions lie on a line with cost |x_j - x_k|^2: the OT methods take the max-plus path, JKO's
  // Sinkhorn forms the cost from the positions
  const passes = createPasses(ctx, c.method, c.N, { lineCost: opts.lineCost ?? true, sinkhornLinePow: (opts.lineCost ?? true) ? 2 : 0 });
  const settings: IterationSettings = {
    method: c.method,
    qEvery: 1,
    flow1d: true,
    lg1d: true,
    evalIterations: k,
    occIterations: opts.occIterations ?? k,
    sinkhornInner: opts.sinkhornInner ?? 50,
  };
  recordIteration(r, passes, settings, false, 1);
  const batch = opts.batch ?? 64;
  return costRecord(
    c,
    'plan',
    { dispatches: r.dispatches, bytes: r.bytes + (ROW_STRIDE * 4 * batch) / batch, submits: 1 / batch, readbacks: 1 / batch, perEntry: r.perEntry },
    nnz,
    k,
    opts.occIterations ?? k,
    opts.gpu ?? H200_CHROME,
  );
}

/**
 * A session of `c.method` (the cost model's options) on randomMdp(S, N, 3) with a zero optimum (the gap is
 * not needed), its first row and then `warm` batches of `batch` run, so the recorded Krylov counts adapt.
 */
async function warmedSession(ctx: GpuContext, c: CostCase, opts: { batch?: number; warm?: number }) {
  const mdp = randomMdp(c.S, c.N, 3);
  const spec = specFor(c.method, COST_OPTIONS[c.method] ?? {});
  const opt = { V: new Float64Array(c.S), policy: new Float64Array(c.S * c.N).fill(1 / c.N), J: 0 };
  const s = (await createWebGpuSession(ctx, mdp, spec, { optimum: opt, batch: opts.batch ?? 8 })) as WebGpuSession;
  try {
    await s.nextBatch(1);
    for (let i = 0; i < (opts.warm ?? 2) && !s.done; i++) await s.nextBatch(opts.batch ?? 8);
  } catch (error) {
    s.dispose();
    throw error;
  }
  return { mdp, spec, s };
}

/**
 * Counts of a real session on randomMdp(S, N): `warm` batches first (the recorded Krylov iterations
 * adapt), then one batch of `batch` iterations whose counters are reported per iteration; the
 * reference's seconds per iteration at the same size when S N <= referenceMaxSN.
 */
export async function sessionCost(
  ctx: GpuContext,
  c: CostCase,
  opts: { batch?: number; warm?: number; gpu?: GpuModel; referenceMaxSN?: number; budgetMs?: number } = {},
): Promise<CostRecord> {
  const { mdp, spec, s } = await warmedSession(ctx, c, opts);
  try {
    await s.nextBatch(opts.batch ?? 8);
    const n = Math.max(1, s.iterationsLastBatch);
    const per = new Map<string, { dispatches: number; bytes: number }>();
    for (const [key, e] of s.perEntryLastBatch) per.set(key, { dispatches: e.dispatches / n, bytes: e.bytes / n });
    const rec = costRecord(
      c,
      'session',
      { dispatches: s.dispatchesLastBatch / n, bytes: s.bytesLastBatch / n, submits: s.submitsLastBatch / n, readbacks: s.readbacksLastBatch / n, perEntry: per },
      mdp.rowPtr[c.S * c.N],
      s.evalIterationsLastBatch,
      s.occIterationsLastBatch,
      opts.gpu ?? H200_CHROME,
    );
    if (c.S * c.N <= (opts.referenceMaxSN ?? 1 << 16)) {
      const ref = REFERENCE_OF[c.method];
      if (ref) {
        const it = ref.start(mdp, spec);
        it.step();
        let steps = 0;
        const t0 = now();
        while (now() - t0 < (opts.budgetMs ?? 300) && !it.done) {
          it.step();
          steps++;
        }
        if (steps > 0) rec.referenceSeconds = (now() - t0) / 1000 / steps;
      }
    }
    return rec;
  } finally {
    s.dispose();
  }
}

/**
 * The benchmark's cost-model section: every GPU method at a small size (session counters) and at
 * S=10^4, N=1024 (plan); `planOnly`: the plans alone (no session is run).
 */
export async function webGpuCostModel(
  ctx: GpuContext,
  opts: { small?: BenchSize; large?: BenchSize; methods?: MethodId[]; gpu?: GpuModel; krylovIterations?: number; batch?: number; warm?: number; planOnly?: boolean } = {},
): Promise<CostRecord[]> {
  const small = opts.small ?? { S: 64, N: 16 };
  const large = opts.large ?? { S: 10000, N: 1024 };
  const out: CostRecord[] = [];
  for (const method of opts.methods ?? COST_METHODS) {
    if (opts.planOnly) {
      out.push(planCost(ctx, { method, ...large }, { gpu: opts.gpu, krylovIterations: opts.krylovIterations ?? KRYLOV_WARM_START }));
      continue;
    }
    const measured = await sessionCost(ctx, { method, ...small }, { gpu: opts.gpu, batch: opts.batch, warm: opts.warm });
    out.push(measured);
    out.push(planCost(ctx, { method, ...large }, { gpu: opts.gpu, krylovIterations: opts.krylovIterations ?? Math.max(measured.krylovIterations, KRYLOV_WARM_START) }));
  }
  return out;
}

export const COST_METHODS: MethodId[] = ['soft-value-iteration', 'value-iteration', 'wasserstein-flow', 'jko-sinkhorn', 'ot-trpo', 'wpo-song', 'npg', 'kl-trpo'];

const REFERENCE_OF: Partial<Record<MethodId, ReferenceMethod>> = {
  'wasserstein-flow': wassersteinFlow,
  'jko-sinkhorn': jkoSinkhorn,
  'ot-trpo': otTrpoMethod,
  npg: npgMethod,
};

/** The cost model as a text table (one line per record). */
export function formatCostModel(records: CostRecord[]): string {
  const mb = (b: number) => (b / 1e6).toPrecision(3);
  const lines = [
    `${'method'.padEnd(22)} ${'size'.padEnd(16)} ${'src'.padEnd(7)} ${'disp/it'.padStart(8)} ${'subm/it'.padStart(8)} ${'MB/it'.padStart(10)} ${'min MB'.padStart(9)} ${'x min'.padStart(7)} ${'krylov'.padStart(6)} ${'est ms'.padStart(9)} ${'ref ms'.padStart(9)} ${'est/ref'.padStart(8)}`,
  ];
  for (const r of records) {
    lines.push(
      `${r.method.padEnd(22)} ${r.size.padEnd(16)} ${r.source.padEnd(7)} ${r.dispatchesPerIteration.toFixed(1).padStart(8)} ${r.submitsPerIteration.toPrecision(2).padStart(8)} ${mb(r.bytesPerIteration).padStart(10)} ${mb(r.minimumBytes).padStart(9)} ${(r.bytesPerIteration / r.minimumBytes).toPrecision(3).padStart(7)} ${String(r.krylovIterations).padStart(6)} ${(r.estimatedSeconds * 1e3).toPrecision(3).padStart(9)} ${(r.referenceSeconds !== undefined ? (r.referenceSeconds * 1e3).toPrecision(3) : '').padStart(9)} ${(r.referenceSeconds !== undefined ? (r.estimatedSeconds / r.referenceSeconds).toPrecision(3) : '').padStart(8)}`,
    );
  }
  if (records.length) lines.push(`(estimated on ${records[0].gpu}; min = transitions and rewards read once, policy read and written once)`);
  return lines.join('\n');
}

// ---- per-kernel times (timestamp queries) ----------------------------------------------------------

/** Memory bandwidth of GPUs the per-kernel table compares with, matched on the adapter's description. */
export const KNOWN_PEAKS: { match: RegExp; name: string; bandwidth: number }[] = [
  { match: /H200/i, name: 'H200', bandwidth: 4.8e12 },
  { match: /H100/i, name: 'H100 SXM', bandwidth: 3.35e12 },
  { match: /A100/i, name: 'A100 80GB', bandwidth: 2.0e12 },
  { match: /RTX 4090/i, name: 'RTX 4090', bandwidth: 1.008e12 },
];

export interface KernelTime {
  method: MethodId;
  size: string;
  /** entry point with its pipeline constants */
  entry: string;
  dispatches: number;
  /** counted bytes read and written (the plan's count for this entry point) */
  bytes: number;
  /** GPU time of the entry point's dispatches in one iteration (timestamp queries) */
  seconds: number;
  gbps: number;
}

/**
 * Per-kernel GPU times of one steady iteration of `c.method` on randomMdp(S, N): `warm` batches first,
 * then one iteration with every dispatch timed by timestamp queries (null when the device lacks
 * 'timestamp-query'). Sorted by time, largest first.
 */
export async function kernelTimes(ctx: GpuContext, c: CostCase, opts: { warm?: number; batch?: number } = {}): Promise<KernelTime[] | null> {
  if (!ctx.device.features.has('timestamp-query')) return null;
  const { s } = await warmedSession(ctx, c, opts);
  try {
    const per = await s.timeIterationKernels();
    if (!per) return null;
    return [...per.entries()]
      .map(([entry, e]) => ({ method: c.method, size: sizeName(c), entry, dispatches: e.dispatches, bytes: e.bytes, seconds: e.seconds, gbps: e.seconds > 0 ? e.bytes / e.seconds / 1e9 : 0 }))
      .sort((a, b) => b.seconds - a.seconds);
  } finally {
    s.dispose();
  }
}

/** The per-kernel table: time, counted bytes, GB/s and, on a known GPU, the share of its peak bandwidth. */
export function formatKernelTimes(rows: KernelTime[], adapter: string): string {
  const peak = KNOWN_PEAKS.find((p) => p.match.test(adapter));
  const lines = [
    `${'method'.padEnd(22)} ${'size'.padEnd(14)} ${'entry point'.padEnd(58)} ${'disp'.padStart(5)} ${'MB'.padStart(10)} ${'us'.padStart(10)} ${'GB/s'.padStart(9)}${peak ? ` ${`% ${peak.name}`.padStart(10)}` : ''}`,
  ];
  for (const r of rows) {
    lines.push(
      `${r.method.padEnd(22)} ${r.size.padEnd(14)} ${r.entry.slice(0, 58).padEnd(58)} ${String(r.dispatches).padStart(5)} ${(r.bytes / 1e6).toPrecision(3).padStart(10)} ${(r.seconds * 1e6).toPrecision(3).padStart(10)} ${r.gbps.toPrecision(3).padStart(9)}${peak ? ` ${((r.gbps * 1e9 * 100) / peak.bandwidth).toPrecision(3).padStart(10)}` : ''}`,
    );
  }
  lines.push(
    peak
      ? `(GB/s = counted bytes / GPU time; peak ${peak.bandwidth / 1e12} TB/s for ${peak.name})`
      : '(GB/s = counted bytes / GPU time; no peak bandwidth known for this adapter)',
  );
  return lines.join('\n');
}

