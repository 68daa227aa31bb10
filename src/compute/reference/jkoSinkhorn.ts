/**
 * Entropic JKO steps solved by generalised Sinkhorn (ALGORITHMS.md §4; paper 003, appendices A–B).
 *
 * One outer iteration = one proximal step per state with Q frozen at the current policy:
 *
 *     pi_{k+1}(.|s) = argmin_p  W_eps(pi_k(.|s), p) / (2 eta) + F_s(p),   F_s(p) = -<p, Q(s,.)> + tau KL(p || mu)
 *
 * solved by `entropicJkoStep` (sinkhorn.ts: log domain, max-shifted log-sum-exps, warm-started from the
 * previous step's log b) until the first-marginal error |a ⊙ (K b) - pi_k|_1 < tol (option `tol`), at most
 * `maxInner` iterations per state. The cost is the MDP's c(j,k) (positions or matrix), so any action space
 * with a cost works. Each JKO step advances the flow time by eta (t = k eta is the trace column); for
 * eps -> 0 and small eta the trajectory approaches the gradient flow of §2, and with frozen Q the fixed
 * point tends to the Gibbs state as eps/eta -> 0: the entropic blur is measured in the tests.
 *
 * Failure mode on coarse grids: W2 between grid measures charges h^2 per unit of mass moved to a
 * neighbour, so once the driving force drops below about h^2 / eta the unregularised discrete step stops
 * moving ("pinning"); with eps << h^2 and small eta the trajectory then lags the §2 flow. Keep eps/eta
 * moderate (the tests use 0.05) or refine the grid; the blur itself is then O(eps/eta).
 * Sinkhorn slows down like exp(max C / eps): watch sinkhornMaxIterations / sinkhornUnconverged.
 *
 * Default step and blur (options `eta` / `eps` absent): derived from the problem's scales so that the
 * first step moves mass on every preset (ALGORITHMS.md §4). Moving a unit of mass from j to k costs about
 * c(j,k)/(2 eta) against a gain of Q(s,k) - Q(s,j); with costs of order 1 and advantages of order 1e-2 a
 * fixed eta = 0.05 moved nothing on FrozenLake. With cmax = max_jk c(j,k) and spread = the d^pi0-weighted
 * lower decile over states of max_j Q(s,j) - min_j Q(s,j) at the initial policy (weightedQSpread),
 *
 *     eta = max( 2 cmax / spread, cmin / (4 tau_e BLUR) ),   eps = 4 eta tau_e BLUR,
 *     tau_e = tau (tau > 0) or spread / 100 (tau = 0),  BLUR = 0.01,  cmin = the smallest positive c(j,k).
 *
 * The first term makes every move whose gain exceeds c(j,k) spread / (4 cmax) <= spread / 4 pay, so the
 * first step moves mass. The second keeps eps >= cmin: with eps << cmin the entropic plan cannot reach a
 * neighbour (exp(-cmin/eps) underflows) and, once the advantages have shrunk below cmin / (2 eta) near
 * the optimum, the step stops moving ("pinning": CliffWalking stalled at gap 4 with eps = 8e-4). eta = 1
 * when the spread is 0 (nothing to gain anywhere). A large eta is safe: eta -> infinity is the proximal
 * step's limit argmin F = the Gibbs state of the frozen Q, i.e. soft policy iteration.

 * Entropic blur. At a fixed point p with frozen Q the step's optimality condition gives
 *     log p = log mu + Q/tau - (eps / (2 eta tau)) log v + const,
 * v the symmetric Sinkhorn scaling of the self-transport of p. Where the kernel is close to the identity
 * (eps << h^2) or p is smooth on the scale sqrt(eps), log v ≈ (1/2) log p, so the stationary state is
 * the Gibbs state at the raised temperature tau + eps/(4 eta): `blurTemperature` = eps/(4 eta) (relative
 * blur eps/(4 eta tau) = BLUR for the derived eps). `blurTv` = sum_s d^pi(s) TV(Gibbs_{tau + eps/(4 eta)}(Q_s),
 * Gibbs_tau(Q_s)) is the estimated stationary error at the current Q (for a bandit, Q = r: the distance
 * between the fixed point and the exact Gibbs state; the tests measure it against the run). With the old
 * defaults (eta 0.05, eps 0.01) on the quadratic bandit at tau = 0.05 the temperature doubled (variance
 * 0.050 instead of 0.025).
 *
 * Row metrics: transportCost = sum_s d^pi_old(s) <C, P_s> (cost of the entropic plans), t = k eta.
 * Diagnostics: eta, eps and whether each was derived (etaDerived, epsDerived) with the scales used
 * (costMax, qSpread), the mass moved per step (massMovedLast, massMovedMean: sum_s d^pi_old(s) TV(pi_{k+1}(.|s),
 * pi_k(.|s))), blurTemperature and blurTv, Sinkhorn iterations (last step: total over states and maximum),
 * number of states whose inner loop hit maxInner (unconverged), and the largest marginal error of the last
 * step.
 */
import type { TabularMdp } from '../../shared/mdp/types';
import type { IterationMetrics } from '../../shared/methods';
import { MethodInputError, type Diagnostics, type RunSpec } from '../types';
import { IterativeMethod, optionsOf, type MethodContext, type ReferenceMethod } from './method';
import type { Evaluation } from './evaluation';
import { entropicJkoStep, jkoKernel, type JkoKernel } from './sinkhorn';

export class JkoSinkhorn extends IterativeMethod {
  readonly eta: number;
  readonly eps: number;
  readonly innerTol: number;
  readonly maxInner: number;
  private readonly kernel: JkoKernel;
  private readonly lb: Float64Array;
  private readonly next: Float64Array;
  private readonly scratch: Float64Array;
  private readonly logMu: Float64Array;
  private lastIterations = 0;
  private lastMaxIterations = 0;
  private lastUnconverged = 0;
  private lastMarginalError = 0;
  private totalIterations = 0;
  private unconvergedSteps = 0;
  /** whether eta / eps were derived from the problem's scales (absent from the options) */
  readonly etaDerived: boolean;
  readonly epsDerived: boolean;
  /** the scales the defaults are derived from: max transport cost, weighted spread of Q at pi_0 */
  readonly costMax: number;
  readonly costMin: number;
  readonly qSpread: number | null;
  private massMovedLast: number | null = null;
  private massMovedSum = 0;

  constructor(mdp: TabularMdp, spec: RunSpec, ctx: MethodContext = {}) {
    super('jko-sinkhorn', mdp, spec, ctx);
    const o = optionsOf(spec, 'jko-sinkhorn');
    const scales = jkoStepScales(mdp, o, this.tau, () => this.evaluate(this.pi, null));
    this.etaDerived = scales.etaDerived;
    this.epsDerived = scales.epsDerived;
    this.costMax = scales.costMax;
    this.costMin = scales.costMin;
    this.qSpread = scales.qSpread;
    this.eta = scales.eta;
    this.eps = scales.eps;
    this.innerTol = o.tol;
    this.maxInner = o.maxInner;
    if (!(this.eta > 0)) throw new MethodInputError(`eta must be > 0, got ${this.eta}`);
    if (!(this.eps > 0)) throw new MethodInputError(`eps must be > 0, got ${this.eps}`);
    if (!(this.innerTol > 0)) throw new MethodInputError(`tol must be > 0, got ${this.innerTol}`);
    if (!(this.maxInner >= 1)) throw new MethodInputError(`maxInner must be >= 1, got ${this.maxInner}`);
    const { S, N } = mdp;
    for (let i = 0; i < N * N; i++) {
      if (!(mdp.cost[i] >= 0 && Number.isFinite(mdp.cost[i]))) throw new MethodInputError(`the transport cost must be finite and >= 0 (entry ${i} is ${mdp.cost[i]})`);
    }
    this.kernel = jkoKernel(mdp.cost, N, this.eps);
    this.lb = new Float64Array(S * N);
    this.next = new Float64Array(S * N);
    this.scratch = new Float64Array(3 * N);
    this.logMu = Float64Array.from(mdp.mu, Math.log);
  }

  protected override initialExtra(): Partial<IterationMetrics> {
    return { t: 0 };
  }

  protected update(): Partial<IterationMetrics> {
    const { S, N } = this.mdp;
    const Q = this.evaluation.Q;
    const dOld = this.evaluation.d!;
    let total = 0;
    let maxIt = 0;
    let unconverged = 0;
    let maxErr = 0;
    let cost = 0;
    let moved = 0;
    for (let s = 0; s < S; s++) {
      const o = s * N;
      const r = entropicJkoStep(
        this.kernel,
        this.pi,
        Q,
        o,
        this.logMu,
        this.eta,
        this.tau,
        this.innerTol,
        this.maxInner,
        this.lb.subarray(o, o + N),
        this.next,
        this.scratch,
      );
      total += r.iterations;
      if (r.iterations > maxIt) maxIt = r.iterations;
      if (!r.converged) unconverged++;
      if (r.marginalError > maxErr || r.marginalError !== r.marginalError) maxErr = r.marginalError;
      cost += dOld[s] * r.cost;
      let tv = 0;
      for (let j = 0; j < N; j++) tv += Math.abs(this.next[o + j] - this.pi[o + j]);
      moved += dOld[s] * 0.5 * tv;
    }
    this.pi.set(this.next);
    this.massMovedLast = moved;
    this.massMovedSum += moved;
    this.lastIterations = total;
    this.lastMaxIterations = maxIt;
    this.lastUnconverged = unconverged;
    this.lastMarginalError = maxErr;
    this.totalIterations += total;
    if (unconverged > 0) this.unconvergedSteps++;
    return { t: (this.iteration + 1) * this.eta, transportCost: cost };
  }

  override diagnostics(): Diagnostics {
    const blurT = this.eps / (4 * this.eta);
    return {
      ...super.diagnostics(),
      eta: this.eta,
      eps: this.eps,
      etaDerived: this.etaDerived,
      epsDerived: this.epsDerived,
      costMax: this.costMax,
      costMin: this.costMin,
      qSpread: this.qSpread,
      massMovedLast: this.massMovedLast,
      massMovedMean: this.iteration > 0 ? this.massMovedSum / this.iteration : null,
      blurTemperature: blurT,
      blurRelative: this.tau > 0 ? blurT / this.tau : null,
      blurTv: this.tau > 0 && this.evaluation ? gibbsBlurTv(this.mdp.S, this.mdp.N, this.evaluation, this.mdp.mu, this.tau, blurT) : null,
      sinkhornTol: this.innerTol,
      sinkhornIterations: this.lastIterations,
      sinkhornMaxIterations: this.lastMaxIterations,
      sinkhornUnconverged: this.lastUnconverged,
      sinkhornMarginalError: this.lastMarginalError,
      sinkhornTotalIterations: this.totalIterations,
      stepsWithUnconvergedSinkhorn: this.unconvergedSteps,
    };
  }
}

/** Relative entropic blur of the derived eps: the stationary temperature is tau (1 + JKO_BLUR). */
export const JKO_BLUR = 0.01;

/**
 * The JKO step's eta and eps: the given ones, or (absent) derived from the problem's scales with
 * `jkoDefaults` — the largest and smallest positive transport cost and the spread of Q at the initial
 * policy (`evaluateInitial`, called only when something is derived). One definition for both backends:
 * the WebGPU session derives its f32 step from the same f64 figures.
 */
export function jkoStepScales(
  mdp: TabularMdp,
  o: { eta?: number; eps?: number },
  tau: number,
  evaluateInitial: () => Evaluation,
): { eta: number; eps: number; etaDerived: boolean; epsDerived: boolean; costMax: number; costMin: number; qSpread: number | null } {
  const etaDerived = o.eta === undefined;
  const epsDerived = o.eps === undefined;
  let costMax = 0;
  let costMin = Infinity;
  for (let i = 0; i < mdp.N * mdp.N; i++) {
    const c = mdp.cost[i];
    if (c > costMax) costMax = c;
    if (c > 0 && c < costMin) costMin = c;
  }
  if (costMin === Infinity) costMin = 0;
  const qSpread = etaDerived || epsDerived ? weightedQSpread(mdp.S, mdp.N, evaluateInitial()) : null;
  const spread = qSpread ?? 0;
  const eta = o.eta ?? jkoDefaults(costMax, costMin, spread, tau).eta;
  const eps = o.eps ?? jkoDefaults(costMax, costMin, spread, tau, eta).eps;
  return { eta, eps, etaDerived, epsDerived, costMax, costMin, qSpread };
}

/**
 * The derived defaults of the file comment: eta = max(2 cmax / spread, cmin / (4 tau_e JKO_BLUR)) (1 when
 * spread = 0), eps = 4 eta tau_e JKO_BLUR with tau_e = tau, or spread / 100 when tau = 0 (`eta` given:
 * eps for the user's eta).
 */
export function jkoDefaults(costMax: number, costMin: number, spread: number, tau: number, eta?: number): { eta: number; eps: number } {
  const tauE = tau > 0 ? tau : spread > 0 ? spread / 100 : 1;
  const e = eta ?? (spread > 0 && costMax > 0 ? Math.max((2 * costMax) / spread, costMin / (4 * tauE * JKO_BLUR)) : 1);
  return { eta: e, eps: 4 * e * tauE * JKO_BLUR };
}

/**
 * The spread of Q that the derived step is sized for: the d-weighted lower decile of the per-state
 * spreads max_j Q(s,j) - min_j Q(s,j) over the reachable states with a positive spread (the weighted
 * mean is dominated by a few states with large spreads, e.g. next to CliffWalking's cliff, and a step
 * sized for those leaves the rest pinned). 0 when no state has a positive spread.
 */
export function weightedQSpread(S: number, N: number, ev: Evaluation, quantile = 0.1): number {
  const d = ev.d;
  const items: [number, number][] = [];
  let den = 0;
  for (let s = 0; s < S; s++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let j = 0; j < N; j++) {
      const q = ev.Q[s * N + j];
      if (q < lo) lo = q;
      if (q > hi) hi = q;
    }
    const w = d ? d[s] : 1;
    if (hi - lo > 0 && w > 0) {
      items.push([hi - lo, w]);
      den += w;
    }
  }
  if (!items.length) return 0;
  items.sort((a, b) => a[0] - b[0]);
  let acc = 0;
  for (const [spread, w] of items) {
    acc += w;
    if (acc >= quantile * den) return spread;
  }
  return items[items.length - 1][0];
}

/** sum_s d(s) TV(Gibbs_{tau + dT}(Q_s), Gibbs_tau(Q_s)), Gibbs_T(q) ∝ mu exp(q / T). */
export function gibbsBlurTv(S: number, N: number, ev: Evaluation, mu: Float64Array, tau: number, dT: number): number {
  const d = ev.d;
  let total = 0;
  const a = new Float64Array(N);
  const b = new Float64Array(N);
  for (let s = 0; s < S; s++) {
    const w = d ? d[s] : 1 / S;
    if (!(w > 0)) continue;
    gibbsRow(ev.Q, s * N, N, mu, tau, a);
    gibbsRow(ev.Q, s * N, N, mu, tau + dT, b);
    let tv = 0;
    for (let j = 0; j < N; j++) tv += Math.abs(a[j] - b[j]);
    total += w * 0.5 * tv;
  }
  return total;
}

function gibbsRow(Q: Float64Array, o: number, N: number, mu: Float64Array, T: number, out: Float64Array): void {
  let mx = -Infinity;
  for (let j = 0; j < N; j++) {
    out[j] = Math.log(mu[j]) + Q[o + j] / T;
    if (out[j] > mx) mx = out[j];
  }
  let z = 0;
  for (let j = 0; j < N; j++) {
    out[j] = Math.exp(out[j] - mx);
    z += out[j];
  }
  for (let j = 0; j < N; j++) out[j] /= z;
}

export const jkoSinkhorn: ReferenceMethod = {
  id: 'jko-sinkhorn',
  start: (mdp, spec) => new JkoSinkhorn(mdp, spec),
};
