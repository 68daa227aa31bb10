/**
 * The entropic JKO step by log-domain generalised Sinkhorn (sinkhorn.wgsl, ALGORITHMS.md §4), every inner
 * iteration inside one dispatch: one state per invocation for small action sets, else one workgroup per
 * state. MAXN sizes the workgroup arrays of the three Sinkhorn rows; when six rows (seven with a line
 * cost's positions) fit the adapter's workgroup storage, pi_old, the prox's constant part and the log prox
 * (and the positions) are held beside them (HELD: an inner iteration on a line then reads nothing from
 * global memory, with a cost matrix only its rows); when not even three fit, the rows live in the work
 * buffer (GLOBAL_ROWS).
 */
import type { GpuContext } from './context';
import { SessionShader, type Recorder } from './layout';
import wgsl from './sinkhorn.wgsl?raw';

/** Workgroup memory one state needs: `rows` rows of N floats (3; 6 held, 7 with a line's positions) plus the reduction scratch. */
export function sinkhornWorkgroupBytes(N: number, rows = 3): number {
  return (rows * N + 80) * 4;
}

/**
 * Action counts up to which a state is one invocation (jkoStepThread: serial loops, no barriers, WG states
 * per workgroup, each invocation's three rows in private arrays of this length; sinkhorn.wgsl THREAD_MAXN).
 * Private, not workgroup, arrays: an emulated adapter compiled the workgroup-memory version about five
 * times slower (0.9 s against 0.2 s on SwiftShader), for no speed at run time.
 */
export const SINKHORN_THREAD_MAXN = 16;
const THREAD_STATES = 64;

/** True when a JKO step at N actions runs one state per invocation. */
export function sinkhornPerThread(N: number): boolean {
  return N <= SINKHORN_THREAD_MAXN;
}

/**
 * Lanes of the one-state workgroup: the action count rounded up to a power of two, between 4 and 64 (a
 * workgroup of 64 lanes for N = 6 would idle 58 of them through every barrier of every inner iteration).
 */
export function sinkhornLanes(N: number): number {
  let l = 4;
  while (l < N && l < 64) l *= 2;
  return l;
}

export class SinkhornJkoPass {
  readonly shader: SessionShader;

  readonly globalRows: boolean;

  /** lanes per workgroup (sinkhornLanes) */
  readonly lanes: number;

  /** one state per invocation (jkoStepThread) instead of one per workgroup */
  readonly perThread: boolean;

  /** pi_old, the prox's constant part and the log prox held beside the Sinkhorn rows (or private, per invocation) */
  readonly held: boolean;

  /** `linePow`: p of a cost |x_j - x_k|^p on 1-D positions, computed in the kernel (0: the cost matrix) */
  constructor(
    ctx: GpuContext,
    N: number,
    readonly linePow = 0,
  ) {
    this.perThread = sinkhornPerThread(N);
    const limit = ctx.limits.maxComputeWorkgroupStorageSize;
    this.globalRows = !this.perThread && sinkhornWorkgroupBytes(N) > limit;
    // held: pi_old, the prox constant, the log prox (and a line's positions) beside the three Sinkhorn rows
    const heldInWorkgroup = !this.perThread && sinkhornWorkgroupBytes(N, linePow ? 7 : 6) <= limit;
    this.held = this.perThread || heldInWorkgroup;
    this.lanes = this.perThread ? THREAD_STATES : sinkhornLanes(N);
    this.shader = new SessionShader(ctx, 'sinkhorn', wgsl, {
      MAXN: this.globalRows || this.perThread ? 1 : Math.max(N, 1),
      GLOBAL_ROWS: this.globalRows ? 1 : 0,
      WG: this.lanes,
      LINEP: linePow,
      THREAD: this.perThread ? 1 : 0,
      HELD: heldInWorkgroup ? 1 : 0,
      MAXH: heldInWorkgroup ? N : 1,
    });
  }

  /**
   * `inner`: the inner iterations expected per step (bytes: the cost matrix is read twice per inner
   * iteration; on a line, the positions instead: every lane of a workgroup reads the same x_j at the same
   * step, one load per j and loop).
   */
  record(r: Recorder, inner: number): void {
    const { S, N } = r.shape;
    // per inner iteration: G^T and G (N^2 each), or the positions twice unless held; unless held, pi_old, Q
    // and the log prox in pi (and the three rows when global); after the loop the transport cost walks C
    // (or the positions) once; per step pi, Q, log b read, pi_old, log b and pi written
    const costs = this.linePow ? (this.held ? 0 : 2 * N) : 2 * N * N;
    const rows = this.globalRows ? 2 * N * N + 6 * N : 0;
    const reread = this.held ? 0 : 3 * N;
    const bytes = 4 * S * (inner * (costs + reread + rows) + (this.linePow ? N : N * N) + 6 * N);
    if (this.perThread) r.workgroups(this.shader.pipeline('jkoStepThread'), Math.ceil(S / THREAD_STATES), bytes);
    else r.workgroups(this.shader.pipeline('jkoStep'), S, bytes);
  }
}
