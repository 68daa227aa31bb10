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
  /** gaps at or below this count as round-off and end the fit range (default 1e-11 * max(1, max gap)) */
  floor?: number;
  /** fraction of the above-floor range dropped at the start as transient (default 0.1) */
  skipFraction?: number;
  /** fewest points to fit (default 4) */
  minPoints?: number;
}

export interface RateFit {
  /** decay rate: log gap ≈ c - rate * x (positive for a decaying gap) */
  rate: number;
  /** [x_first, x_last] of the points fitted */
  range: [number, number];
  /** coefficient of determination of the fit of log gap */
  r2: number;
}

/**
 * Least-squares fit of log(gap) against x (iteration or time t): gap ≈ C exp(-rate x). The fit range is
 * the first run of points with gap above the round-off floor (the trace stops being exponential once it
 * reaches round-off), minus a leading transient (`skipFraction`). Returns null when fewer than
 * `minPoints` points qualify.
 */
export function fitLinearRate(xs: ArrayLike<number>, gaps: ArrayLike<number>, opts: RateFitOptions = {}): RateFit | null {
  const n = Math.min(xs.length, gaps.length);
  if (n === 0) return null;
  let maxGap = 0;
  for (let i = 0; i < n; i++) if (Number.isFinite(gaps[i]) && gaps[i] > maxGap) maxGap = gaps[i];
  const floor = opts.floor ?? 1e-11 * Math.max(1, maxGap);
  const minPoints = opts.minPoints ?? 4;
  let i0 = 0;
  while (i0 < n && !(gaps[i0] > floor && Number.isFinite(gaps[i0]) && Number.isFinite(xs[i0]))) i0++;
  let i1 = i0;
  while (i1 < n && gaps[i1] > floor && Number.isFinite(gaps[i1]) && Number.isFinite(xs[i1])) i1++;
  // [i0, i1) above the floor
  const skip = Math.floor((i1 - i0) * (opts.skipFraction ?? 0.1));
  const a = i0 + skip;
  const count = i1 - a;
  if (count < minPoints) return null;
  let sx = 0;
  let sy = 0;
  for (let i = a; i < i1; i++) {
    sx += xs[i];
    sy += Math.log(gaps[i]);
  }
  const mx = sx / count;
  const my = sy / count;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = a; i < i1; i++) {
    const dx = xs[i] - mx;
    const dy = Math.log(gaps[i]) - my;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  if (sxx === 0) return null;
  const slope = sxy / sxx;
  const r2 = syy === 0 ? 1 : (sxy * sxy) / (sxx * syy);
  return { rate: -slope, range: [xs[a], xs[i1 - 1]], r2 };
}
