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
 * floating resolution.
 *
 * Everything is computed on log-policies (l = log pi): log pi_new = l + A/beta - logsumexp_j(l + A/beta),
 * max-shifted, so no overflow for tiny beta, and a probability that underflows to 0 in f64 keeps a finite
 * log and can come back when the advantages change. The support of pi is {j : l(s,j) > -Infinity}; where
 * l = -Infinity (pi exactly 0 in the initial policy, or dropped by an inactive greedy step) the new policy
 * is exactly 0 too: the KL step cannot create support (the CliffWalking example of paper 004).
 *
 * The method 'kl-trpo' applies this step to the exact evaluation of the current policy: A = Q - V (with
 * tau > 0 the soft advantage, V entropy-regularised), rho = d^pi (normalised occupancy).
 */
import type { TabularMdp } from '../../shared/mdp/types';
import type { IterationMetrics } from '../../shared/methods';
import { klRow } from './evaluation';
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

/**
 * Fills `outLog` with log(pi exp(A/beta)/Z) per state (beta > 0) from `logPolicy` and returns
 * sum_s rho(s) KL(pi_new || pi).
 */
export function klTilt(
  S: number,
  N: number,
  rho: Float64Array,
  logPolicy: Float64Array,
  adv: Float64Array,
  beta: number,
  outLog: Float64Array,
): number {
  let total = 0;
  const inv = 1 / beta;
  for (let s = 0; s < S; s++) {
    const off = s * N;
    // v_j = l_j + (A_j - amax)/beta, amax = max of A on the support; log z = logsumexp_j v_j
    let amax = -Infinity;
    for (let j = 0; j < N; j++) if (logPolicy[off + j] > -Infinity && adv[off + j] > amax) amax = adv[off + j];
    let vmax = -Infinity;
    for (let j = 0; j < N; j++) {
      const l = logPolicy[off + j];
      const v = l === -Infinity ? -Infinity : l + (adv[off + j] - amax) * inv;
      outLog[off + j] = v;
      if (v > vmax) vmax = v;
    }
    let z = 0;
    for (let j = 0; j < N; j++) if (outLog[off + j] > -Infinity) z += Math.exp(outLog[off + j] - vmax);
    const logz = vmax + Math.log(z);
    // KL = sum_j q_j (log q_j - l_j) = sum_j q_j ((A_j - amax)/beta - log z)
    let kl = 0;
    for (let j = 0; j < N; j++) {
      if (outLog[off + j] === -Infinity) continue;
      const lq = outLog[off + j] - logz;
      outLog[off + j] = lq;
      const q = Math.exp(lq);
      if (q > 0) kl += q * ((adv[off + j] - amax) * inv - logz);
    }
    total += rho[s] * Math.max(kl, 0);
  }
  return total;
}

/** The beta -> 0 limit on log-policies: greedy on the support (pi's proportions among maximisers within tol). */
function greedyOnSupport(
  S: number,
  N: number,
  rho: Float64Array,
  logPolicy: Float64Array,
  adv: Float64Array,
  outLog: Float64Array,
  tol: number,
): number {
  let total = 0;
  for (let s = 0; s < S; s++) {
    const off = s * N;
    let mx = -Infinity;
    for (let j = 0; j < N; j++) if (logPolicy[off + j] > -Infinity && adv[off + j] > mx) mx = adv[off + j];
    // log of the mass m on the maximisers, as a log-sum-exp
    let lmax = -Infinity;
    for (let j = 0; j < N; j++) {
      const l = logPolicy[off + j];
      if (l > -Infinity && adv[off + j] >= mx - tol && l > lmax) lmax = l;
    }
    let z = 0;
    for (let j = 0; j < N; j++) {
      const l = logPolicy[off + j];
      if (l > -Infinity && adv[off + j] >= mx - tol) z += Math.exp(l - lmax);
    }
    const logm = lmax + Math.log(z);
    for (let j = 0; j < N; j++) {
      const l = logPolicy[off + j];
      outLog[off + j] = l > -Infinity && adv[off + j] >= mx - tol ? l - logm : -Infinity;
    }
    total += rho[s] * -logm;
  }
  return total;
}

/**
 * The exact KL trust-region step on log-policies: `logPolicy` in, log pi_new into `outLog` (see the
 * file comment).
 */
export function klTrustRegionStep(
  S: number,
  N: number,
  rho: Float64Array,
  logPolicy: Float64Array,
  adv: Float64Array,
  delta: number,
  outLog: Float64Array,
): KlStepResult {
  let spread = 0;
  let amax = 0;
  for (let s = 0; s < S; s++) {
    const off = s * N;
    let mn = Infinity;
    let mx = -Infinity;
    for (let j = 0; j < N; j++) {
      if (!(logPolicy[off + j] > -Infinity)) continue;
      const a = adv[off + j];
      if (a < mn) mn = a;
      if (a > mx) mx = a;
      if (Math.abs(a) > amax) amax = Math.abs(a);
    }
    if (mx - mn > spread) spread = mx - mn;
  }
  const tieTol = 1e-12 * (1 + amax);
  if (spread <= tieTol) {
    outLog.set(logPolicy);
    return { beta: Infinity, kl: 0, active: false, evaluations: 0 };
  }
  const f0 = greedyOnSupport(S, N, rho, logPolicy, adv, outLog, tieTol);
  if (f0 <= delta) return { beta: 0, kl: f0, active: false, evaluations: 1 };
  let evals = 1;
  let u = Math.log(spread);
  let f = klTilt(S, N, rho, logPolicy, adv, Math.exp(u), outLog);
  evals++;
  let uLo: number;
  let uHi: number;
  if (f > delta) {
    uLo = u;
    uHi = u + 1;
    while (klTilt(S, N, rho, logPolicy, adv, Math.exp(uHi), outLog) > delta) {
      evals++;
      uLo = uHi;
      uHi += 2;
    }
    evals++;
  } else {
    uHi = u;
    uLo = u - 1;
    for (;;) {
      const v = klTilt(S, N, rho, logPolicy, adv, Math.exp(uLo), outLog);
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
    fm = klTilt(S, N, rho, logPolicy, adv, Math.exp(um), outLog);
    evals++;
    if (Math.abs(fm - delta) <= 1e-12 * delta) break;
    if (fm > delta) uLo = um;
    else uHi = um;
  }
  fm = klTilt(S, N, rho, logPolicy, adv, Math.exp(um), outLog);
  return { beta: Math.exp(um), kl: fm, active: true, evaluations: evals + 1 };
}

/**
 * 'kl-trpo': pi_new = klTrustRegionStep(pi) each iteration. Metrics: kl (the recorder's average KL under
 * d^pi_old, equal to delta when active), lambda = beta (the multiplier of the KL constraint in
 * max E[A] - beta (KL - delta), whose maximiser is pi exp(A/beta)/Z; null when
 * inactive). The iteration's state is log pi (`logPi`); pi = exp(logPi) is what is evaluated. Done when the
 * update leaves the policy unchanged (to 1e-15) and no logit moved by more than 1e-12 relative: greedy
 * on its own support (an underflowed entry whose log still moves is not "unchanged").
 * Diagnostics: last beta, last KL reached, |KL - delta| worst over active steps, active step count.
 */
export class KlTrustRegionIterator extends IterativeMethod {
  readonly delta: number;
  private readonly adv: Float64Array;
  private readonly out: Float64Array;
  /** log pi, the state of the iteration */
  private readonly logPi: Float64Array;
  private worstKlError = 0;
  private activeSteps = 0;
  lastStep: KlStepResult | null = null;

  constructor(mdp: TabularMdp, spec: RunSpec, ctx: MethodContext = {}) {
    super('kl-trpo', mdp, spec, ctx);
    this.delta = optionsOf(spec, 'kl-trpo').delta;
    if (!(this.delta > 0 && Number.isFinite(this.delta))) throw new MethodInputError(`delta must be > 0, got ${this.delta}`);
    this.adv = new Float64Array(mdp.S * mdp.N);
    this.out = new Float64Array(mdp.S * mdp.N);
    this.logPi = Float64Array.from(this.pi, Math.log);
  }

  /** The last move's KL(pi_new || pi_old) per state and the radius delta. */
  protected override moveCostPerState(): { perState: Float64Array; radius: number } {
    const { S, N } = this.mdp;
    const old = this.previous as Float64Array;
    const out = new Float64Array(S);
    for (let s = 0; s < S; s++) out[s] = klRow(this.pi, s * N, old, s * N, N);
    return { perState: out, radius: this.delta };
  }

  protected update(): Partial<IterationMetrics> {
    const { S, N } = this.mdp;
    const ev = this.evaluation;
    for (let s = 0; s < S; s++) for (let j = 0; j < N; j++) this.adv[s * N + j] = ev.Q[s * N + j] - ev.V[s];
    const res = klTrustRegionStep(S, N, ev.d as Float64Array, this.logPi, this.adv, this.delta, this.out);
    this.lastStep = res;
    let change = 0;
    let logChange = 0;
    for (let i = 0; i < this.out.length; i++) {
      const p = Math.exp(this.out[i]);
      change = Math.max(change, Math.abs(p - this.pi[i]));
      const a = this.out[i];
      const b = this.logPi[i];
      if (a !== b) logChange = Math.max(logChange, a === -Infinity || b === -Infinity ? Infinity : Math.abs(a - b) / Math.max(1, Math.abs(b)));
      this.pi[i] = p;
    }
    this.logPi.set(this.out);
    if (change <= 1e-15 && logChange <= 1e-12) this.finished = true;
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
