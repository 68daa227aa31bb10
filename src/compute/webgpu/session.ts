/**
 * The WebGPU compute session: one method (ALGORITHMS.md §§1–7) on one MDP in f32 on the GPU, with the
 * same definitions and the same metric rows (§8, metrics.ts of the reference) as the f64 reference.
 *
 * Protocol (as the reference's IterativeMethod): the first row is iteration 0, the metrics of the initial
 * policy; every later row is one update followed by the evaluation of the new policy. A batch of k
 * iterations is recorded into one command buffer (one compute pass per iteration) and ONE small block
 * of metric rows (16 f32 per iteration) is read back. Policy evaluation and occupancy are warm-started
 * BiCGSTAB solves whose stopping test runs on the GPU (policyEvaluation.wgsl): finished solves turn the
 * remaining recorded iterations into no-ops, and the number recorded per iteration adapts to what the
 * previous batch used; up to DIRECT_MAX states both are direct dense solves instead (two dispatches
 * each). What an iteration records is the method's plan (plan.ts; each pass is a class
 * beside its .wgsl); all share one bind-group layout (layout.ts, common.wgsl). The Recorder counts the
 * dispatches and the bytes each pass binds and touches (dispatchesLastBatch, bytesLastBatch).
 *
 * f32 tolerances: the evaluation stops at max|residual| <= 2^-22 max|b| (KRYLOV_REL);
 * vScale = (max|r| + tau (max|log mu| + log N)) / (1 - gamma); the Sinkhorn tolerance is at least
 * 2e-6; OT ties are within tieTol + 5e-7 (vScale + lambda cmax), and kinks within 2e-5 relative of
 * lambda* are one kink; a trust-region move counts as violated above eps (1 + 1e-5).
 * Searches for lambda* (OT trust region) and beta (KL trust region) evaluate nCand candidates per
 * dispatch and refine the bracket on the GPU, so nothing is read back inside an iteration.
 *
 * The optimum (J*, pi*, d*) for the gap and the TV metric is the f64 reference's `solveOptimum` unless
 * given. NaN/Inf anywhere in pi, V, Q or J sets the row's flag, reported as DivergenceError(iteration).
 */
import { isSampled, methodSpec } from '../../shared/methodSpecs';
import { SampledGpuSession } from '../estimators/gpuSplit';
import type { TabularMdp } from '../../shared/mdp/types';
import type { IterationMetrics, MethodId } from '../../shared/methods';
import { DivergenceError, MethodInputError, type ComputeSession, type Diagnostics, type Policy, type RunSpec } from '../types';
import { evaluatePolicy, occupancyWithMass, type Evaluation } from '../reference/evaluation';
import { jkoStepScales } from '../reference/jkoSinkhorn';
import { checkInitialPolicy, optionsOf, resolveProblem } from '../reference/method';
import { fitLinearRate } from '../reference/metrics';
import { solveOptimum } from '../reference/solvers';
import { buildActionGraph } from '../reference/wassersteinFlow';
import { sortedOrder } from '../reference/sinkhorn';
import { detectLineCost } from '../reference/otTrustRegion';
import { gridCellIndex } from '../reference/langevin';
import { seedKey } from '../reference/rng';

import type { GpuContext } from './context';
import { alignTo } from './context';
import { GATE_BYTES, KL_SEARCH, N_CAND_MAX, OT_SEARCH, PARAMS_BYTES, packParams, Recorder, sessionGateLayout, sessionLayout, splitWorkgroups, TimedRecorder, type Params, type PlanShape, type RecorderGate } from './layout';
import { DIRECT_MAX, KRYLOV_REL, directSolve, krylovFloats, krylovTree, krylovWorkgroups } from './policyEvaluation';
import { otRowsInWorkgroup } from './otTrustRegion';
import { ValueIterationPass } from './valueIteration';
import { createPasses, recordIteration, recordUpdate, type GpuPasses, type IterationSettings } from './plan';

export const WEBGPU_METHODS: readonly MethodId[] = [
  'soft-value-iteration',
  'value-iteration',
  'wasserstein-flow',
  'langevin',
  'jko-sinkhorn',
  'ot-trpo',
  'wpo-song',
  'npg',
  'kl-trpo',
];

/** Row layout of the metrics block (metrics.wgsl). */
export const ROW = {
  J: 0, Jplain: 1, tv: 2, entropy: 3, cost: 4, kl: 5, lambda: 6, evalRes: 7,
  dt: 8, bad: 9, evalSweeps: 10, occSweeps: 11, extra: 12, mass: 13, extra2: 14, extra3: 15,
} as const;
export const ROW_STRIDE = 16;
const MAX_ROWS = 256;
/** BiCGSTAB iterations recorded for the cold first evaluation, and the most recorded per solve later */
export const KRYLOV_COLD = 64;
export const KRYLOV_CAP = 256;
/**
 * Recorded for the first evaluation when it starts from the CPU's f64 solve (its f32 rounding leaves a
 * residual of about 2^-24 max|x|, up to 1 / (1 - gamma) times the target), and the most transition entries
 * for which the session computes that solve.
 */
export const KRYLOV_CPU_WARM = 4;
export const CPU_WARM_START_MAX_NNZ = 1 << 20;
/** BiCGSTAB iterations recorded per warm solve before the first batch has measured any */
export const KRYLOV_WARM_START = 32;

export interface WebGpuSessionOptions {
  /** iterations recorded per submit when nextBatch asks for more (default 64) */
  batch?: number;
  /** the optimum of the same problem (gamma, tau); solved in f64 by the reference when absent */
  optimum?: { V: ArrayLike<number>; policy: ArrayLike<number>; J: number };
  /** clock for wallMs */
  now?: () => number;
  /** split dispatches above this many workgroups per dimension (default: the device limit; tests force splits) */
  maxWorkgroupsPerDimension?: number;
  /** the update reads a sampled estimate (SampledGpuSession): a fixed point of the update is not convergence */
  sampled?: boolean;
}

interface Layout {
  model: { reward: number; mu: number; rho0: number; cost: number; dStar: number; piStar: number; pos: number; size: number };
  graph: { rowPtr: number; next: number; prob: number; tPtr: number; tSrc: number; tProb: number; nbr: number; nbrEdge: number; order: number; size: number };
  work: { V: number; Q: number; dA: number; dB: number; d: number; dOld: number; piOld: number; phi: number; stat: number; stCost: number; scratch: number; cand: number; scal: number; kry: number; size: number };
  aux: { tlo: number; thi: number; first: number; X: number; G: number; env: number; size: number };
}

function regions<T extends string>(sizes: [T, number][]): Record<T, number> & { size: number } {
  const out = {} as Record<T, number> & { size: number };
  let off = 0;
  for (const [k, n] of sizes) {
    (out as Record<string, number>)[k] = off;
    off += alignTo(Math.max(n, 1), 4);
  }
  out.size = off;
  return out;
}

const defaultNow = (): number =>
  typeof performance !== 'undefined' && typeof performance.now === 'function' ? performance.now() : Date.now();

/**
 * Start `spec.method` on `mdp` on the GPU of `ctx`. Methods outside WEBGPU_METHODS throw a
 * MethodInputError ("not on webgpu yet") so the caller can fall back to the reference.
 */
export async function createWebGpuSession(
  ctx: GpuContext,
  mdp: TabularMdp,
  spec: RunSpec,
  opts: WebGpuSessionOptions = {},
): Promise<ComputeSession> {
  if (!WEBGPU_METHODS.includes(spec.method))
    throw new MethodInputError(`method '${spec.method}' is not on webgpu yet (use the reference backend)`);
  // a sampled estimator (issue 15): the estimate on the CPU, the update on the GPU (estimators/gpuSplit.ts)
  const sampled = 'estimator' in methodSpec(spec.method).options && isSampled(spec.options);
  const s = new WebGpuSession(ctx, mdp, spec, sampled ? { ...opts, sampled: true } : opts);
  ctx.assertHealthy();
  return sampled ? new SampledGpuSession(s, mdp, spec) : s;
}

export class WebGpuSession implements ComputeSession {
  readonly backend = 'webgpu' as const;
  readonly method: MethodId;
  readonly gamma: number;
  readonly tau: number;
  readonly Jstar: number;
  private finished = false;
  private disposed = false;
  private iteration = 0;
  private started = false;
  private t = 0;
  private readonly layout: Layout;
  private readonly buffers: GPUBuffer[] = [];
  private readonly bufModel: GPUBuffer;
  private readonly bufGraph: GPUBuffer;
  private readonly bufPi: GPUBuffer;
  private readonly bufWork: GPUBuffer;
  private readonly bufCtrl: GPUBuffer;
  private readonly bufRows: GPUBuffer;
  private readonly bufAux: GPUBuffer;
  private readonly bufParams: GPUBuffer;
  private readonly bindGroup: GPUBindGroup;
  /** the Krylov kernels' indirect arguments and the bind group that lets kMatP write them (layout.ts) */
  private readonly gate: RecorderGate;
  private readonly passes: GpuPasses;
  private readonly shape: PlanShape;
  private readonly params: Partial<Params>;
  private readonly batch: number;
  /** the next batch's most iterations (nextBatch) */
  private ramp = 1;
  private readonly now: () => number;
  private readonly t0: number;
  private evalIters = KRYLOV_WARM_START;
  /** BiCGSTAB iterations recorded for the first evaluation (KRYLOV_COLD, or KRYLOV_CPU_WARM after the CPU's warm start) */
  private coldRecorded = KRYLOV_COLD;
  private occIters = KRYLOV_WARM_START;
  private readonly maxDim: number;
  private readonly rateX: number[] = [];
  private readonly rateGap: number[] = [];
  private readonly diag: Diagnostics = {};
  private readonly eps: number;
  private readonly qEvery: number;
  private readonly flow1d: boolean;
  private readonly lgDt: number;
  private readonly lg1d: boolean;
  private readonly viTol: number;
  private updates = 0;
  private readonly sampled: boolean;
  private exceeded = 0;
  private maxInner = 0;
  private evalCapHits = 0;
  private sinkhornCapHits = 0;
  dispatchesLastBatch = 0;
  iterationsLastBatch = 0;
  /** bytes the last batch's dispatches read and write (the passes' counts, see Recorder) and the row readback */
  bytesLastBatch = 0;
  submitsLastBatch = 0;
  readbacksLastBatch = 0;
  /** per entry point: dispatches and bytes of the last batch */
  perEntryLastBatch = new Map<string, { dispatches: number; bytes: number }>();
  /** BiCGSTAB iterations recorded per values / occupancy solve in the last batch's steady iterations */
  evalIterationsLastBatch = 0;
  occIterationsLastBatch = 0;
  /**
   * BiCGSTAB iterations the values / occupancy solves used (the most over the last batch's steady
   * iterations; the cold first evaluation is in diagnostics.coldEvalIterations), against the recorded
   * counts above: the warm start's effect, and the count the cost model should assume
   */
  evalIterationsUsedLastBatch = 0;
  occIterationsUsedLastBatch = 0;

  constructor(
    private readonly ctx: GpuContext,
    readonly mdp: TabularMdp,
    readonly spec: RunSpec,
    opts: WebGpuSessionOptions,
  ) {
    const { S, N } = mdp;
    const SN = S * N;
    this.method = spec.method;
    this.sampled = opts.sampled ?? false;
    const problem = resolveProblem(mdp, spec.options);
    const gamma = problem.gamma;
    const tau = spec.method === 'value-iteration' ? 0 : problem.tau;
    this.gamma = gamma;
    this.tau = tau;
    this.batch = Math.max(1, Math.min(MAX_ROWS, opts.batch ?? 64));
    this.now = opts.now ?? defaultNow;
    this.t0 = this.now();
    const m = this.method;
    let alpha = 0;
    let eta = 0;
    let jkoBlur = 0;
    let methodCode = 0;
    let graph: ReturnType<typeof buildActionGraph> | null = null;
    this.eps = 0;
    this.qEvery = 1;
    this.viTol = 0;
    let maxN = 0;
    let M = 0;
    let lgKey: [number, number] = [0, 0];
    let cellOf: Int32Array | null = null;
    let centres: Float64Array | null = null;
    // the f64 evaluation of the initial policy, when one was computed on the CPU (JKO's derived scales, or
    // the warm start of the first evaluation below)
    let initialEvaluation: Evaluation | null = null;
    const pi0 = spec.init ? checkInitialPolicy(mdp, spec.init) : new Float64Array(SN).fill(1 / N);
    this.lgDt = 0;
    if (m === 'npg') {
      eta = optionsOf(spec, 'npg').eta;
      if (!(tau > 0)) throw new MethodInputError(`npg needs tau > 0 (the entropy-regularised NPG), got tau = ${tau}`);
      alpha = (eta * tau) / (1 - gamma);
      if (!(alpha > 0 && alpha <= 1 + 1e-12)) throw new MethodInputError(`npg: alpha = eta tau / (1 - gamma) = ${alpha} must lie in (0, 1]`);
      alpha = Math.min(alpha, 1);
    } else if (m === 'ot-trpo' || m === 'wpo-song') {
      this.eps = optionsOf(spec, 'ot-trpo', 'wpo-song').eps; // the OT radius (otRadius on the GPU)
      if (!(this.eps > 0)) throw new MethodInputError(`eps must be > 0, got ${this.eps}`);
      methodCode = m === 'wpo-song' ? 1 : 0;
    } else if (m === 'kl-trpo') {
      const delta = optionsOf(spec, 'kl-trpo').delta;
      if (!(delta > 0)) throw new MethodInputError(`delta must be > 0, got ${delta}`);
    } else if (m === 'wasserstein-flow') {
      if (!(tau > 0)) throw new MethodInputError('the Wasserstein flow needs tau > 0 (the diffusion is tau times the entropy)');
      graph = buildActionGraph(mdp, 'The Wasserstein flow');
      const w = optionsOf(spec, 'wasserstein-flow').weighting;
      if (w !== 'uniform' && w !== 'occupancy') throw new MethodInputError(`weighting must be 'uniform' or 'occupancy', got '${w}'`);
      this.qEvery = optionsOf(spec, 'wasserstein-flow').qEvery;
    } else if (m === 'langevin') {
      if (!mdp.grid) throw new MethodInputError('Langevin particles need a continuous action box (a grid); this MDP has discrete actions');
      if (!(tau > 0)) throw new MethodInputError('Langevin particles need tau > 0 (the noise is sqrt(2 tau dt))');
      M = optionsOf(spec, 'langevin').particles;
      this.lgDt = optionsOf(spec, 'langevin').dt;
      if (!(M >= 1)) throw new MethodInputError(`particles must be >= 1, got ${M}`);
      if (!(this.lgDt > 0)) throw new MethodInputError(`dt must be > 0, got ${this.lgDt}`);
      lgKey = seedKey(spec.seed); // D1: the run's one seed (no `seed` option)
      this.qEvery = optionsOf(spec, 'langevin').qEvery;
      cellOf = gridCellIndex(mdp);
      if (mdp.grid.dim === 1) {
        centres = new Float64Array(N);
        for (let i = 0; i < N; i++) centres[cellOf[i]] = mdp.grid.lo[0] + (i + 0.5) * mdp.grid.h[0];
      }
    } else if (m === 'jko-sinkhorn') {
      // eta and eps absent: derived from the problem's scales exactly as the reference does (f64, once)
      const scales = jkoStepScales(mdp, optionsOf(spec, 'jko-sinkhorn'), tau, () => {
        initialEvaluation = evaluatePolicy(mdp, pi0, gamma, tau, null, 1e-12, { occupancy: true });
        return initialEvaluation;
      });
      eta = scales.eta;
      jkoBlur = scales.eps;
      Object.assign(this.diag, { eta: scales.eta, eps: scales.eps, etaDerived: scales.etaDerived, epsDerived: scales.epsDerived });
      maxN = N;
    } else if (m === 'soft-value-iteration' || m === 'value-iteration') {
      if (m === 'soft-value-iteration' && !(tau > 0)) throw new MethodInputError('soft value iteration needs tau > 0');
    }
    this.flow1d = graph !== null && graph.dim === 1;
    this.lg1d = centres !== null;
    const dim = mdp.grid ? mdp.grid.dim : 1;

    // ---- the optimum (f64, reference) -------------------------------------------------------------
    let optimum = opts.optimum;
    if (!optimum) optimum = solveOptimum(mdp, gamma, this.tau);
    this.Jstar = optimum.J;
    const piStar = Float64Array.from(optimum.policy);
    const dStar = occupancyWithMass(mdp, piStar, gamma).d;

    // ---- host arrays ------------------------------------------------------------------------------
    let rmax = 0;
    for (let i = 0; i < SN; i++) rmax = Math.max(rmax, Math.abs(mdp.reward[i]));
    let logMuMax = 0;
    for (let j = 0; j < N; j++) logMuMax = Math.max(logMuMax, Math.abs(Math.log(mdp.mu[j])));
    const vScale = Math.max((rmax + this.tau * (logMuMax + Math.log(N))) / (1 - gamma), 1e-12);
    let cmax = 0;
    let cminPos = Infinity;
    for (let i = 0; i < N * N; i++) {
      const c = mdp.cost[i];
      if (c > cmax) cmax = c;
      if (c > 0 && c < cminPos) cminPos = c;
    }
    if (!Number.isFinite(cminPos)) cminPos = 1;
    const positions = centres ?? (graph ? graph.positions : mdp.positions);
    const nnz = mdp.rowPtr[SN];
    const E = graph ? graph.from.length : 0;

    // JKO with a cost |x_j - x_k|^p on sorted 1-D positions: Sinkhorn computes the cost from the positions
    // (no N x N kernel matrix read per state and inner iteration, none stored)
    const jkoLine = m === 'jko-sinkhorn' ? detectLineCost(mdp) : null;
    const modelL = regions([
      ['reward', SN], ['mu', N], ['rho0', S], ['cost', N * N], ['dStar', S], ['piStar', SN], ['pos', positions ? positions.length : 1],
      ['linePos', jkoLine ? N : 1],
    ]);
    const graphL = regions([
      ['rowPtr', SN + 1], ['next', nnz], ['prob', nnz], ['tPtr', S + 1], ['tSrc', nnz], ['tProb', nnz],
      ['nbr', N + 1], ['nbrEdge', 4 * E], ['order', N],
    ]);
    const workL = regions([
      ['V', S], ['Q', SN], ['dA', S], ['dB', S], ['d', S], ['dOld', S], ['piOld', SN], ['phi', Math.max(2 * SN, S)],
      ['stat', 8 * S], ['stCost', S], ['scratch', Math.max(SN, S * N_CAND_MAX, m === 'jko-sinkhorn' ? 3 * SN : 0)], ['cand', 4 * N_CAND_MAX], ['scal', 64],
      ['kry', krylovFloats(S)],
    ]);
    const otLike = m === 'ot-trpo' || m === 'wpo-song';
    // 1-D sorted positions with cost |x_j - x_k|^p (p = 1, 2): the O(N) max-plus dual (envelope scratch 2N + 2 words per state)
    const line = otLike ? detectLineCost(mdp) : null;
    if (otLike) this.diag.otDual = line ? `max-plus on the line, O(N) per state and lambda (p = ${line.p})` : 'dense, O(N^2) per state and lambda';
    const auxL = regions([
      ['tlo', otLike ? SN : 1], ['thi', otLike ? SN : 1], ['first', otLike ? SN : 1], ['X', S * M * dim], ['G', m === 'jko-sinkhorn' && !jkoLine ? N * N : 1],
      // the envelope scratch of the global-memory line kernels (rows that do not fit workgroup memory)
      ['env', line && !otRowsInWorkgroup(N, ctx.limits.maxComputeWorkgroupStorageSize) ? S * (2 * N + 2) : 1],
    ]);
    this.layout = { model: modelL, graph: graphL, work: workL, aux: auxL };

    const model = new Float32Array(modelL.size);
    model.set(mdp.reward, modelL.reward);
    model.set(mdp.mu, modelL.mu);
    model.set(mdp.rho0, modelL.rho0);
    model.set(mdp.cost, modelL.cost);
    if (jkoLine) model.set(jkoLine.x, modelL.linePos);
    model.set(dStar, modelL.dStar);
    model.set(piStar, modelL.piStar);
    if (positions) model.set(positions, modelL.pos);
    const g = new Uint32Array(graphL.size);
    const gf = new Float32Array(g.buffer);
    g.set(mdp.rowPtr, graphL.rowPtr);
    g.set(mdp.next, graphL.next);
    gf.set(mdp.prob, graphL.prob);
    // transposed CSR: for each s', the (s*N + j, p) entries leading into it
    const tPtr = new Uint32Array(S + 1);
    for (let e = 0; e < nnz; e++) tPtr[mdp.next[e] + 1]++;
    for (let s = 0; s < S; s++) tPtr[s + 1] += tPtr[s];
    const fill = tPtr.slice(0, S);
    for (let sj = 0; sj < SN; sj++) {
      for (let e = mdp.rowPtr[sj]; e < mdp.rowPtr[sj + 1]; e++) {
        const k = fill[mdp.next[e]]++;
        g[graphL.tSrc + k] = sj;
        gf[graphL.tProb + k] = mdp.prob[e];
      }
    }
    g.set(tPtr, graphL.tPtr);
    if (graph) {
      // action-graph CSR: (k, 1/h^2) per directed edge
      const deg = new Uint32Array(N + 1);
      for (let e = 0; e < E; e++) {
        deg[graph.from[e] + 1]++;
        deg[graph.to[e] + 1]++;
      }
      for (let j = 0; j < N; j++) deg[j + 1] += deg[j];
      const f2 = deg.slice(0, N);
      for (let e = 0; e < E; e++) {
        const ih2 = 1 / (graph.length[e] * graph.length[e]);
        const a = graph.from[e];
        const b = graph.to[e];
        let q = f2[a]++;
        g[graphL.nbrEdge + 2 * q] = b;
        gf[graphL.nbrEdge + 2 * q + 1] = ih2;
        q = f2[b]++;
        g[graphL.nbrEdge + 2 * q] = a;
        gf[graphL.nbrEdge + 2 * q + 1] = ih2;
      }
      g.set(deg, graphL.nbr);
      if (graph.dim === 1) g.set(sortedOrder(graph.positions), graphL.order);
    }
    // Langevin: cellOf (linear cell -> action); in 1-D it is also the sorted order of the centres
    if (cellOf) g.set(cellOf, graphL.order);
    let sinkhornG: Float32Array<ArrayBuffer> | null = null;

    // ---- GPU buffers --------------------------------------------------------------------------------
    const maxBind = ctx.limits.maxStorageBufferBindingSize;
    const check = (name: string, bytes: number): number => {
      if (bytes > maxBind)
        throw new MethodInputError(`webgpu: the ${name} buffer needs ${bytes} bytes, above this device's binding limit ${maxBind}`);
      return bytes;
    };
    const pool = ctx.pool;
    const ST = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC;
    const acquire = (bytes: number, usage: number, label: string): GPUBuffer => {
      const b = pool.acquire(bytes, usage, `${m}:${label}`);
      this.buffers.push(b);
      return b;
    };
    this.bufModel = acquire(check('model', model.byteLength), ST, 'model');
    this.bufGraph = acquire(check('graph', g.byteLength), ST, 'graph');
    this.bufPi = acquire(check('policy', SN * 4), ST, 'policy');
    this.bufWork = acquire(check('work', workL.size * 4), ST, 'work');
    this.bufCtrl = acquire(64 * 4, ST, 'ctrl');
    this.bufRows = acquire(MAX_ROWS * ROW_STRIDE * 4, ST, 'metrics');
    this.bufAux = acquire(check('aux', auxL.size * 4), ST, 'aux');
    this.bufParams = acquire(PARAMS_BYTES, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST, 'params');
    const q = ctx.device.queue;
    q.writeBuffer(this.bufModel, 0, model);
    q.writeBuffer(this.bufGraph, 0, g);
    q.writeBuffer(this.bufPi, 0, new Float32Array(pi0));
    if (jkoLine) {
      this.diag.sinkhornCost = `|x_j - x_k|^${jkoLine.p} computed from the 1-D positions (no N x N matrix read per inner iteration)`;
    } else if (m === 'jko-sinkhorn') {
      this.diag.sinkhornCost = 'the N x N matrix G^T = -C^T / blur, precomputed';
      // G^T = -C^T / blur once per session (row k)
      const blur = jkoBlur;
      const G = new Float32Array(N * N);
      for (let j = 0; j < N; j++) for (let k = 0; k < N; k++) G[k * N + j] = -mdp.cost[j * N + k] / blur;
      sinkhornG = G;
    }
    // pooled buffers may hold old data: zero the work, control and aux words
    const enc = ctx.device.createCommandEncoder({ label: `${m}:clear` });
    enc.clearBuffer(this.bufWork);
    enc.clearBuffer(this.bufCtrl);
    enc.clearBuffer(this.bufAux);
    enc.clearBuffer(this.bufRows);
    q.submit([enc.finish()]);
    if (sinkhornG) q.writeBuffer(this.bufAux, auxL.G * 4, sinkhornG);
    // The first evaluation warm-started from the CPU's f64 solve of the initial policy (uploaded as pi0; not
    // value iteration, whose first policy is formed on the GPU from Q = r, nor Langevin's particle histogram)
    // when the problem is small enough for that solve to be quick: the GPU's BiCGSTAB then only takes V and
    // d from their f32 rounding to its residual target (Taxi: the 4 iterations recorded for it instead of 44
    // cold, measured on SwiftShader).
    const gpuInitialPolicy = m === 'soft-value-iteration' || m === 'value-iteration' || m === 'langevin';
    if (!gpuInitialPolicy && !directSolve(S) && (initialEvaluation !== null || nnz <= CPU_WARM_START_MAX_NNZ)) {
      const ev = initialEvaluation ?? evaluatePolicy(mdp, pi0, gamma, this.tau, null, 1e-12, { occupancy: true });
      const mass = ev.occupancyMass ?? 1;
      const dA = new Float32Array(S);
      for (let s = 0; s < S; s++) dA[s] = ev.d![s] * mass;
      q.writeBuffer(this.bufWork, workL.V * 4, new Float32Array(ev.V));
      q.writeBuffer(this.bufWork, workL.dA * 4, dA);
      this.coldRecorded = KRYLOV_CPU_WARM;
      this.diag.firstEvaluationWarmStart = 'f64 CPU solve of the initial policy';
    }

    // ---- params -------------------------------------------------------------------------------------
    // value iteration: the metric row's extra is the sweep change, max-reduced in ctrl[RATE] (metrics.wgsl)
    if (m === 'soft-value-iteration' || m === 'value-iteration') methodCode = 2;
    this.params = {
      S, N, SN, nCand: m === 'kl-trpo' ? KL_SEARCH.nCand : OT_SEARCH.nCand, gamma, tau: this.tau, krylovRel: KRYLOV_REL, wK: workL.kry, kG: Math.ceil(S / 64), kTree: krylovTree(S),
      oReward: modelL.reward, oMu: modelL.mu, oRho0: modelL.rho0, oCost: modelL.cost, oDStar: modelL.dStar, oPiStar: modelL.piStar,
      gRowPtr: graphL.rowPtr, gNext: graphL.next, gProb: graphL.prob, gTPtr: graphL.tPtr, gTSrc: graphL.tSrc, gTProb: graphL.tProb,
      gNbr: graphL.nbr, gNbrEdge: graphL.nbrEdge,
      wV: workL.V, wQ: workL.Q, wDA: workL.dA, wDB: workL.dB, wD: workL.d, wDOld: workL.dOld, wPiOld: workL.piOld, wPhi: workL.phi,
      wStat: workL.stat, wStCost: workL.stCost, wScratch: workL.scratch, wCand: workL.cand, wScal: workL.scal,
      aG: auxL.G, aEnv: auxL.env, linePow: line ? line.p : 0, aTlo: auxL.tlo, aThi: auxL.thi, aFirst: auxL.first, method: methodCode,
      weighting: m === 'wasserstein-flow' && optionsOf(spec, 'wasserstein-flow').weighting === 'occupancy' ? 1 : 0,
      otRadius: this.eps,
      sinkhornBlur: jkoBlur,
      negInvBlur: jkoBlur > 0 ? -1 / jkoBlur : 0,
      eta, alpha,
      cfl: m === 'wasserstein-flow' ? optionsOf(spec, 'wasserstein-flow').cfl : 0,
      dtFixed: m === 'wasserstein-flow' ? (optionsOf(spec, 'wasserstein-flow').dt ?? 0) : 0,
      tieTol: m === 'ot-trpo' || m === 'wpo-song' ? optionsOf(spec, 'ot-trpo', 'wpo-song').tieTol : 0,
      // f32: the marginal error cannot go far below N ulps
      sinkTol: m === 'jko-sinkhorn' ? Math.max(optionsOf(spec, 'jko-sinkhorn').tol, 2e-6) : 0,
      maxInner: m === 'jko-sinkhorn' ? optionsOf(spec, 'jko-sinkhorn').maxInner : 0,
      gOrder: graphL.order, oPos: modelL.pos, oLinePos: modelL.linePos, cminPos, cmax,
      delta: m === 'kl-trpo' ? optionsOf(spec, 'kl-trpo').delta : 0,
      vScale, metricRow: 0, rowStride: ROW_STRIDE,
      M, key0: lgKey[0], key1: lgKey[1], gridN: mdp.grid ? mdp.grid.n : 0, gridDim: dim, aX: auxL.X,
      lgDt: this.lgDt, lgNoise: Math.sqrt(2 * tau * this.lgDt),
      lo0: mdp.grid?.lo[0] ?? 0, lo1: mdp.grid?.lo[1] ?? 0, hi0: mdp.grid?.hi[0] ?? 0, hi1: mdp.grid?.hi[1] ?? 0,
      h0: mdp.grid?.h[0] ?? 1, h1: mdp.grid?.h[1] ?? 1,
    };
    if (m === 'soft-value-iteration' || m === 'value-iteration') this.viTol = Math.max(optionsOf(spec, 'soft-value-iteration', 'value-iteration').tol, 4e-7 * vScale);
    this.maxDim = Math.min(ctx.limits.maxComputeWorkgroupsPerDimension, opts.maxWorkgroupsPerDimension ?? Infinity);
    // the gate's live arguments: the Krylov kernels' workgroups split as the Recorder splits them
    const kw = krylovWorkgroups(S, N);
    const gateW = splitWorkgroups(kw.W, this.maxDim);
    const gateG = splitWorkgroups(kw.G, this.maxDim);
    Object.assign(this.params, { gateWx: gateW[0], gateWy: gateW[1], gateGx: gateG[0], gateGy: gateG[1] });
    q.writeBuffer(this.bufParams, 0, packParams(this.params));

    const entry = (binding: number, buffer: GPUBuffer) => ({ binding, resource: { buffer } });
    const entries = [
      entry(0, this.bufParams), entry(1, this.bufModel), entry(2, this.bufGraph), entry(3, this.bufPi),
      entry(4, this.bufWork), entry(5, this.bufCtrl), entry(6, this.bufRows), entry(7, this.bufAux),
    ];
    this.bindGroup = ctx.device.createBindGroup({ label: `${m}:bind-group`, layout: sessionLayout(ctx).bindGroupLayout, entries });
    const bufGate = acquire(GATE_BYTES, GPUBufferUsage.STORAGE | GPUBufferUsage.INDIRECT | GPUBufferUsage.COPY_DST, 'gate');
    // a pooled buffer may hold old arguments; every evaluation's first kMatP writes them before any use
    q.writeBuffer(bufGate, 0, new Uint32Array(GATE_BYTES / 4));
    this.gate = {
      buffer: bufGate,
      plain: this.bindGroup,
      withGate: ctx.device.createBindGroup({ label: `${m}:bind-group-gate`, layout: sessionGateLayout(ctx).bindGroupLayout, entries: [...entries, entry(8, bufGate)] }),
    };
    this.passes = createPasses(ctx, m, N, { lineCost: line !== null, sinkhornLinePow: jkoLine ? jkoLine.p : 0 });
    if (this.passes.sinkhorn) {
      this.diag.sinkhornRowsInGlobalMemory = this.passes.sinkhorn.globalRows;
      this.diag.sinkhornStatesPerWorkgroup = this.passes.sinkhorn.perThread ? this.passes.sinkhorn.lanes : 1;
      this.diag.sinkhornRowsHeld = this.passes.sinkhorn.held;
    }
    this.shape = { S, N, nnz, E, M };
    const direct = directSolve(S);
    this.diag.evalSolver = direct ? `direct (dense Gauss-Jordan in one workgroup, S <= ${DIRECT_MAX})` : 'bicgstab';
    this.diag.vScale = vScale;
    this.diag.evalResidualTarget = direct ? 'exact solve (f32 rounding)' : `${KRYLOV_REL} max|b|`;
  }

  get done(): boolean {
    return this.finished;
  }

  /** What the next recorded iteration needs to know (plan.ts). */
  private settings(first: boolean): IterationSettings {
    return {
      method: this.method,
      qEvery: this.qEvery,
      flow1d: this.flow1d,
      lg1d: this.lg1d,
      evalIterations: first ? this.coldRecorded : this.evalIters,
      occIterations: first ? this.coldRecorded : this.occIters,
      sinkhornInner: Math.max(1, this.maxInner),
    };
  }

  async nextBatch(maxIterations: number): Promise<IterationMetrics[]> {
    if (this.disposed) throw new Error('webgpu session: nextBatch after dispose()');
    const out: IterationMetrics[] = [];
    let left = Math.max(0, Math.floor(maxIterations));
    while (left > 0 && !this.finished) {
      // batches grow 1, 2, 4, 8, ... up to `batch`: the recorded Krylov counts adapt after every batch, so a
      // run's first updates (when the policy moves most and the counts fall fastest) are not recorded with
      // counts guessed before them; a submit and a readback per batch cost little next to those updates
      const k = Math.min(left, this.batch, MAX_ROWS, this.ramp);
      this.ramp *= 2;
      const rows = await this.runBatch(k);
      out.push(...rows);
      left -= rows.length;
    }
    return out;
  }

  private async runBatch(k: number): Promise<IterationMetrics[]> {
    const ctx = this.ctx;
    const dev = ctx.device;
    dev.queue.writeBuffer(this.bufCtrl, 10 * 4, new Uint32Array([0]));
    const enc = dev.createCommandEncoder({ label: `${this.method}:batch` });
    let dispatches = 0;
    const maxDim = this.maxDim;
    const iters: number[] = [];
    let moved = 0;
    this.evalIterationsLastBatch = this.evalIters;
    this.occIterationsLastBatch = this.occIters;
    const perEntry = new Map<string, { dispatches: number; bytes: number }>();
    for (let i = 0; i < k; i++) {
      const pass = enc.beginComputePass({ label: `${this.method}:iteration` });
      pass.setBindGroup(0, this.bindGroup);
      const r = new Recorder(pass, maxDim, this.shape, this.gate);
      if (!this.started) {
        this.started = true;
        recordIteration(r, this.passes, this.settings(true), true, 0);
        iters.push(0);
      } else {
        recordIteration(r, this.passes, this.settings(false), false, this.updates);
        this.updates++;
        this.iteration++;
        iters.push(this.iteration);
      }
      pass.end();
      dispatches += r.dispatches;
      moved += r.bytes;
      for (const [key, e] of r.perEntry) {
        const t = perEntry.get(key);
        if (t) {
          t.dispatches += e.dispatches;
          t.bytes += e.bytes;
        } else perEntry.set(key, { ...e });
      }
    }
    const bytes = k * ROW_STRIDE * 4;
    const staging = ctx.pool.acquire(bytes, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST, `${this.method}:rows-readback`);
    let data: Float32Array;
    try {
      enc.copyBufferToBuffer(this.bufRows, 0, staging, 0, alignTo(bytes, 4));
      dev.queue.submit([enc.finish()]);
      await staging.mapAsync(GPUMapMode.READ, 0, bytes);
      data = new Float32Array(staging.getMappedRange(0, bytes).slice(0));
      staging.unmap();
    } finally {
      ctx.pool.release(staging);
    }
    ctx.assertHealthy();
    this.dispatchesLastBatch = dispatches;
    this.iterationsLastBatch = k;
    this.bytesLastBatch = moved + bytes;
    this.submitsLastBatch = 1;
    this.readbacksLastBatch = 1;
    this.perEntryLastBatch = perEntry;
    const wall = this.now() - this.t0;
    const out: IterationMetrics[] = [];
    let maxEval = 0;
    let maxOcc = 0;
    // the recorded counts follow the batch's last rows (a run that has settled needs fewer iterations
    // than its first updates did); a solve at its recorded cap anywhere in the batch is counted below
    let lastEval = 0;
    let lastOcc = 0;
    for (let i = 0; i < k; i++) {
      const row = data.subarray(i * ROW_STRIDE, (i + 1) * ROW_STRIDE);
      const it = iters[i];
      const m = this.toMetrics(it, row, wall);
      out.push(m);
      if (it > 0) {
        maxEval = Math.max(maxEval, row[ROW.evalSweeps]);
        maxOcc = Math.max(maxOcc, row[ROW.occSweeps]);
        if (i >= k - 4) {
          lastEval = Math.max(lastEval, row[ROW.evalSweeps]);
          lastOcc = Math.max(lastOcc, row[ROW.occSweeps]);
        }
      } else {
        this.diag.coldEvalIterations = row[ROW.evalSweeps];
        this.diag.coldOccIterations = row[ROW.occSweeps];
      }
      if (this.finished) {
        this.iteration = it;
        break;
      }
    }
    // adapt the recorded Krylov iterations: double when a solve used all of them, else 1.25x what was used
    // plus 2, at least 4 (2 once the warm starts needed none: a settled run, whose recorded iterations are
    // all skipped); a solve that used every recorded iteration may be unconverged: counted in the diagnostics.
    // The counts a run needs fall as its policy settles, and every recorded iteration costs a few dispatches
    // even when skipped, so the margin is a quarter, not a half.
    const adapt = (used: number, recorded: number): number =>
      used >= recorded ? Math.min(KRYLOV_CAP, recorded * 2) : Math.min(KRYLOV_CAP, Math.max(used === 0 ? 2 : 4, Math.ceil(used * 1.25) + 2));
    if (maxEval >= this.evalIters || maxOcc >= this.occIters) {
      this.evalCapHits++;
      this.diag.evalSolvesAtRecordedCap = this.evalCapHits;
    }
    if (iters.some((x) => x > 0)) {
      this.evalIterationsUsedLastBatch = maxEval;
      this.occIterationsUsedLastBatch = maxOcc;
      this.diag.evalIterationsUsed = maxEval;
      this.diag.occIterationsUsed = maxOcc;
      this.evalIters = maxEval >= this.evalIters ? adapt(maxEval, this.evalIters) : adapt(lastEval, this.evalIters);
      this.occIters = maxOcc >= this.occIters ? adapt(maxOcc, this.occIters) : adapt(lastOcc, this.occIters);
    }
    this.diag.evalIterationsRecorded = this.evalIters;
    this.diag.occIterationsRecorded = this.occIters;
    this.diag.dispatchesPerIteration = dispatches / k;
    return out;
  }

  private toMetrics(iteration: number, row: Float32Array, wall: number): IterationMetrics {
    if (row[ROW.bad] === 1) throw new DivergenceError(iteration, 'policy, V or Q', 'has a NaN/Inf on the GPU');
    if (row[ROW.bad] === 2)
      throw new DivergenceError(iteration, 'policy', 'has a negative mass or a row that does not sum to 1 (mass not conserved)');
    const J = row[ROW.J];
    if (!Number.isFinite(J)) throw new DivergenceError(iteration, 'J', `is ${J}`);
    if (Math.abs(J) > 1e12) throw new DivergenceError(iteration, 'J', `blew up: |J| = ${Math.abs(J)}`);
    const m: IterationMetrics = {
      iteration,
      J,
      Jplain: this.tau === 0 ? J : row[ROW.Jplain],
      gap: this.Jstar - J,
      tv: row[ROW.tv],
      entropy: row[ROW.entropy],
      transportCost: null,
      kl: iteration > 0 ? row[ROW.kl] : null,
      trustSlack: null,
      trustViolated: null,
      lambda: null,
      evalResidual: row[ROW.evalRes],
      policyChange: iteration > 0 ? row[ROW.extra2] : null,
      t: null,
      wallMs: wall,
    };
    if (iteration > 0) {
      // fixed point of the update (the reference's rule: an update that leaves pi unchanged)
      const change = row[ROW.extra2];
      this.diag.lastPolicyChange = change;
      if (change === 0 && !this.sampled && (this.method === 'ot-trpo' || this.method === 'wpo-song' || this.method === 'kl-trpo' || this.method === 'npg'))
        this.finished = true;
      switch (this.method) {
        case 'ot-trpo':
        case 'wpo-song': {
          const c = row[ROW.cost];
          m.transportCost = c;
          m.trustSlack = this.eps - c;
          // f32: a realised cost within 1e-5 relative of eps is on the boundary
          m.trustViolated = c > this.eps * (1 + 1e-5);
          m.lambda = row[ROW.lambda];
          if (m.trustViolated) this.exceeded++;
          this.diag.lastTStar = row[ROW.extra];
          this.diag.exceedCount = this.exceeded;
          this.diag.exceedFraction = this.exceeded / iteration;
          break;
        }
        case 'kl-trpo': {
          const beta = row[ROW.extra];
          // the reference reports beta itself (the multiplier of the KL constraint); null when inactive
          m.lambda = beta > 0 ? beta : null;
          this.diag.beta = beta > 0 ? beta : 0;
          break;
        }
        case 'wasserstein-flow':
          this.t += row[ROW.dt];
          m.t = this.t;
          m.transportCost = this.flow1d ? row[ROW.cost] : null;
          this.diag.dt = row[ROW.dt];
          break;
        case 'langevin':
          m.t = iteration * this.lgDt;
          m.transportCost = this.lg1d ? row[ROW.cost] : null;
          break;
        case 'jko-sinkhorn':
          m.transportCost = row[ROW.cost];
          m.t = iteration * this.params.eta!;
          this.maxInner = Math.max(this.maxInner, row[ROW.extra3]);
          this.diag.sinkhornIterationsMax = this.maxInner;
          this.diag.sinkhornIterationsLast = row[ROW.extra3];
          // an inner loop that ran to maxInner stopped unconverged: counted and reported, never silent
          if (row[ROW.extra3] >= this.params.maxInner!) {
            this.sinkhornCapHits++;
            this.diag.sinkhornCapHits = this.sinkhornCapHits;
            this.diag.sinkhornCapWarning = `the Sinkhorn inner loop reached maxInner = ${this.params.maxInner} in ${this.sinkhornCapHits} step(s) (unconverged; raise maxInner or the blur)`;
          }
          break;
        case 'soft-value-iteration':
        case 'value-iteration': {
          const change = row[ROW.extra];
          this.diag.lastChange = change;
          if (change <= this.viTol) this.finished = true;
          break;
        }
      }
    } else if (this.method === 'wasserstein-flow' || this.method === 'jko-sinkhorn' || this.method === 'langevin') m.t = 0;
    for (const key of ['Jplain', 'tv', 'entropy'] as const) {
      if (!Number.isFinite(m[key])) throw new DivergenceError(iteration, key, `is ${m[key]}`);
    }
    this.rateX.push(m.t ?? m.iteration);
    this.rateGap.push(m.gap);
    return m;
  }

  /**
   * Benchmark hook: record `reps` repetitions of one kernel group (no evaluation, no metrics) in one
   * submit and time it to completion. 'softViSweep' = one Jacobi sweep of the soft Bellman operator
   * (memory-bound: the bytes it moves are returned), 'update' = the method's own update step.
   * Call after nextBatch(1) so that Q, V and d are those of the current policy.
   */
  async timeKernels(kind: 'softViSweep' | 'update', reps: number): Promise<{ seconds: number; dispatches: number; bytes: number }> {
    const { S, N } = this.mdp;
    const SN = S * N;
    const dev = this.ctx.device;
    const enc = dev.createCommandEncoder({ label: `${this.method}:bench` });
    const pass = enc.beginComputePass({ label: `${this.method}:bench` });
    pass.setBindGroup(0, this.bindGroup);
    const r = new Recorder(pass, this.maxDim, this.shape, this.gate);
    const vi = this.passes.vi ?? new ValueIterationPass(this.ctx);
    for (let i = 0; i < reps; i++) {
      if (kind === 'softViSweep') vi.recordSweep(r);
      else recordUpdate(r, this.passes, this.settings(false), false, i + 1);
    }
    pass.end();
    await dev.queue.onSubmittedWorkDone();
    const t0 = defaultNow();
    dev.queue.submit([enc.finish()]);
    await dev.queue.onSubmittedWorkDone();
    const seconds = (defaultNow() - t0) / 1000;
    this.ctx.assertHealthy();
    const nnz = this.mdp.rowPtr[SN];
    // rowPtr, next, prob, gathered V, reward, Q written; Q read, mu, V written
    const bytes = kind === 'softViSweep' ? reps * 4 * (SN + 1 + 3 * nnz + 2 * SN + SN + N + 2 * S) : 0;
    return { seconds, dispatches: r.dispatches / reps, bytes };
  }

  /**
   * Benchmark hook (null unless the device has 'timestamp-query'): one further update and evaluation
   * recorded with every dispatch in its own pass timed by the GPU's clock; per entry point its dispatches,
   * counted bytes and GPU seconds. Call after a few batches (the recorded Krylov counts have settled); the
   * run moves on by one update whose metric row is not read, so this is for a session about to be disposed.
   */
  async timeIterationKernels(): Promise<Map<string, { dispatches: number; bytes: number; seconds: number }> | null> {
    const dev = this.ctx.device;
    if (!dev.features.has('timestamp-query') || !this.started) return null;
    const qs = dev.createQuerySet({ type: 'timestamp', count: 4096 });
    const enc = dev.createCommandEncoder({ label: `${this.method}:timed-iteration` });
    const r = new TimedRecorder(enc, qs, this.maxDim, this.shape, this.gate);
    recordIteration(r, this.passes, this.settings(false), false, this.updates);
    this.updates++;
    this.iteration++;
    const n = r.labels.length;
    const size = 2 * n * 8;
    const resolved = dev.createBuffer({ size, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
    const staging = dev.createBuffer({ size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    try {
      enc.resolveQuerySet(qs, 0, 2 * n, resolved, 0);
      enc.copyBufferToBuffer(resolved, 0, staging, 0, size);
      dev.queue.writeBuffer(this.bufCtrl, 10 * 4, new Uint32Array([0]));
      dev.queue.submit([enc.finish()]);
      await staging.mapAsync(GPUMapMode.READ);
      const t = new BigUint64Array(staging.getMappedRange().slice(0));
      staging.unmap();
      this.ctx.assertHealthy();
      const out = new Map<string, { dispatches: number; bytes: number; seconds: number }>();
      for (let i = 0; i < n; i++) {
        const dt = t[2 * i + 1] > t[2 * i] ? Number(t[2 * i + 1] - t[2 * i]) / 1e9 : 0;
        const e = out.get(r.labels[i]);
        if (e) {
          e.dispatches++;
          e.bytes += r.bytesOf[i];
          e.seconds += dt;
        } else out.set(r.labels[i], { dispatches: 1, bytes: r.bytesOf[i], seconds: dt });
      }
      return out;
    } finally {
      qs.destroy();
      resolved.destroy();
      staging.destroy();
    }
  }

  async policy(): Promise<Policy> {
    if (this.disposed) throw new Error('webgpu session: policy() after dispose()');
    const bytes = this.mdp.S * this.mdp.N * 4;
    const data = await this.ctx.readBack(this.bufPi, 0, bytes);
    return Float64Array.from(new Float32Array(data));
  }

  /** Read a region of the work buffer (tests and diagnostics): 'V', 'Q', 'd', ... */
  async readWork(region: keyof Layout['work'], length: number): Promise<Float64Array> {
    const off = this.layout.work[region];
    const data = await this.ctx.readBack(this.bufWork, off * 4, length * 4);
    return Float64Array.from(new Float32Array(data));
  }

  /** Overwrite a region of the work buffer (f32) before the next batch: a sampled run's Q, V, d. */
  writeWork(region: 'V' | 'Q' | 'd', values: ArrayLike<number>): void {
    const { S, N } = this.mdp;
    const length = region === 'Q' ? S * N : S;
    if (values.length !== length) throw new MethodInputError(`writeWork('${region}'): ${values.length} values, expected ${length}`);
    this.ctx.device.queue.writeBuffer(this.bufWork, this.layout.work[region] * 4, Float32Array.from(values));
  }

  diagnostics(): Diagnostics {
    const fit = fitLinearRate(this.rateX, this.rateGap);
    return {
      backend: 'webgpu',
      adapter: this.ctx.adapterDescription,
      Jstar: this.Jstar,
      gamma: this.gamma,
      tau: this.tau,
      iterations: this.iteration,
      gapRate: fit ? fit.rate : null,
      gapRateFrom: fit ? fit.range[0] : null,
      gapRateTo: fit ? fit.range[1] : null,
      gapRateR2: fit ? fit.r2 : null,
      ...this.diag,
    };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const b of this.buffers) this.ctx.pool.release(b);
    this.buffers.length = 0;
  }
}
