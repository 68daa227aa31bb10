/**
 * OT trust region (paper 004) and WPO without mass splitting — ALGORITHMS.md §5.
 *
 * Given the current policy pi, its exact advantage A^pi (with tau > 0 the SOFT advantage
 * A = Q - V, V the entropy-regularised value: the linearised regularised objective; the UI says so),
 * the occupancy rho = d^pi, a radius eps > 0 and the transport cost c(j,k), the dual
 *
 *     G(lambda) = lambda eps + sum_s rho(s) sum_j pi(j|s) max_k [ A(s,k) - lambda c(j,k) ],  lambda >= 0
 *
 * is convex and piecewise linear. Its right derivative at lambda is eps - clo(lambda) and its left
 * derivative eps - chi(lambda), where clo / chi are the average costs of the closest / farthest
 * maximisers. Any maximiser gives a subgradient.
 *
 * How lambda* is found EXACTLY (`OtTrustRegionSolver.solve`): a safeguarded cutting-plane bisection.
 *  1. At lambda = 0 the maximisers are the maximisers of A; if clo(0) <= eps then lambda* = 0.
 *  2. Otherwise lambda* lies in [0, lambda_up] with lambda_up = 2 (max A - min A) / (smallest positive
 *     cost) + 1 (there staying put is the unique maximiser and the subgradient is eps > 0).
 *  3. Each iteration intersects the two supporting lines of G at the ends of the bracket (slopes =
 *     the subgradients found there). A piecewise-linear convex function coincides with that lower bound
 *     at the intersection exactly when the bracket holds a single breakpoint; then the intersection IS
 *     the breakpoint lambda* (checked: G(x) equals the lower bound to 1e-13 relative). Otherwise the
 *     sign of the subgradient at x shrinks the bracket; every other iteration, or when the intersection
 *     would not shrink the bracket enough, the midpoint is used instead (plain bisection on the
 *     subgradient), and the loop stops at the latest when the bracket is down to floating-point
 *     resolution (then lambda* = the upper end).
 *  4. At lambda* the maximiser sets D(s,j) are formed with ties within `tieTol` (plus a rounding
 *     allowance of 2^-44 times the magnitude of the row), Tlo / Thi = the closest / farthest element of
 *     D (equal costs: the lowest index), clo / chi, and t* = (chi - eps) / (chi - clo) in [0, 1] is the
 *     weight of Tlo. With lambda* = 0 all mass goes to the closest maximiser (t* weight 1 on Tlo — the
 *     contract's choice; paper 004 writes t* = 0 there with its own labelling), and if chi = clo
 *     (= eps) t* = 1.
 *
 * Speed: for 1-D sorted action positions with cost |x_j - x_k|^p, p = 1 or 2 (checked entry by entry
 * against the MDP's cost matrix once), max_k [A(s,k) - lambda c(j,k)] for all j is a max-plus
 * convolution computed in O(N): two passes for p = 1 (a distance transform with slope lambda), the
 * lower envelope of parabolas (Felzenszwalb–Huttenlocher, with non-uniform positions) for p = 2. The
 * final tie pass only scans the window |x_j - x_k|^p <= (max A - M_j + tol) / lambda. Any other cost
 * uses the O(N^2) maximisation (rows with pi(j|s) = 0 are skipped). The two are tested against each
 * other.
 */
import type { TabularMdp } from '../../shared/mdp/types';
import type { IterationMetrics } from '../../shared/methods';
import { MethodInputError, type RunSpec } from '../types';
import { IterativeMethod, optionsOf, type MethodContext, type ReferenceMethod } from './method';

/** 1-D positions (strictly increasing in the action index) with cost |x_j - x_k|^p. */
export interface LineCost {
  x: Float64Array;
  p: 1 | 2;
}

/**
 * The fast-path structure for `mdp` when its cost is |x_j - x_k|^p (p = 1 or 2) on strictly increasing
 * 1-D positions (every entry checked to `relTol`), else null (use the O(N^2) path).
 */
export function detectLineCost(mdp: TabularMdp, relTol = 1e-12): LineCost | null {
  if (mdp.actionDim !== 1 || !mdp.positions) return null;
  const N = mdp.N;
  const x = mdp.positions;
  if (x.length !== N) return null;
  for (let j = 1; j < N; j++) if (!(x[j] > x[j - 1])) return null;
  const c = mdp.cost;
  for (const p of [2, 1] as const) {
    let ok = true;
    for (let j = 0; j < N && ok; j++) {
      for (let k = 0; k < N; k++) {
        const d = Math.abs(x[j] - x[k]);
        const want = p === 2 ? d * d : d;
        if (Math.abs(c[j * N + k] - want) > relTol * Math.max(1, want)) {
          ok = false;
          break;
        }
      }
    }
    if (ok) return { x: Float64Array.from(x), p };
  }
  return null;
}

/**
 * out[j] = max_k [a[off+k] - lam |x_j - x_k|], arg[j] = a maximiser; O(N) (two-pass distance
 * transform). lam >= 0, x strictly increasing.
 */
export function maxPlusLinear(
  a: Float64Array,
  off: number,
  x: Float64Array,
  lam: number,
  N: number,
  out: Float64Array,
  arg: Int32Array,
): void {
  out[0] = a[off];
  arg[0] = 0;
  for (let j = 1; j < N; j++) {
    const cand = out[j - 1] - lam * (x[j] - x[j - 1]);
    const aj = a[off + j];
    if (cand > aj) {
      out[j] = cand;
      arg[j] = arg[j - 1];
    } else {
      out[j] = aj;
      arg[j] = j;
    }
  }
  for (let j = N - 2; j >= 0; j--) {
    const cand = out[j + 1] - lam * (x[j + 1] - x[j]);
    if (cand > out[j]) {
      out[j] = cand;
      arg[j] = arg[j + 1];
    }
  }
}

/**
 * out[j] = max_k [a[off+k] - lam (x_j - x_k)^2], arg[j] = a maximiser; O(N) by the lower envelope of the
 * parabolas lam (x - x_k)^2 - a_k (Felzenszwalb–Huttenlocher on non-uniform positions). lam > 0.
 * Scratch: v (Int32Array N), z (Float64Array N + 1).
 */
export function maxPlusQuadratic(
  a: Float64Array,
  off: number,
  x: Float64Array,
  lam: number,
  N: number,
  out: Float64Array,
  arg: Int32Array,
  v: Int32Array,
  z: Float64Array,
): void {
  let m = 0;
  v[0] = 0;
  z[0] = -Infinity;
  z[1] = Infinity;
  const inv2lam = 0.5 / lam;
  for (let q = 1; q < N; q++) {
    const xq = x[q];
    const aq = a[off + q];
    let s = 0;
    for (;;) {
      const k = v[m];
      // intersection of lam (x - x_k)^2 - a_k and lam (x - x_q)^2 - a_q
      s = ((a[off + k] - aq) * inv2lam) / (xq - x[k]) + 0.5 * (xq + x[k]);
      if (s <= z[m] && m > 0) m--;
      else break;
    }
    m++;
    v[m] = q;
    z[m] = s;
    z[m + 1] = Infinity;
  }
  m = 0;
  for (let j = 0; j < N; j++) {
    const xj = x[j];
    while (z[m + 1] < xj) m++;
    const k = v[m];
    const d = xj - x[k];
    out[j] = a[off + k] - lam * d * d;
    arg[j] = k;
  }
}

/** The inputs of one trust-region step (all f64, index s * N + j; cost j * N + k). */
export interface OtStepInput {
  /** occupancy weights rho(s) (d^pi) */
  rho: Float64Array;
  policy: Float64Array;
  advantage: Float64Array;
  eps: number;
  tieTol: number;
}

/** What one step did. */
export interface OtStepResult {
  lambda: number;
  /** G(lambda*) (the optimal value of the linearised problem: sum rho pi_new A) */
  G: number;
  /** average cost of the closest / farthest maximisers at lambda* */
  clo: number;
  chi: number;
  /** weight of Tlo (1 when lambda* = 0) */
  tStar: number;
  /** realised average transport cost sum_s rho(s) sum_j pi(j|s) c(j, target) of the move */
  cost: number;
  /** whether the realised cost exceeds eps (beyond 1e-12 relative) */
  exceeded: boolean;
  /** number of dual evaluations used */
  evaluations: number;
  /** how lambda* was certified: 'zero' | 'kink' | 'flat' | 'bracket' */
  certificate: 'zero' | 'kink' | 'flat' | 'bracket';
}

const ROUND = 2 ** -44;

/**
 * Solver of §5 for one MDP shape: holds the cost structure and scratch (no allocation per step).
 */
export class OtTrustRegionSolver {
  readonly S: number;
  readonly N: number;
  readonly cost: Float64Array;
  readonly line: LineCost | null;
  private readonly cmax: number;
  private readonly cminPos: number;
  private readonly rowMax: Float64Array;
  private readonly rowAbs: Float64Array;
  // per-row scratch
  private readonly M: Float64Array;
  private readonly arg: Int32Array;
  private readonly v: Int32Array;
  private readonly z: Float64Array;
  private readonly dset: Int32Array;
  /** per (s,j): closest / farthest / lowest-index maximiser at the last tie pass */
  readonly tlo: Int32Array;
  readonly thi: Int32Array;
  readonly tfirst: Int32Array;
  /** per state: realised transport cost of the last update at s (sum_j pi c) */
  readonly stateCost: Float64Array;
  /** use the O(N^2) path even when the line structure is present (tests) */
  forceDense = false;

  constructor(S: number, N: number, cost: Float64Array, line: LineCost | null) {
    this.S = S;
    this.N = N;
    this.cost = cost;
    this.line = line;
    let cmax = 0;
    let cminPos = Infinity;
    for (let i = 0; i < cost.length; i++) {
      const c = cost[i];
      if (c > cmax) cmax = c;
      if (c > 0 && c < cminPos) cminPos = c;
    }
    this.cmax = cmax;
    this.cminPos = cminPos;
    this.rowMax = new Float64Array(S);
    this.rowAbs = new Float64Array(S);
    this.M = new Float64Array(N);
    this.arg = new Int32Array(N);
    this.v = new Int32Array(N);
    this.z = new Float64Array(N + 1);
    this.dset = new Int32Array(N);
    this.tlo = new Int32Array(S * N);
    this.thi = new Int32Array(S * N);
    this.tfirst = new Int32Array(S * N);
    this.stateCost = new Float64Array(S);
  }

  static forMdp(mdp: TabularMdp): OtTrustRegionSolver {
    return new OtTrustRegionSolver(mdp.S, mdp.N, mdp.cost, detectLineCost(mdp));
  }

  /** max_k [a(s,k) - lam c(j,k)] for all j of state s into this.M / this.arg (fast or dense). */
  private rowMaxPlus(adv: Float64Array, policy: Float64Array, s: number, lam: number): void {
    const N = this.N;
    const off = s * N;
    const M = this.M;
    const arg = this.arg;
    const line = this.forceDense ? null : this.line;
    if (lam === 0) {
      let best = -Infinity;
      let bi = 0;
      for (let k = 0; k < N; k++) {
        const ak = adv[off + k];
        if (ak > best) {
          best = ak;
          bi = k;
        }
      }
      M.fill(best);
      arg.fill(bi);
      return;
    }
    if (line) {
      if (line.p === 1) maxPlusLinear(adv, off, line.x, lam, N, M, arg);
      else maxPlusQuadratic(adv, off, line.x, lam, N, M, arg, this.v, this.z);
      return;
    }
    const c = this.cost;
    for (let j = 0; j < N; j++) {
      if (policy[off + j] <= 0) continue;
      const cj = j * N;
      let best = -Infinity;
      let bi = 0;
      for (let k = 0; k < N; k++) {
        const val = adv[off + k] - lam * c[cj + k];
        if (val > best) {
          best = val;
          bi = k;
        }
      }
      M[j] = best;
      arg[j] = bi;
    }
  }

  /**
   * G(lam) and one subgradient eps - sum rho pi c(j, T(j)) with T any maximiser.
   * Writes into `res` = [G, subgradient].
   */
  dual(inp: OtStepInput, lam: number, res: Float64Array): void {
    const { S, N } = this;
    const { rho, policy, advantage } = inp;
    const c = this.cost;
    let sum = 0;
    let csum = 0;
    for (let s = 0; s < S; s++) {
      const r = rho[s];
      if (r === 0) continue;
      this.rowMaxPlus(advantage, policy, s, lam);
      const off = s * N;
      let vs = 0;
      let cs = 0;
      for (let j = 0; j < N; j++) {
        const p = policy[off + j];
        if (p <= 0) continue;
        vs += p * this.M[j];
        cs += p * c[j * N + this.arg[j]];
      }
      sum += r * vs;
      csum += r * cs;
    }
    res[0] = lam * inp.eps + sum;
    res[1] = inp.eps - csum;
  }

  /**
   * The tie pass at lam: fills tlo / thi / tfirst for every (s, j) with pi(j|s) > 0 and returns
   * [clo, chi] in res.
   */
  ties(inp: OtStepInput, lam: number, res: Float64Array): void {
    const { S, N } = this;
    const { rho, policy, advantage: adv, tieTol } = inp;
    const c = this.cost;
    const line = this.forceDense ? null : this.line;
    const M = this.M;
    const tlo = this.tlo;
    const thi = this.thi;
    const tfirst = this.tfirst;
    let clo = 0;
    let chi = 0;
    for (let s = 0; s < S; s++) {
      const off = s * N;
      let amax = -Infinity;
      let aabs = 0;
      for (let k = 0; k < N; k++) {
        const a = adv[off + k];
        if (a > amax) amax = a;
        const aa = Math.abs(a);
        if (aa > aabs) aabs = aa;
      }
      this.rowMax[s] = amax;
      this.rowAbs[s] = aabs;
      const tol = tieTol + ROUND * (aabs + lam * this.cmax);
      let slo = 0;
      let shi = 0;
      if (lam === 0) {
        // D = argmax A (within tol), the same set for every j
        let nd = 0;
        for (let k = 0; k < N; k++) if (adv[off + k] >= amax - tol) this.dset[nd++] = k;
        for (let j = 0; j < N; j++) {
          const p = policy[off + j];
          if (p <= 0) continue;
          const cj = j * N;
          let lo = this.dset[0];
          let hi = lo;
          for (let q = 1; q < nd; q++) {
            const k = this.dset[q];
            if (c[cj + k] < c[cj + lo]) lo = k;
            if (c[cj + k] > c[cj + hi]) hi = k;
          }
          tlo[off + j] = lo;
          thi[off + j] = hi;
          tfirst[off + j] = this.dset[0];
          slo += p * c[cj + lo];
          shi += p * c[cj + hi];
        }
      } else if (line) {
        const x = line.x;
        const pw = line.p;
        this.rowMaxPlus(adv, policy, s, lam);
        for (let j = 0; j < N; j++) {
          const p = policy[off + j];
          if (p <= 0) continue;
          const xj = x[j];
          // window: lam |x_j - x_k|^p <= amax - M_j + tol (with slack)
          const slack = (amax - M[j] + 2 * tol) / lam;
          const R = (pw === 2 ? Math.sqrt(Math.max(slack, 0)) : Math.max(slack, 0)) * (1 + 1e-12) + 1e-300;
          let kL = j;
          while (kL > 0 && xj - x[kL - 1] <= R) kL--;
          let kR = j;
          while (kR < N - 1 && x[kR + 1] - xj <= R) kR++;
          let best = -Infinity;
          for (let k = kL; k <= kR; k++) {
            const d = xj - x[k];
            const val = adv[off + k] - lam * (pw === 2 ? d * d : Math.abs(d));
            if (val > best) best = val;
          }
          const thr = best - tol;
          const cj = j * N;
          let lo = -1;
          let hi = -1;
          let first = -1;
          for (let k = kL; k <= kR; k++) {
            const d = xj - x[k];
            const val = adv[off + k] - lam * (pw === 2 ? d * d : Math.abs(d));
            if (val < thr) continue;
            if (first < 0) {
              first = k;
              lo = k;
              hi = k;
            } else {
              if (c[cj + k] < c[cj + lo]) lo = k;
              if (c[cj + k] > c[cj + hi]) hi = k;
            }
          }
          tlo[off + j] = lo;
          thi[off + j] = hi;
          tfirst[off + j] = first;
          slo += p * c[cj + lo];
          shi += p * c[cj + hi];
        }
      } else {
        for (let j = 0; j < N; j++) {
          const p = policy[off + j];
          if (p <= 0) continue;
          const cj = j * N;
          let best = -Infinity;
          for (let k = 0; k < N; k++) {
            const val = adv[off + k] - lam * c[cj + k];
            if (val > best) best = val;
          }
          const thr = best - tol;
          let lo = -1;
          let hi = -1;
          let first = -1;
          for (let k = 0; k < N; k++) {
            const val = adv[off + k] - lam * c[cj + k];
            if (val < thr) continue;
            if (first < 0) {
              first = k;
              lo = k;
              hi = k;
            } else {
              if (c[cj + k] < c[cj + lo]) lo = k;
              if (c[cj + k] > c[cj + hi]) hi = k;
            }
          }
          tlo[off + j] = lo;
          thi[off + j] = hi;
          tfirst[off + j] = first;
          slo += p * c[cj + lo];
          shi += p * c[cj + hi];
        }
      }
      clo += rho[s] * slo;
      chi += rho[s] * shi;
    }
    res[0] = clo;
    res[1] = chi;
  }

  /** lambda* = argmin_{lambda >= 0} G (see the file comment); returns [lambda*, evaluations, certificate code]. */
  solveDual(inp: OtStepInput): { lambda: number; upper: number; evaluations: number; certificate: OtStepResult['certificate'] } {
    const eps = inp.eps;
    const two = new Float64Array(2);
    this.ties(inp, 0, two);
    const clo0 = two[0];
    if (clo0 <= eps) return { lambda: 0, upper: 0, evaluations: 1, certificate: 'zero' };
    // upper end: staying put is the unique maximiser
    let arange = 0;
    const { S, N } = this;
    for (let s = 0; s < S; s++) {
      let mn = Infinity;
      let mx = -Infinity;
      const off = s * N;
      for (let k = 0; k < N; k++) {
        const a = inp.advantage[off + k];
        if (a < mn) mn = a;
        if (a > mx) mx = a;
      }
      if (mx - mn > arange) arange = mx - mn;
    }
    let lo = 0;
    let hi = (2 * arange) / this.cminPos + 1;
    this.dual(inp, lo, two);
    let Glo = two[0];
    let glo = eps - clo0; // the right derivative at 0 (< 0 here)
    this.dual(inp, hi, two);
    let Ghi = two[0];
    let ghi = two[1];
    let evals = 3;
    if (ghi <= 0) return { lambda: hi, upper: hi, evaluations: evals, certificate: 'bracket' };
    let width = hi - lo;
    for (let it = 0; it < 400; it++) {
      let x = NaN;
      let fromCut = false;
      if (it % 2 === 0 && glo < 0 && ghi > 0) {
        x = (Ghi - Glo + glo * lo - ghi * hi) / (glo - ghi);
        fromCut = x > lo && x < hi;
      }
      if (!fromCut) x = 0.5 * (lo + hi);
      if (!(x > lo && x < hi)) return { lambda: hi, upper: hi, evaluations: evals, certificate: 'bracket' };
      this.dual(inp, x, two);
      evals++;
      const Gx = two[0];
      const gx = two[1];
      if (fromCut) {
        const lower = Glo + glo * (x - lo);
        if (Gx - lower <= 1e-13 * (Math.abs(Gx) + Math.abs(lower) + 1e-300)) {
          return { lambda: x, upper: hi, evaluations: evals, certificate: 'kink' };
        }
      }
      if (gx === 0) return { lambda: x, upper: hi, evaluations: evals, certificate: 'flat' };
      if (gx < 0) {
        lo = x;
        Glo = Gx;
        glo = gx;
      } else {
        hi = x;
        Ghi = Gx;
        ghi = gx;
      }
      const w = hi - lo;
      if (w >= width) break;
      width = w;
      if (w <= 4 * Number.EPSILON * hi) break;
    }
    return { lambda: hi, upper: hi, evaluations: evals, certificate: 'bracket' };
  }

  /**
   * One §5 update: pi_new (written to `out`, length S*N) from the input. `splitting` = true is OT-TRPO
   * (mass splitting with t*), false is WPO (all mass to the lowest-index maximiser).
   */
  step(inp: OtStepInput, splitting: boolean, out: Float64Array): OtStepResult {
    const { S, N } = this;
    const sol = this.solveDual(inp);
    let lam = sol.lambda;
    const two = new Float64Array(2);
    const eps = inp.eps;
    this.ties(inp, lam, two);
    if (lam > 0 && two[0] > eps * (1 + 1e-12) && sol.upper > lam) {
      // safety net: a kink accepted to round-off without its right-hand piece in the tie set; the
      // bracket's upper end has a subgradient > 0, so its closest maximisers cost < eps
      lam = sol.upper;
      this.ties(inp, lam, two);
    }
    const clo = two[0];
    const chi = two[1];
    let t: number;
    if (lam === 0) t = 1;
    else if (chi - clo <= 0) t = 1;
    else t = Math.min(1, Math.max(0, (chi - eps) / (chi - clo)));
    const c = this.cost;
    const { policy, rho } = inp;
    out.fill(0);
    let total = 0;
    for (let s = 0; s < S; s++) {
      const off = s * N;
      let sc = 0;
      for (let j = 0; j < N; j++) {
        const p = policy[off + j];
        if (p <= 0) continue;
        const cj = j * N;
        if (splitting) {
          const a = this.tlo[off + j];
          const b = this.thi[off + j];
          out[off + a] += t * p;
          out[off + b] += (1 - t) * p;
          sc += p * (t * c[cj + a] + (1 - t) * c[cj + b]);
        } else {
          const a = this.tfirst[off + j];
          out[off + a] += p;
          sc += p * c[cj + a];
        }
      }
      this.stateCost[s] = sc;
      total += rho[s] * sc;
    }
    this.dual(inp, lam, two);
    return {
      lambda: lam,
      G: two[0],
      clo,
      chi,
      tStar: t,
      cost: total,
      exceeded: total > eps * (1 + 1e-12),
      evaluations: sol.evaluations + 2,
      certificate: sol.certificate,
    };
  }
}

// ---------------------------------------------------------------------------------------------------
// The methods 'ot-trpo' and 'wpo-song'

/**
 * OT-TRPO (splitting = true) / WPO (splitting = false) on the exact evaluation of the current policy:
 * A = Q - V (soft with tau > 0), rho = d^pi (normalised occupancy). Metrics per update:
 * transportCost = the realised average cost sum_s rho(s) sum_j pi(j|s) c(j, target) of the move (the cost
 * of the plan the update uses, an upper bound of the OT cost), trustSlack = eps - transportCost,
 * trustViolated = transportCost > eps (1e-12 relative), lambda = lambda*. The run is done when an update
 * leaves the policy unchanged (a fixed point: greedy and at the closest maximiser everywhere it matters).
 * Diagnostics: how many / what fraction of updates exceeded eps and by how much at most, the last t*,
 * and how lambda* was certified (counts of 'zero' / 'kink' / 'flat' / 'bracket').
 */
export class OtTrustRegionIterator extends IterativeMethod {
  readonly splitting: boolean;
  readonly eps: number;
  readonly tieTol: number;
  readonly solver: OtTrustRegionSolver;
  private readonly adv: Float64Array;
  private readonly out: Float64Array;
  private updates = 0;
  private exceeded = 0;
  private maxExcess = 0;
  private readonly certificates = { zero: 0, kink: 0, flat: 0, bracket: 0 };
  /** the last step's result (tests) */
  lastStep: OtStepResult | null = null;

  constructor(mdp: TabularMdp, spec: RunSpec, splitting: boolean, ctx: MethodContext = {}) {
    super(splitting ? 'ot-trpo' : 'wpo-song', mdp, spec, ctx);
    this.splitting = splitting;
    const o = optionsOf(spec, 'ot-trpo', 'wpo-song');
    this.eps = o.eps;
    this.tieTol = o.tieTol;
    if (!(this.eps > 0 && Number.isFinite(this.eps))) throw new MethodInputError(`eps must be > 0, got ${this.eps}`);
    if (!(this.tieTol >= 0)) throw new MethodInputError(`tieTol must be >= 0, got ${this.tieTol}`);
    this.solver = OtTrustRegionSolver.forMdp(mdp);
    this.adv = new Float64Array(mdp.S * mdp.N);
    this.out = new Float64Array(mdp.S * mdp.N);
    this.diag.fastPath = this.solver.line ? `1-D |x_j - x_k|^${this.solver.line.p}, O(N)` : 'dense O(N^2)';
    this.diag.advantage = this.tau > 0 ? 'soft (tau > 0): A = Q - V with V entropy-regularised' : 'exact (tau = 0)';
  }

  /** The last move's cost per state, sum_j pi(j|s) c(j, target) (the solver's stateCost), and the radius eps. */
  protected override moveCostPerState(): { perState: Float64Array; radius: number } {
    return { perState: this.solver.stateCost, radius: this.eps };
  }

  protected update(): Partial<IterationMetrics> {
    const { S, N } = this.mdp;
    const ev = this.evaluation;
    const A = this.adv;
    for (let s = 0; s < S; s++) {
      const v = ev.V[s];
      for (let j = 0; j < N; j++) A[s * N + j] = ev.Q[s * N + j] - v;
    }
    const rho = ev.d as Float64Array;
    const res = this.solver.step(
      { rho, policy: this.pi, advantage: A, eps: this.eps, tieTol: this.tieTol },
      this.splitting,
      this.out,
    );
    this.lastStep = res;
    let change = 0;
    for (let i = 0; i < this.out.length; i++) change = Math.max(change, Math.abs(this.out[i] - this.pi[i]));
    this.pi.set(this.out);
    if (change === 0) this.finished = true;
    this.updates++;
    if (res.exceeded) {
      this.exceeded++;
      this.maxExcess = Math.max(this.maxExcess, res.cost - this.eps);
    }
    this.certificates[res.certificate]++;
    this.diag.updates = this.updates;
    this.diag.exceedCount = this.exceeded;
    this.diag.exceedFraction = this.exceeded / this.updates;
    this.diag.maxExcess = this.maxExcess;
    this.diag.lastTStar = res.tStar;
    this.diag.lambdaCertificates = `zero ${this.certificates.zero}, kink ${this.certificates.kink}, flat ${this.certificates.flat}, bracket ${this.certificates.bracket}`;
    this.diag.dualEvaluations = res.evaluations;
    return {
      transportCost: res.cost,
      trustSlack: this.eps - res.cost,
      trustViolated: res.exceeded,
      lambda: res.lambda,
    };
  }
}

export const otTrpoMethod: ReferenceMethod = {
  id: 'ot-trpo',
  start: (mdp, spec) => new OtTrustRegionIterator(mdp, spec, true),
};

export const wpoSongMethod: ReferenceMethod = {
  id: 'wpo-song',
  start: (mdp, spec) => new OtTrustRegionIterator(mdp, spec, false),
};
