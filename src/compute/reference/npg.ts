/**
 * NPG / policy mirror descent with entropy (ALGORITHMS.md §7; Cen et al.'s entropy-regularised NPG):
 *
 *     pi_{k+1}(.|s) ∝ pi_k(.|s)^(1 - alpha) (mu exp(Q^{pi_k}(s,.)/tau))^alpha,   alpha = eta tau / (1 - gamma)
 *
 * with Q the soft Q of §1 (r + gamma P V, V entropy-regularised). alpha must lie in (0, 1] and tau > 0
 * (MethodInputError otherwise); alpha = 1 is soft policy iteration, small eta the Fisher–Rao gradient
 * flow.
 *
 * The state of the iteration is the log-policy l = log pi (rows normalised by a log-sum-exp), not pi:
 *
 *     l_{k+1}(s,j) = (1 - alpha) l_k(s,j) + alpha (log mu(j) + Q(s,j)/tau) - logsumexp_j(...)
 *
 * and pi = exp(l) is derived from it for evaluation. A probability can underflow to exactly 0 (on
 * CliffWalking at tau = 0.1, Q/tau spans about 1e3, and exp(-1e3) = 0 in f64) while its logit stays
 * finite, so an action that is positive in the optimum is never lost: with probabilities as the state,
 * 0^(1 - alpha) = 0 froze it for good and the run stalled far from the optimum. Only an action that is
 * exactly 0 in the initial policy has l = -Infinity and stays there when alpha < 1 (the KL geometry does
 * not create support); with alpha = 1 the update does not depend on l_k and restores full support.
 *
 * The proven linear rate of the gap is (1 - eta tau) per iteration; `diagnostics()` reports it as
 * `rateBound` next to the measured per-iteration factor `measuredFactor` = exp(-fitted rate) of the gap
 * (fitGapRate on the steady part of the trace; window and r2 in the common diagnostics).
 */
import type { TabularMdp } from '../../shared/mdp/types';
import type { IterationMetrics } from '../../shared/methods';
import { MethodInputError, type Diagnostics, type RunSpec } from '../types';
import { IterativeMethod, optionsOf, type MethodContext, type ReferenceMethod } from './method';

/**
 * One NPG update of every row in log space, in place on `logPi` (l = log pi, rows normalised), and the
 * policy pi = exp(l) written into `policy`. Entries of `logPi` equal to -Infinity (pi_0 = 0) stay there
 * unless alpha = 1. Returns max |l_{k+1} - l_k| over the entries (0 at a floating-point fixed point).
 */
export function npgUpdate(
  S: number,
  N: number,
  logPi: Float64Array,
  policy: Float64Array,
  Q: Float64Array,
  mu: Float64Array,
  tau: number,
  alpha: number,
  scratch: Float64Array,
): number {
  const inv = 1 / tau;
  const keep = 1 - alpha;
  let change = 0;
  for (let s = 0; s < S; s++) {
    const off = s * N;
    let mx = -Infinity;
    for (let j = 0; j < N; j++) {
      const l0 = logPi[off + j];
      const target = Math.log(mu[j]) + Q[off + j] * inv;
      let l: number;
      if (keep === 0) l = target;
      else if (l0 === -Infinity) l = -Infinity;
      else l = keep * l0 + alpha * target;
      scratch[j] = l;
      if (l > mx) mx = l;
    }
    let z = 0;
    for (let j = 0; j < N; j++) if (scratch[j] !== -Infinity) z += Math.exp(scratch[j] - mx);
    const lz = mx + Math.log(z);
    for (let j = 0; j < N; j++) {
      const l = scratch[j] - lz;
      const l0 = logPi[off + j];
      if (l !== -Infinity && l0 !== -Infinity) {
        const c = Math.abs(l - l0);
        if (c > change) change = c;
      } else if (l !== l0) change = Infinity;
      logPi[off + j] = l;
      policy[off + j] = Math.exp(l);
    }
  }
  return change;
}

export class NpgIterator extends IterativeMethod {
  readonly eta: number;
  readonly alpha: number;
  private readonly scratch: Float64Array;
  /** log pi, the state of the iteration (see the file comment) */
  private readonly logPi: Float64Array;
  /** max |l_{k+1} - l_k| of the last update */
  private logitChange = Infinity;

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
    this.logPi = Float64Array.from(this.pi, Math.log);
    this.diag.alpha = this.alpha;
    this.diag.rateBound = 1 - this.eta * this.tau;
  }

  protected update(): Partial<IterationMetrics> {
    const { S, N, mu } = this.mdp;
    this.logitChange = npgUpdate(S, N, this.logPi, this.pi, this.evaluation.Q, mu, this.tau, this.alpha, this.scratch);
    return {};
  }

  /**
   * Done at a floating-point fixed point of the logits: no logit moved by more than a few ulps of its
   * size (the probabilities alone would read "unchanged" while an underflowed action is still recovering).
   */
  protected override afterRecord(m: IterationMetrics): void {
    if (m.iteration === 0) return;
    let scale = 1;
    for (let i = 0; i < this.logPi.length; i++) {
      const a = Math.abs(this.logPi[i]);
      if (a !== Infinity && a > scale) scale = a;
    }
    if (this.logitChange <= 4 * Number.EPSILON * scale) this.finished = true;
  }

  /**
   * The common diagnostics plus the comparison of the fitted per-iteration factor of the gap
   * (`measuredFactor` = exp(-gapRate), fitted on the steady part) with the proven bound
   * `rateBound` = 1 - eta tau; `withinRateBound` says whether measuredFactor <= rateBound (null: no fit).
   */
  override diagnostics(): Diagnostics {
    const d = super.diagnostics();
    const bound = 1 - this.eta * this.tau;
    const factor = typeof d.gapRateFactor === 'number' ? d.gapRateFactor : null;
    return { ...d, measuredFactor: factor, rateBound: bound, withinRateBound: factor === null ? null : factor <= bound };
  }
}

export const npgMethod: ReferenceMethod = {
  id: 'npg',
  start: (mdp, spec) => new NpgIterator(mdp, spec),
};
