/**
 * The exact KL trust-region (TRPO) step of ALGORITHMS.md §7, as a pure function:
 *
 *     pi_new(j|s) = pi(j|s) exp(A(s,j)/beta) / Z_s(beta),   sum_s rho(s) KL(pi_new(.|s) || pi(.|s)) = delta.
 *
 * The average KL f(beta) is continuous and decreasing in beta (f -> 0 as beta -> inf). Its supremum
 * (beta -> 0) is f0 = sum_s rho(s) (-log pi(argmax_{supp pi} A | s)): the greedy step restricted to the
 * support of pi, with pi's own proportions among tied maximisers. If f0 <= delta the constraint cannot
 * be active and that limit is returned (beta = 0). Otherwise beta is found by bisection in u = log beta:
 * a bracket [u_lo, u_hi] with f(e^u_lo) > delta > f(e^u_hi) is found by doubling steps from
 * u = log(max advantage spread), then bisected until |f - delta| <= 1e-12 delta or the bracket is at
 * floating resolution. Rows are evaluated in log space (max-shifted log-sum-exp), so no overflow for
 * tiny beta. Where pi(j|s) = 0 the new policy is exactly 0: the KL step cannot create support (the
 * CliffWalking example of paper 004).
 *
 * The method 'kl-trpo' applies this step to the exact evaluation of the current policy: A = Q - V (with
 * tau > 0 the soft advantage, V entropy-regularised), rho = d^pi (normalised occupancy).
 */
import type { TabularMdp } from '../../shared/mdp/types';
import type { IterationMetrics } from '../../shared/methods';
import { MethodInputError, type RunSpec } from '../types';
import { IterativeMethod, optionsOf, type MethodContext, type ReferenceMethod } from './method';

export interface KlStepResult {
  beta: number;
  /** sum_s rho(s) KL(pi_new || pi) reached */
  kl: number;
  /** whether the constraint is active (false: f0 <= delta, the greedy-on-support limit was taken) */
  active: boolean;
  evaluations: number;
}

/** fills out with pi exp(A/beta)/Z per state (beta > 0) and returns sum_s rho(s) KL(out || pi). */
export function klTilt(
  S: number,
  N: number,
  rho: Float64Array,
  policy: Float64Array,
  adv: Float64Array,
  beta: number,
  out: Float64Array,
): number {
  let total = 0;
  const inv = 1 / beta;
  for (let s = 0; s < S; s++) {
    const off = s * N;
    let mx = -Infinity;
    for (let j = 0; j < N; j++) if (policy[off + j] > 0 && adv[off + j] > mx) mx = adv[off + j];
    let z = 0;
    for (let j = 0; j < N; j++) {
      const p = policy[off + j];
      if (p > 0) {
        const w = p * Math.exp((adv[off + j] - mx) * inv);
        out[off + j] = w;
        z += w;
      } else out[off + j] = 0;
    }
    const logz = Math.log(z);
    // KL = sum_j q_j ((A_j - mx)/beta - log z)
    let kl = 0;
    const iz = 1 / z;
    for (let j = 0; j < N; j++) {
      const q = out[off + j] * iz;
      out[off + j] = q;
      if (q > 0) kl += q * ((adv[off + j] - mx) * inv - logz);
    }
    total += rho[s] * Math.max(kl, 0);
  }
  return total;
}

/** The beta -> 0 limit: greedy on the support (pi's proportions among maximisers within tol). */
function greedyOnSupport(
  S: number,
  N: number,
  rho: Float64Array,
  policy: Float64Array,
  adv: Float64Array,
  out: Float64Array,
  tol: number,
): number {
  let total = 0;
  for (let s = 0; s < S; s++) {
    const off = s * N;
    let mx = -Infinity;
    for (let j = 0; j < N; j++) if (policy[off + j] > 0 && adv[off + j] > mx) mx = adv[off + j];
    let m = 0;
    for (let j = 0; j < N; j++) {
      const p = policy[off + j];
      if (p > 0 && adv[off + j] >= mx - tol) m += p;
    }
    for (let j = 0; j < N; j++) {
      const p = policy[off + j];
      out[off + j] = p > 0 && adv[off + j] >= mx - tol ? p / m : 0;
    }
    total += rho[s] * -Math.log(m);
  }
  return total;
}

export function klTrustRegionStep(
  S: number,
  N: number,
  rho: Float64Array,
  policy: Float64Array,
  adv: Float64Array,
  delta: number,
  out: Float64Array,
): KlStepResult {
  let spread = 0;
  let amax = 0;
  for (let s = 0; s < S; s++) {
    const off = s * N;
    let mn = Infinity;
    let mx = -Infinity;
    for (let j = 0; j < N; j++) {
      if (!(policy[off + j] > 0)) continue;
      const a = adv[off + j];
      if (a < mn) mn = a;
      if (a > mx) mx = a;
      if (Math.abs(a) > amax) amax = Math.abs(a);
    }
    if (mx - mn > spread) spread = mx - mn;
  }
  const tieTol = 1e-12 * (1 + amax);
  if (spread <= tieTol) {
    out.set(policy);
    return { beta: Infinity, kl: 0, active: false, evaluations: 0 };
  }
  const f0 = greedyOnSupport(S, N, rho, policy, adv, out, tieTol);
  if (f0 <= delta) return { beta: 0, kl: f0, active: false, evaluations: 1 };
  let evals = 1;
  let u = Math.log(spread);
  let f = klTilt(S, N, rho, policy, adv, Math.exp(u), out);
  evals++;
  let uLo: number;
  let uHi: number;
  if (f > delta) {
    uLo = u;
    uHi = u + 1;
    while (klTilt(S, N, rho, policy, adv, Math.exp(uHi), out) > delta) {
      evals++;
      uLo = uHi;
      uHi += 2;
    }
    evals++;
  } else {
    uHi = u;
    uLo = u - 1;
    for (;;) {
      const v = klTilt(S, N, rho, policy, adv, Math.exp(uLo), out);
      evals++;
      if (v > delta) break;
      uHi = uLo;
      uLo -= 2;
      if (uLo < -745) break;
    }
  }
  let fm = 0;
  let um = 0;
  for (let it = 0; it < 200; it++) {
    um = 0.5 * (uLo + uHi);
    if (!(um > uLo && um < uHi)) break;
    fm = klTilt(S, N, rho, policy, adv, Math.exp(um), out);
    evals++;
    if (Math.abs(fm - delta) <= 1e-12 * delta) break;
    if (fm > delta) uLo = um;
    else uHi = um;
  }
  fm = klTilt(S, N, rho, policy, adv, Math.exp(um), out);
  return { beta: Math.exp(um), kl: fm, active: true, evaluations: evals + 1 };
}

/**
 * 'kl-trpo': pi_new = klTrustRegionStep(pi) each iteration. Metrics: kl (the recorder's average KL under
 * d^pi_old, equal to delta when active), lambda = beta (the multiplier of the KL constraint in
 * max E[A] - beta (KL - delta), whose maximiser is pi exp(A/beta)/Z; null when
 * inactive). Done when the update leaves the policy unchanged (to 1e-15): greedy on its own support.
 * Diagnostics: last beta, last KL reached, |KL - delta| worst over active steps, active step count.
 */
export class KlTrustRegionIterator extends IterativeMethod {
  readonly delta: number;
  private readonly adv: Float64Array;
  private readonly out: Float64Array;
  private worstKlError = 0;
  private activeSteps = 0;
  lastStep: KlStepResult | null = null;

  constructor(mdp: TabularMdp, spec: RunSpec, ctx: MethodContext = {}) {
    super('kl-trpo', mdp, spec, ctx);
    this.delta = optionsOf(spec, 'kl-trpo').delta;
    if (!(this.delta > 0 && Number.isFinite(this.delta))) throw new MethodInputError(`delta must be > 0, got ${this.delta}`);
    this.adv = new Float64Array(mdp.S * mdp.N);
    this.out = new Float64Array(mdp.S * mdp.N);
  }

  protected update(): Partial<IterationMetrics> {
    const { S, N } = this.mdp;
    const ev = this.evaluation;
    for (let s = 0; s < S; s++) for (let j = 0; j < N; j++) this.adv[s * N + j] = ev.Q[s * N + j] - ev.V[s];
    const res = klTrustRegionStep(S, N, ev.d as Float64Array, this.pi, this.adv, this.delta, this.out);
    this.lastStep = res;
    let change = 0;
    for (let i = 0; i < this.out.length; i++) change = Math.max(change, Math.abs(this.out[i] - this.pi[i]));
    this.pi.set(this.out);
    if (change <= 1e-15) this.finished = true;
    if (res.active) {
      this.activeSteps++;
      this.worstKlError = Math.max(this.worstKlError, Math.abs(res.kl - this.delta));
    }
    this.diag.beta = res.beta;
    this.diag.lastKl = res.kl;
    this.diag.activeSteps = this.activeSteps;
    this.diag.worstKlError = this.worstKlError;
    return { kl: res.kl, lambda: res.active ? res.beta : null };
  }
}

export const klTrpoMethod: ReferenceMethod = {
  id: 'kl-trpo',
  start: (mdp, spec) => new KlTrustRegionIterator(mdp, spec),
};
