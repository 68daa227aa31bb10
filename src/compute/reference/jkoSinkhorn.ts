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
 * Row metrics: transportCost = sum_s d^pi_old(s) <C, P_s> (cost of the entropic plans), t = k eta.
 * Diagnostics: Sinkhorn iterations (last step: total over states and maximum), number of states whose
 * inner loop hit maxInner (unconverged), and the largest marginal error of the last step.
 */
import type { TabularMdp } from '../../shared/mdp/types';
import type { IterationMetrics } from '../../shared/methods';
import { MethodInputError, type Diagnostics, type RunSpec } from '../types';
import { IterativeMethod, optionsOf, type MethodContext, type ReferenceMethod } from './method';
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

  constructor(mdp: TabularMdp, spec: RunSpec, ctx: MethodContext = {}) {
    super('jko-sinkhorn', mdp, spec, ctx);
    const o = optionsOf(spec, 'jko-sinkhorn');
    // eta and eps absent: derived from the problem's scales (the `numerics` helper owns that derivation;
    // until it lands these are the former catalogue values)
    this.eta = o.eta ?? 0.05;
    this.eps = o.eps ?? 0.01;
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
    }
    this.pi.set(this.next);
    this.lastIterations = total;
    this.lastMaxIterations = maxIt;
    this.lastUnconverged = unconverged;
    this.lastMarginalError = maxErr;
    this.totalIterations += total;
    if (unconverged > 0) this.unconvergedSteps++;
    return { t: (this.iteration + 1) * this.eta, transportCost: cost };
  }

  override diagnostics(): Diagnostics {
    return {
      ...super.diagnostics(),
      eta: this.eta,
      eps: this.eps,
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

export const jkoSinkhorn: ReferenceMethod = {
  id: 'jko-sinkhorn',
  start: (mdp, spec) => new JkoSinkhorn(mdp, spec),
};
