/**
 * Policy evaluation and occupancy on the GPU (policyEvaluation.wgsl): V and Q of the current policy
 * and its normalised occupancy d, by warm-started BiCGSTAB on A V = c and A^T d = (1 - gamma) rho0
 * (A = I - gamma P_pi), stopping on the GPU at the f32 residual target (KRYLOV_REL). Each solve is
 * two set-up dispatches and five per recorded iteration; iterations after convergence are no-ops.
 * Up to DIRECT_MAX states a solve is instead dense Gauss-Jordan (two dispatches, no iteration count).
 */
import type { GpuContext } from './context';
import { SessionShader, WG, type PlanShape, type Recorder } from './layout';
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
 * Floats of the Krylov work region: 9 vectors of S plus 8 partial arrays of ceil(S / WG); the dense
 * S x (S + 1) system of the direct solve when that is larger.
 */
export const krylovFloats = (S: number): number => Math.max(9 * S + 8 * Math.ceil(S / WG), directSolve(S) ? S * (S + 1) : 0);

const F = 4;

/** Lanes per state in the product kernels: the action count rounded up to a power of two, at most WG. */
export function productLanes(N: number): number {
  let l = 1;
  while (l < N && l < WG) l *= 2;
  return l;
}

/** Bytes of one product A y: the pi-weighted CSR (or its transpose) and `ys` gathered vectors. */
function productBytes(z: PlanShape, transpose: boolean, ys: number): number {
  const SN = z.S * z.N;
  return transpose ? F * (z.S + 1 + 3 * z.nnz + ys * z.nnz) : F * (2 * SN + 1 + 2 * z.nnz + ys * z.nnz);
}

export class PolicyEvaluationPass {
  readonly shader: SessionShader;

  constructor(ctx: GpuContext) {
    this.shader = new SessionShader(ctx, 'policyEvaluation', wgsl);
  }

  /** One BiCGSTAB solve with `iterations` recorded iterations (values, or the occupancy when `transpose`). */
  recordSolve(r: Recorder, transpose: boolean, iterations: number): void {
    const z = r.shape;
    const { S, N } = z;
    const G = Math.ceil(S / WG);
    const T = transpose ? 1 : 0;
    const lanes = productLanes(N);
    // the product kernels: WG / lanes states per workgroup
    const W = Math.ceil(S / (WG / lanes));
    const p = (e: string, k = 0) => this.shader.pipeline(e, { TRANSPOSE: T, PARITY: k % 2, FIRST: k === 0 ? 1 : 0, LANES: lanes });
    // every workgroup of a kernel re-reduces the partial arrays it needs (kG floats each)
    const partials = (arrays: number, workgroups: number) => F * G * arrays * workgroups;
    const initB = transpose ? F * S : F * (2 * S * N + N);
    r.workgroups(p('kInit'), W, initB + productBytes(z, transpose, 1) + F * 4 * S);
    r.workgroups(p('kInitDots'), G, F * (2 * S + 3 * G));
    for (let k = 0; k < iterations; k++) {
      r.workgroups(p('kMatP', k), W, partials(k === 0 ? 2 : 6, W) + productBytes(z, transpose, k === 0 ? 1 : 3) + F * 2 * S);
      r.workgroups(p('kDotV', k), G, partials(2, G) + F * (2 * S + G));
      r.workgroups(p('kMatS', k), W, partials(4, W) + productBytes(z, transpose, 2) + F * 2 * S);
      r.workgroups(p('kDotT', k), G, partials(2, G) + F * (2 * S + 2 * G));
      r.workgroups(p('kUpdate', k), G, partials(6, G) + F * (7 * S + 2 * G));
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
    const direct = directSolve(z.S);
    if (direct) this.recordDirect(r, false);
    else this.recordSolve(r, false, iterations);
    r.items(this.shader.pipeline('qFromVFinal'), SN, F * (3 * SN + 1 + 3 * z.nnz));
    if (direct) this.recordDirect(r, true);
    else this.recordSolve(r, true, occIterations);
    r.single(this.shader.pipeline('occFinish'), F * 4 * z.S);
  }

  /** pi <- soft-greedy (tau > 0) or greedy (lowest index) policy of the current Q. */
  recordGreedyPolicy(r: Recorder): void {
    const z = r.shape;
    r.workgroups(this.shader.pipeline('greedyPolicy'), z.S, F * (2 * z.S * z.N + z.N));
  }
}
