/**
 * The frame every f64 reference method is built on.
 *
 * A `ReferenceMethod` is the solver object of the problem / solver / output pattern: it holds no state,
 * and `start(mdp, spec)` returns a `MethodIterator` (types.ts) that advances one iteration per `step()`.
 *
 * `IterativeMethod` implements MethodIterator for the common case "a policy that is updated from its own
 * exact evaluation". It owns
 *   - the problem constants `gamma`, `tau` (resolveProblem: options.gamma absent = the MDP's gamma),
 *   - the reference optimum (`solveOptimum`, same gamma and tau) and a MetricsRecorder (metrics.ts),
 *   - the current policy `pi`, the previous one `previous`, and `evaluation` = exact evaluation of `pi`
 *     with its occupancy (`evaluation.d`), warm-started from the previous evaluation,
 *   - the iteration counter, `done`, diagnostics and the gap trace whose exponential rate is fitted.
 *
 * Protocol of `step()`:
 *   - The FIRST call records iteration 0: the metrics of the initial policy (no update), so every trace
 *     starts at its initial point (gap at t = 0). `initialExtra()` supplies its method fields (e.g. t: 0).
 *   - Every later call copies pi into `previous`, calls the subclass's `update()` — which must write the
 *     new policy into `this.pi` (in place, or via `setPolicy`) using `this.evaluation` (the evaluation of
 *     the old pi: V, Q, d) — then increments `iteration`, evaluates the new pi, records the metrics with
 *     the `Partial<IterationMetrics>` that update() returned (transportCost, t, lambda, ...), calls
 *     `afterRecord(metrics)` and returns them.
 *   - Set `this.finished = true` (in update or afterRecord) when the method has converged or has nothing
 *     left to do; `done` then reads true and further step() calls throw.
 *   - NaN/Inf or blow-ups anywhere in the policy, V, Q or the metrics throw DivergenceError from the
 *     recorder naming the iteration and the quantity.
 *
 * Subclass constructors run after this constructor: they may replace the initial policy with
 * `setPolicy` (e.g. Langevin's particle histogram). The optimum is solved in the constructor unless
 * given in `ctx.optimum` (tests and comparisons share one).
 */
import type { TabularMdp } from '../../shared/mdp/types';
import type { AnyMethodOptions, IterationMetrics, MethodId, OptionsById } from '../../shared/methods';
import { MethodInputError, type Diagnostics, type MethodIterator, type Policy, type RunSpec } from '../types';
import { evaluatePolicy, uniformPolicy, type Evaluation, type EvaluationOptions } from './evaluation';
import { MetricsRecorder, rateFitDiagnostics } from './metrics';
import { advantageError, type SampledEvaluation } from '../estimators/monteCarlo';
import { createRunEstimator } from '../estimators/factory';
import { solveOptimum, type Optimum } from './solvers';

export interface ReferenceMethod {
  readonly id: MethodId;
  start(mdp: TabularMdp, spec: RunSpec): MethodIterator;
}

export interface Problem {
  gamma: number;
  tau: number;
}

/**
 * gamma (the `gamma` option, absent = the MDP's gamma) and tau (the `tau` option; methods without one,
 * value iteration, solve the plain problem, tau = 0), checked.
 */
export function resolveProblem(mdp: TabularMdp, options: AnyMethodOptions): Problem {
  const o = options as { gamma?: number; tau?: number };
  const gamma = o.gamma ?? mdp.gamma;
  const tau = 'tau' in o && o.tau !== undefined ? o.tau : 0;
  if (!(gamma >= 0 && gamma < 1)) throw new MethodInputError(`gamma must lie in [0, 1), got ${gamma}`);
  if (!(tau >= 0 && Number.isFinite(tau))) throw new MethodInputError(`tau must be a finite number >= 0, got ${tau}`);
  return { gamma, tau };
}

/**
 * The typed options of a run of method `id` (or one of the ids a shared iterator serves). The options
 * were produced by parseMethodOptions: defaults are filled there and nowhere else.
 */
export function optionsOf<M extends MethodId>(spec: RunSpec, ...ids: M[]): OptionsById[M] {
  if (!(ids as MethodId[]).includes(spec.method)) throw new MethodInputError(`options of '${spec.method}' read as ${ids.join(' / ')}`);
  return spec.options as OptionsById[M];
}

/** Check an initial policy: length S*N, finite, non-negative, rows summing to 1 (within 1e-9). */
export function checkInitialPolicy(mdp: TabularMdp, init: Policy): Float64Array {
  const { S, N } = mdp;
  if (init.length !== S * N) throw new MethodInputError(`initial policy has length ${init.length}, expected S*N = ${S * N}`);
  for (let s = 0; s < S; s++) {
    let sum = 0;
    for (let j = 0; j < N; j++) {
      const p = init[s * N + j];
      if (!(p >= 0 && Number.isFinite(p))) throw new MethodInputError(`initial policy: entry (${s}, ${j}) is ${p}`);
      sum += p;
    }
    if (Math.abs(sum - 1) > 1e-9) throw new MethodInputError(`initial policy: row ${s} sums to ${sum}`);
  }
  return Float64Array.from(init);
}

export interface MethodContext {
  /** the reference optimum (solved here when absent) */
  optimum?: Optimum;
  /** clock (default performance.now / Date.now) */
  now?: () => number;
  /** evaluation options (solver choice, dense threshold) and relative tolerance */
  evaluation?: EvaluationOptions;
  evaluationTol?: number;
}

const defaultNow = (): number =>
  typeof performance !== 'undefined' && typeof performance.now === 'function' ? performance.now() : Date.now();

export abstract class IterativeMethod implements MethodIterator {
  readonly gamma: number;
  readonly tau: number;
  readonly options: AnyMethodOptions;
  readonly optimum: Optimum;
  protected readonly recorder: MetricsRecorder;
  /** current policy pi (index s*N + j) */
  protected pi: Float64Array;
  /** policy before the last update (null before the first update) */
  protected previous: Float64Array | null = null;
  /** exact evaluation of `pi` with occupancy d (undefined until the first step) */
  protected evaluation!: Evaluation;
  /** number of updates applied (the iteration number of the last recorded row) */
  protected iteration = 0;
  protected started = false;
  /** set true when converged / nothing left to do */
  protected finished = false;
  protected readonly diag: Diagnostics = {};
  /** x (t for flows, else the iteration) and gap of every recorded row, for the rate fit */
  protected readonly rateX: number[] = [];
  protected readonly rateGap: number[] = [];
  protected last: IterationMetrics | null = null;
  private readonly evalOpts: EvaluationOptions;
  private readonly evalTol: number;
  /** the sampled estimator feeding update() (null: the exact evaluation, today's path) */
  private readonly estimator: { estimate(update: number, pi: Float64Array): SampledEvaluation } | null = null;
  /** state-action steps sampled so far */
  private samples = 0;
  /** the sampled evaluation the last update read (null on the exact path) */
  protected sampled: { Q: Float64Array; V: Float64Array; d: Float64Array } | null = null;

  constructor(
    readonly method: MethodId,
    readonly mdp: TabularMdp,
    readonly spec: RunSpec,
    ctx: MethodContext = {},
  ) {
    const { gamma, tau } = resolveProblem(mdp, spec.options);
    this.gamma = gamma;
    this.tau = tau;
    this.options = spec.options;
    this.optimum = ctx.optimum ?? solveOptimum(mdp, gamma, tau);
    const now = ctx.now ?? defaultNow;
    this.recorder = new MetricsRecorder(mdp, gamma, tau, this.optimum, now(), now);
    this.pi = spec.init ? checkInitialPolicy(mdp, spec.init) : uniformPolicy(mdp);
    this.evalOpts = { ...(ctx.evaluation ?? {}), occupancy: true };
    this.evalTol = ctx.evaluationTol ?? 1e-12;
    const sampled = createRunEstimator(mdp, spec, this.gamma, this.tau);
    if (sampled) {
      this.estimator = sampled.estimator;
      this.diag.estimator = sampled.describe('CPU');
      if (sampled.truncationBiasBound !== undefined) this.diag.truncationBiasBound = sampled.truncationBiasBound;
    }
  }

  /**
   * Trust regions: the move's cost per state (the update's plan, s -> c_s) and the radius, so that the
   * cost can be measured under the sampled and the exact occupancy (sum_s d(s) c_s). null: no radius.
   */
  protected moveCostPerState(): { perState: Float64Array; radius: number } | null {
    return null;
  }

  /**
   * Whether the coming update() reads Q, V or d of `this.evaluation` for the policy update (not only for
   * metrics). Methods that refresh Q every `qEvery` updates answer false in between: a sampled run then
   * draws no estimate, so the samples it counts are the samples its updates consumed.
   */
  protected readsEvaluation(): boolean {
    return true;
  }

  get done(): boolean {
    return this.finished;
  }

  /** The subclass's update: write the new policy into this.pi from this.evaluation (of the old pi). */
  protected abstract update(): Partial<IterationMetrics>;

  /** Method fields of the iteration-0 row (e.g. { t: 0 } for flows). */
  protected initialExtra(): Partial<IterationMetrics> {
    return {};
  }

  /** Hook after each recorded row (convergence tests, diagnostics). */
  protected afterRecord(_m: IterationMetrics): void {}

  /** Replace the current policy (copied). */
  protected setPolicy(p: Float64Array): void {
    if (p.length !== this.pi.length) throw new MethodInputError(`policy has length ${p.length}, expected ${this.pi.length}`);
    this.pi.set(p);
  }

  /** Exact evaluation of a policy with occupancy, warm-started from `warm`. */
  protected evaluate(p: Float64Array, warm: Evaluation | null): Evaluation {
    return evaluatePolicy(this.mdp, p, this.gamma, this.tau, warm?.V ?? null, this.evalTol, {
      ...this.evalOpts,
      warmOccupancy: warm?.d ?? null,
    });
  }

  step(): IterationMetrics {
    if (this.finished) throw new Error(`${this.method}: step() called after the run is done`);
    let m: IterationMetrics;
    if (!this.started) {
      this.started = true;
      this.evaluation = this.evaluate(this.pi, null);
      m = this.recorder.record(0, this.pi, null, this.evaluation, this.estimator ? { ...this.initialExtra(), samples: 0 } : this.initialExtra());
    } else {
      if (!this.previous) this.previous = new Float64Array(this.pi.length);
      this.previous.set(this.pi);
      let extra: Partial<IterationMetrics>;
      if (this.estimator && this.readsEvaluation()) {
        // the update reads the sampled evaluation; the exact one stays the oracle of the metrics
        const exact = this.evaluation;
        const est = this.estimator.estimate(this.iteration + 1, this.pi);
        this.samples += est.samples;
        const sampled = { Q: Float64Array.from(est.Q), V: Float64Array.from(est.V), d: Float64Array.from(est.d) };
        this.sampled = sampled;
        this.evaluation = { ...exact, ...sampled };
        try {
          extra = this.update();
        } finally {
          this.evaluation = exact;
        }
        // a fixed point of a noisy estimate is not the method's convergence: the run goes on
        this.finished = false;
        extra = { ...extra, ...this.sampledMetrics(exact, sampled) };
      } else if (this.estimator) {
        // the update reuses the estimate of an earlier update (qEvery > 1): nothing is sampled, the sample
        // count stays, and there is no new estimate whose error could be recorded
        extra = this.update();
        this.finished = false;
        extra = { ...extra, samples: this.samples, estimatorBias: null, estimatorRms: null };
      } else extra = this.update();
      this.iteration++;
      this.evaluation = this.evaluate(this.pi, this.evaluation);
      m = this.recorder.record(this.iteration, this.pi, this.previous, this.evaluation, extra);
    }
    this.rateX.push(m.t ?? m.iteration);
    this.rateGap.push(m.gap);
    this.last = m;
    this.afterRecord(m);
    return m;
  }

  /** Samples, the advantage error and, for trust regions, the move's sampled and exact cost. */
  private sampledMetrics(exact: Evaluation, sampled: { Q: Float64Array; V: Float64Array; d: Float64Array }): Partial<IterationMetrics> {
    const { S, N } = this.mdp;
    const d = exact.d as Float64Array;
    const err = advantageError(S, N, d, exact.Q, exact.V, sampled.Q, sampled.V);
    const out: Partial<IterationMetrics> = { samples: this.samples, estimatorBias: err.bias, estimatorRms: err.rms };
    const move = this.moveCostPerState();
    if (move) {
      let cs = 0;
      let ce = 0;
      for (let s = 0; s < S; s++) {
        cs += sampled.d[s] * move.perState[s];
        ce += d[s] * move.perState[s];
      }
      const over = (c: number): number => (c > move.radius * (1 + 1e-12) ? 1 : 0);
      Object.assign(out, { sampledMoveCost: cs, exactMoveCost: ce, sampledViolation: over(cs), exactViolation: over(ce) });
    }
    return out;
  }

  policy(): Policy {
    return Float64Array.from(this.pi);
  }

  /**
   * Method diagnostics plus the common ones: Jstar, the optimum's Bellman residual, the evaluation
   * solver, and the fitted exponential rate of the gap on its steady part (in t for flows, per iteration
   * otherwise) with its unit, window, r2 and fitted line, or the reason there is no fit
   * (rateFitDiagnostics in metrics.ts).
   */
  diagnostics(): Diagnostics {
    const rateIn = this.last && this.last.t !== null ? 't' : 'iteration';
    return {
      Jstar: this.optimum.J,
      optimumResidual: this.optimum.residual,
      evaluationSolver: this.evaluation
        ? this.evaluation.kernel
          ? `${this.evaluation.solver} (${this.evaluation.kernel === 'wasm' ? 'WebAssembly' : 'TypeScript'} products)`
          : this.evaluation.solver
        : null,
      gamma: this.gamma,
      tau: this.tau,
      iterations: this.iteration,
      ...rateFitDiagnostics(this.rateX, this.rateGap, rateIn),
      ...this.diag,
    };
  }
}
