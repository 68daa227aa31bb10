/**
 * Policy iteration as a run (ALGORITHMS.md §1, §7 exact solvers).
 *
 * Iteration 0 is the initial policy (uniform unless given); each later iteration improves the exactly
 * evaluated current policy: tau = 0, Howard's greedy step (lowest-index maximiser, the current action kept
 * among ties; done when the policy no longer changes); tau > 0, soft policy iteration
 * pi <- mu exp(Q/tau)/Z (done when |V_new - V_old|_inf <= 1e-13 max(1, |V|_inf), i.e. at round-off).
 */
import type { IterationMetrics } from '../../shared/methods';
import type { TabularMdp } from '../../shared/mdp/types';
import type { Diagnostics, RunSpec } from '../types';
import { IterativeMethod, type MethodContext, type ReferenceMethod } from './method';
import { greedyPolicy, softGreedyPolicy } from './solvers';

export class PolicyIterationRun extends IterativeMethod {
  private changed = true;
  private valueChange = Infinity;
  private oldV: Float64Array | null = null;

  constructor(mdp: TabularMdp, spec: RunSpec, ctx: MethodContext = {}) {
    super('policy-iteration', mdp, spec, ctx);
  }

  protected update(): Partial<IterationMetrics> {
    this.oldV = Float64Array.from(this.evaluation.V);
    if (this.tau > 0) softGreedyPolicy(this.mdp, this.evaluation.Q, this.tau, this.pi);
    else {
      // keep the current action among ties only when the current policy is deterministic
      let deterministic = true;
      for (let i = 0; i < this.pi.length && deterministic; i++) if (this.pi[i] !== 0 && this.pi[i] !== 1) deterministic = false;
      const next = greedyPolicy(this.mdp, this.evaluation.Q, undefined, deterministic ? this.pi : null);
      this.changed = false;
      for (let i = 0; i < next.length; i++) {
        if (next[i] !== this.pi[i]) {
          this.changed = true;
          break;
        }
      }
      this.pi.set(next);
    }
    return {};
  }

  protected override afterRecord(): void {
    if (!this.oldV) return;
    let change = 0;
    let scale = 1;
    const V = this.evaluation.V;
    for (let s = 0; s < V.length; s++) {
      change = Math.max(change, Math.abs(V[s] - this.oldV[s]));
      scale = Math.max(scale, Math.abs(V[s]));
    }
    this.valueChange = change;
    if (this.tau > 0 ? change <= 1e-13 * scale : !this.changed) this.finished = true;
  }

  override diagnostics(): Diagnostics {
    return {
      ...super.diagnostics(),
      valueChange: Number.isFinite(this.valueChange) ? this.valueChange : null,
      soft: this.tau > 0,
    };
  }
}

export const policyIterationMethod: ReferenceMethod = {
  id: 'policy-iteration',
  start: (mdp, spec) => new PolicyIterationRun(mdp, spec),
};
