/**
 * Gaussian policies moved in W2 coordinates (ALGORITHMS.md §6): 'gaussian-w2' and 'gaussian-w2-newton'.
 * The parametrisation, its exact derivatives and the exact gradient of J live in gaussian.ts (1-D boxes
 * only). In 1-D, W2^2(N(m, s^2), N(m', s'^2)) = (m - m')^2 + (s - s')^2: (m, sigma) are flat coordinates.
 *
 * 'gaussian-w2' — gradient ascent, per state
 *
 *     (m_s, sigma_s) <- (m_s, sigma_s) + eta w(s) h_s,   h_s = sum_j dpi(j|s)/d(m_s, sigma_s) (Q - tau (log(pi/mu) + 1))
 *
 * with the state weighting of §2: w(s) = 1 ('uniform', paper 000's flow, the metric weighted by the
 * state distribution) or w(s) = d(s)/(1 - gamma) ('occupancy': the velocity is then exactly
 * grad_{(m,sigma)} J, the gradient in the unweighted metric). In the §6 notation "grad J / w(s)" this
 * w is the METRIC weight d(s)/((1 - gamma) w_§2(s)); we follow the labels of the option ('uniform' =
 * paper 000, 'occupancy' = unweighted metric), which agree with §2. Then m is clamped to the box and
 * sigma floored at sigmaMin (0 = half a cell). No line search: with a fixed eta ascent is guaranteed
 * only for eta below 1/L (L the Lipschitz constant of the gradient); the test bandit's L = 2.
 *
 * 'gaussian-w2-newton' — damped Newton on -J in all 2S coordinates:
 *
 *     (H + lambda I) delta = -g,   g = -grad J,   H = Hessian of -J,
 *
 * H by central finite differences of the EXACT gradient (each column: two full evaluations at
 * theta +- h e_k, h = 1e-5 (hi - lo) for a mean, 1e-4 sigma for a sigma), symmetrised: the FULL 2S x 2S
 * matrix (cross-state terms included), so the cost per iteration is 4S + 1 evaluations and an O(S^3)
 * Cholesky; S is limited to 256 (MethodInputError above). Levenberg–Marquardt: lambda starts at the
 * `damping` option (or the last accepted lambda / 10, not below it), is multiplied by 10 while H +
 * lambda I is not positive definite or the projected step does not increase J (checked by an exact
 * evaluation), at most 60 times; so every accepted step strictly ascends (descent of -J guaranteed).
 * When no damping gives ascent (a stationary point to round-off) the run is done.
 */
import type { TabularMdp } from '../../shared/mdp/types';
import type { IterationMetrics } from '../../shared/methods';
import { MethodInputError, type RunSpec } from '../types';
import { policyObjective } from './evaluation';
import {
  GaussianGrid,
  gaussianGradient,
  gaussianObjective,
  initialGaussian,
  type GaussianGradient,
  type GaussianParams,
} from './gaussian';
import { IterativeMethod, optionsOf, type MethodContext, type ReferenceMethod } from './method';

/** shared frame: a Gaussian parametrisation whose policy is this.pi */
abstract class GaussianMethodBase extends IterativeMethod {
  readonly grid: GaussianGrid;
  readonly params: GaussianParams;
  readonly floor: number;
  protected readonly dm: Float64Array;
  protected readonly ds: Float64Array;
  protected readonly g: GaussianGradient;

  constructor(id: 'gaussian-w2' | 'gaussian-w2-newton' | 'wpo-actor', mdp: TabularMdp, spec: RunSpec, ctx: MethodContext, sigmaMin: number | undefined) {
    super(id, mdp, spec, ctx);
    this.grid = new GaussianGrid(mdp, id);
    const sigma0 = optionsOf(spec, 'gaussian-w2', 'gaussian-w2-newton', 'wpo-actor').sigma0;
    if (!(sigma0 > 0)) throw new MethodInputError(`sigma0 must be > 0, got ${sigma0}`);
    if (sigmaMin !== undefined && !(sigmaMin > 0)) throw new MethodInputError(`sigmaMin must be > 0, got ${sigmaMin}`);
    this.floor = this.grid.sigmaFloor(sigmaMin);
    this.params = initialGaussian(this.grid, spec.init, sigma0, this.floor);
    const SN = mdp.S * mdp.N;
    this.dm = new Float64Array(SN);
    this.ds = new Float64Array(SN);
    this.g = { hm: new Float64Array(mdp.S), hs: new Float64Array(mdp.S), weight: new Float64Array(mdp.S) };
    this.grid.policy(this.params, this.pi, this.dm, this.ds);
    this.diag.sigmaFloor = this.floor;
  }

  /** the exact gradient at the current parameters (this.pi, this.dm, this.ds current; this.evaluation of pi) */
  protected currentGradient(): GaussianGradient {
    return gaussianGradient(this.mdp, this.gamma, this.tau, this.pi, this.dm, this.ds, this.evaluation, this.g);
  }

  /** write pi (and its derivatives) of the current parameters */
  protected refreshPolicy(): void {
    this.grid.policy(this.params, this.pi, this.dm, this.ds);
  }

  protected override afterRecord(m: IterationMetrics): void {
    this.diag.meanState0 = this.params.m[0];
    this.diag.sigmaState0 = this.params.sigma[0];
    void m;
  }

  /** W2 distance moved (average over d^pi_old of sqrt(dm^2 + dsigma^2)^2 = the exact 1-D W2^2 of the
   * untruncated Gaussians) */
  protected transport(oldM: Float64Array, oldS: Float64Array): number {
    const d = this.evaluation.d as Float64Array;
    let c = 0;
    for (let s = 0; s < this.mdp.S; s++) {
      const a = this.params.m[s] - oldM[s];
      const b = this.params.sigma[s] - oldS[s];
      c += d[s] * (a * a + b * b);
    }
    return c;
  }
}

export class GaussianW2Iterator extends GaussianMethodBase {
  readonly eta: number;
  readonly weighting: 'uniform' | 'occupancy';
  private readonly oldM: Float64Array;
  private readonly oldS: Float64Array;

  constructor(mdp: TabularMdp, spec: RunSpec, ctx: MethodContext = {}) {
    super('gaussian-w2', mdp, spec, ctx, optionsOf(spec, 'gaussian-w2').sigmaMin);
    this.eta = optionsOf(spec, 'gaussian-w2').eta;
    if (!(this.eta > 0 && Number.isFinite(this.eta))) throw new MethodInputError(`eta must be > 0, got ${this.eta}`);
    const w = optionsOf(spec, 'gaussian-w2').weighting;
    if (w !== 'uniform' && w !== 'occupancy') throw new MethodInputError(`weighting must be 'uniform' or 'occupancy', got '${w}'`);
    this.weighting = w;
    this.oldM = new Float64Array(mdp.S);
    this.oldS = new Float64Array(mdp.S);
  }

  protected update(): Partial<IterationMetrics> {
    const g = this.currentGradient();
    const p = this.params;
    this.oldM.set(p.m);
    this.oldS.set(p.sigma);
    let gmax = 0;
    for (let s = 0; s < this.mdp.S; s++) {
      const w = this.weighting === 'occupancy' ? g.weight[s] : 1;
      p.m[s] += this.eta * w * g.hm[s];
      p.sigma[s] += this.eta * w * g.hs[s];
      gmax = Math.max(gmax, Math.abs(g.weight[s] * g.hm[s]), Math.abs(g.weight[s] * g.hs[s]));
    }
    this.grid.project(p, this.floor);
    this.refreshPolicy();
    let moved = 0;
    for (let s = 0; s < this.mdp.S; s++) moved = Math.max(moved, Math.abs(p.m[s] - this.oldM[s]), Math.abs(p.sigma[s] - this.oldS[s]));
    if (moved === 0) this.finished = true;
    this.diag.gradientMax = gmax;
    return { transportCost: this.transport(this.oldM, this.oldS) };
  }
}

/** Cholesky of the symmetric n x n matrix a (row-major) into l; false if not positive definite. */
function cholesky(a: Float64Array, n: number, l: Float64Array): boolean {
  l.fill(0);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * n + j];
      for (let k = 0; k < j; k++) sum -= l[i * n + k] * l[j * n + k];
      if (i === j) {
        if (!(sum > 0)) return false;
        l[i * n + i] = Math.sqrt(sum);
      } else l[i * n + j] = sum / l[j * n + j];
    }
  }
  return true;
}

function choleskySolve(l: Float64Array, n: number, b: Float64Array, x: Float64Array): void {
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= l[i * n + k] * x[k];
    x[i] = s / l[i * n + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = x[i];
    for (let k = i + 1; k < n; k++) s -= l[k * n + i] * x[k];
    x[i] = s / l[i * n + i];
  }
}

export const NEWTON_MAX_STATES = 256;

export class GaussianW2NewtonIterator extends GaussianMethodBase {
  readonly damping: number;
  private lambda: number;
  private readonly oldM: Float64Array;
  private readonly oldS: Float64Array;
  private rejected = 0;

  constructor(mdp: TabularMdp, spec: RunSpec, ctx: MethodContext = {}) {
    super('gaussian-w2-newton', mdp, spec, ctx, optionsOf(spec, 'gaussian-w2-newton').sigmaMin);
    if (mdp.S > NEWTON_MAX_STATES)
      throw new MethodInputError(
        `gaussian-w2-newton forms the full ${2 * mdp.S} x ${2 * mdp.S} Hessian by finite differences; at most ${NEWTON_MAX_STATES} states (got ${mdp.S})`,
      );
    this.damping = optionsOf(spec, 'gaussian-w2-newton').damping;
    if (!(this.damping >= 0)) throw new MethodInputError(`damping must be >= 0, got ${this.damping}`);
    this.lambda = this.damping;
    this.oldM = new Float64Array(mdp.S);
    this.oldS = new Float64Array(mdp.S);
  }

  /** grad J (length 2S: means then sigmas) at parameters q, by a full evaluation */
  private gradAt(q: GaussianParams, out: Float64Array): void {
    const S = this.mdp.S;
    const r = gaussianObjective(this.grid, this.mdp, this.gamma, this.tau, q);
    for (let s = 0; s < S; s++) {
      out[s] = r.grad.weight[s] * r.grad.hm[s];
      out[S + s] = r.grad.weight[s] * r.grad.hs[s];
    }
  }

  protected update(): Partial<IterationMetrics> {
    const S = this.mdp.S;
    const n = 2 * S;
    const p = this.params;
    this.oldM.set(p.m);
    this.oldS.set(p.sigma);
    const g0 = this.currentGradient();
    const grad = new Float64Array(n);
    for (let s = 0; s < S; s++) {
      grad[s] = g0.weight[s] * g0.hm[s];
      grad[S + s] = g0.weight[s] * g0.hs[s];
    }
    // Hessian of J by central differences of the exact gradient; H = -(that), symmetrised
    const H = new Float64Array(n * n);
    const gp = new Float64Array(n);
    const gm = new Float64Array(n);
    const q: GaussianParams = { m: Float64Array.from(p.m), sigma: Float64Array.from(p.sigma) };
    const width = this.grid.hi - this.grid.lo;
    for (let k = 0; k < n; k++) {
      const isM = k < S;
      const s = isM ? k : k - S;
      const arr = isM ? q.m : q.sigma;
      const base = arr[s];
      const hk = isM ? 1e-5 * width : 1e-4 * base;
      arr[s] = base + hk;
      this.gradAt(q, gp);
      arr[s] = base - hk;
      this.gradAt(q, gm);
      arr[s] = base;
      for (let i = 0; i < n; i++) H[i * n + k] = -(gp[i] - gm[i]) / (2 * hk);
    }
    let hmax = 0;
    for (let i = 0; i < n; i++)
      for (let k = 0; k < i; k++) {
        const v = 0.5 * (H[i * n + k] + H[k * n + i]);
        H[i * n + k] = v;
        H[k * n + i] = v;
      }
    for (let i = 0; i < n * n; i++) hmax = Math.max(hmax, Math.abs(H[i]));
    const J0 = policyObjective(this.mdp, this.evaluation.V);
    const A = new Float64Array(n * n);
    const L = new Float64Array(n * n);
    const delta = new Float64Array(n);
    let lam = Math.max(this.lambda, this.damping, 1e-12 * (hmax + 1));
    let accepted = false;
    let tries = 0;
    const trial: GaussianParams = { m: new Float64Array(S), sigma: new Float64Array(S) };
    const trialPi = new Float64Array(this.pi.length);
    for (; tries < 60; tries++, lam *= 10) {
      A.set(H);
      for (let i = 0; i < n; i++) A[i * n + i] += lam;
      if (!cholesky(A, n, L)) continue;
      choleskySolve(L, n, grad, delta); // (H + lam I) delta = -g = grad J
      for (let s = 0; s < S; s++) {
        trial.m[s] = p.m[s] + delta[s];
        trial.sigma[s] = p.sigma[s] + delta[S + s];
      }
      this.grid.project(trial, this.floor);
      this.grid.policy(trial, trialPi);
      const Jt = this.objective(trialPi);
      if (Jt > J0) {
        accepted = true;
        break;
      }
      this.rejected++;
    }
    if (accepted) {
      p.m.set(trial.m);
      p.sigma.set(trial.sigma);
      this.lambda = Math.max(this.damping, lam / 10);
      this.refreshPolicy();
    } else this.finished = true;
    this.diag.lastDamping = lam;
    this.diag.rejectedTrials = this.rejected;
    this.diag.hessian = `full ${n}x${n}, central differences of the exact gradient`;
    // (the LM damping is a diagnostic, not the trust-region multiplier of the `lambda` metric)
    return { transportCost: this.transport(this.oldM, this.oldS) };
  }

  /** J of a policy (exact evaluation) */
  private objective(pi: Float64Array): number {
    return policyObjective(this.mdp, this.evaluate(pi, null).V);
  }
}

export const gaussianW2Method: ReferenceMethod = {
  id: 'gaussian-w2',
  start: (mdp, spec) => new GaussianW2Iterator(mdp, spec),
};

export const gaussianW2NewtonMethod: ReferenceMethod = {
  id: 'gaussian-w2-newton',
  start: (mdp, spec) => new GaussianW2NewtonIterator(mdp, spec),
};

export { GaussianMethodBase };
