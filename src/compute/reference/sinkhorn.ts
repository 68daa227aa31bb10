/**
 * Entropic optimal transport in the log domain and the exact 1-D W2 (ALGORITHMS.md §4).
 *
 * Entropic transport between probability vectors a (length n) and b (length m), cost C (n x m,
 * row-major), blur eps > 0:
 *
 *     W_eps(a, b) = min_{P in Pi(a,b)} <C, P> + eps sum_ij P_ij (log P_ij - 1)
 *     P = diag(u) K diag(v),  K = exp(-C/eps),  u = a / (K v),  v = b / (K^T u)      (Sinkhorn)
 *
 * computed on log u, log v with max-shifted log-sum-exps, so no exponential of -C/eps is ever formed on
 * its own (the plain form underflows in f32 for eps below about max C / 80, and in f64 below max C / 700).
 * The gradient of W_eps with respect to a is the dual potential f = eps log u, defined up to a constant;
 * `gradient` returns it centred (mean zero over the support of a; -Infinity where a_i = 0).
 *
 * Generalised Sinkhorn for one entropic JKO step (per state, Q frozen):
 *
 *     pi_{k+1} = argmin_p W_eps(pi_k, p) / (2 eta) + F(p),   F(p) = -<p, Q> + tau KL(p || mu)
 *     a <- pi_k / (K b)
 *     b <- prox(K^T a) / (K^T a),
 *          log prox(q) = (eps log q + 2 eta tau log mu + 2 eta Q) / (eps + 2 eta tau) + const
 *     pi_{k+1} = b ⊙ (K^T a) = prox(K^T a)        (const normalises it to a probability vector)
 *
 * iterated until the first-marginal error |a ⊙ (K b) - pi_k|_1 is below tol (the second marginal is
 * exact after every b-update). Failure mode: for eps much smaller than the cost scale the iteration
 * converges slowly (the rate degrades like exp(-max C / eps)); `converged: false` then says so.
 *
 * Exact 1-D W2 by quantile functions: W2^2(a, b) = int_0^1 |F_a^{-1}(u) - F_b^{-1}(u)|^2 du, computed by
 * merging the two cumulative distributions (the monotone plan), O(n log n) for the sort.
 */

export interface SinkhornResult {
  /** <C, P>: transport cost of the entropic plan */
  cost: number;
  /** W_eps = <C, P> + eps sum P (log P - 1) */
  value: number;
  /** dual potentials f = eps log u, g = eps log v */
  f: Float64Array;
  g: Float64Array;
  /** f centred (mean zero over supp a): the gradient of W_eps in a on the simplex */
  gradient: Float64Array;
  /** |P 1 - a|_1 and |P^T 1 - b|_1 */
  rowError: number;
  colError: number;
  iterations: number;
  converged: boolean;
}

/** log sum_k exp(row[o + k*stride] + x[k]) over k < m, max-shifted; -Infinity when every term is. */
function lse(M: Float64Array, o: number, x: Float64Array, m: number): number {
  let mx = -Infinity;
  for (let k = 0; k < m; k++) {
    const v = M[o + k] + x[k];
    if (v > mx) mx = v;
  }
  if (mx === -Infinity) return -Infinity;
  if (mx !== mx) return NaN;
  let z = 0;
  for (let k = 0; k < m; k++) z += Math.exp(M[o + k] + x[k] - mx);
  return mx + Math.log(z);
}

/** Transpose of an n x m row-major matrix. */
export function transposeMatrix(A: Float64Array, n: number, m: number): Float64Array {
  const T = new Float64Array(n * m);
  for (let i = 0; i < n; i++) for (let k = 0; k < m; k++) T[k * n + i] = A[i * m + k];
  return T;
}

/**
 * Plain (balanced) entropic OT between a and b with cost C (a.length x b.length), log-domain Sinkhorn
 * from v = 1 until the first-marginal error |P 1 - a|_1 <= tol or maxIter iterations.
 */
export function sinkhornLogDomain(
  a: Float64Array,
  b: Float64Array,
  C: Float64Array,
  eps: number,
  tol = 1e-9,
  maxIter = 10_000,
): SinkhornResult {
  const n = a.length;
  const m = b.length;
  if (C.length !== n * m) throw new RangeError(`cost has ${C.length} entries, expected ${n} x ${m}`);
  if (!(eps > 0)) throw new RangeError(`eps must be > 0, got ${eps}`);
  const L = new Float64Array(n * m);
  for (let i = 0; i < n * m; i++) L[i] = -C[i] / eps;
  const LT = transposeMatrix(L, n, m);
  const la = new Float64Array(n);
  const lb = new Float64Array(m);
  for (let i = 0; i < n; i++) la[i] = Math.log(a[i]);
  for (let k = 0; k < m; k++) lb[k] = Math.log(b[k]);
  const lu = new Float64Array(n).fill(-Infinity);
  const lv = new Float64Array(m); // v = 1
  let it = 0;
  let err = Infinity;
  let converged = false;
  while (true) {
    // row marginal of the current plan, and the u-update
    err = 0;
    for (let i = 0; i < n; i++) {
      const l = lse(L, i * m, lv, m);
      if (it > 0) err += Math.abs(Math.exp(lu[i] + l) - a[i]);
      lu[i] = la[i] - l;
    }
    if (it > 0 && err <= tol) {
      converged = true; // the u just computed makes the rows exact; the columns are off by about err
      break;
    }
    if (!(err === err)) break;
    if (it >= maxIter) break;
    for (let k = 0; k < m; k++) lv[k] = lb[k] - lse(LT, k * n, lu, n);
    it++;
  }
  // marginal errors and cost of the final plan P = exp(lu_i + L_ik + lv_k)
  let cost = 0;
  let ent = 0;
  let rowError = 0;
  const col = new Float64Array(m);
  for (let i = 0; i < n; i++) {
    let row = 0;
    for (let k = 0; k < m; k++) {
      const lp = lu[i] + L[i * m + k] + lv[k];
      const p = Math.exp(lp);
      if (p > 0) {
        cost += p * C[i * m + k];
        ent += p * (lp - 1);
      }
      row += p;
      col[k] += p;
    }
    rowError += Math.abs(row - a[i]);
  }
  let colError = 0;
  for (let k = 0; k < m; k++) colError += Math.abs(col[k] - b[k]);
  const f = new Float64Array(n);
  const g = new Float64Array(m);
  for (let i = 0; i < n; i++) f[i] = eps * lu[i];
  for (let k = 0; k < m; k++) g[k] = eps * lv[k];
  let mean = 0;
  let cnt = 0;
  for (let i = 0; i < n; i++) {
    if (a[i] > 0) {
      mean += f[i];
      cnt++;
    }
  }
  mean = cnt ? mean / cnt : 0;
  const gradient = new Float64Array(n);
  for (let i = 0; i < n; i++) gradient[i] = a[i] > 0 ? f[i] - mean : -Infinity;
  return { cost, value: cost + eps * ent, f, g, gradient, rowError, colError, iterations: it, converged };
}

/** Workspace of the JKO prox for N actions: log-kernel L = -C/eps (symmetric use through its transpose). */
export interface JkoKernel {
  N: number;
  eps: number;
  /** -C/eps, row-major, and its transpose */
  L: Float64Array;
  LT: Float64Array;
  C: Float64Array;
}

export function jkoKernel(C: Float64Array, N: number, eps: number): JkoKernel {
  const L = new Float64Array(N * N);
  for (let i = 0; i < N * N; i++) L[i] = -C[i] / eps;
  return { N, eps, L, LT: transposeMatrix(L, N, N), C };
}

export interface JkoStepResult {
  /** Sinkhorn (a, b) pairs of updates performed */
  iterations: number;
  converged: boolean;
  /** |a ⊙ (K b) - pi_k|_1 at exit */
  marginalError: number;
  /** <C, P> of the entropic plan from pi_k to pi_{k+1} */
  cost: number;
}

/**
 * One generalised-Sinkhorn JKO step for one state (see the module comment).
 *  pik: pi_k(.) at offset `o` of `policy`; Q, logMu: length N (Q(s,.) at offset o);
 *  out: pi_{k+1} written at offset o; lb: log b, warm start in / final value out (length N);
 *  scratch: 3N floats.
 */
export function entropicJkoStep(
  kernel: JkoKernel,
  policy: Float64Array,
  Q: Float64Array,
  o: number,
  logMu: Float64Array,
  eta: number,
  tau: number,
  tol: number,
  maxIter: number,
  lb: Float64Array,
  out: Float64Array,
  scratch: Float64Array,
): JkoStepResult {
  const { N, eps, L, LT, C } = kernel;
  const la = scratch.subarray(0, N);
  const lq = scratch.subarray(N, 2 * N);
  const lp = scratch.subarray(2 * N, 3 * N);
  const denom = eps + 2 * eta * tau;
  let it = 0;
  let err = Infinity;
  let converged = false;
  for (;;) {
    // K b, the first-marginal error of the current plan, and the a-update
    let e = 0;
    for (let i = 0; i < N; i++) {
      const l = lse(L, i * N, lb, N);
      const p = policy[o + i];
      if (it > 0) e += Math.abs(Math.exp(la[i] + l) - p);
      la[i] = Math.log(p) - l; // -Infinity where pi_k = 0
    }
    if (it > 0) {
      err = e;
      if (err <= tol) {
        converged = true;
        break;
      }
      if (!(err === err) || it >= maxIter) break;
    }
    // q = K^T a, prox, b-update
    let mx = -Infinity;
    for (let k = 0; k < N; k++) {
      const q = lse(LT, k * N, la, N);
      lq[k] = q;
      const v = (eps * q + 2 * eta * tau * logMu[k] + 2 * eta * Q[o + k]) / denom;
      lp[k] = v;
      if (v > mx) mx = v;
    }
    let z = 0;
    for (let k = 0; k < N; k++) z += Math.exp(lp[k] - mx);
    const lz = mx + Math.log(z);
    for (let k = 0; k < N; k++) {
      lp[k] -= lz;
      lb[k] = lp[k] - lq[k];
    }
    it++;
  }
  // cost of the current plan diag(a) K diag(b): its first marginal is exactly pi_k (a was just updated),
  // its second differs from pi_{k+1} by about the reported error (<= tol when converged)
  let cost = 0;
  for (let i = 0; i < N; i++) {
    if (la[i] === -Infinity) continue;
    for (let k = 0; k < N; k++) cost += Math.exp(la[i] + L[i * N + k] + lb[k]) * C[i * N + k];
  }
  for (let k = 0; k < N; k++) out[o + k] = Math.exp(lp[k]);
  return { iterations: it, converged, marginalError: err, cost };
}

/** Indices sorting x ascending. */
export function sortedOrder(x: ArrayLike<number>): Int32Array {
  const idx = Array.from({ length: x.length }, (_, i) => i);
  idx.sort((p, q) => x[p] - x[q]);
  return Int32Array.from(idx);
}

/**
 * Exact W2 distance between two distributions pa, pb on the same 1-D points x (masses need not be
 * sorted; rows may be passed as subarrays). `order` = sortedOrder(x) may be supplied to skip the sort.
 * Returns W2 (not squared). Total masses are assumed equal (to round-off).
 */
export function w2Exact1d(x: ArrayLike<number>, pa: ArrayLike<number>, pb: ArrayLike<number>, order?: Int32Array): number {
  return Math.sqrt(w2Squared1d(x, pa, pb, order));
}

/** W2^2 of w2Exact1d (the cost of the monotone plan with c = |x - y|^2). */
export function w2Squared1d(x: ArrayLike<number>, pa: ArrayLike<number>, pb: ArrayLike<number>, order?: Int32Array): number {
  const ord = order ?? sortedOrder(x);
  const n = ord.length;
  let i = 0;
  let k = 0;
  let ra = n ? pa[ord[0]] : 0;
  let rb = n ? pb[ord[0]] : 0;
  let cost = 0;
  while (i < n && k < n) {
    if (ra <= 0) {
      i++;
      if (i < n) ra = pa[ord[i]];
      continue;
    }
    if (rb <= 0) {
      k++;
      if (k < n) rb = pb[ord[k]];
      continue;
    }
    const m = Math.min(ra, rb);
    const dx = x[ord[i]] - x[ord[k]];
    cost += m * dx * dx;
    ra -= m;
    rb -= m;
  }
  return cost;
}
