/**
 * Exact policy evaluation, occupancy measures and the small row helpers every reference method uses
 * (ALGORITHMS.md §1).
 *
 * Problem: for a policy pi (rows on the simplex, index s * N + j) solve the regularised Bellman equation
 *
 *     V = r_pi - tau KL_pi + gamma P_pi V,
 *     r_pi(s)   = sum_j pi(j|s) r(s,j),
 *     KL_pi(s)  = sum_j pi(j|s) log(pi(j|s) / mu(j))        (0 log 0 = 0),
 *     P_pi(s,s') = sum_j pi(j|s) P(s'|s,j),
 *
 * and form Q(s,j) = r(s,j) + gamma sum_s' P(s'|s,j) V(s') (no entropy term in Q, as in §1).
 *
 * Solvers:
 *  - 'dense' (default for S <= 1500): LU with partial pivoting of A = I - gamma P_pi (row-major, the
 *    elimination skips structural zeros of the pivot row, so sparse P_pi factor fast). Exact up to
 *    round-off; A is an M-matrix-like, strictly diagonally dominant matrix for gamma < 1 (rows of P_pi
 *    sum to <= 1), so pivoting is for safety only.
 *  - 'iterative' (S > DENSE_EVALUATION_MAX_STATES): BiCGSTAB on (I - gamma P_pi) V = c from the warm start
 *    `warm` (two sparse products per iteration and no stored basis, so it is the fastest Krylov method
 *    here), to a 2-norm residual <= tol * max(1, |V|_inf); if it breaks down or stalls, restarted
 *    GMRES(30) from where it stopped, and if that stalls too (restarts can stagnate on adversarial
 *    structure) Gauss–Seidel sweeps finish the job (diagonal P_pi(s,s) moved to the left; they contract at
 *    least at rate gamma per sweep) until a sweep's update is <= tol * max(1, |V|_inf) or `maxSweeps`.
 *    The residual |V - (c + gamma P_pi V)|_inf reached is recomputed exactly at the end, so the trace
 *    states what was achieved. The occupancy uses the same solvers on the transposed system.
 *    BiCGSTAB's sparse products run in a small WebAssembly kernel (sparseKernel.ts: the same operations
 *    in the same order as the TypeScript loops here, which stay the reference of record and the fallback).
 *
 * Terminated transitions are omitted mass in the CSR rows, so rows of P_pi sum to <= 1; the occupancy
 * d = (1 - gamma) rho0^T (I - gamma P_pi)^{-1} then has total mass <= 1 and is normalised explicitly to a
 * probability vector (the mass before normalisation is returned as `occupancyMass` where it matters:
 * J_plain - J_tau = tau / (1 - gamma) * occupancyMass * sum_s d(s) KL_pi(s)).
 */
import type { TabularMdp } from '../../shared/mdp/types';
import { wasmSparseKernel, type LoadedMatrix } from './sparseKernel';

/**
 * Largest S evaluated by dense LU under solver 'auto'. LU costs S^3/3 flops (about 30 ms at S = 500,
 * 0.4 s at S = 1000 on the CI machine) while warm-started GMRES reaches a 1e-12 relative residual in a
 * few sparse products, so past a couple of hundred states the iterative solver is both faster and, with
 * its residual reported in every trace, no less honest.
 */
export const DENSE_EVALUATION_MAX_STATES = 200;

export interface Evaluation {
  V: Float64Array;
  Q: Float64Array;
  /** ||V - (r_pi - tau KL_pi + gamma P_pi V)||_inf reached */
  residual: number;
  solver: 'dense' | 'iterative';
  /** normalised occupancy d^pi (only when asked for with `occupancy: true`) */
  d?: Float64Array;
  /** total mass of (1 - gamma) rho0^T (I - gamma P_pi)^{-1} before normalisation (1 without termination) */
  occupancyMass?: number;
  /** Gauss–Seidel sweeps used (iterative solver; 0 when a Krylov method converged) */
  sweeps?: number;
  /** Krylov (BiCGSTAB, then GMRES) matrix-vector products used (iterative solver) */
  matvecs?: number;
  /** the kernel of BiCGSTAB's products (iterative solver) */
  kernel?: 'wasm' | 'typescript';
}

export interface EvaluationOptions {
  /** 'auto' (default): dense for S <= denseMaxStates, iterative above */
  solver?: 'auto' | 'dense' | 'iterative';
  denseMaxStates?: number;
  /**
   * iterative solver: BiCGSTAB, then restarted GMRES(30) if it fails, then Gauss–Seidel (default
   * 'bicgstab'); 'gmres' skips BiCGSTAB; 'gauss-seidel' uses Gauss–Seidel alone
   */
  iterative?: 'bicgstab' | 'gmres' | 'gauss-seidel';
  /** cap on Krylov matrix-vector products, per Krylov method (default 3000) */
  maxMatvecs?: number;
  /** cap on Gauss–Seidel sweeps (default 200000) */
  maxSweeps?: number;
  /** also compute the normalised occupancy d^pi (re-uses the LU factors in the dense case) */
  occupancy?: boolean;
  /** warm start for the occupancy (iterative solver) */
  warmOccupancy?: Float64Array | null;
  /**
   * sparse products of BiCGSTAB on (I - gamma P_pi) V = c: 'wasm' (default) runs them in the WebAssembly
   * kernel of sparseKernel.ts, equal to the TypeScript loops bit for bit and 3-4x faster, and falls back
   * to 'typescript' (the reference of record) where WebAssembly is unavailable or refused
   */
  kernel?: 'wasm' | 'typescript';
}

// ---------------------------------------------------------------------------------------------------
// Row helpers

/** The uniform policy pi(j|s) = 1/N. */
export function uniformPolicy(mdp: TabularMdp): Float64Array {
  const pi = new Float64Array(mdp.S * mdp.N);
  pi.fill(1 / mdp.N);
  return pi;
}

/** The reference measure in every state, pi(j|s) = mu(j). */
export function referencePolicy(mdp: TabularMdp): Float64Array {
  const { S, N, mu } = mdp;
  const pi = new Float64Array(S * N);
  for (let s = 0; s < S; s++) pi.set(mu, s * N);
  return pi;
}

/** Shannon entropy -sum_j p_j log p_j of the row starting at `offset` (0 log 0 = 0). */
export function entropyRow(p: Float64Array, offset: number, N: number): number {
  let h = 0;
  for (let j = 0; j < N; j++) {
    const x = p[offset + j];
    if (x > 0) h -= x * Math.log(x);
  }
  return h;
}

/**
 * KL(p || q) = sum_j p_j log(p_j / q_j) of two rows (0 log 0 = 0; +Infinity where p_j > 0 = q_j).
 * `q` may be a single row (qOffset = 0) such as mu.
 */
export function klRow(p: Float64Array, pOffset: number, q: Float64Array, qOffset: number, N: number): number {
  let kl = 0;
  for (let j = 0; j < N; j++) {
    const x = p[pOffset + j];
    if (x > 0) {
      const y = q[qOffset + j];
      if (!(y > 0)) return Infinity;
      kl += x * Math.log(x / y);
    }
  }
  return kl;
}

/** J = sum_s rho0(s) V(s). */
export function policyObjective(mdp: TabularMdp, V: Float64Array): number {
  let J = 0;
  for (let s = 0; s < mdp.S; s++) J += mdp.rho0[s] * V[s];
  return J;
}

/** Q(s,j) = r(s,j) + gamma sum_s' P(s'|s,j) V(s'), written into `out`. */
export function actionValues(mdp: TabularMdp, V: Float64Array, gamma: number, out?: Float64Array): Float64Array {
  const { S, N, reward, rowPtr, next, prob } = mdp;
  const Q = out ?? new Float64Array(S * N);
  const SN = S * N;
  for (let sj = 0; sj < SN; sj++) {
    let acc = 0;
    for (let e = rowPtr[sj], end = rowPtr[sj + 1]; e < end; e++) acc += prob[e] * V[next[e]];
    Q[sj] = reward[sj] + gamma * acc;
  }
  return Q;
}

/** c(s) = r_pi(s) - tau KL_pi(s): the per-state reward of the regularised Bellman equation. */
export function regularisedReward(mdp: TabularMdp, policy: Float64Array, tau: number, out?: Float64Array): Float64Array {
  const { S, N, reward, mu } = mdp;
  const c = out ?? new Float64Array(S);
  for (let s = 0; s < S; s++) {
    const o = s * N;
    let acc = 0;
    for (let j = 0; j < N; j++) {
      const p = policy[o + j];
      if (p !== 0) {
        acc += p * reward[o + j];
        if (tau !== 0 && p > 0) acc -= tau * p * Math.log(p / mu[j]);
      }
    }
    c[s] = acc;
  }
  return c;
}

// ---------------------------------------------------------------------------------------------------
// P_pi as a state-level CSR matrix (duplicate columns allowed)

/** P_pi(s, s') = sum_j pi(j|s) P(s'|s,j) as CSR over states (entries may repeat a column). */
export interface StateMatrix {
  S: number;
  rowPtr: Uint32Array;
  col: Uint32Array;
  val: Float64Array;
}

export function policyTransitionMatrix(mdp: TabularMdp, policy: Float64Array): StateMatrix {
  const { S, N, rowPtr, next, prob } = mdp;
  const ptr = new Uint32Array(S + 1);
  let nnz = 0;
  for (let s = 0; s < S; s++) {
    ptr[s] = nnz;
    for (let j = 0; j < N; j++) {
      const sj = s * N + j;
      if (policy[sj] !== 0) nnz += rowPtr[sj + 1] - rowPtr[sj];
    }
  }
  ptr[S] = nnz;
  const col = new Uint32Array(nnz);
  const val = new Float64Array(nnz);
  let w = 0;
  for (let s = 0; s < S; s++) {
    for (let j = 0; j < N; j++) {
      const sj = s * N + j;
      const p = policy[sj];
      if (p === 0) continue;
      for (let e = rowPtr[sj], end = rowPtr[sj + 1]; e < end; e++) {
        col[w] = next[e];
        val[w] = p * prob[e];
        w++;
      }
    }
  }
  return { S, rowPtr: ptr, col, val };
}

/** The transpose of a state matrix (CSR of P^T), by counting sort. */
export function transposeStateMatrix(m: StateMatrix): StateMatrix {
  const { S, rowPtr, col, val } = m;
  const nnz = rowPtr[S];
  const ptr = new Uint32Array(S + 1);
  for (let e = 0; e < nnz; e++) ptr[col[e] + 1]++;
  for (let s = 0; s < S; s++) ptr[s + 1] += ptr[s];
  const fill = ptr.slice(0, S);
  const tcol = new Uint32Array(nnz);
  const tval = new Float64Array(nnz);
  for (let s = 0; s < S; s++) {
    for (let e = rowPtr[s], end = rowPtr[s + 1]; e < end; e++) {
      const k = fill[col[e]]++;
      tcol[k] = s;
      tval[k] = val[e];
    }
  }
  return { S, rowPtr: ptr, col: tcol, val: tval };
}

// ---------------------------------------------------------------------------------------------------
// Dense LU with partial pivoting

/** PA = LU, row-major in `lu` (unit lower L below the diagonal, U on and above); perm[i] = source row. */
export interface DenseLu {
  n: number;
  lu: Float64Array;
  perm: Int32Array;
}

/**
 * In-place LU factorisation with partial pivoting. Each elimination step only visits the non-zero
 * columns of the pivot row, so sparse matrices with little fill-in factor in far fewer than n^3/3 flops.
 */
export function luFactor(a: Float64Array, n: number): DenseLu {
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  const nzCols = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    let p = k;
    let best = Math.abs(a[k * n + k]);
    for (let i = k + 1; i < n; i++) {
      const v = Math.abs(a[i * n + k]);
      if (v > best) {
        best = v;
        p = i;
      }
    }
    if (p !== k) {
      const rk = k * n;
      const rp = p * n;
      for (let j = 0; j < n; j++) {
        const t = a[rk + j];
        a[rk + j] = a[rp + j];
        a[rp + j] = t;
      }
      const t = perm[k];
      perm[k] = perm[p];
      perm[p] = t;
    }
    const rk = k * n;
    const pivot = a[rk + k];
    // non-zero columns of the pivot row right of the diagonal
    let m = 0;
    for (let j = k + 1; j < n; j++) if (a[rk + j] !== 0) nzCols[m++] = j;
    for (let i = k + 1; i < n; i++) {
      const ri = i * n;
      const x = a[ri + k];
      if (x === 0) continue;
      const l = x / pivot;
      a[ri + k] = l;
      for (let t = 0; t < m; t++) {
        const j = nzCols[t];
        a[ri + j] -= l * a[rk + j];
      }
    }
  }
  return { n, lu: a, perm };
}

/** Solve A x = b with the factors of luFactor. */
export function luSolve(f: DenseLu, b: Float64Array, out?: Float64Array): Float64Array {
  const { n, lu, perm } = f;
  const x = out ?? new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = b[perm[i]];
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    let acc = x[i];
    for (let j = 0; j < i; j++) acc -= lu[ri + j] * x[j];
    x[i] = acc;
  }
  for (let i = n - 1; i >= 0; i--) {
    const ri = i * n;
    let acc = x[i];
    for (let j = i + 1; j < n; j++) acc -= lu[ri + j] * x[j];
    x[i] = acc / lu[ri + i];
  }
  return x;
}

/** Solve A^T x = b with the factors of A (A = P^T L U, so A^T = U^T L^T P). */
export function luSolveTransposed(f: DenseLu, b: Float64Array, out?: Float64Array): Float64Array {
  const { n, lu, perm } = f;
  const z = Float64Array.from(b);
  // U^T z = b: column-oriented forward substitution over rows of U
  for (let k = 0; k < n; k++) {
    const rk = k * n;
    const zk = z[k] / lu[rk + k];
    z[k] = zk;
    if (zk !== 0) for (let i = k + 1; i < n; i++) z[i] -= lu[rk + i] * zk;
  }
  // L^T y = z: backward, unit diagonal
  for (let k = n - 1; k >= 0; k--) {
    const rk = k * n;
    const yk = z[k];
    if (yk !== 0) for (let i = 0; i < k; i++) z[i] -= lu[rk + i] * yk;
  }
  const x = out ?? new Float64Array(n);
  for (let i = 0; i < n; i++) x[perm[i]] = z[i];
  return x;
}

// ---------------------------------------------------------------------------------------------------
// Residuals and Gauss–Seidel

/** ||x - (c + g M x)||_inf for a state matrix M. */
function fixedPointResidual(m: StateMatrix, c: Float64Array, g: number, x: Float64Array): number {
  const { S, rowPtr, col, val } = m;
  let res = 0;
  for (let s = 0; s < S; s++) {
    let acc = 0;
    for (let e = rowPtr[s], end = rowPtr[s + 1]; e < end; e++) acc += val[e] * x[col[e]];
    const r = Math.abs(x[s] - c[s] - g * acc);
    if (r !== r) return NaN;
    if (r > res) res = r;
  }
  return res;
}

/**
 * Gauss–Seidel for x = c + g M x (g < 1, rows of M sum to <= 1), in place on `x`.
 * Returns the sweeps used; stops when the sweep's largest update is <= tol * max(scaleFloor, |x|_inf).
 */
function gaussSeidel(
  m: StateMatrix,
  c: Float64Array,
  g: number,
  x: Float64Array,
  tol: number,
  maxSweeps: number,
  scaleFloor = 1,
): number {
  const { S, rowPtr, col, val } = m;
  // diagonal terms, moved to the left-hand side
  const diag = new Float64Array(S);
  for (let s = 0; s < S; s++) {
    for (let e = rowPtr[s], end = rowPtr[s + 1]; e < end; e++) if (col[e] === s) diag[s] += val[e];
    diag[s] = 1 - g * diag[s];
  }
  let sweep = 0;
  while (sweep < maxSweeps) {
    sweep++;
    let change = 0;
    let scale = scaleFloor;
    for (let s = 0; s < S; s++) {
      let acc = 0;
      for (let e = rowPtr[s], end = rowPtr[s + 1]; e < end; e++) {
        const k = col[e];
        if (k !== s) acc += val[e] * x[k];
      }
      const v = (c[s] + g * acc) / diag[s];
      const d = Math.abs(v - x[s]);
      if (d > change) change = d;
      const a = Math.abs(v);
      if (a > scale) scale = a;
      x[s] = v;
    }
    if (!(change === change) || !Number.isFinite(scale)) break; // NaN/Inf: stop, the caller reports it
    if (change <= tol * scale) break;
  }
  return sweep;
}

/** out = (I - g M) v, or (I - g M)^T v with `transpose`. */
function applyShifted(m: StateMatrix, g: number, v: Float64Array, out: Float64Array, transpose: boolean): void {
  const { S, rowPtr, col, val } = m;
  if (!transpose) {
    // two accumulators: the gathers of consecutive entries overlap (about 15% faster than one)
    for (let s = 0, e = rowPtr[0]; s < S; s++) {
      let a0 = 0;
      let a1 = 0;
      const end = rowPtr[s + 1];
      for (; e + 1 < end; e += 2) {
        a0 += val[e] * v[col[e]];
        a1 += val[e + 1] * v[col[e + 1]];
      }
      if (e < end) {
        a0 += val[e] * v[col[e]];
        e++;
      }
      out[s] = v[s] - g * (a0 + a1);
    }
  } else {
    out.set(v);
    for (let s = 0; s < S; s++) {
      const vs = g * v[s];
      if (vs === 0) continue;
      for (let e = rowPtr[s], end = rowPtr[s + 1]; e < end; e++) out[col[e]] -= val[e] * vs;
    }
  }
}

/**
 * Restarted GMRES(m) for (I - g M) x = b (or its transpose), in place on x (the warm start), stopping when
 * the 2-norm residual is <= tol * max(scaleFloor, |x|_inf) (the 2-norm bounds the sup norm) or after
 * maxMatvecs products. Returns the matrix-vector products used and whether it converged. Krylov methods
 * need far fewer products than Gauss–Seidel when gamma is close to 1 on well-mixing chains; on
 * adversarial structure the restarts may stagnate, and the caller then finishes with Gauss–Seidel.
 */
function gmres(
  m: StateMatrix,
  b: Float64Array,
  g: number,
  x: Float64Array,
  tol: number,
  maxMatvecs: number,
  transpose: boolean,
  scaleFloor: number,
  restart = 30,
): { matvecs: number; converged: boolean } {
  const S = m.S;
  const apply = (v: Float64Array, out: Float64Array): void => applyShifted(m, g, v, out, transpose);
  const mr = Math.max(1, Math.min(restart, S));
  const basis = new Float64Array((mr + 1) * S);
  const H = new Float64Array((mr + 1) * mr);
  const cs = new Float64Array(mr);
  const sn = new Float64Array(mr);
  const gv = new Float64Array(mr + 1);
  const y = new Float64Array(mr);
  const r = new Float64Array(S);
  const w = new Float64Array(S);
  let matvecs = 0;
  const supScale = (): number => {
    let sc = scaleFloor;
    for (let s = 0; s < S; s++) {
      const a = Math.abs(x[s]);
      if (a > sc) sc = a;
    }
    return sc;
  };
  for (;;) {
    apply(x, r);
    matvecs++;
    let beta = 0;
    for (let s = 0; s < S; s++) {
      r[s] = b[s] - r[s];
      beta += r[s] * r[s];
    }
    beta = Math.sqrt(beta);
    const target = tol * supScale();
    if (!(beta > target)) return { matvecs, converged: beta === beta };
    if (matvecs >= maxMatvecs) return { matvecs, converged: false };
    for (let s = 0; s < S; s++) basis[s] = r[s] / beta;
    gv.fill(0);
    gv[0] = beta;
    let k = 0;
    for (; k < mr && matvecs < maxMatvecs; ) {
      const vk = basis.subarray(k * S, (k + 1) * S);
      apply(vk, w);
      matvecs++;
      for (let i = 0; i <= k; i++) {
        const vi = basis.subarray(i * S, (i + 1) * S);
        let h = 0;
        for (let s = 0; s < S; s++) h += w[s] * vi[s];
        H[i * mr + k] = h;
        for (let s = 0; s < S; s++) w[s] -= h * vi[s];
      }
      let hn = 0;
      for (let s = 0; s < S; s++) hn += w[s] * w[s];
      hn = Math.sqrt(hn);
      H[(k + 1) * mr + k] = hn;
      if (hn > 0) {
        const vn = basis.subarray((k + 1) * S, (k + 2) * S);
        for (let s = 0; s < S; s++) vn[s] = w[s] / hn;
      }
      for (let i = 0; i < k; i++) {
        const a = H[i * mr + k];
        const c = H[(i + 1) * mr + k];
        H[i * mr + k] = cs[i] * a + sn[i] * c;
        H[(i + 1) * mr + k] = -sn[i] * a + cs[i] * c;
      }
      const a = H[k * mr + k];
      const c = H[(k + 1) * mr + k];
      const den = Math.hypot(a, c);
      cs[k] = den === 0 ? 1 : a / den;
      sn[k] = den === 0 ? 0 : c / den;
      H[k * mr + k] = den;
      H[(k + 1) * mr + k] = 0;
      gv[k + 1] = -sn[k] * gv[k];
      gv[k] = cs[k] * gv[k];
      k++;
      if (!(Math.abs(gv[k]) > target) || hn === 0) break;
    }
    // x += V y, H y = g (upper triangular k x k)
    for (let i = k - 1; i >= 0; i--) {
      let acc = gv[i];
      for (let j = i + 1; j < k; j++) acc -= H[i * mr + j] * y[j];
      y[i] = acc / H[i * mr + i];
    }
    for (let i = 0; i < k; i++) {
      const yi = y[i];
      const vi = basis.subarray(i * S, (i + 1) * S);
      for (let s = 0; s < S; s++) x[s] += yi * vi[s];
    }
  }
}

/**
 * out = (I - g M)(z + c 1) for the untransposed M, written as (I - g M) z + c d with d = (I - g M) 1
 * (so the shifted vector is never stored); in the same pass returns (w, out) and leaves (out, out) in
 * `lastProductNorm2`. `d` may be null when c = 0. Two accumulators: the gathers of consecutive entries
 * overlap. (The second dot goes to a module variable, not into an array argument: a keyed store after the
 * loop lacks type feedback when V8 compiles the loop on the first call, and the deoptimisation repeated on
 * every call.)
 */
export function shiftedProductDots(
  m: StateMatrix,
  g: number,
  z: Float64Array,
  c: number,
  d: Float64Array | null,
  out: Float64Array,
  w: Float64Array,
): number {
  const { S, rowPtr, col, val } = m;
  let wo = 0;
  let oo = 0;
  for (let s = 0, e = rowPtr[0]; s < S; s++) {
    let a0 = 0;
    let a1 = 0;
    const end = rowPtr[s + 1];
    for (; e + 1 < end; e += 2) {
      a0 += val[e] * z[col[e]];
      a1 += val[e + 1] * z[col[e + 1]];
    }
    if (e < end) {
      a0 += val[e] * z[col[e]];
      e++;
    }
    let o = z[s] - g * (a0 + a1);
    if (d !== null) o += c * d[s];
    out[s] = o;
    wo += w[s] * o;
    oo += o * o;
  }
  lastProductNorm2 = oo;
  return wo;
}

/** (out, out) of the last shiftedProductDots / transposedProductDots call */
let lastProductNorm2 = 0;

/** (out, out) of the last shiftedProductDots call (for comparing kernels). */
export function lastShiftedProductNorm2(): number {
  return lastProductNorm2;
}

/** out = (I - g M)^T z; returns (w, out) and leaves (out, out) in `lastProductNorm2`. */
function transposedProductDots(m: StateMatrix, g: number, z: Float64Array, out: Float64Array, w: Float64Array): number {
  applyShifted(m, g, z, out, true);
  let wo = 0;
  let oo = 0;
  for (let i = 0, n = m.S; i < n; i++) {
    const o = out[i];
    wo += w[i] * o;
    oo += o * o;
  }
  lastProductNorm2 = oo;
  return wo;
}

/**
 * The sparse products of one BiCGSTAB solve: the matrix, gamma, the direction and the wasm load (null:
 * the TypeScript loops). A plain object with one shape, read by krylovProduct(), rather than a closure
 * per solve: a new closure on every solve made V8 discard the solver's optimised code ("wrong call target").
 */
interface KrylovProducts {
  m: StateMatrix;
  g: number;
  transpose: boolean;
  loaded: LoadedMatrix | null;
  /** zeros in the wasm memory, standing for d = null */
  zero: Float64Array | null;
}

/**
 * out = (I - g M)(z) + c d (d = null: c d = 0), or (I - g M)^T z; returns (w, out) and leaves (out, out)
 * in `lastProductNorm2`.
 */
function krylovProduct(k: KrylovProducts, z: Float64Array, c: number, d: Float64Array | null, out: Float64Array, w: Float64Array): number {
  const loaded = k.loaded;
  if (loaded !== null) {
    const wo = loaded.shiftedProductDots(k.g, z, c, d ?? k.zero!, out, w);
    lastProductNorm2 = loaded.lastNorm2;
    return wo;
  }
  return k.transpose ? transposedProductDots(k.m, k.g, z, out, w) : shiftedProductDots(k.m, k.g, z, c, d, out, w);
}

/** r = b - (I - g M) x (or the transpose, as `k` says); returns |r|_2. */
function residualInto(k: KrylovProducts, x: Float64Array, b: Float64Array, r: Float64Array): number {
  krylovProduct(k, x, 0, null, r, r);
  if (k.loaded !== null) return Math.sqrt(k.loaded.residualStep(b, r));
  let rr = 0;
  for (let i = 0, n = r.length; i < n; i++) {
    const di = b[i] - r[i];
    r[i] = di;
    rr += di * di;
  }
  return Math.sqrt(rr);
}

/** max(floor, |x|_inf) */
function supScaleOf(x: Float64Array, floor: number): number {
  let sc = floor;
  for (let i = 0; i < x.length; i++) {
    const a = Math.abs(x[i]);
    if (a > sc) sc = a;
  }
  return sc;
}

/**
 * Scratch vectors of length S, kept from one solve to the next of the same size: slots 0-5 for bicgstab
 * on the TypeScript kernel (the wasm kernel keeps its own in its linear memory),
 * slot 6 for solveEvaluationSystem's copy of the warm start. (Allocating seven vectors of S doubles on
 * every solve put the garbage collector at about a fifth of a 27-product solve at S = 10^4.) Holds
 * 7 S doubles between solves; the solvers are synchronous and do not nest, so the slots never overlap.
 */
let scratch: Float64Array[] = [];
function scratchVectors(S: number): Float64Array[] {
  if (scratch.length === 0 || scratch[0].length !== S) scratch = Array.from({ length: 7 }, () => new Float64Array(S));
  return scratch;
}

/**
 * BiCGSTAB (van der Vorst) for (I - g M) x = b (or its transpose), in place on x (the warm start): two
 * sparse products and a few vector updates per iteration, no stored basis. Stops when the 2-norm
 * residual is <= tol * max(scaleFloor, |x|_inf); the recursively updated residual only ends an inner
 * run, and the true b - A x decides (the iteration restarts from it if they disagree). On a breakdown
 * (rho or (rhat, v) = 0) it restarts from the true residual; after maxMatvecs products it gives up (the
 * caller then falls back).
 *
 * Preconditioning (not transposed): the right preconditioner P^{-1} z = z + g / (1 - g) mean(z) 1.
 * Where the rows of M sum to 1, M 1 = 1 and (I - g M) P^{-1} = I - g (M - 1 w^T) with w = 1/S: the
 * eigenvalue 1 of M (the slow mode that makes the plain iteration contract only at rate g) moves to 0
 * and every other eigenvalue of M is kept (left eigenvectors of other eigenvalues are orthogonal to 1),
 * so the Krylov method sees a spectrum within g |lambda_2| of 1 (well-mixing chains: a few iterations).
 * With terminating rows the deflation is inexact but P stays non-singular (eigenvalues 1 and 1/(1-g)).
 *
 * Cost per iteration: the two products (each fused with the dots that follow it; the preconditioned
 * vectors z + c 1 are never formed, (I - g M)(z + c 1) = (I - g M) z + c (I - g M) 1 with (I - g M) 1
 * computed once per call) and three vector passes (s = r - alpha v with |s|^2 and sum s; the x and r
 * update with |r|^2, (rhat, r) and |x|_inf; the new direction p with sum p).
 */
function bicgstab(
  m: StateMatrix,
  b: Float64Array,
  g: number,
  x: Float64Array,
  tol: number,
  maxMatvecs: number,
  transpose: boolean,
  scaleFloor: number,
  kernel: 'wasm' | 'typescript' = 'wasm',
): { matvecs: number; converged: boolean; kernel: 'wasm' | 'typescript' } {
  const S = m.S;
  // the wasm kernel (untransposed products): the matrix, x and the work vectors in its linear memory
  const loaded = kernel === 'wasm' && !transpose && S > 0 ? (wasmSparseKernel()?.load(m, 9) ?? null) : null;
  if (loaded === null) {
    const k: KrylovProducts = { m, g, transpose, loaded: null, zero: null };
    return { ...bicgstabIterations(m, b, x, tol, maxMatvecs, scaleFloor, scratchVectors(S), k), kernel: 'typescript' };
  }
  const work = loaded.vectors;
  const xw = work[6];
  xw.set(x);
  const zero = work[7];
  zero.fill(0);
  const bw = work[8];
  bw.set(b);
  const k: KrylovProducts = { m, g, transpose, loaded, zero };
  try {
    return { ...bicgstabIterations(m, bw, xw, tol, maxMatvecs, scaleFloor, work, k), kernel: 'wasm' };
  } finally {
    x.set(xw);
  }
}

/** The iterations of bicgstab() on the work vectors `work` (slots 0-5), with the products `k`. */
function bicgstabIterations(
  m: StateMatrix,
  b: Float64Array,
  x: Float64Array,
  tol: number,
  maxMatvecs: number,
  scaleFloor: number,
  work: Float64Array[],
  k: KrylovProducts,
): { matvecs: number; converged: boolean } {
  const S = m.S;
  const { g, transpose } = k;
  // the wasm kernel's vector passes where the products run there (the same operations as the loops below)
  const L = k.loaded;
  // every work vector is written in full before it is read
  const r = work[0];
  const rhat = work[1];
  const p = work[2];
  const v = work[3];
  const t = work[4];
  const kappa = !transpose && g > 0 && g < 1 ? g / (1 - g) : 0;
  const shift = S > 0 ? kappa / S : 0; // P^{-1} z = z + shift * sum(z) 1
  // d = (I - g M) 1 (only needed with the preconditioner), by one product with the kernel at hand
  let d: Float64Array | null = null;
  if (kappa !== 0) {
    d = work[5];
    t.fill(1);
    krylovProduct(k, t, 0, null, d, d);
  }
  let matvecs = 0;
  let rn: number;
  let xZero = true;
  for (let i = 0; i < S && xZero; i++) xZero = x[i] === 0; // (NaN !== 0)
  if (xZero) {
    // cold start: r = b without a product (as scipy's bicgstab does)
    r.set(b);
    let bb = 0;
    for (let i = 0; i < S; i++) bb += b[i] * b[i];
    rn = Math.sqrt(bb);
  } else {
    rn = residualInto(k, x, b, r);
    matvecs++;
  }
  while (matvecs < maxMatvecs) {
    if (!(rn === rn)) return { matvecs, converged: false };
    // rn is the true residual here (the recursive one drifts by round-off, so it only ends the inner loop)
    let scale = supScaleOf(x, scaleFloor); // max(scaleFloor, |x|_inf), kept up to date by the x update below
    if (rn <= tol * scale) return { matvecs, converged: true };
    // (re)start: shadow residual = r, search direction = r
    rhat.set(r);
    p.set(r);
    let pSum = 0;
    for (let i = 0; i < S; i++) pSum += p[i];
    let rho = rn * rn;
    while (matvecs + 2 <= maxMatvecs) {
      // v = A P^{-1} p, rv = (rhat, v)
      const cp = shift * pSum;
      const rv = krylovProduct(k, p, cp, d, v, rhat);
      matvecs++;
      if (!(rv !== 0 && Number.isFinite(rv))) break;
      const alpha = rho / rv;
      // s = r - alpha v (kept in r)
      let ss = 0;
      let sSum = 0;
      if (L !== null) {
        ss = L.sStep(r, v, alpha);
        sSum = L.lastAux1;
      } else {
        for (let i = 0; i < S; i++) {
          const si = r[i] - alpha * v[i];
          r[i] = si;
          ss += si * si;
          sSum += si;
        }
      }
      if (Math.sqrt(ss) <= tol * scale) {
        const ac = alpha * cp;
        for (let i = 0; i < S; i++) x[i] += alpha * p[i] + ac;
        break;
      }
      // t = A P^{-1} s, ts = (t, s), tt = (t, t)
      const cs = shift * sSum;
      const ts = krylovProduct(k, r, cs, d, t, r);
      const tt = lastProductNorm2;
      matvecs++;
      const omega = tt > 0 ? ts / tt : 0;
      // x += alpha P^{-1} p + omega P^{-1} s; r = s - omega t
      const xc = alpha * cp + omega * cs;
      let rr = 0;
      let rhoNew = 0;
      scale = scaleFloor;
      if (L !== null) {
        rr = L.xrStep(x, r, p, t, rhat, alpha, omega, xc, scaleFloor);
        rhoNew = L.lastAux1;
        scale = L.lastAux2;
      } else {
        for (let i = 0; i < S; i++) {
          const si = r[i];
          const xi = x[i] + (alpha * p[i] + omega * si + xc);
          x[i] = xi;
          const ax = Math.abs(xi);
          if (ax > scale) scale = ax;
          const ri = si - omega * t[i];
          r[i] = ri;
          rr += ri * ri;
          rhoNew += rhat[i] * ri;
        }
      }
      const rr2 = Math.sqrt(rr);
      if (!(rr2 === rr2)) return { matvecs, converged: false };
      if (rr2 <= tol * scale) break;
      if (omega === 0 || rhoNew === 0 || !Number.isFinite(rhoNew)) break; // breakdown: restart
      const beta = (rhoNew / rho) * (alpha / omega);
      pSum = 0;
      if (L !== null) pSum = L.pStep(p, r, v, beta, omega);
      else {
        for (let i = 0; i < S; i++) {
          const pi = r[i] + beta * (p[i] - omega * v[i]);
          p[i] = pi;
          pSum += pi;
        }
      }
      rho = rhoNew;
    }
    if (matvecs >= maxMatvecs) break;
    rn = residualInto(k, x, b, r);
    matvecs++;
  }
  return { matvecs, converged: rn <= tol * supScaleOf(x, scaleFloor) };
}

// ---------------------------------------------------------------------------------------------------
// Evaluation and occupancy

/**
 * The iterative solve of V = c + gamma M V (M = P_pi built once, e.g. by policyTransitionMatrix) in place
 * on V, the warm start: BiCGSTAB, then GMRES(30), then Gauss–Seidel, as chosen by `opts.iterative` (module
 * comment), each to the 2-norm residual <= tol * max(1, |V|_inf).
 */
export function solveEvaluationSystem(
  M: StateMatrix,
  c: Float64Array,
  gamma: number,
  V: Float64Array,
  tol = 1e-12,
  opts: EvaluationOptions = {},
): { matvecs: number; sweeps: number; converged: boolean; kernel?: 'wasm' | 'typescript' } {
  const S = M.S;
  const start = scratchVectors(S)[6];
  start.set(V);
  const restore = (): void => {
    if (!V.every(Number.isFinite)) V.set(start);
  };
  let matvecs = 0;
  let done = false;
  let kernel: 'wasm' | 'typescript' | undefined;
  const method = opts.iterative ?? 'bicgstab';
  if (method === 'bicgstab') {
    const r = bicgstab(M, c, gamma, V, tol, opts.maxMatvecs ?? 3000, false, 1, opts.kernel ?? 'wasm');
    matvecs = r.matvecs;
    done = r.converged;
    kernel = r.kernel;
    if (!done) restore();
  }
  if (!done && method !== 'gauss-seidel') {
    const r = gmres(M, c, gamma, V, tol, opts.maxMatvecs ?? 3000, false, 1);
    matvecs += r.matvecs;
    done = r.converged;
    if (!done) restore();
  }
  let sweeps = 0;
  if (!done) {
    sweeps = gaussSeidel(M, c, gamma, V, tol, opts.maxSweeps ?? 200_000);
    done = S === 0 || fixedPointResidual(M, c, gamma, V) <= tol * Math.max(1, supNorm(V));
  }
  return kernel ? { matvecs, sweeps, converged: done, kernel } : { matvecs, sweeps, converged: done };
}

function supNorm(x: Float64Array): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) {
    const a = Math.abs(x[i]);
    if (a > m || a !== a) m = a;
  }
  return m;
}

/**
 * Solve V = r_pi - tau KL_pi + gamma P_pi V and form Q (see the module comment for the solvers).
 * `warm` is the previous V (iterative solver only); `tol` is relative (default 1e-12).
 */
export function evaluatePolicy(
  mdp: TabularMdp,
  policy: Float64Array,
  gamma: number,
  tau: number,
  warm?: Float64Array | null,
  tol = 1e-12,
  opts: EvaluationOptions = {},
): Evaluation {
  const S = mdp.S;
  const c = regularisedReward(mdp, policy, tau);
  const M = policyTransitionMatrix(mdp, policy);
  const denseMax = opts.denseMaxStates ?? DENSE_EVALUATION_MAX_STATES;
  const solver = opts.solver === 'dense' || (opts.solver !== 'iterative' && S <= denseMax) ? 'dense' : 'iterative';
  let V: Float64Array;
  let d: Float64Array | undefined;
  let mass: number | undefined;
  let sweeps: number | undefined;
  let matvecs: number | undefined;
  let kernel: 'wasm' | 'typescript' | undefined;
  if (solver === 'dense') {
    const A = new Float64Array(S * S);
    for (let s = 0; s < S; s++) {
      const rs = s * S;
      A[rs + s] = 1;
      for (let e = M.rowPtr[s], end = M.rowPtr[s + 1]; e < end; e++) A[rs + M.col[e]] -= gamma * M.val[e];
    }
    const f = luFactor(A, S);
    V = luSolve(f, c);
    if (opts.occupancy) {
      const b = new Float64Array(S);
      for (let s = 0; s < S; s++) b[s] = (1 - gamma) * mdp.rho0[s];
      d = luSolveTransposed(f, b);
      mass = normaliseOccupancy(d);
    }
  } else {
    V = warm && warm.length === S ? Float64Array.from(warm) : new Float64Array(S);
    const r = solveEvaluationSystem(M, c, gamma, V, tol, opts);
    sweeps = r.sweeps;
    kernel = r.kernel;
    if (opts.iterative !== 'gauss-seidel') matvecs = r.matvecs;
    if (opts.occupancy) {
      const r = occupancyIterative(mdp, M, gamma, tol, opts, opts.warmOccupancy ?? null);
      d = r.d;
      mass = r.mass;
    }
  }
  const residual = fixedPointResidual(M, c, gamma, V);
  const Q = actionValues(mdp, V, gamma);
  const out: Evaluation = { V, Q, residual, solver };
  if (d) {
    out.d = d;
    out.occupancyMass = mass;
  }
  if (sweeps !== undefined) out.sweeps = sweeps;
  if (matvecs !== undefined) out.matvecs = matvecs;
  if (kernel !== undefined) out.kernel = kernel;
  return out;
}

/** Normalise in place; returns the mass before normalisation. */
function normaliseOccupancy(d: Float64Array): number {
  let mass = 0;
  for (let s = 0; s < d.length; s++) {
    if (d[s] < 0 && d[s] > -1e-300) d[s] = 0; // round-off below zero
    mass += d[s];
  }
  if (mass > 0) for (let s = 0; s < d.length; s++) d[s] /= mass;
  return mass;
}

function occupancyIterative(
  mdp: TabularMdp,
  M: StateMatrix,
  gamma: number,
  tol: number,
  opts: EvaluationOptions,
  warm: Float64Array | null,
): { d: Float64Array; mass: number } {
  const S = mdp.S;
  const b = new Float64Array(S);
  for (let s = 0; s < S; s++) b[s] = (1 - gamma) * mdp.rho0[s];
  const d = new Float64Array(S);
  if (warm && warm.length === S) d.set(warm); // a normalised warm start is a fine initial guess
  // tolerances relative to the largest entry (entries are << 1 on large state spaces)
  let done = false;
  const method = opts.iterative ?? 'bicgstab';
  if (method === 'bicgstab') {
    done = bicgstab(M, b, gamma, d, tol, opts.maxMatvecs ?? 3000, true, 0).converged;
    if (!done && !d.every(Number.isFinite)) d.fill(0);
  }
  if (!done && method !== 'gauss-seidel') {
    done = gmres(M, b, gamma, d, tol, opts.maxMatvecs ?? 3000, true, 0).converged;
    if (!done && !d.every(Number.isFinite)) d.fill(0);
  }
  if (!done) gaussSeidel(transposeStateMatrix(M), b, gamma, d, tol, opts.maxSweeps ?? 200_000, 0);
  const mass = normaliseOccupancy(d);
  return { d, mass };
}

/**
 * d^pi = (1 - gamma) rho0^T (I - gamma P_pi)^{-1}, normalised to a probability vector (terminated mass
 * leaks out of the rows of P_pi, so the raw vector sums to <= 1; with gamma = 0 it is rho0).
 */
export function occupancy(mdp: TabularMdp, policy: Float64Array, gamma: number, opts: EvaluationOptions = {}): Float64Array {
  return occupancyWithMass(mdp, policy, gamma, opts).d;
}

/** occupancy() together with the mass before normalisation. */
export function occupancyWithMass(
  mdp: TabularMdp,
  policy: Float64Array,
  gamma: number,
  opts: EvaluationOptions = {},
): { d: Float64Array; mass: number } {
  const S = mdp.S;
  const M = policyTransitionMatrix(mdp, policy);
  const denseMax = opts.denseMaxStates ?? DENSE_EVALUATION_MAX_STATES;
  const dense = opts.solver === 'dense' || (opts.solver !== 'iterative' && S <= denseMax);
  if (!dense) return occupancyIterative(mdp, M, gamma, 1e-12, opts, opts.warmOccupancy ?? null);
  // (I - gamma P_pi)^T d = (1 - gamma) rho0: assemble the transpose directly
  const A = new Float64Array(S * S);
  for (let s = 0; s < S; s++) A[s * S + s] = 1;
  for (let s = 0; s < S; s++) {
    for (let e = M.rowPtr[s], end = M.rowPtr[s + 1]; e < end; e++) A[M.col[e] * S + s] -= gamma * M.val[e];
  }
  const f = luFactor(A, S);
  const b = new Float64Array(S);
  for (let s = 0; s < S; s++) b[s] = (1 - gamma) * mdp.rho0[s];
  const d = luSolve(f, b);
  const mass = normaliseOccupancy(d);
  return { d, mass };
}
