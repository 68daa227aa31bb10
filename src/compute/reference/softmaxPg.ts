/**
 * Softmax policy gradient with the exact gradient (ALGORITHMS.md §7):
 *
 *     theta(s,j) <- theta(s,j) + eta dJ/dtheta(s,j),   pi(.|s) = softmax(theta(s,.)),
 *     dJ/dtheta(s,j) = d(s) pi(j|s) A(s,j) / (1 - gamma).
 *
 * With tau > 0 the objective is the entropy-regularised J and the gradient is the exact one of that
 * objective (Mei et al. 2020): A(s,j) = Q(s,j) - tau log(pi(j|s)/mu(j)) - V(s) with Q = r + gamma P V and V
 * the regularised value (the "+1" of the entropy derivative cancels through the softmax). d is the
 * UNNORMALISED occupancy (1 - gamma) rho0^T (I - gamma P_pi)^{-1}; it is the normalised d^pi of §1 unless
 * transitions terminate, and only then makes the gradient exact.
 *
 * The logits are the state of the iteration; after each step they are shifted by their log-sum-exp, so
 * theta(s,.) = log pi(.|s) exactly, the entropy term log(pi/mu) is read from the logit (finite even where
 * pi underflows to 0 in f64), and an action whose probability underflows keeps its logit. Its gradient
 * d pi A is then below the smallest double, as it is in exact arithmetic up to 1e-308: the slow escape
 * from near-deterministic policies is the method's own behaviour (Mei et al. 2020), not a lost entry.
 * The logits start at log pi_init (actions with pi = 0 get -Infinity and stay at 0: their gradient is 0).
 * Done when the largest gradient entry is exactly 0 (a stationary point on the support).
 */
import type { TabularMdp } from '../../shared/mdp/types';
import type { IterationMetrics } from '../../shared/methods';
import { MethodInputError, type RunSpec } from '../types';
import { IterativeMethod, optionsOf, type MethodContext, type ReferenceMethod } from './method';

/**
 * dJ/dtheta into `grad` (see the file comment). dRaw = unnormalised occupancy. `logPolicy` (log pi, same
 * layout), when given, supplies log pi for the entropy term; otherwise it is log(policy).
 */
export function softmaxGradient(
  S: number,
  N: number,
  policy: Float64Array,
  Q: Float64Array,
  V: Float64Array,
  dRaw: Float64Array,
  mu: Float64Array,
  gamma: number,
  tau: number,
  grad: Float64Array,
  logPolicy?: Float64Array,
): number {
  let gmax = 0;
  const c = 1 / (1 - gamma);
  for (let s = 0; s < S; s++) {
    const off = s * N;
    const w = dRaw[s] * c;
    for (let j = 0; j < N; j++) {
      const p = policy[off + j];
      if (!(p > 0)) {
        grad[off + j] = 0;
        continue;
      }
      let a = Q[off + j] - V[s];
      if (tau > 0) a -= tau * ((logPolicy ? logPolicy[off + j] : Math.log(p)) - Math.log(mu[j]));
      const g = w * p * a;
      grad[off + j] = g;
      if (Math.abs(g) > gmax) gmax = Math.abs(g);
    }
  }
  return gmax;
}

export class SoftmaxPgIterator extends IterativeMethod {
  readonly eta: number;
  private readonly theta: Float64Array;
  private readonly grad: Float64Array;
  private readonly dRaw: Float64Array;

  constructor(mdp: TabularMdp, spec: RunSpec, ctx: MethodContext = {}) {
    super('softmax-pg', mdp, spec, ctx);
    this.eta = optionsOf(spec, 'softmax-pg').eta;
    if (!(this.eta > 0 && Number.isFinite(this.eta))) throw new MethodInputError(`eta must be > 0, got ${this.eta}`);
    this.theta = Float64Array.from(this.pi, Math.log);
    this.grad = new Float64Array(this.pi.length);
    this.dRaw = new Float64Array(mdp.S);
  }

  protected update(): Partial<IterationMetrics> {
    const { S, N, mu } = this.mdp;
    const ev = this.evaluation;
    const d = ev.d as Float64Array;
    const mass = ev.occupancyMass ?? 1;
    for (let s = 0; s < S; s++) this.dRaw[s] = d[s] * mass;
    const gmax = softmaxGradient(S, N, this.pi, ev.Q, ev.V, this.dRaw, mu, this.gamma, this.tau, this.grad, this.theta);
    const th = this.theta;
    for (let s = 0; s < S; s++) {
      const off = s * N;
      let mx = -Infinity;
      for (let j = 0; j < N; j++) {
        if (th[off + j] !== -Infinity) th[off + j] += this.eta * this.grad[off + j];
        if (th[off + j] > mx) mx = th[off + j];
      }
      let z = 0;
      for (let j = 0; j < N; j++) if (th[off + j] !== -Infinity) z += Math.exp(th[off + j] - mx);
      // normalise the logits to log pi (softmax is shift invariant), so they stay bounded
      const lz = mx + Math.log(z);
      for (let j = 0; j < N; j++) {
        if (th[off + j] !== -Infinity) th[off + j] -= lz;
        this.pi[off + j] = Math.exp(th[off + j]);
      }
    }
    this.diag.gradientMax = gmax;
    if (gmax === 0) this.finished = true;
    return {};
  }
}

export const softmaxPgMethod: ReferenceMethod = {
  id: 'softmax-pg',
  start: (mdp, spec) => new SoftmaxPgIterator(mdp, spec),
};
