/**
 * NPG / policy mirror descent with entropy (ALGORITHMS.md §7; Cen et al.'s entropy-regularised NPG):
 *
 *     pi_{k+1}(.|s) ∝ pi_k(.|s)^(1 - alpha) (mu exp(Q^{pi_k}(s,.)/tau))^alpha,   alpha = eta tau / (1 - gamma)
 *
 * with Q the soft Q of §1 (r + gamma P V, V entropy-regularised). alpha must lie in (0, 1] and tau > 0
 * (MethodInputError otherwise); alpha = 1 is soft policy iteration, small eta the Fisher–Rao gradient
 * flow. Computed in log space: log pi_{k+1} = (1 - alpha) log pi_k + alpha (log mu + Q/tau) - logsumexp,
 * so exponents never overflow. An action with pi_k = 0 stays at 0 when alpha < 1 (0^(1 - alpha) = 0);
 * with alpha = 1 the update does not depend on pi_k and restores full support.
 *
 * The proven linear rate of the gap is (1 - eta tau) per iteration; `diagnostics()` reports it as
 * `rateBound` next to the measured per-iteration factor `measuredFactor` = exp(-fitted rate) of the gap
 * (fitLinearRate over the trace, range and r2 in the common diagnostics).
 */
import type { TabularMdp } from '../../shared/mdp/types';
import type { IterationMetrics } from '../../shared/methods';
import { MethodInputError, type Diagnostics, type RunSpec } from '../types';
import { IterativeMethod, optionsOf, type MethodContext, type ReferenceMethod } from './method';

/** One NPG update of every row, in place on `policy` (log space). */
export function npgUpdate(
  S: number,
  N: number,
  policy: Float64Array,
  Q: Float64Array,
  mu: Float64Array,
  tau: number,
  alpha: number,
  scratch: Float64Array,
): void {
  const inv = 1 / tau;
  const keep = 1 - alpha;
  for (let s = 0; s < S; s++) {
    const off = s * N;
    let mx = -Infinity;
    for (let j = 0; j < N; j++) {
      const p = policy[off + j];
      let l: number;
      if (p > 0) l = keep * Math.log(p) + alpha * (Math.log(mu[j]) + Q[off + j] * inv);
      else if (keep === 0) l = alpha * (Math.log(mu[j]) + Q[off + j] * inv);
      else l = -Infinity;
      scratch[j] = l;
      if (l > mx) mx = l;
    }
    let z = 0;
    for (let j = 0; j < N; j++) {
      const w = scratch[j] === -Infinity ? 0 : Math.exp(scratch[j] - mx);
      scratch[j] = w;
      z += w;
    }
    const iz = 1 / z;
    for (let j = 0; j < N; j++) policy[off + j] = scratch[j] * iz;
  }
}

export class NpgIterator extends IterativeMethod {
  readonly eta: number;
  readonly alpha: number;
  private readonly scratch: Float64Array;

  constructor(mdp: TabularMdp, spec: RunSpec, ctx: MethodContext = {}) {
    super('npg', mdp, spec, ctx);
    this.eta = optionsOf(spec, 'npg').eta;
    if (!(this.tau > 0)) throw new MethodInputError(`npg needs tau > 0 (the entropy-regularised NPG), got tau = ${this.tau}`);
    if (!(this.eta > 0 && Number.isFinite(this.eta))) throw new MethodInputError(`eta must be > 0, got ${this.eta}`);
    this.alpha = (this.eta * this.tau) / (1 - this.gamma);
    if (!(this.alpha > 0 && this.alpha <= 1 + 1e-12))
      throw new MethodInputError(
        `npg: alpha = eta tau / (1 - gamma) = ${this.alpha} must lie in (0, 1]; take eta <= (1 - gamma) / tau = ${(1 - this.gamma) / this.tau}`,
      );
    if (this.alpha > 1) this.alpha = 1;
    this.scratch = new Float64Array(mdp.N);
    this.diag.alpha = this.alpha;
    this.diag.rateBound = 1 - this.eta * this.tau;
  }

  protected update(): Partial<IterationMetrics> {
    const { S, N, mu } = this.mdp;
    npgUpdate(S, N, this.pi, this.evaluation.Q, mu, this.tau, this.alpha, this.scratch);
    return {};
  }

  protected override afterRecord(m: IterationMetrics): void {
    if (m.iteration > 0 && this.previous) {
      let change = 0;
      for (let i = 0; i < this.pi.length; i++) change = Math.max(change, Math.abs(this.pi[i] - this.previous[i]));
      if (change === 0) this.finished = true;
    }
  }

  override diagnostics(): Diagnostics {
    const d = super.diagnostics();
    const rate = d.gapRate;
    return { ...d, measuredFactor: typeof rate === 'number' ? Math.exp(-rate) : null, rateBound: 1 - this.eta * this.tau };
  }
}

export const npgMethod: ReferenceMethod = {
  id: 'npg',
  start: (mdp, spec) => new NpgIterator(mdp, spec),
};
