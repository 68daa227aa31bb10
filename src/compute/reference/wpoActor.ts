/**
 * WPO actor (ALGORITHMS.md §6): the Wasserstein policy update for a reparametrised Gaussian policy
 * a = m_s + sigma_s xi, theta_s = (m_s, sigma_s), per state
 *
 *     theta_s <- theta_s + eta F^{-1} E_{a ~ pi(.|s)}[ J_theta(a)^T grad_a Phi(s, a) ],
 *     J_theta(a) = da/d(m, sigma) = (1, xi),  xi = (a - m)/sigma,
 *     F = diag(1/sigma^2, 2/sigma^2) + fisherDamping I      (the Gaussian's Fisher matrix in (m, sigma)).
 *
 * The expectation is exact quadrature on the grid: sum_j pi(j|s) (1, (x_j - m)/sigma) grad_a Phi(s, x_j),
 * pi the cell masses of gaussian.ts, x_j the cell centres. grad_a Q(s, x_j) is the finite difference of
 * Q(s, .) on the grid (central inside, one-sided at the two end cells). With tau > 0 the update follows
 * the regularised objective: Phi = Q + tau log mu - tau log pi, so grad_a Phi adds tau times the finite
 * difference of log mu (0 for uniform mu) and -tau grad_a log pi = tau (x_j - m)/sigma^2 (exact for the
 * truncated Gaussian density inside the box). No occupancy factor (each state's parameters follow
 * their own expectation, like w(s) = 1 in §2).
 *
 * Note: with the reparametrisation Jacobian and F^{-1} as written in the contract, the mean moves by
 * eta sigma^2 E[grad_a Phi] — the natural reparametrised gradient; it slows as sigma shrinks. sigma is
 * floored at half a grid cell (this method has no sigmaMin option) and m clamped to the box.
 */
import type { TabularMdp } from '../../shared/mdp/types';
import type { IterationMetrics } from '../../shared/methods';
import { MethodInputError, type RunSpec } from '../types';
import { GaussianMethodBase } from './gaussianW2';
import type { MethodContext, ReferenceMethod } from './method';
import { optionsOf } from './method';

/**
 * The expectation E[(1, xi) grad_a Phi] of state s into out[0..1] (quadrature on the grid).
 * grad_a Q by finite differences of Q(s, .) on the grid.
 */
export function wpoActorDirection(
  x: Float64Array,
  h: number,
  N: number,
  pi: Float64Array,
  Q: Float64Array,
  logMu: Float64Array,
  s: number,
  m: number,
  sigma: number,
  tau: number,
  out: Float64Array,
): void {
  const off = s * N;
  let em = 0;
  let es = 0;
  const inv2h = 1 / (2 * h);
  const invh = 1 / h;
  const isg = 1 / sigma;
  const isg2 = isg * isg;
  for (let j = 0; j < N; j++) {
    const p = pi[off + j];
    if (!(p > 0)) continue;
    let dq: number;
    let dl: number;
    if (N === 1) {
      dq = 0;
      dl = 0;
    } else if (j === 0) {
      dq = (Q[off + 1] - Q[off]) * invh;
      dl = (logMu[1] - logMu[0]) * invh;
    } else if (j === N - 1) {
      dq = (Q[off + j] - Q[off + j - 1]) * invh;
      dl = (logMu[j] - logMu[j - 1]) * invh;
    } else {
      dq = (Q[off + j + 1] - Q[off + j - 1]) * inv2h;
      dl = (logMu[j + 1] - logMu[j - 1]) * inv2h;
    }
    let g = dq;
    if (tau > 0) g += tau * dl + tau * (x[j] - m) * isg2;
    em += p * g;
    es += p * ((x[j] - m) * isg) * g;
  }
  out[0] = em;
  out[1] = es;
}

export class WpoActorIterator extends GaussianMethodBase {
  readonly eta: number;
  readonly fisherDamping: number;
  private readonly logMu: Float64Array;
  private readonly dir = new Float64Array(2);
  private readonly oldM: Float64Array;
  private readonly oldS: Float64Array;

  constructor(mdp: TabularMdp, spec: RunSpec, ctx: MethodContext = {}) {
    super('wpo-actor', mdp, spec, ctx, undefined);
    this.eta = optionsOf(spec, 'wpo-actor').eta;
    this.fisherDamping = optionsOf(spec, 'wpo-actor').fisherDamping;
    if (!(this.eta > 0 && Number.isFinite(this.eta))) throw new MethodInputError(`eta must be > 0, got ${this.eta}`);
    if (!(this.fisherDamping >= 0)) throw new MethodInputError(`fisherDamping must be >= 0, got ${this.fisherDamping}`);
    this.logMu = Float64Array.from(mdp.mu, Math.log);
    this.oldM = new Float64Array(mdp.S);
    this.oldS = new Float64Array(mdp.S);
  }

  protected update(): Partial<IterationMetrics> {
    const { S, N } = this.mdp;
    const p = this.params;
    const Q = this.evaluation.Q;
    this.oldM.set(p.m);
    this.oldS.set(p.sigma);
    let gmax = 0;
    for (let s = 0; s < S; s++) {
      const m = p.m[s];
      const sg = p.sigma[s];
      wpoActorDirection(this.grid.x, this.grid.h, N, this.pi, Q, this.logMu, s, m, sg, this.tau, this.dir);
      const fm = 1 / (sg * sg) + this.fisherDamping;
      const fs = 2 / (sg * sg) + this.fisherDamping;
      p.m[s] = m + (this.eta * this.dir[0]) / fm;
      p.sigma[s] = sg + (this.eta * this.dir[1]) / fs;
      gmax = Math.max(gmax, Math.abs(this.dir[0]), Math.abs(this.dir[1]));
    }
    this.grid.project(p, this.floor);
    this.refreshPolicy();
    let moved = 0;
    for (let s = 0; s < S; s++) moved = Math.max(moved, Math.abs(p.m[s] - this.oldM[s]), Math.abs(p.sigma[s] - this.oldS[s]));
    if (moved === 0) this.finished = true;
    this.diag.directionMax = gmax;
    return { transportCost: this.transport(this.oldM, this.oldS) };
  }
}

export const wpoActorMethod: ReferenceMethod = {
  id: 'wpo-actor',
  start: (mdp, spec) => new WpoActorIterator(mdp, spec),
};
