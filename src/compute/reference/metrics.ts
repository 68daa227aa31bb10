/**
 * The per-iteration metrics of ALGORITHMS.md §8, computed identically for every reference method, and the
 * linear-rate fit of the gap.
 *
 *   J       = sum_s rho0(s) V^pi(s)                        (regularised with the run's tau)
 *   Jplain  = J + tau / (1 - gamma) * m * sum_s d^pi(s) KL_pi(s)   (= the tau = 0 objective of the same
 *             policy; m = occupancy mass before normalisation, < 1 only with terminated transitions)
 *   gap     = J* - J                                       (J* from solveOptimum with the same tau)
 *   tv      = sum_s d*(s) 1/2 sum_j |pi(j|s) - pi*(j|s)|   (d* = occupancy of pi*)
 *   entropy = sum_s d^pi(s) H(pi(.|s)),  H(p) = -sum_j p_j log p_j (Shannon entropy, nats)
 *   kl      = sum_s d^pi_old(s) KL(pi_new(.|s) || pi_old(.|s))  (+Infinity when pi_new puts mass where
 *             pi_old has none, e.g. OT moves; that is a fact about the step, not a divergence)
 *
 * Divergence: `record` throws DivergenceError(iteration, quantity, detail) on a NaN/Inf in the policy, V,
 * Q, J or any finite-valued metric, on |J| > 1e12, on a policy mass below -1e-12, or on a row sum off
 * by more than 1e-9. A trace never carries a silent NaN.
 */
import type { TabularMdp } from '../../shared/mdp/types';
import type { IterationMetrics } from '../../shared/methods';
import { DivergenceError } from '../types';
import { entropyRow, klRow, occupancyWithMass, policyObjective, type Evaluation } from './evaluation';
import type { Optimum } from './solvers';

export const DIVERGENCE_LIMITS = {
  /** |J| above this is a blow-up */
  maxAbsJ: 1e12,
  /** a policy mass below this is negative mass */
  minMass: -1e-12,
  /** |sum_j pi(j|s) - 1| above this is a lost row */
  rowSumTol: 1e-9,
} as const;

/**
 * Check a policy: finite, masses >= -1e-12, rows summing to 1 within 1e-9. Throws DivergenceError
 * naming `quantity` (default 'policy') and the first offending state.
 */
export function checkPolicy(policy: Float64Array, S: number, N: number, iteration: number, quantity = 'policy'): void {
  for (let s = 0; s < S; s++) {
    const o = s * N;
    let sum = 0;
    for (let j = 0; j < N; j++) {
      const p = policy[o + j];
      if (!Number.isFinite(p)) throw new DivergenceError(iteration, quantity, `is ${p} at state ${s}, action ${j}`);
      if (p < DIVERGENCE_LIMITS.minMass)
        throw new DivergenceError(iteration, quantity, `has negative mass ${p} at state ${s}, action ${j}`);
      sum += p;
    }
    if (Math.abs(sum - 1) > DIVERGENCE_LIMITS.rowSumTol)
      throw new DivergenceError(iteration, quantity, `row of state ${s} sums to ${sum} (mass not conserved)`);
  }
}

/** Throws DivergenceError if any entry is NaN or infinite. */
export function checkFinite(x: ArrayLike<number>, iteration: number, quantity: string): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (!Number.isFinite(v)) throw new DivergenceError(iteration, quantity, `is ${v} at index ${i}`);
  }
}

function checkScalar(v: number, iteration: number, quantity: string): void {
  if (!Number.isFinite(v)) throw new DivergenceError(iteration, quantity, `is ${v}`);
}

const NULL_EXTRAS = {
  transportCost: null,
  kl: null,
  trustSlack: null,
  trustViolated: null,
  lambda: null,
  t: null,
} as const;

/** Occupancy below which a state counts as unreachable (solver round-off) for the KL metric. */
export const UNREACHABLE_OCCUPANCY = 1e-13;

export class MetricsRecorder {
  readonly Jstar: number;
  /** occupancy of pi* (weights of the TV metric) */
  readonly dStar: Float64Array;
  private lastPolicy: Float64Array | null = null;
  private lastD: Float64Array | null = null;

  constructor(
    readonly mdp: TabularMdp,
    readonly gamma: number,
    readonly tau: number,
    readonly optimum: Optimum,
    readonly startTimeMs: number,
    readonly now: () => number,
  ) {
    this.Jstar = optimum.J;
    this.dStar = occupancyWithMass(mdp, optimum.policy, gamma).d;
  }

  /**
   * Metrics of `policy` (evaluated in `evaluation`, with its occupancy in `evaluation.d` if present) after
   * a step from `previous` (null for the initial row). `extra` supplies the method-specific fields
   * (transportCost, trustSlack, trustViolated, lambda, t) and may override kl; absent ones are null.
   */
  record(
    iteration: number,
    policy: Float64Array,
    previous: Float64Array | null,
    evaluation: Evaluation,
    extra: Partial<IterationMetrics> = {},
  ): IterationMetrics {
    const { mdp, gamma, tau } = this;
    const { S, N } = mdp;
    checkPolicy(policy, S, N, iteration);
    checkFinite(evaluation.V, iteration, 'V');
    checkFinite(evaluation.Q, iteration, 'Q');
    const J = policyObjective(mdp, evaluation.V);
    checkScalar(J, iteration, 'J');
    if (Math.abs(J) > DIVERGENCE_LIMITS.maxAbsJ) throw new DivergenceError(iteration, 'J', `blew up: |J| = ${Math.abs(J)}`);

    let d = evaluation.d;
    let mass = evaluation.occupancyMass;
    if (!d || mass === undefined) {
      const o = occupancyWithMass(mdp, policy, gamma);
      d = o.d;
      mass = o.mass;
    }
    checkFinite(d, iteration, 'occupancy');

    let entropy = 0;
    let klMu = 0;
    let tv = 0;
    const pstar = this.optimum.policy;
    for (let s = 0; s < S; s++) {
      const o = s * N;
      if (d[s] !== 0) {
        entropy += d[s] * entropyRow(policy, o, N);
        if (tau !== 0) klMu += d[s] * klRow(policy, o, mdp.mu, 0, N);
      }
      if (this.dStar[s] !== 0) {
        let row = 0;
        for (let j = 0; j < N; j++) row += Math.abs(policy[o + j] - pstar[o + j]);
        tv += this.dStar[s] * 0.5 * row;
      }
    }
    const Jplain = tau === 0 ? J : J + (tau / (1 - gamma)) * mass * klMu;

    let kl: number | null = null;
    let policyChange: number | null = null;
    if (previous) {
      policyChange = 0;
      for (let i = 0; i < policy.length; i++) {
        const c = Math.abs(policy[i] - previous[i]);
        if (c > policyChange) policyChange = c;
      }
      let dOld = this.lastD;
      if (!dOld || !this.lastPolicy || !sameArray(previous, this.lastPolicy)) dOld = occupancyWithMass(mdp, previous, gamma).d;
      kl = 0;
      // Occupancies of unreachable states come out of the linear solve as +-1e-17 rather than 0: an
      // infinite KL there is round-off, not mass moved where the old policy had none.
      for (let s = 0; s < S; s++) {
        if (!(dOld[s] > 0)) continue;
        const k = klRow(policy, s * N, previous, s * N, N);
        if (k === Infinity) {
          if (dOld[s] > UNREACHABLE_OCCUPANCY) kl = Infinity;
        } else kl += dOld[s] * k;
      }
    }

    const m: IterationMetrics = {
      iteration,
      J,
      Jplain,
      gap: this.Jstar - J,
      tv,
      entropy,
      ...NULL_EXTRAS,
      kl,
      evalResidual: evaluation.residual,
      policyChange,
      wallMs: this.now() - this.startTimeMs,
    };
    for (const key of Object.keys(extra) as (keyof IterationMetrics)[]) {
      const v = extra[key];
      if (v !== undefined) (m as unknown as Record<string, unknown>)[key] = v;
    }
    checkScalar(m.Jplain, iteration, 'Jplain');
    checkScalar(m.gap, iteration, 'gap');
    checkScalar(m.tv, iteration, 'tv');
    checkScalar(m.entropy, iteration, 'entropy');
    if (!(m.evalResidual === m.evalResidual)) throw new DivergenceError(iteration, 'evalResidual', 'is NaN');
    for (const key of ['transportCost', 'trustSlack', 'lambda', 't', 'policyChange'] as const) {
      const v = m[key];
      if (v !== null && !Number.isFinite(v)) throw new DivergenceError(iteration, key, `is ${v}`);
    }
    if (m.kl !== null && m.kl !== m.kl) throw new DivergenceError(iteration, 'kl', 'is NaN');

    if (!this.lastPolicy || this.lastPolicy.length !== policy.length) this.lastPolicy = new Float64Array(policy.length);
    this.lastPolicy.set(policy);
    this.lastD = d;
    return m;
  }
}

function sameArray(a: Float64Array, b: Float64Array): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export interface RateFitOptions {
  /** gaps at or below this count as round-off and end the fit range (default: estimated, see fitGapRate) */
  floor?: number;
  /** relative tolerance within which a window's rate must agree with the late-time rate (default 0.02) */
  steadyTol?: number;
  /** fewest points to fit (default 4) */
  minPoints?: number;
}

export interface RateFit {
  /** decay rate: log gap ≈ c - rate * x (positive for a decaying gap) */
  rate: number;
  /** [x_first, x_last] of the points fitted */
  range: [number, number];
  /** indices [first, last] of the points fitted */
  indices: [number, number];
  /** the fitted gap at x_first, exp(c - rate * x_first): with `rate` it draws the fitted line */
  gapAtStart: number;
  /** coefficient of determination of the fit of log gap */
  r2: number;
  /** the round-off floor used (gaps at or below it were not fitted) */
  floor: number;
  /** the level the gap settled at when that is above round-off (a plateau of the method), else null */
  plateau: number | null;
}

/** No fit, with the reason in words. */
export interface RateNoFit {
  rate: null;
  reason: string;
  floor: number;
  plateau: number | null;
}

/** A least-squares line y = intercept + slope (x - x_a) with its r2. */
interface LineFit {
  slope: number;
  intercept: number;
  r2: number;
}

/** Prefix sums of (x, y) over [a, b), for O(1) least-squares fits on any sub-window. */
class PrefixSums {
  readonly sx: Float64Array;
  readonly sy: Float64Array;
  readonly sxx: Float64Array;
  readonly sxy: Float64Array;
  readonly syy: Float64Array;
  constructor(xs: ArrayLike<number>, ys: ArrayLike<number>, a: number, b: number) {
    const n = b - a;
    this.sx = new Float64Array(n + 1);
    this.sy = new Float64Array(n + 1);
    this.sxx = new Float64Array(n + 1);
    this.sxy = new Float64Array(n + 1);
    this.syy = new Float64Array(n + 1);
    // x centred on xs[a] so the sums do not cancel catastrophically for long traces
    const x0 = xs[a];
    for (let i = 0; i < n; i++) {
      const x = xs[a + i] - x0;
      const y = ys[a + i];
      this.sx[i + 1] = this.sx[i] + x;
      this.sy[i + 1] = this.sy[i] + y;
      this.sxx[i + 1] = this.sxx[i] + x * x;
      this.sxy[i + 1] = this.sxy[i] + x * y;
      this.syy[i + 1] = this.syy[i] + y * y;
    }
  }

  /** fit over local indices [i, j) (offsets from a); intercept is at x = xs[a] */
  fit(i: number, j: number): LineFit | null {
    const n = j - i;
    const sx = this.sx[j] - this.sx[i];
    const sy = this.sy[j] - this.sy[i];
    const sxx = this.sxx[j] - this.sxx[i] - (sx * sx) / n;
    const sxy = this.sxy[j] - this.sxy[i] - (sx * sy) / n;
    const syy = this.syy[j] - this.syy[i] - (sy * sy) / n;
    if (!(sxx > 0)) return null;
    const slope = sxy / sxx;
    const r2 = syy <= 0 ? 1 : Math.min(1, (sxy * sxy) / (sxx * syy));
    return { slope, intercept: sy / n - (slope * sx) / n, r2 };
  }
}

/**
 * The round-off floor of a gap trace. Default 1e-11 max(1, max gap); raised to 100x the level of the
 * trace's tail when
 *  - any gap is <= 0 once the decay has started (J* - J cannot be negative except by round-off), to 100x
 *    the largest |gap| from there on, if that is below 1e-6 max(1, max gap);
 *  - the trace ends flat (its last quarter, at least five points, within a factor 3) at a level below
 *    1e-2 x its largest gap: the gap levelled off there, at round-off of J* - J, at f32 resolution, or at a
 *    plateau of the method itself (an entropic blur, a stall). Only a level above 1e-6 max(1, max gap)
 *    counts as a plateau (`plateau`); below it is round-off.
 * With `floor` given, that floor is used as is.
 */
export function gapFloorInfo(gaps: ArrayLike<number>, floor?: number): { floor: number; plateau: number | null } {
  const n = gaps.length;
  let maxGap = 0;
  for (let i = 0; i < n; i++) if (Number.isFinite(gaps[i]) && gaps[i] > maxGap) maxGap = gaps[i];
  if (floor !== undefined) return { floor, plateau: null };
  const scale = Math.max(1, maxGap);
  let f = 1e-11 * scale;
  let plateau: number | null = null;
  let first = -1;
  for (let i = 0; i < n; i++) {
    if (Number.isFinite(gaps[i]) && gaps[i] <= 0) {
      first = i;
      break;
    }
  }
  if (first >= 0) {
    let noise = 0;
    for (let i = first; i < n; i++) if (Number.isFinite(gaps[i])) noise = Math.max(noise, Math.abs(gaps[i]));
    if (noise < 1e-6 * scale) f = Math.max(f, 100 * noise);
  }
  const tail = Math.max(5, Math.ceil(n / 4));
  if (n >= 8 && tail < n) {
    let lo = Infinity;
    let hi = 0;
    for (let i = n - tail; i < n; i++) {
      const g = Math.abs(gaps[i]);
      if (!Number.isFinite(g)) return { floor: f, plateau };
      lo = Math.min(lo, g);
      hi = Math.max(hi, g);
    }
    if (hi <= 3 * lo && hi < 1e-2 * maxGap) {
      f = Math.max(f, 100 * hi);
      if (hi >= 1e-6 * scale) plateau = hi;
    }
  }
  return { floor: f, plateau };
}

/** The floor of gapFloorInfo. */
export function gapFloor(gaps: ArrayLike<number>, floor?: number): number {
  return gapFloorInfo(gaps, floor).floor;
}

/**
 * The linear (exponential) rate of a gap trace, fitted on its steady part:
 *
 *  1. round-off: only the first contiguous run of points with gap above the floor (gapFloor) is used;
 *  2. the late-time rate r_late is the least-squares slope of log gap over the last quarter of that run
 *     (at least `minPoints` points);
 *  3. the fit window is extended backwards from there while the local rate (least squares over a block
 *     of max(minPoints, count/40) points starting at the candidate) stays within `steadyTol` (relative)
 *     of r_late: the transient before it decays at a different rate and is left out.
 *
 * A trace that levels off at a plateau above round-off (gapFloorInfo) is fitted on its decay down to
 * 100x the plateau, and the plateau is reported with the fit.
 *
 * "No fit" (rate null, with the reason) when too few points lie above the floor, or when the gap does
 * not decay: the late rate is not positive, or the fitted line falls by less than a factor 2 over its
 * window (a run that stalls or never moves must not report a rate such as 1e-20).
 */
export function fitGapRate(xs: ArrayLike<number>, gaps: ArrayLike<number>, opts: RateFitOptions = {}): RateFit | RateNoFit {
  const n = Math.min(xs.length, gaps.length);
  const { floor, plateau } = gapFloorInfo(Array.prototype.slice.call(gaps, 0, n) as number[], opts.floor);
  const minPoints = Math.max(2, opts.minPoints ?? 4);
  const tol = opts.steadyTol ?? 0.02;
  const ok = (i: number): boolean => gaps[i] > floor && Number.isFinite(gaps[i]) && Number.isFinite(xs[i]);
  let a = 0;
  while (a < n && !ok(a)) a++;
  if (a === n) return { rate: null, reason: n === 0 ? 'no points' : 'the gap is at the round-off floor from the start', floor, plateau };
  let b = a;
  while (b < n && ok(b)) b++;
  const count = b - a;
  if (count < minPoints)
    return {
      rate: null,
      reason:
        plateau !== null
          ? `only ${count} point(s) above 100x the level ${plateau.toExponential(2)} at which the gap levels off`
          : `only ${count} point(s) above the round-off floor ${floor.toExponential(1)}`,
      floor,
      plateau,
    };
  const ys = new Float64Array(n);
  for (let i = a; i < b; i++) ys[i] = Math.log(gaps[i]);
  const sums = new PrefixSums(xs, ys, a, b);
  const lateCount = Math.max(minPoints, Math.ceil(count / 4));
  const late = sums.fit(count - lateCount, count);
  if (!late) return { rate: null, reason: 'the x values of the trace do not advance', floor, plateau };
  const rLate = -late.slope;
  if (!(rLate > 0)) return { rate: null, reason: 'the gap does not decay (its late slope is not negative)', floor, plateau };
  // extend the window backwards while the local rate (least squares over a block of points) stays
  // within tol of the late rate
  const blk = Math.max(minPoints, Math.ceil(count / 40));
  let best = count - lateCount;
  while (best > 0) {
    const i = best - 1;
    const f = sums.fit(i, Math.min(count, i + blk));
    if (!f || !(Math.abs(-f.slope - rLate) <= tol * rLate)) break;
    best = i;
  }
  const fit = sums.fit(best, count) as LineFit;
  const rate = -fit.slope;
  const x0 = xs[a + best];
  const x1 = xs[b - 1];
  if (!(rate > 0) || rate * (x1 - x0) < Math.LN2)
    return { rate: null, reason: `the gap does not decay (it falls by less than a factor 2 over ${x0}..${x1})`, floor, plateau };
  const gapAtStart = Math.exp(fit.intercept + fit.slope * (x0 - xs[a]));
  return { rate, range: [x0, x1], indices: [a + best, b - 1], gapAtStart, r2: fit.r2, floor, plateau };
}

/**
 * fitGapRate, or null when there is no fit (for callers that only want the number; the reason is in
 * `fitGapRate`).
 */
export function fitLinearRate(xs: ArrayLike<number>, gaps: ArrayLike<number>, opts: RateFitOptions = {}): RateFit | null {
  const f = fitGapRate(xs, gaps, opts);
  return f.rate === null ? null : f;
}

/**
 * The rate fit as diagnostics fields (the same on every backend):
 *   gapRate (per unit of x, null = no fit), gapRateUnit ('per iteration' | 'per unit t'), gapRateIn
 *   ('iteration' | 't'), gapRateFrom/gapRateTo (the window, in x), gapRateR2, gapRateStartGap (the fitted
 *   gap at gapRateFrom: the line is gapRateStartGap exp(-gapRate (x - gapRateFrom))), gapRateFactor
 *   (exp(-gapRate): the per-iteration / per-unit-t factor), gapRateNoFit (the reason, or null),
 *   gapRatePlateau (the level above round-off at which the gap levelled off, or null).
 */
export function rateFitDiagnostics(
  xs: ArrayLike<number>,
  gaps: ArrayLike<number>,
  rateIn: 'iteration' | 't',
  opts: RateFitOptions = {},
): Record<string, number | string | null> {
  const f = fitGapRate(xs, gaps, opts);
  const fitted = f.rate !== null;
  return {
    gapRate: fitted ? f.rate : null,
    gapRateIn: rateIn,
    gapRateUnit: rateIn === 't' ? 'per unit t' : 'per iteration',
    gapRateFrom: fitted ? f.range[0] : null,
    gapRateTo: fitted ? f.range[1] : null,
    gapRateR2: fitted ? f.r2 : null,
    gapRateStartGap: fitted ? f.gapAtStart : null,
    gapRateFactor: fitted ? Math.exp(-f.rate) : null,
    gapRateNoFit: fitted ? null : f.reason,
    gapRatePlateau: f.plateau,
  };
}
