/**
 * The session's single bind-group layout (see common.wgsl), the Params uniform packing, and the
 * small recording helpers every pass uses (1-D dispatches split over two grid dimensions, single
 * workgroups, pipelines from the cache).
 */
import commonWgsl from './common.wgsl?raw';
import type { GpuContext } from './context';

/** Params fields in WGSL order; 'f' = f32, 'u' = u32. Checked against common.wgsl by a test. */
export const PARAM_FIELDS = [
  ['S', 'u'], ['N', 'u'], ['SN', 'u'], ['nCand', 'u'],
  ['gamma', 'f'], ['tau', 'f'], ['krylovRel', 'f'], ['pad0', 'f'],
  ['oReward', 'u'], ['oMu', 'u'], ['oRho0', 'u'], ['oCost', 'u'],
  ['oDStar', 'u'], ['oPiStar', 'u'], ['gRowPtr', 'u'], ['gNext', 'u'],
  ['gProb', 'u'], ['gTPtr', 'u'], ['gTSrc', 'u'], ['gTProb', 'u'],
  ['gNbr', 'u'], ['gNbrEdge', 'u'], ['wV', 'u'], ['wQ', 'u'],
  ['wDA', 'u'], ['wDB', 'u'], ['wD', 'u'], ['wDOld', 'u'],
  ['wPiOld', 'u'], ['wPhi', 'u'], ['wStat', 'u'], ['wStCost', 'u'],
  ['wScratch', 'u'], ['wCand', 'u'], ['wScal', 'u'], ['aTlo', 'u'],
  ['aThi', 'u'], ['aFirst', 'u'], ['method', 'u'], ['weighting', 'u'],
  ['otRadius', 'f'], ['eta', 'f'], ['alpha', 'f'], ['cfl', 'f'],
  ['dtFixed', 'f'], ['tieTol', 'f'], ['sinkTol', 'f'], ['maxInner', 'u'],
  ['gOrder', 'u'], ['oPos', 'u'], ['cminPos', 'f'], ['cmax', 'f'],
  ['delta', 'f'], ['vScale', 'f'], ['metricRow', 'u'], ['rowStride', 'u'],
  ['M', 'u'], ['key0', 'u'], ['key1', 'u'], ['gridN', 'u'],
  ['gridDim', 'u'], ['aX', 'u'], ['lgDt', 'f'], ['lgNoise', 'f'],
  ['lo0', 'f'], ['lo1', 'f'], ['hi0', 'f'], ['hi1', 'f'],
  ['h0', 'f'], ['h1', 'f'], ['wK', 'u'], ['kG', 'u'],
  ['sinkhornBlur', 'f'], ['aG', 'u'], ['negInvBlur', 'f'], ['linePow', 'u'],
  ['aEnv', 'u'], ['kTree', 'u'], ['oLinePos', 'u'], ['gateWx', 'u'],
  ['gateWy', 'u'], ['gateGx', 'u'], ['gateGy', 'u'], ['pad7', 'u'],
] as const;

/** Bytes of the packed Params uniform. */
export const PARAMS_BYTES = Math.ceil((PARAM_FIELDS.length * 4) / 256) * 256;

export type ParamName = (typeof PARAM_FIELDS)[number][0];
export type Params = Record<ParamName, number>;

export const COMMON_WGSL = commonWgsl;

/** Pack Params into the uniform's bytes (256-byte multiple). */
export function packParams(p: Partial<Params>): ArrayBuffer {
  const buf = new ArrayBuffer(PARAMS_BYTES);
  const u = new Uint32Array(buf);
  const f = new Float32Array(buf);
  PARAM_FIELDS.forEach(([name, kind], i) => {
    const v = p[name] ?? 0;
    if (kind === 'u') u[i] = v >>> 0;
    else f[i] = v;
  });
  return buf;
}

/** Binding kinds of the session layout, by binding number. */
export const SESSION_BINDINGS: GPUBufferBindingType[] = [
  'uniform',
  'read-only-storage',
  'read-only-storage',
  'storage',
  'storage',
  'storage',
  'storage',
  'storage',
];

export interface SessionLayout {
  bindGroupLayout: GPUBindGroupLayout;
  pipelineLayout: GPUPipelineLayout;
  key: string;
}

const layouts = new WeakMap<GPUDevice, SessionLayout>();
const gateLayouts = new WeakMap<GPUDevice, SessionLayout>();

function makeLayout(ctx: GpuContext, bindings: GPUBufferBindingType[], label: string, key: string): SessionLayout {
  const bindGroupLayout = ctx.device.createBindGroupLayout({
    label,
    entries: bindings.map((type, binding) => ({ binding, visibility: GPUShaderStage.COMPUTE, buffer: { type } })),
  });
  const pipelineLayout = ctx.device.createPipelineLayout({ label: `${label}-pipeline`, bindGroupLayouts: [bindGroupLayout] });
  return { bindGroupLayout, pipelineLayout, key };
}

export function sessionLayout(ctx: GpuContext): SessionLayout {
  let l = layouts.get(ctx.device);
  if (!l) {
    l = makeLayout(ctx, SESSION_BINDINGS, 'wwb-session-layout', 'session-v1');
    layouts.set(ctx.device, l);
  }
  return l;
}

/**
 * The session layout plus binding 8, the gate: the indirect arguments of the Krylov kernels after kMatP
 * (policyEvaluation.wgsl). Only kMatP binds it (writable); the kernels dispatched from it bind the plain
 * layout, so no dispatch uses the gate both as storage and as its indirect arguments.
 */
export function sessionGateLayout(ctx: GpuContext): SessionLayout {
  let l = gateLayouts.get(ctx.device);
  if (!l) {
    l = makeLayout(ctx, [...SESSION_BINDINGS, 'storage'], 'wwb-session-gate-layout', 'session-gate-v1');
    gateLayouts.set(ctx.device, l);
  }
  return l;
}

/** Bytes of the gate buffer: two indirect dispatch argument triples (product and per-state kernels). */
export const GATE_BYTES = 32;
/** Byte offsets of the gate's triples: the product kernels' workgroups (W) and the per-state kernels' (G). */
export const GATE_W = 0;
export const GATE_G = 12;

/** The gate of a session that encodes for real: its buffer and the bind groups without and with it. */
export interface RecorderGate {
  buffer: GPUBuffer;
  plain: GPUBindGroup;
  withGate: GPUBindGroup;
}

/** The x and y workgroup counts a dispatch of `n` workgroups is split into (Recorder.encode's rule). */
export function splitWorkgroups(n: number, maxPerDim: number): [number, number] {
  return n <= maxPerDim ? [n, 1] : [maxPerDim, Math.ceil(n / maxPerDim)];
}

/** A WGSL module of the session (common prelude + its own code) and its entry points' pipelines. */
export class SessionShader {
  readonly code: string;
  constructor(
    private readonly ctx: GpuContext,
    readonly name: string,
    source: string,
    private readonly constants: Record<string, number> = {},
  ) {
    this.code = `${COMMON_WGSL}\n${source}`;
  }

  /** `gate`: the pipeline binds the gate (sessionGateLayout) */
  pipeline(entryPoint: string, extra: Record<string, number> = {}, gate = false): GPUComputePipeline {
    const layout = gate ? sessionGateLayout(this.ctx) : sessionLayout(this.ctx);
    return this.ctx.pipelines.get({
      code: this.code,
      name: this.name,
      entryPoint,
      layout: layout.pipelineLayout,
      layoutKey: layout.key,
      constants: { ...this.constants, ...extra },
    });
  }
}

export const WG = 64;

/**
 * Sizes the byte counts of a plan are computed from: states, actions, transition entries (nnz of the
 * CSR of P), action-graph edges and particles per state.
 */
export interface PlanShape {
  S: number;
  N: number;
  nnz: number;
  E: number;
  M: number;
}

/** Dispatches and bytes of one entry point, summed over a recording. */
export interface EntryCount {
  dispatches: number;
  bytes: number;
}

/**
 * Records the dispatches of a plan into a compute pass and counts them: dispatches, and the bytes
 * each dispatch reads and writes in global memory (the estimate its pass gives from what it binds and
 * the work it is given: every array element it loads or stores once, gathers counted per access).
 * With `pass = null` nothing is encoded (the benchmark's cost model records plans at sizes this
 * adapter cannot hold); the counts are the same as when the plan is encoded for real.
 */
export class Recorder {
  dispatches = 0;
  bytes = 0;
  readonly perEntry = new Map<string, EntryCount>();
  constructor(
    readonly pass: GPUComputePassEncoder | null,
    readonly maxPerDim: number,
    readonly shape: PlanShape,
    readonly gate: RecorderGate | null = null,
  ) {}

  /**
   * `n` workgroups of `p`, a kernel that writes the gate (bound with it for this dispatch only). Counted
   * as workgroups().
   */
  gateWriter(p: GPUComputePipeline, n: number, bytes: number): void {
    if (n <= 0) return;
    if (this.pass) {
      const g = this.needGate();
      this.pass.setBindGroup(0, g.withGate);
      this.encode(this.pass, p, n);
      this.pass.setBindGroup(0, g.plain);
    }
    this.count(p, bytes);
  }

  /**
   * A dispatch of `p` whose workgroups the gate holds at byte `offset` (GATE_W, GATE_G): the full count
   * while a solve runs, none once it has finished. Counted (dispatches and bytes) as if it ran.
   */
  gated(p: GPUComputePipeline, offset: number, bytes: number): void {
    if (this.pass) {
      this.pass.setPipeline(p);
      this.pass.dispatchWorkgroupsIndirect(this.needGate().buffer, offset);
    }
    this.count(p, bytes);
  }

  protected needGate(): RecorderGate {
    if (!this.gate) throw new Error('Recorder: a gated dispatch needs the session gate');
    return this.gate;
  }

  /** One invocation per item, WG per workgroup, split over x and y when needed. */
  items(p: GPUComputePipeline, count: number, bytes: number): void {
    if (count <= 0) return;
    this.workgroups(p, Math.ceil(count / WG), bytes);
  }

  /** `n` workgroups (the kernel reconstructs the linear workgroup id from x and y). */
  workgroups(p: GPUComputePipeline, n: number, bytes: number): void {
    if (n <= 0) return;
    if (this.pass) this.encode(this.pass, p, n);
    this.count(p, bytes);
  }

  /** Encode `n` workgroups of `p` into `pass`, split over x and y beyond the per-dimension limit. */
  protected encode(pass: GPUComputePassEncoder, p: GPUComputePipeline, n: number): void {
    pass.setPipeline(p);
    if (n <= this.maxPerDim) pass.dispatchWorkgroups(n, 1, 1);
    else pass.dispatchWorkgroups(this.maxPerDim, Math.ceil(n / this.maxPerDim), 1);
  }

  /** Count one dispatch of `p` moving `bytes`. */
  protected count(p: GPUComputePipeline, bytes: number): void {
    this.dispatches++;
    this.bytes += bytes;
    const key = p.label || '?';
    const e = this.perEntry.get(key);
    if (e) {
      e.dispatches++;
      e.bytes += bytes;
    } else this.perEntry.set(key, { dispatches: 1, bytes });
  }

  /** A single workgroup. */
  single(p: GPUComputePipeline, bytes: number): void {
    this.workgroups(p, 1, bytes);
  }
}

/**
 * A Recorder for the benchmark's per-kernel timing: every dispatch in its own compute pass with timestamp
 * writes at its start and end (query 2i and 2i + 1 of `querySet`), so that the GPU's own clock times each
 * kernel. Counts as the plain Recorder; `labels[i]` is dispatch i's entry point.
 */
export class TimedRecorder extends Recorder {
  readonly labels: string[] = [];
  readonly bytesOf: number[] = [];
  constructor(
    private readonly encoder: GPUCommandEncoder,
    private readonly querySet: GPUQuerySet,
    maxPerDim: number,
    shape: PlanShape,
    gate: RecorderGate,
  ) {
    super(null, maxPerDim, shape, gate);
  }

  /** One dispatch in its own timed pass: `encode` records it with bind group `group`. */
  private timed(p: GPUComputePipeline, bytes: number, group: GPUBindGroup, encode: (pass: GPUComputePassEncoder) => void): void {
    const i = this.labels.length;
    if (2 * i + 1 >= this.querySet.count) throw new Error(`TimedRecorder: more than ${this.querySet.count / 2} dispatches`);
    const pass = this.encoder.beginComputePass({ timestampWrites: { querySet: this.querySet, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 } });
    pass.setBindGroup(0, group);
    encode(pass);
    pass.end();
    this.labels.push(p.label || '?');
    this.bytesOf.push(bytes);
    this.count(p, bytes);
  }

  override workgroups(p: GPUComputePipeline, n: number, bytes: number): void {
    if (n <= 0) return;
    this.timed(p, bytes, this.needGate().plain, (pass) => this.encode(pass, p, n));
  }

  override gateWriter(p: GPUComputePipeline, n: number, bytes: number): void {
    if (n <= 0) return;
    this.timed(p, bytes, this.needGate().withGate, (pass) => this.encode(pass, p, n));
  }

  override gated(p: GPUComputePipeline, offset: number, bytes: number): void {
    this.timed(p, bytes, this.needGate().plain, (pass) => {
      pass.setPipeline(p);
      pass.dispatchWorkgroupsIndirect(this.needGate().buffer, offset);
    });
  }
}

/**
 * Candidates per round and rounds of a bracket search. OT lambda*: 32 candidates, 6 rounds (a log grid
 * with ratio 2, then 31-fold linear refinements to hi - lo <= 1.2e-7 hi); each candidate costs a pass
 * over the row, so more candidates would cost bytes. KL beta: klCandRow evaluates one candidate per
 * lane from one read of the row, so it takes a full workgroup (64 = WG): a log grid with ratio 1.45
 * and 63-fold geometric refinements reach hi / lo <= 1 + 2e-6 in 3 more rounds, plus one for a
 * bracket [0, beta_1]: 5 rounds.
 */
export interface SearchShape {
  nCand: number;
  rounds: number;
}
export const OT_SEARCH: SearchShape = { nCand: 32, rounds: 6 };
export const KL_SEARCH: SearchShape = { nCand: 64, rounds: 5 };
/** The most candidates any search uses (the scratch and candidate blocks are sized by it). */
export const N_CAND_MAX = 64;

/**
 * Record a GPU bracket search: per round the candidates (round 0 starts the search: its log grid and
 * the end flag re-armed; later rounds with the previous round's bracket step folded in, FOLD, the
 * candidate block chosen by the round's parity, CPAR; common.wgsl) and the per-candidate sums, then
 * one bracket step for the last round: 1 + 2 rounds dispatches. The candidate kernel runs `candItems`
 * invocations (default one per (candidate, state); S WG for a workgroup per state), with the override
 * constants `candConstants` besides CPAR and FOLD.
 */
export function recordSearch(r: Recorder, sh: SessionShader, search: SearchShape, cand: string, bracket: string, candBytes: number, candItems = r.shape.S * search.nCand, candConstants: Record<string, number> = {}): void {
  const { nCand, rounds } = search;
  const S = r.shape.S;
  for (let k = 0; k < rounds; k++) {
    const CPAR = k % 2;
    // a bracket step (folded) reads the previous block (2 nCand words); the writer stores nCand
    r.items(sh.pipeline(cand, { ...candConstants, CPAR, FOLD: k > 0 ? 1 : 0 }), candItems, candBytes + (k > 0 ? 4 * 3 * nCand : 4 * nCand));
    r.workgroups(sh.pipeline('candReduce', { CPAR }), nCand, 4 * (S * nCand + nCand));
  }
  r.single(sh.pipeline(bracket, { CPAR: rounds % 2, FOLD: 1 }), 4 * 3 * nCand);
}
