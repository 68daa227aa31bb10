/**
 * Entropic optimal transport in the scaling and the log domain, and the exact 1-D W2 (ALGORITHMS.md §4).
 *
 * Domains: `sinkhorn` and `entropicJkoStep` iterate on the scalings u, v (a, b) with the kernel
 * K = exp(-C/eps) precomputed (no exponential inside the iteration) wherever the kernel's range
 * max C / eps stays below SCALING_MAX_KERNEL_RANGE, and fall back, per problem, to the log-domain forms
 * below (max-shifted log-sum-exps) where it would underflow; their results say which domain ran. On a
 * uniform 1-D grid with a translation-invariant cost K is Toeplitz and is applied by FFT (fft.ts) under a
 * certified error (see ToeplitzKernel), O(n log n) per product instead of O(n^2).
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

import { ToeplitzFft } from './fft';

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

/**
 * Largest kernel range (max C - min C) / eps for which the scaling domain is used: the kernel entries
 * are then >= e^-230 (about 1e-100) of the largest, and the scalings u, v stay within about 1e+-100
 * times their natural scale, far from f64 overflow and underflow. Larger ranges run in the log domain.
 */
export const SCALING_MAX_KERNEL_RANGE = 230;

/** Options of the scaling-domain `sinkhorn`. */
export interface SinkhornOptions {
  /** stop when the second-marginal error |v ⊙ K^T u - b|_2 < tol at a check (default 1e-9) */
  tol?: number;
  /** iterations at most (default 1000) */
  maxIter?: number;
  /** check the marginal error on iterations 0, k, 2k, ... (default 10, POT's rule) */
  checkEvery?: number;
  /** 'auto' (default): FFT products where the cost is Toeplitz and the error bound holds; 'never' */
  fft?: 'auto' | 'never';
  /** L1 change of the plan's marginal an FFT product may cause, else it is redone exactly (1e-12) */
  fftRelTol?: number;
}

export interface ScalingSinkhornResult extends SinkhornResult {
  /** 'scaling': dense K; 'scaling-toeplitz': K from its 2n - 1 diagonals (FFT where certified); 'log': kernel underflow */
  domain: 'scaling' | 'scaling-toeplitz' | 'log';
  /** products done by FFT, and products redone (or done) exactly because the FFT bound failed */
  fftProducts: number;
  exactProducts: number;
  /** entries of accepted FFT products recomputed exactly (small entries next to large ones) */
  patchedEntries: number;
  /** last checked |v ⊙ K^T u - b|_2 */
  marginalError: number;
}

/**
 * The cost of a Toeplitz n x n matrix (C_ik = c(i - k) to 1e-14 eps), as c[d + n - 1], or null.
 * A deviation below that changes no kernel entry by more than a relative 1e-14.
 */
function toeplitzCost(C: Float64Array, n: number, m: number, eps: number): Float64Array | null {
  if (n !== m || n < 2) return null;
  const c = new Float64Array(2 * n - 1);
  for (let d = 0; d < n; d++) {
    c[n - 1 + d] = C[d * n]; // column 0: i - k = d
    c[n - 1 - d] = C[d]; // row 0: i - k = -d
  }
  const tol = 1e-14 * eps;
  for (let i = 0; i < n; i++) {
    const r = i * n;
    for (let k = 0; k < n; k++) if (!(Math.abs(C[r + k] - c[i - k + n - 1]) <= tol)) return null;
  }
  return c;
}

/** log v ~ c + slope * j by least squares over the entries with v_j > 0 (0 when fewer than two). */
function logSlope(v: Float64Array): number {
  let n = 0;
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  for (let j = 0; j < v.length; j++) {
    if (!(v[j] > 0)) continue;
    const y = Math.log(v[j]);
    n++;
    sx += j;
    sy += y;
    sxx += j * j;
    sxy += j * y;
  }
  const den = n * sxx - sx * sx;
  return n >= 2 && den > 0 ? (n * sxy - sx * sy) / den : 0;
}

/**
 * Products with the Toeplitz kernel T_ij = exp(-c(i - j)/eps) for the scaling-domain Sinkhorn.
 *
 * FFT with an exponential tilt: for any beta, T v = e^{beta i} ⊙ T_beta (e^{-beta j} ⊙ v) with the
 * Toeplitz kernel t_beta(d) = exp(-c(d)/eps - beta d). Choosing beta as the least-squares slope of log v
 * flattens the scaling vector (the potentials of a transport between shifted densities are nearly
 * linear), which is what the FFT's absolute error bound needs: each product is accepted only if the
 * bound of fft.ts is <= rel * |entry| for every entry the caller needs; otherwise it is redone exactly
 * (O(n^2) over the 2n - 1 diagonals). The transposed product uses the kernel with the opposite tilt.
 */
class ToeplitzKernel {
  readonly n: number;
  private readonly c: Float64Array;
  private readonly eps: number;
  private readonly t: Float64Array;
  private readonly rel: number;
  /** tilted kernels of the forward and the transposed product */
  private readonly fwdT: Float64Array;
  private readonly bwdT: Float64Array;
  private readonly fwd: ToeplitzFft;
  private readonly bwd: ToeplitzFft;
  private readonly fwdUp: Float64Array;
  private readonly fwdDown: Float64Array;
  private readonly bwdUp: Float64Array;
  private readonly bwdDown: Float64Array;
  private readonly w: Float64Array;
  private fftOn: boolean;
  private failures = 0;
  fftProducts = 0;
  exactProducts = 0;
  /** entries of FFT products recomputed exactly */
  patched = 0;

  constructor(c: Float64Array, n: number, eps: number, useFft: boolean, rel: number) {
    this.n = n;
    this.c = c;
    this.eps = eps;
    this.rel = rel;
    this.t = Float64Array.from(c, (x) => Math.exp(-x / eps));
    this.fwdT = new Float64Array(2 * n - 1);
    this.bwdT = new Float64Array(2 * n - 1);
    this.fftOn = useFft;
    this.fwd = new ToeplitzFft(useFft ? n : 1);
    this.bwd = new ToeplitzFft(useFft ? n : 1);
    this.fwdUp = new Float64Array(n);
    this.fwdDown = new Float64Array(n);
    this.bwdUp = new Float64Array(n);
    this.bwdDown = new Float64Array(n);
    this.w = new Float64Array(n);
    if (useFft) {
      this.tilt(0, false);
      this.tilt(0, true);
    }
  }

  /** Set the tilt of the forward (T v) or transposed (T^T u) product. */
  private tilt(beta: number, transpose: boolean): void {
    const { n, c, eps } = this;
    const tilted = transpose ? this.bwdT : this.fwdT;
    // forward: t(d) e^{-beta d}; transposed: the forward kernel of tilt -beta, used transposed
    const s = transpose ? -beta : beta;
    for (let d = -(n - 1); d <= n - 1; d++) tilted[d + n - 1] = Math.exp(-c[d + n - 1] / eps - s * d);
    (transpose ? this.bwd : this.fwd).setKernel(tilted);
    const up = transpose ? this.bwdUp : this.fwdUp;
    const down = transpose ? this.bwdDown : this.fwdDown;
    for (let j = 0; j < n; j++) {
      up[j] = Math.exp(beta * j);
      down[j] = Math.exp(-beta * j);
    }
  }

  private betaFwd = 0;
  private betaBwd = 0;

  /**
   * Re-fit both tilts to the current scalings (called at the marginal checks); a tilt whose change would
   * alter the scaling's range by less than e^0.05 is kept (the products are certified either way).
   */
  retilt(u: Float64Array, v: Float64Array): void {
    if (!this.fftOn) return;
    const bf = logSlope(v);
    const bb = logSlope(u);
    const keep = 0.05 / Math.max(1, this.n - 1);
    if (!(Math.abs(bf - this.betaFwd) <= keep)) {
      this.betaFwd = bf;
      this.tilt(bf, false);
    }
    if (!(Math.abs(bb - this.betaBwd) <= keep)) {
      this.betaBwd = bb;
      this.tilt(bb, true);
    }
  }

  /**
   * out = T x (or T^T x), where the caller divides `need` by the product (u = a / (K v), v = b / (K^T u)).
   *
   * Certification of an FFT product, in the tilted space y' = T_beta w: an absolute error e in y'_i
   * changes the scaling it feeds by the relative e / y'_i, hence the plan's marginal by need_i e / y'_i.
   * The product must keep sum_i need_i e / y'_i <= rel (default 1e-12, in L1 on a probability vector).
   * For e the rigorous bound B of fft.ts is tried first (it is pessimistic by orders of magnitude);
   * otherwise e = FFT_SAFETY * max(8 u |y'|_inf, the largest error measured below) (the absolute rounding
   * error of an FFT convolution is spread evenly over the entries, at a few u |y'|_inf), and every entry
   * with need_i / y'_i > rel / (e n) (the small entries next to large ones, typically at the ends of the
   * grid) is recomputed exactly in O(n), which leaves at most rel for the others. If more than a quarter
   * of the entries would need that, the whole product is done exactly instead.
   */
  apply(x: Float64Array, out: Float64Array, transpose: boolean, need: Float64Array): void {
    const { n, w } = this;
    if (this.fftOn) {
      const up = transpose ? this.bwdUp : this.fwdUp;
      const down = transpose ? this.bwdDown : this.fwdDown;
      for (let j = 0; j < n; j++) w[j] = x[j] * down[j];
      const bound = (transpose ? this.bwd : this.fwd).apply(w, out, transpose);
      let ok = true;
      let sens = 0;
      let ymax = 0;
      for (let i = 0; i < n; i++) {
        const y = out[i];
        if (Math.abs(y) > ymax) ymax = Math.abs(y);
        if (need[i] > 0) sens += need[i] / y;
      }
      if (!(sens >= 0 && sens < Infinity)) ok = false; // a needed entry <= 0: not certifiable
      if (ok && !(bound * sens <= this.rel)) {
        const kernel = transpose ? this.bwdT : this.fwdT;
        let e = FFT_SAFETY * 8 * 2 ** -53 * ymax;
        let fixed = 0;
        for (let pass = 0; pass < 2 && ok; pass++) {
          const thr = this.rel / (e * n);
          let measured = 0;
          for (let i = 0; i < n; i++) {
            if (!(need[i] > 0) || !(need[i] / out[i] > thr)) continue;
            if (++fixed > n >> 2) {
              ok = false;
              break;
            }
            const exact = rowProduct(kernel, w, n, i, transpose);
            const d = Math.abs(out[i] - exact);
            if (d > measured) measured = d;
            out[i] = exact;
          }
          // a second pass only if the measured error exceeds the assumed one
          if (!(FFT_SAFETY * measured > e)) break;
          e = FFT_SAFETY * measured;
        }
        if (ok) this.patched += fixed;
      }
      if (ok) {
        for (let i = 0; i < n; i++) out[i] *= up[i];
        this.fftProducts++;
        this.failures = 0;
        return;
      }
      // repeated refusals (across a re-tilt): the scalings are too rough for the FFT on this problem
      if (++this.failures >= 25) this.fftOn = false;
    }
    this.exact(x, out, transpose);
  }

  /** O(n^2) product over the diagonals (the reference the FFT is certified against). */
  exact(x: Float64Array, out: Float64Array, transpose: boolean): void {
    const { n, t } = this;
    for (let i = 0; i < n; i++) out[i] = rowProduct(t, x, n, i, transpose);
    this.exactProducts++;
  }
}

/** Margin on the FFT rounding error assumed or measured (ToeplitzKernel.apply). */
const FFT_SAFETY = 10;

/** (T x)_i or (T^T x)_i for the Toeplitz kernel t (T_ij = t[i - j + n - 1]), O(n). */
function rowProduct(t: Float64Array, x: Float64Array, n: number, i: number, transpose: boolean): number {
  let acc = 0;
  if (!transpose) for (let j = 0, o = i + n - 1; j < n; j++, o--) acc += t[o] * x[j];
  else for (let j = 0, o = n - 1 - i; j < n; j++, o++) acc += t[o] * x[j];
  return acc;
}

/**
 * Entropic OT in the scaling domain (the module comment's Sinkhorn on u, v with K = exp(-C/eps)
 * precomputed), in POT's order and stopping rule so that the two can be compared iterate by iterate:
 *
 *     u = 1/n;  repeat: v = b / (K^T u),  u = a / (K v);  on iterations 0, k, 2k, ... stop if
 *     |v ⊙ (K^T u) - b|_2 < tol
 *
 * (the check's product K^T u is the next iteration's, so checking costs O(n) beyond it).
 *
 * Structure: where the cost is Toeplitz (a uniform 1-D grid with a translation-invariant cost), K is
 * kept as its 2n - 1 diagonals and applied by FFT with the certified error of ToeplitzKernel (each
 * product exact to fftRelTol entry by entry, or redone exactly); otherwise K is a dense n x m matrix.
 * Kernel underflow: if (max C - min C) / eps > SCALING_MAX_KERNEL_RANGE, or a product underflows to
 * zero where mass must go, the problem is solved by `sinkhornLogDomain` instead (its own stopping rule,
 * the L1 first-marginal error <= tol), and `domain` says 'log'.
 */
export function sinkhorn(a: Float64Array, b: Float64Array, C: Float64Array, eps: number, opts: SinkhornOptions = {}): ScalingSinkhornResult {
  const n = a.length;
  const m = b.length;
  if (C.length !== n * m) throw new RangeError(`cost has ${C.length} entries, expected ${n} x ${m}`);
  if (!(eps > 0)) throw new RangeError(`eps must be > 0, got ${eps}`);
  const tol = opts.tol ?? 1e-9;
  const maxIter = opts.maxIter ?? 1000;
  const every = Math.max(1, Math.round(opts.checkEvery ?? 10));
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n * m; i++) {
    const x = C[i];
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  const logFallback = (): ScalingSinkhornResult => ({
    ...sinkhornLogDomain(a, b, C, eps, tol, maxIter),
    domain: 'log',
    fftProducts: 0,
    exactProducts: 0,
    patchedEntries: 0,
    marginalError: NaN,
  });
  if (!((hi - lo) / eps <= SCALING_MAX_KERNEL_RANGE)) return logFallback();
  const tc = toeplitzCost(C, n, m, eps);
  const toeplitz = tc ? new ToeplitzKernel(tc, n, eps, opts.fft !== 'never' && n >= 64, opts.fftRelTol ?? 1e-12) : null;
  let K: Float64Array | null = null;
  if (!toeplitz) {
    K = new Float64Array(n * m);
    for (let i = 0; i < n * m; i++) K[i] = Math.exp(-C[i] / eps);
  }
  const Kv = (v: Float64Array, out: Float64Array): void => {
    if (toeplitz) return toeplitz.apply(v, out, false, a);
    for (let i = 0; i < n; i++) {
      const r = i * m;
      let s0 = 0;
      let s1 = 0;
      let k = 0;
      for (; k + 1 < m; k += 2) {
        s0 += K![r + k] * v[k];
        s1 += K![r + k + 1] * v[k + 1];
      }
      if (k < m) s0 += K![r + k] * v[k];
      out[i] = s0 + s1;
    }
  };
  const KTu = (u: Float64Array, out: Float64Array): void => {
    if (toeplitz) return toeplitz.apply(u, out, true, b);
    out.fill(0);
    for (let i = 0; i < n; i++) {
      const ui = u[i];
      if (ui === 0) continue;
      const r = i * m;
      for (let k = 0; k < m; k++) out[k] += ui * K![r + k];
    }
  };
  const u = new Float64Array(n).fill(1 / n);
  const v = new Float64Array(m);
  const ktu = new Float64Array(m);
  const kv = new Float64Array(n);
  let it = 0;
  let err = Infinity;
  let converged = false;
  let failed = false;
  let ktuFresh = false; // ktu = K^T u for the current u (left by the marginal check)
  while (it < maxIter) {
    if (!ktuFresh) KTu(u, ktu);
    ktuFresh = false;
    for (let k = 0; k < m; k++) {
      if (b[k] > 0) {
        if (!(ktu[k] > 0 && ktu[k] < Infinity)) failed = true;
        v[k] = b[k] / ktu[k];
      } else v[k] = 0;
    }
    Kv(v, kv);
    for (let i = 0; i < n; i++) {
      if (a[i] > 0) {
        if (!(kv[i] > 0 && kv[i] < Infinity)) failed = true;
        u[i] = a[i] / kv[i];
      } else u[i] = 0;
    }
    if (failed) break;
    const check = it % every === 0;
    it++;
    if (check) {
      KTu(u, ktu);
      let e = 0;
      for (let k = 0; k < m; k++) {
        const d = v[k] * ktu[k] - b[k];
        e += d * d;
      }
      err = Math.sqrt(e);
      if (!(err === err)) break;
      if (err < tol) {
        converged = true;
        break;
      }
      ktuFresh = true; // the next v-update needs this very product
      toeplitz?.retilt(u, v);
    }
  }
  if (failed) return logFallback();
  // marginals, cost and value of P = diag(u) K diag(v):
  //   W_eps = <C,P> + eps sum P (log P - 1) = eps (sum_i r_i log u_i + sum_k c_k log v_k - sum P)
  const row = new Float64Array(n);
  const col = new Float64Array(m);
  Kv(v, kv);
  KTu(u, ktu);
  let rowError = 0;
  let mass = 0;
  let ent = 0;
  for (let i = 0; i < n; i++) {
    row[i] = u[i] * kv[i];
    rowError += Math.abs(row[i] - a[i]);
    mass += row[i];
    if (row[i] > 0) ent += row[i] * Math.log(u[i]);
  }
  let colError = 0;
  for (let k = 0; k < m; k++) {
    col[k] = v[k] * ktu[k];
    colError += Math.abs(col[k] - b[k]);
    if (col[k] > 0) ent += col[k] * Math.log(v[k]);
  }
  let cost = 0;
  if (toeplitz) {
    // <C, P> = u^T (K ∘ C) v with the Toeplitz kernel t(d) c(d)
    const t = Float64Array.from(tc!, (x) => Math.exp(-x / eps) * x);
    for (let i = 0; i < n; i++) {
      if (u[i] === 0) continue;
      let acc = 0;
      for (let k = 0, o = i + n - 1; k < n; k++, o--) acc += t[o] * v[k];
      cost += u[i] * acc;
    }
  } else {
    for (let i = 0; i < n; i++) {
      if (u[i] === 0) continue;
      const r = i * m;
      let acc = 0;
      for (let k = 0; k < m; k++) acc += K![r + k] * C[r + k] * v[k];
      cost += u[i] * acc;
    }
  }
  const f = new Float64Array(n);
  const g = new Float64Array(m);
  for (let i = 0; i < n; i++) f[i] = eps * Math.log(u[i]);
  for (let k = 0; k < m; k++) g[k] = eps * Math.log(v[k]);
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
  return {
    cost,
    value: eps * (ent - mass),
    f,
    g,
    gradient,
    rowError,
    colError,
    iterations: it,
    converged,
    domain: toeplitz ? 'scaling-toeplitz' : 'scaling',
    fftProducts: toeplitz?.fftProducts ?? 0,
    exactProducts: toeplitz?.exactProducts ?? 0,
    patchedEntries: toeplitz?.patched ?? 0,
    marginalError: err,
  };
}


/**
 * Workspace of the JKO prox for N actions: log-kernel L = -C/eps (symmetric use through its transpose)
 * and, where it does not underflow (max C / eps <= SCALING_MAX_KERNEL_RANGE), the kernel K = exp(-C/eps)
 * itself for the scaling-domain iteration. `domain` says which one `entropicJkoStep` runs.
 */
export interface JkoKernel {
  N: number;
  eps: number;
  /** -C/eps, row-major, and its transpose */
  L: Float64Array;
  LT: Float64Array;
  C: Float64Array;
  /** exp(-C/eps), row-major; null when it would underflow (log domain only) */
  K?: Float64Array | null;
  domain?: 'scaling' | 'log';
  /** K = K1 ⊗ K2 on an n1 x n2 product grid (null: dense products) */
  separable?: SeparableKernel | null;
}

/**
 * A kernel on an n1 x n2 product grid (action j = j1 + n1 j2, axis 0 fastest, as the grids are laid
 * out) whose cost is additive, C((i1,i2),(k1,k2)) = c1(i1,k1) + c2(i2,k2) (the squared Euclidean cost
 * on a 2-D lattice): K = K1 ⊗ K2, so K x costs N (n1 + n2) multiplications instead of N^2.
 */
export interface SeparableKernel {
  n1: number;
  n2: number;
  /** n1 x n1 and n2 x n2, row-major, and their transposes */
  K1: Float64Array;
  K2: Float64Array;
  K1T: Float64Array;
  K2T: Float64Array;
  /** n1 x n2 scratch */
  T: Float64Array;
}

/**
 * Detect an additive cost on a product grid: the first factorisation N = n1 n2 (n1, n2 >= 2) with
 * |C_ik - (C((i1,0),(k1,0)) + C((0,i2),(0,k2)) - C_00)| <= 1e-13 eps for every i, k (so each kernel entry
 * is exp(-C/eps) to a relative 1e-13). Null when none is.
 */
export function separableKernel(C: Float64Array, N: number, eps: number): SeparableKernel | null {
  const tol = 1e-13 * eps;
  const c00 = C[0];
  for (let n1 = 2; n1 * 2 <= N; n1++) {
    if (N % n1 !== 0) continue;
    const n2 = N / n1;
    let ok = true;
    for (let i = 0; i < N && ok; i++) {
      const i1 = i % n1;
      const i2 = (i - i1) / n1;
      for (let k = 0; k < N; k++) {
        const k1 = k % n1;
        const k2 = (k - k1) / n1;
        const add = C[i1 * N + k1] + C[i2 * n1 * N + k2 * n1] - c00;
        if (!(Math.abs(C[i * N + k] - add) <= tol)) {
          ok = false;
          break;
        }
      }
    }
    if (!ok) continue;
    const K1 = new Float64Array(n1 * n1);
    const K2 = new Float64Array(n2 * n2);
    for (let i1 = 0; i1 < n1; i1++) for (let k1 = 0; k1 < n1; k1++) K1[i1 * n1 + k1] = Math.exp(-C[i1 * N + k1] / eps);
    for (let i2 = 0; i2 < n2; i2++) for (let k2 = 0; k2 < n2; k2++) K2[i2 * n2 + k2] = Math.exp(-(C[i2 * n1 * N + k2 * n1] - c00) / eps);
    return { n1, n2, K1, K2, K1T: transposeMatrix(K1, n1, n1), K2T: transposeMatrix(K2, n2, n2), T: new Float64Array(n1 * n2) };
  }
  return null;
}

/** out = K x (or K^T x) for a separable kernel: T = K1 X (per column of X), out = T K2^T. */
function applySeparable(sk: SeparableKernel, x: Float64Array, out: Float64Array, transpose: boolean): void {
  const { n1, n2, T } = sk;
  const A = transpose ? sk.K1T : sk.K1;
  const B = transpose ? sk.K2T : sk.K2;
  // T[k2 * n1 + i1] = sum_k1 A[i1, k1] x[k1 + n1 k2]
  for (let k2 = 0; k2 < n2; k2++) {
    const xo = k2 * n1;
    for (let i1 = 0; i1 < n1; i1++) {
      const ar = i1 * n1;
      let acc = 0;
      for (let k1 = 0; k1 < n1; k1++) acc += A[ar + k1] * x[xo + k1];
      T[xo + i1] = acc;
    }
  }
  // out[i1 + n1 i2] = sum_k2 B[i2, k2] T[k2 * n1 + i1]
  for (let i2 = 0; i2 < n2; i2++) {
    const br = i2 * n2;
    const oo = i2 * n1;
    for (let i1 = 0; i1 < n1; i1++) out[oo + i1] = 0;
    for (let k2 = 0; k2 < n2; k2++) {
      const bk = B[br + k2];
      const to = k2 * n1;
      for (let i1 = 0; i1 < n1; i1++) out[oo + i1] += bk * T[to + i1];
    }
  }
}

export function jkoKernel(C: Float64Array, N: number, eps: number): JkoKernel {
  const L = new Float64Array(N * N);
  let hi = 0;
  for (let i = 0; i < N * N; i++) {
    L[i] = -C[i] / eps;
    if (!(-L[i] <= hi)) hi = -L[i];
  }
  let K: Float64Array | null = null;
  if (hi <= SCALING_MAX_KERNEL_RANGE) {
    K = new Float64Array(N * N);
    for (let i = 0; i < N * N; i++) K[i] = Math.exp(L[i]);
  }
  const separable = K && N >= 16 ? separableKernel(C, N, eps) : null;
  return { N, eps, L, LT: transposeMatrix(L, N, N), C, K, domain: K ? 'scaling' : 'log', separable };
}

export interface JkoStepResult {
  /** Sinkhorn (a, b) pairs of updates performed */
  iterations: number;
  converged: boolean;
  /** |a ⊙ (K b) - pi_k|_1 at exit */
  marginalError: number;
  /** <C, P> of the entropic plan from pi_k to pi_{k+1} */
  cost: number;
  /** 'scaling': K = exp(-C/eps) and the scalings a, b; 'log': max-shifted log-sum-exps (kernel underflow) */
  domain: 'scaling' | 'log';
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
  if (kernel.K) {
    const r = entropicJkoStepScaling(kernel, kernel.K, policy, Q, o, logMu, eta, tau, tol, maxIter, lb, out);
    if (r) return r;
  }
  return entropicJkoStepLog(kernel, policy, Q, o, logMu, eta, tau, tol, maxIter, lb, out, scratch);
}

let jkoScratch = new Float64Array(0);

/**
 * The scaling-domain form of the same iteration, with the same stopping rule and warm start:
 *
 *     a_i = pi_k(i) / (K b)_i,   q = K^T a,   prox_k = q_k^theta w_k / Z,   b_k = prox_k / q_k
 *     theta = eps / (eps + 2 eta tau),  log w_k = (2 eta tau log mu_k + 2 eta Q_k) / (eps + 2 eta tau)
 *
 * so an iteration costs two N x N products (N (n1 + n2) multiplications each on a separable 2-D grid
 * kernel, see SeparableKernel), N logarithms and N exponentials instead of 2 N^2 exponentials. The marginal error is checked on every iteration here: K b is needed for the a-update
 * anyway, so the check costs N multiplications. Returns null (the caller then runs the log domain from the same warm start) if a
 * product underflows to zero where mass must go or anything turns non-finite.
 */
function entropicJkoStepScaling(
  kernel: JkoKernel,
  K: Float64Array,
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
): JkoStepResult | null {
  const { N, eps, C } = kernel;
  if (jkoScratch.length < 6 * N) jkoScratch = new Float64Array(6 * N);
  const sep = kernel.separable ?? null;
  const kbv = jkoScratch.subarray(5 * N, 6 * N);
  const a = jkoScratch.subarray(0, N);
  const b = jkoScratch.subarray(N, 2 * N);
  const q = jkoScratch.subarray(2 * N, 3 * N);
  const lw = jkoScratch.subarray(3 * N, 4 * N);
  const p = jkoScratch.subarray(4 * N, 5 * N);
  const denom = eps + 2 * eta * tau;
  const theta = eps / denom;
  let lbMax = -Infinity;
  for (let k = 0; k < N; k++) {
    lw[k] = (2 * eta * tau * logMu[k] + 2 * eta * Q[o + k]) / denom;
    if (lb[k] > lbMax) lbMax = lb[k];
  }
  if (!Number.isFinite(lbMax)) return null;
  // b is defined up to a factor (a absorbs it in the first half-step): shift the warm start to max 1
  for (let k = 0; k < N; k++) b[k] = Math.exp(lb[k] - lbMax);
  let it = 0;
  let err = Infinity;
  let converged = false;
  let Z = 1;
  for (;;) {
    // K b, the first-marginal error of the current plan, and the a-update
    let e = 0;
    if (sep) applySeparable(sep, b, kbv, false);
    for (let i = 0; i < N; i++) {
      let kb = 0;
      if (sep) kb = kbv[i];
      else {
        const r = i * N;
        for (let k = 0; k < N; k++) kb += K[r + k] * b[k];
      }
      const pi = policy[o + i];
      if (it > 0) e += Math.abs(a[i] * kb - pi);
      if (pi > 0) {
        if (!(kb > 0 && kb < Infinity)) return null;
        a[i] = pi / kb;
      } else a[i] = 0;
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
    if (sep) applySeparable(sep, a, q, true);
    else {
      q.fill(0);
      for (let i = 0; i < N; i++) {
        const ai = a[i];
        if (ai === 0) continue;
        const r = i * N;
        for (let k = 0; k < N; k++) q[k] += ai * K[r + k];
      }
    }
    let mx = -Infinity;
    for (let k = 0; k < N; k++) {
      if (!(q[k] > 0 && q[k] < Infinity)) return null;
      const v = theta * Math.log(q[k]) + lw[k];
      p[k] = v;
      if (v > mx) mx = v;
    }
    Z = 0;
    for (let k = 0; k < N; k++) {
      const v = Math.exp(p[k] - mx);
      p[k] = v;
      Z += v;
    }
    if (!(Z > 0 && Z < Infinity)) return null;
    for (let k = 0; k < N; k++) b[k] = p[k] / (Z * q[k]);
    it++;
  }
  let cost = 0;
  for (let i = 0; i < N; i++) {
    const ai = a[i];
    if (ai === 0) continue;
    const r = i * N;
    let acc = 0;
    for (let k = 0; k < N; k++) acc += K[r + k] * b[k] * C[r + k];
    cost += ai * acc;
  }
  // (the loop always performs at least one b-update, so p holds the prox of the last q)
  for (let k = 0; k < N; k++) {
    out[o + k] = p[k] / Z;
    lb[k] = Math.log(b[k]) + lbMax; // undo the shift: the same log b as the log-domain iteration
  }
  return { iterations: it, converged, marginalError: err, cost, domain: 'scaling' };
}

/** The log-domain form (the module comment's iteration on log a, log b with max-shifted log-sum-exps). */
function entropicJkoStepLog(
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
  return { iterations: it, converged, marginalError: err, cost, domain: 'log' };
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
