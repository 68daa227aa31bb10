/**
 * Soft value iteration as a run (ALGORITHMS.md §1, §7 exact solvers); also the engine of
 * valueIterationMethod.ts (tau = 0).
 *
 * Iteration 0 is the initial policy (uniform unless given); iteration k >= 1 is the k-th Jacobi sweep
 * V_k = T_tau V_{k-1} from V_0 = 0, whose policy is the (soft-)greedy policy of Q_k = r + gamma P V_{k-1}:
 * pi_k = mu exp((Q_k - max Q_k)/tau)/Z for tau > 0, the lowest-index greedy policy for tau = 0. That
 * policy is evaluated exactly for the metrics (so J, gap, tv are those of a real policy, not of the
 * iterate V_k). The run is done when the sweep's sup-norm change |V_k - V_{k-1}|_inf <= tol.
 * Diagnostics: the last sweep change and the sweeps so far.
 */
import type { TabularMdp } from '../../shared/mdp/types';
import type { IterationMetrics, MethodId } from '../../shared/methods';
import { MethodInputError, type Diagnostics, type RunSpec } from '../types';
import { IterativeMethod, optionsOf, type MethodContext, type ReferenceMethod } from './method';
import { greedyPolicy, softBellmanSweep, softGreedyPolicy } from './solvers';

export class ValueIterationRun extends IterativeMethod {
  readonly tol: number;
  private V: Float64Array;
  private W: Float64Array;
  private readonly Qk: Float64Array;
  private lastChange = Infinity;

  constructor(method: MethodId, mdp: TabularMdp, spec: RunSpec, ctx: MethodContext = {}) {
    super(method, mdp, spec, ctx);
    if (method === 'soft-value-iteration' && !(this.tau > 0))
      throw new MethodInputError('soft value iteration needs tau > 0 (use value iteration for tau = 0)');
    this.tol = optionsOf(spec, 'soft-value-iteration', 'value-iteration').tol;
    if (!(this.tol > 0)) throw new MethodInputError(`tol must be > 0, got ${this.tol}`);
    this.V = new Float64Array(mdp.S);
    this.W = new Float64Array(mdp.S);
    this.Qk = new Float64Array(mdp.S * mdp.N);
  }

  protected update(): Partial<IterationMetrics> {
    this.lastChange = softBellmanSweep(this.mdp, this.V, this.gamma, this.tau, this.W, this.Qk);
    const t = this.V;
    this.V = this.W;
    this.W = t;
    if (this.tau > 0) softGreedyPolicy(this.mdp, this.Qk, this.tau, this.pi);
    else greedyPolicy(this.mdp, this.Qk, this.pi);
    return {};
  }

  protected override afterRecord(): void {
    if (this.lastChange <= this.tol) this.finished = true;
  }

  /** The current value iterate V_k (a copy). */
  valueIterate(): Float64Array {
    return Float64Array.from(this.V);
  }

  override diagnostics(): Diagnostics {
    return {
      ...super.diagnostics(),
      sweeps: this.iteration,
      sweepChange: Number.isFinite(this.lastChange) ? this.lastChange : null,
      tol: this.tol,
    };
  }
}

export const softValueIterationMethod: ReferenceMethod = {
  id: 'soft-value-iteration',
  start: (mdp, spec) => new ValueIterationRun('soft-value-iteration', mdp, spec),
};
