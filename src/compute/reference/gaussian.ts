/**
 * Gaussian policies on a 1-D action box (ALGORITHMS.md §6), shared by 'gaussian-w2',
 * 'gaussian-w2-newton' and 'wpo-actor'.
 *
 * Parametrisation: per state s, N(m_s, sigma_s^2) restricted to the box [lo, hi] and discretised on its n
 * cells [e_j, e_{j+1}], e_j = lo + j h: the cell masses
 *
 *     w_j = Phi((e_{j+1} - m)/sigma) - Phi((e_j - m)/sigma),   pi(j|s) = w_j / Z,   Z = sum_j w_j
 *
 * (exactly the truncated Gaussian's cell probabilities). Each difference is formed from the tail on the
 * side of the mean it lies (Phi(b) - Phi(a) = Q(a) - Q(b) for a >= 0, Q = upper tail), so far-tail cells
 * keep full relative precision until they underflow to exactly 0 (beyond ~38 sigma).
 *
 * Exact derivatives (a = (e_j - m)/sigma, b = (e_{j+1} - m)/sigma, phi the standard normal density):
 *
 *     dw_j/dm = (phi(a) - phi(b)) / sigma,   dw_j/dsigma = (a phi(a) - b phi(b)) / sigma,
 *     dpi_j = (dw_j - pi_j dZ) / Z.
 *
 * Gradient of J in (m_s, sigma_s) by the chain rule through the exact policy gradient
 *
 *     dJ/dtheta_s = d(s)/(1 - gamma) sum_j dpi(j|s)/dtheta_s (Q(s,j) - tau (log(pi(j|s)/mu(j)) + 1))
 *
 * with Q = r + gamma P V, V the (regularised) value, d the unnormalised occupancy (the normalised d^pi of
 * §1 times its mass; they differ only with terminated transitions). Cells with pi = 0 (underflow)
 * contribute 0.
 *
 * 2-D boxes are NOT supported: these methods throw MethodInputError on anything but a 1-D box grid (a
 * product of independent axes would need four parameters per state; left out on purpose, stated in
 * the error). The mean is kept in [lo, hi] (clamped) and sigma above a floor (sigmaMin, or half a cell
 * when sigmaMin = 0).
 */
import type { TabularMdp } from '../../shared/mdp/types';
import { MethodInputError } from '../types';
import { evaluatePolicy, policyObjective, type Evaluation, type EvaluationOptions } from './evaluation';

const INV_SQRT_2PI = 0.3989422804014327;
const INV_SQRT_PI = 0.5641895835477563;

/** erf(t) for 0 <= t < 2.5 by the all-positive series 2/sqrt(pi) e^{-t^2} sum 2^n t^{2n+1}/(2n+1)!! */
function erfSeries(t: number): number {
  const t2 = t * t;
  let term = t;
  let sum = t;
  for (let n = 1; n < 200; n++) {
    term *= (2 * t2) / (2 * n + 1);
    sum += term;
    if (term < 1e-17 * sum) break;
  }
  return 2 * INV_SQRT_PI * Math.exp(-t2) * sum;
}

/** erfc(t) for t >= 2 by its continued fraction, evaluated backwards (Laplace). */
function erfcContinuedFraction(t: number): number {
  const terms = t < 3 ? 160 : t < 6 ? 80 : 40;
  let f = t;
  for (let k = terms; k >= 1; k--) f = t + (k / 2) / f;
  return (INV_SQRT_PI * Math.exp(-t * t)) / f;
}

/** Upper tail Q(x) = P(Z > x) of the standard normal, ~1e-15 relative accuracy for x >= 0. */
export function normalUpperTail(x: number): number {
  if (x < 0) return 1 - normalUpperTail(-x);
  const t = x * Math.SQRT1_2;
  if (t < 2) return 0.5 * (1 - erfSeries(t));
  return 0.5 * erfcContinuedFraction(t);
}

/** Standard normal CDF Phi(x). */
export function normalCdf(x: number): number {
  return x >= 0 ? 1 - normalUpperTail(x) : normalUpperTail(-x);
}

/** Phi(b) - Phi(a) for a <= b, from the tail on the side of 0 each lies. */
export function normalInterval(a: number, b: number): number {
  if (a >= 0) return normalUpperTail(a) - normalUpperTail(b);
  if (b <= 0) return normalUpperTail(-b) - normalUpperTail(-a);
  return 1 - normalUpperTail(-a) - normalUpperTail(b);
}

export function normalPdf(x: number): number {
  return INV_SQRT_2PI * Math.exp(-0.5 * x * x);
}

/** Per-state Gaussian parameters (m_s, sigma_s), s = 0..S-1. */
export interface GaussianParams {
  m: Float64Array;
  sigma: Float64Array;
}

/** The 1-D box grid of an MDP for the Gaussian methods (MethodInputError otherwise). */
export class GaussianGrid {
  readonly S: number;
  readonly N: number;
  readonly lo: number;
  readonly hi: number;
  readonly h: number;
  /** cell edges e_0..e_N */
  readonly edges: Float64Array;
  /** cell centres */
  readonly x: Float64Array;
  private readonly w: Float64Array;
  private readonly dwm: Float64Array;
  private readonly dws: Float64Array;

  constructor(mdp: TabularMdp, method: string) {
    const g = mdp.grid;
    if (!g) throw new MethodInputError(`${method} needs a continuous action box (a grid); '${mdp.name}' has discrete actions`);
    if (g.dim !== 1)
      throw new MethodInputError(
        `${method} supports 1-D action boxes only (per-state N(m, sigma^2) on the grid); '${mdp.name}' has a ${g.dim}-D box`,
      );
    if (g.n !== mdp.N) throw new MethodInputError(`${method}: grid has ${g.n} cells but the MDP has ${mdp.N} actions`);
    this.S = mdp.S;
    this.N = mdp.N;
    this.lo = g.lo[0];
    this.hi = g.hi[0];
    this.h = (this.hi - this.lo) / this.N;
    this.edges = new Float64Array(this.N + 1);
    this.x = new Float64Array(this.N);
    for (let j = 0; j <= this.N; j++) this.edges[j] = j === this.N ? this.hi : this.lo + j * this.h;
    for (let j = 0; j < this.N; j++) this.x[j] = this.lo + (j + 0.5) * this.h;
    this.w = new Float64Array(this.N);
    this.dwm = new Float64Array(this.N);
    this.dws = new Float64Array(this.N);
  }

  /** sigma floor: sigmaMin, or half a cell when sigmaMin <= 0 */
  /** the sigma floor: the option sigmaMin when given, else half a grid cell */
  sigmaFloor(sigmaMin: number | undefined): number {
    return sigmaMin ?? 0.5 * this.h;
  }

  /** clamp the mean into the box and sigma above the floor, in place */
  project(p: GaussianParams, floor: number): void {
    for (let s = 0; s < this.S; s++) {
      p.m[s] = Math.min(this.hi, Math.max(this.lo, p.m[s]));
      if (!(p.sigma[s] >= floor)) p.sigma[s] = floor;
    }
  }

  /**
   * pi (S*N) of the parameters and, when given, dpi/dm and dpi/dsigma (S*N each, row s holds the
   * derivatives w.r.t. the parameters of state s).
   */
  policy(p: GaussianParams, pi: Float64Array, dm: Float64Array | null = null, ds: Float64Array | null = null): void {
    const { N, edges, w, dwm, dws } = this;
    for (let s = 0; s < this.S; s++) {
      const m = p.m[s];
      const sg = p.sigma[s];
      const isg = 1 / sg;
      let z = 0;
      let zm = 0;
      let zs = 0;
      let a = (edges[0] - m) * isg;
      let pa = normalPdf(a);
      for (let j = 0; j < N; j++) {
        const b = (edges[j + 1] - m) * isg;
        const pb = normalPdf(b);
        const wj = normalInterval(a, b);
        w[j] = wj;
        z += wj;
        if (dm) {
          const gm = (pa - pb) * isg;
          const gs = (a * pa - b * pb) * isg;
          dwm[j] = gm;
          dws[j] = gs;
          zm += gm;
          zs += gs;
        }
        a = b;
        pa = pb;
      }
      const off = s * N;
      const iz = 1 / z;
      for (let j = 0; j < N; j++) pi[off + j] = w[j] * iz;
      if (dm && ds) {
        for (let j = 0; j < N; j++) {
          const pj = pi[off + j];
          dm[off + j] = (dwm[j] - pj * zm) * iz;
          ds[off + j] = (dws[j] - pj * zs) * iz;
        }
      }
    }
  }

  /** moments of a policy row: mean and standard deviation of the cell centres */
  rowMoments(pi: Float64Array, s: number): { mean: number; std: number } {
    const off = s * this.N;
    let m1 = 0;
    let m2 = 0;
    for (let j = 0; j < this.N; j++) {
      m1 += pi[off + j] * this.x[j];
      m2 += pi[off + j] * this.x[j] * this.x[j];
    }
    return { mean: m1, std: Math.sqrt(Math.max(0, m2 - m1 * m1)) };
  }
}

/** Per-state directional derivatives and weights of the exact gradient. */
export interface GaussianGradient {
  /** sum_j dpi/dm_s (Q - tau (log(pi/mu) + 1)) — the gradient WITHOUT the occupancy factor */
  hm: Float64Array;
  hs: Float64Array;
  /** d(s)/(1 - gamma), d unnormalised: grad J = weight * h */
  weight: Float64Array;
}

/**
 * The exact gradient of J in (m, sigma) from an evaluation of pi (V, Q and the occupancy d with its
 * mass). dm / ds are the policy derivatives of GaussianGrid.policy.
 */
export function gaussianGradient(
  mdp: TabularMdp,
  gamma: number,
  tau: number,
  pi: Float64Array,
  dm: Float64Array,
  ds: Float64Array,
  ev: Evaluation,
  out?: GaussianGradient,
): GaussianGradient {
  const { S, N, mu } = mdp;
  const g = out ?? { hm: new Float64Array(S), hs: new Float64Array(S), weight: new Float64Array(S) };
  const d = ev.d;
  if (!d) throw new Error('gaussianGradient: the evaluation must carry the occupancy (occupancy: true)');
  const mass = ev.occupancyMass ?? 1;
  const Q = ev.Q;
  for (let s = 0; s < S; s++) {
    const off = s * N;
    let am = 0;
    let as = 0;
    for (let j = 0; j < N; j++) {
      const p = pi[off + j];
      if (!(p > 0)) continue;
      const f = tau > 0 ? Q[off + j] - tau * (Math.log(p / mu[j]) + 1) : Q[off + j];
      am += dm[off + j] * f;
      as += ds[off + j] * f;
    }
    g.hm[s] = am;
    g.hs[s] = as;
    g.weight[s] = (d[s] * mass) / (1 - gamma);
  }
  return g;
}

/** J and its exact gradient (grad = weight * h) at parameters p: a full evaluation. */
export function gaussianObjective(
  grid: GaussianGrid,
  mdp: TabularMdp,
  gamma: number,
  tau: number,
  p: GaussianParams,
  evalOpts: EvaluationOptions = {},
): { J: number; pi: Float64Array; grad: GaussianGradient; ev: Evaluation } {
  const SN = mdp.S * mdp.N;
  const pi = new Float64Array(SN);
  const dm = new Float64Array(SN);
  const ds = new Float64Array(SN);
  grid.policy(p, pi, dm, ds);
  const ev = evaluatePolicy(mdp, pi, gamma, tau, null, 1e-12, { ...evalOpts, occupancy: true });
  const grad = gaussianGradient(mdp, gamma, tau, pi, dm, ds, ev);
  return { J: policyObjective(mdp, ev.V), pi, grad, ev };
}

/**
 * Initial parameters: with no initial policy, m = centre of the box and sigma = sigma0 in every state;
 * with one, each row's mean and standard deviation (moment matching), projected.
 */
export function initialGaussian(grid: GaussianGrid, init: Float64Array | null, sigma0: number, floor: number): GaussianParams {
  const S = grid.S;
  const p: GaussianParams = { m: new Float64Array(S), sigma: new Float64Array(S) };
  for (let s = 0; s < S; s++) {
    if (init) {
      const mo = grid.rowMoments(init, s);
      p.m[s] = mo.mean;
      p.sigma[s] = mo.std;
    } else {
      p.m[s] = 0.5 * (grid.lo + grid.hi);
      p.sigma[s] = sigma0;
    }
  }
  grid.project(p, floor);
  return p;
}
