/**
 * Policy evaluation and occupancy on the GPU (policyEvaluation.wgsl): V and Q of the current policy
 * and its normalised occupancy d, by warm-started BiCGSTAB on A V = c and A^T d = (1 - gamma) rho0
 * (A = I - gamma P_pi), stopping on the GPU at the f32 residual target (KRYLOV_REL; for the occupancy
 * relative to the warm start's max|d| when that is larger than max|b|, the f32 floor). The two solves run
 * side by side in the same kernels: two set-up dispatches and five per recorded iteration for both; a
 * converged system skips the rest, and once both have converged four of the five are dispatched with no
 * workgroups (the gate, written by kMatP).
 * Up to DIRECT_MAX states a solve is instead dense Gauss-Jordan (two dispatches, no iteration count).
 */
import type { GpuContext } from './context';
import { GATE_G, GATE_W, SessionShader, WG, type PlanShape, type Recorder } from './layout';
import wgsl from './policyEvaluation.wgsl?raw';

/**
 * Residual target of a solve relative to max|b|: 2^-22, four units of f32 rounding of the right-hand side
 * (so the error of x is at most 2^-22 max|b| / (1 - gamma)). See policyEvaluation.wgsl for why the target
 * is not relative to the largest possible |x|.
 */
export const KRYLOV_REL = 2 ** -22;
/**
 * States up to which the evaluation is a direct dense solve (kDenseRow + kDenseSolve: two dispatches per
 * solve, exact to f32 rounding) instead of BiCGSTAB: the augmented S x (S + 1) system must fit one
 * workgroup's memory (60 x 61 f32 = 14,640 B of the 16,384 B every adapter offers).
 */
export const DIRECT_MAX = 60;
/** True when the evaluation of an S-state MDP is the direct solve. */
export const directSolve = (S: number): boolean => S <= DIRECT_MAX;
/**
 * Floats of the Krylov work region: per system (values, occupancy) 9 vectors of S plus 10 partial arrays of
 * ceil(S / WG) (the last one's first word is the solve-finished flag) and the two iteration counters; the dense S x (S + 1) system of the direct solve when that is larger.
 */
export const krylovFloats = (S: number): number => Math.max(2 * (9 * S + 10 * Math.ceil(S / WG) + 2), directSolve(S) ? S * (S + 1) : 0);

const F = 4;

/** The entry points that write the gate (they bind sessionGateLayout; layout.ts). */
export const GATE_WRITERS: ReadonlySet<string> = new Set(['kMatP']);

/**
 * Width of the tree that re-reduces the ceil(S / WG) per-workgroup partials: that count rounded up to a
 * power of two, at most WG (the lanes beyond it hold zeros, so the bits are those of the full tree).
 */
export function krylovTree(S: number): number {
  const g = Math.ceil(S / WG);
  let w = 1;
  while (w < g && w < WG) w *= 2;
  return w;
}

/**
 * Lanes per state in the product kernels: an eighth of the action count rounded up to a power of two, at
 * most WG, so each lane walks up to eight action rows (or about as many incoming entries): short rows do
 * not leave most lanes idle, and the workgroups of a small problem stay few (an emulated adapter charges
 * every workgroup for each barrier: Taxi, N = 6, takes one lane per state, 64 states per workgroup, and
 * its segmented sums need no barrier at all). At N = 1024 it is still 64 lanes.
 */
export function productLanes(N: number): number {
  let l = 1;
  while (l * 8 < N && l < WG) l *= 2;
  return l;
}

/** Bytes of one product A y: the pi-weighted CSR (or its transpose) and `ys` gathered vectors. */
function productBytes(z: PlanShape, transpose: boolean, ys: number): number {
  const SN = z.S * z.N;
  return transpose ? F * (z.S + 1 + 3 * z.nnz + ys * z.nnz) : F * (2 * SN + 1 + 2 * z.nnz + ys * z.nnz);
}

/**
 * Workgroups of the Krylov kernels: W for the products (WG / productLanes(N) states each), G for the
 * per-state kernels (WG states each). The session writes them, split as the Recorder splits, as the gate's
 * live arguments.
 */
export function krylovWorkgroups(S: number, N: number): { W: number; G: number } {
  return { W: Math.ceil(S / (WG / productLanes(N))), G: Math.ceil(S / WG) };
}

export class PolicyEvaluationPass {
  readonly shader: SessionShader;

  constructor(ctx: GpuContext) {
    this.shader = new SessionShader(ctx, 'policyEvaluation', wgsl);
  }

  /**
   * The two BiCGSTAB solves side by side (values and occupancy; every kernel does its step of both) with
   * `iterations` recorded iterations: two set-up dispatches and five per iteration. A system that has
   * converged skips its part of the remaining kernels.
   */
  recordSolves(r: Recorder, iterations: number): void {
    const z = r.shape;
    const { S, N } = z;
    const { W, G } = krylovWorkgroups(S, N);
    const lanes = productLanes(N);
    // one pipeline per kernel: the iteration's parity is counted on the GPU (policyEvaluation.wgsl)
    const p = (e: string) => this.shader.pipeline(e, { LANES: lanes });
    // every workgroup of a kernel re-reduces the partial arrays it needs (kG floats each), per system
    const partials = (arrays: number, workgroups: number) => 2 * F * G * arrays * workgroups;
    const both = (ys: number) => productBytes(z, false, ys) + productBytes(z, true, ys);
    // kInit: pi, rewards and mu for the values' right-hand side, rho0 for the occupancy's, the products,
    // x read and b, r, rh written per system
    r.workgroups(p('kInit'), W, F * (2 * S * N + N) + F * S + both(1) + 2 * F * 4 * S);
    r.workgroups(p('kInitDots'), G, 2 * F * (3 * S + 4 * G));
    // kMatP sets the gate: the other four kernels of an iteration are dispatched from it, with no
    // workgroups once both solves have finished (a recorded iteration after convergence costs one kernel
    // that returns after a barrier, and four empty dispatches). Counted as if they ran.
    for (let k = 0; k < iterations; k++) {
      // the residual, max|b| and max|x| partials always; rho, rh.v, t.s and t.t after the first iteration
      r.gateWriter(this.shader.pipeline('kMatP', { LANES: lanes }, GATE_WRITERS.has('kMatP')), W, partials(k === 0 ? 3 : 7, W) + both(k === 0 ? 1 : 3) + 2 * F * 2 * S);
      r.gated(p('kDotV'), GATE_G, 2 * F * (2 * S + G));
      r.gated(p('kMatS'), GATE_W, partials(5, W) + both(2) + 2 * F * 2 * S);
      r.gated(p('kDotT'), GATE_G, 2 * F * (2 * S + 2 * G));
      r.gated(p('kUpdate'), GATE_G, partials(7, G) + 2 * F * (7 * S + 2 * G));
    }
  }

  /**
   * The direct solve (S <= DIRECT_MAX): the dense system built one workgroup per state (its row of pi,
   * rewards and CSR read once, the row of M written), then solved in one workgroup (M read, x written).
   */
  recordDirect(r: Recorder, transpose: boolean): void {
    const z = r.shape;
    const { S, N } = z;
    const T = transpose ? 1 : 0;
    const rowBytes = F * (transpose ? S * N + S : 2 * S * N + N) + F * (S * N + 1 + 2 * z.nnz) + F * S * (S + 1);
    r.workgroups(this.shader.pipeline('kDenseRow', { TRANSPOSE: T }), S, rowBytes);
    r.single(this.shader.pipeline('kDenseSolve', { TRANSPOSE: T }), F * (S * (S + 1) + S));
  }

  /**
   * V (values solve), Q = r + gamma P V, d (occupancy solve, normalised; its mass in SC_MASS). Solves are
   * direct for S <= DIRECT_MAX (the recorded iteration counts are then unused).
   */
  record(r: Recorder, iterations: number, occIterations: number): void {
    const z = r.shape;
    const SN = z.S * z.N;
    if (directSolve(z.S)) {
      this.recordDirect(r, false);
      this.recordDirect(r, true);
    } else this.recordSolves(r, Math.max(iterations, occIterations));
    r.items(this.shader.pipeline('qFromVFinal'), SN, F * (3 * SN + 1 + 3 * z.nnz));
    r.single(this.shader.pipeline('occFinish'), F * 4 * z.S);
  }

  /** pi <- soft-greedy (tau > 0) or greedy (lowest index) policy of the current Q. */
  recordGreedyPolicy(r: Recorder): void {
    const z = r.shape;
    r.workgroups(this.shader.pipeline('greedyPolicy'), z.S, F * (2 * z.S * z.N + z.N));
  }
}
