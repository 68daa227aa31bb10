/**
 * Langevin particles (ALGORITHMS.md §3; paper 003 eqs. 25–26, paper 000's stochastic representation).
 *
 * Per state s, M particles X in the action box [lo, hi]^d (d = 1 or 2) follow
 *
 *     X <- X + dt grad_a Phi(s, X) + sqrt(2 tau dt) xi,    xi ~ N(0, I),    Phi = Q + tau log mu,
 *
 * reflected at the walls (x < lo -> 2 lo - x, x > hi -> 2 hi - x; clamped if a huge step still leaves
 * the box). grad Phi is known on the grid only: per axis, central differences at the cell centres
 * ((Phi_{i+1} - Phi_{i-1}) / 2h; one-sided in the first and last cell), then linearly (bilinearly in 2-D)
 * interpolated between centres and held constant between the outermost centres and the walls.
 *
 * The policy is the particles' histogram on the grid (cell masses = counts / M); it is evaluated exactly
 * and its Q refreshes Phi every `qEvery` steps (mean-field coupling). For a bandit (gamma = 0), Q = r.
 * The stationary density of the continuous dynamics with this interpolated drift is exp(U/tau)/Z with
 * U' = the interpolated gradient (1-D); the histogram tends to it with TV error ~ M^(-1/2) plus an O(dt)
 * bias, and to the discrete Gibbs state up to the O(h^2) interpolation error.
 *
 * Randomness: Philox4x32-10 (rng.ts), key = seed, counter = (step, state, particle, purpose), so runs
 * are reproducible from their seed and the WebGPU kernel can draw the same integers.
 * Row metrics: t = step * dt; transportCost = exact W2^2 between successive histograms (1-D) under
 * d^pi_old, null in 2-D.
 */
import type { ActionGrid, TabularMdp } from '../../shared/mdp/types';
import type { IterationMetrics } from '../../shared/methods';
import { MethodInputError, type Diagnostics, type RunSpec } from '../types';
import { IterativeMethod, optionsOf, type MethodContext, type ReferenceMethod } from './method';
import { boxMuller, philox4x32_10, RNG_PURPOSE, seedKey, uniform01 } from './rng';
import { sortedOrder, w2Squared1d } from './sinkhorn';

/**
 * Cell lookup of a box: cellOf[i0 + n * i1] = the action index j of the cell with axis indices (i0, i1),
 * derived from the MDP's positions (so it does not depend on the compiler's ordering), or axis 0 fastest
 * when positions are absent.
 */
export function gridCellIndex(mdp: TabularMdp): Int32Array {
  const g = mdp.grid!;
  const d = g.dim;
  const n = g.n;
  const N = n ** d;
  const cellOf = new Int32Array(N).fill(-1);
  for (let j = 0; j < N; j++) {
    let lin = 0;
    let mult = 1;
    let rest = j;
    for (let a = 0; a < d; a++) {
      let i: number;
      if (mdp.positions && mdp.actionDim === d) {
        i = Math.floor((mdp.positions[j * d + a] - g.lo[a]) / g.h[a]);
        i = Math.min(n - 1, Math.max(0, i));
      } else {
        i = rest % n;
        rest = Math.floor(rest / n);
      }
      lin += i * mult;
      mult *= n;
    }
    if (cellOf[lin] !== -1) throw new MethodInputError(`actions ${cellOf[lin]} and ${j} lie in the same grid cell`);
    cellOf[lin] = j;
  }
  return cellOf;
}

/**
 * Central-difference gradient of Phi at the cell centres of one state's grid row, per axis:
 * grad[a * N + lin] for the cell with linear axis index lin (axis 0 fastest).
 */
export function gridGradient(phiRow: Float64Array, o: number, grid: ActionGrid, cellOf: Int32Array, grad: Float64Array): void {
  const n = grid.n;
  const d = grid.dim;
  const N = n ** d;
  for (let a = 0; a < d; a++) {
    const stride = a === 0 ? 1 : n;
    const h = grid.h[a];
    for (let lin = 0; lin < N; lin++) {
      const i = a === 0 ? lin % n : Math.floor(lin / n);
      const lo = i > 0 ? lin - stride : lin;
      const hi = i < n - 1 ? lin + stride : lin;
      grad[a * N + lin] = (phiRow[o + cellOf[hi]] - phiRow[o + cellOf[lo]]) / ((hi === lin || lo === lin ? 1 : 2) * h);
      if (n === 1) grad[a * N + lin] = 0;
    }
  }
}

/**
 * Interpolated gradient component `a` at point (x0[, x1]) from grad (see gridGradient): linear between
 * cell centres (bilinear in 2-D), constant between the outermost centres and the walls. No allocation.
 */
export function interpolateGradient(grad: Float64Array, grid: ActionGrid, a: number, x0: number, x1: number): number {
  const n = grid.n;
  const base = a * (grid.dim === 1 ? n : n * n);
  // axis 0: centre i at u = i
  let u = (x0 - grid.lo[0]) / grid.h[0] - 0.5;
  let i = 0;
  let t = 0;
  if (n > 1) {
    if (u <= 0) u = 0;
    else if (u >= n - 1) u = n - 1;
    i = Math.min(Math.floor(u), n - 2);
    t = u - i;
  }
  const i1 = n > 1 ? i + 1 : 0;
  if (grid.dim === 1) return (1 - t) * grad[base + i] + t * grad[base + i1];
  let v = (x1 - grid.lo[1]) / grid.h[1] - 0.5;
  let k = 0;
  let r = 0;
  if (n > 1) {
    if (v <= 0) v = 0;
    else if (v >= n - 1) v = n - 1;
    k = Math.min(Math.floor(v), n - 2);
    r = v - k;
  }
  const k1 = n > 1 ? k + 1 : 0;
  const g00 = grad[base + i + n * k];
  const g10 = grad[base + i1 + n * k];
  const g01 = grad[base + i + n * k1];
  const g11 = grad[base + i1 + n * k1];
  return (1 - r) * ((1 - t) * g00 + t * g10) + r * ((1 - t) * g01 + t * g11);
}

function reflect(x: number, lo: number, hi: number): number {
  for (let r = 0; r < 4 && (x < lo || x > hi); r++) {
    if (x < lo) x = 2 * lo - x;
    if (x > hi) x = 2 * hi - x;
  }
  return x < lo ? lo : x > hi ? hi : x;
}

export class LangevinParticles extends IterativeMethod {
  readonly M: number;
  readonly dt: number;
  readonly seed: number;
  readonly qEvery: number;
  readonly grid: ActionGrid;
  /** particle positions: X[((s * M) + p) * d + axis] */
  readonly X: Float64Array;
  private readonly cellOf: Int32Array;
  private readonly key: [number, number];
  private readonly phi: Float64Array;
  private readonly grad: Float64Array;
  private readonly logMu: Float64Array;
  private readonly block = new Uint32Array(4);
  private readonly normals = new Float64Array(2);
  private readonly hist: Float64Array;
  private readonly order: Int32Array | null;
  private readonly centres: Float64Array | null;
  private steps = 0;
  private gradValid = false;

  constructor(mdp: TabularMdp, spec: RunSpec, ctx: MethodContext = {}) {
    super('langevin', mdp, spec, ctx);
    if (!mdp.grid) throw new MethodInputError('Langevin particles need a continuous action box (a grid); this MDP has discrete actions');
    if (!(this.tau > 0)) throw new MethodInputError('Langevin particles need tau > 0 (the noise is sqrt(2 tau dt))');
    this.grid = mdp.grid;
    const o = optionsOf(spec, 'langevin');
    this.M = o.particles;
    this.dt = o.dt;
    this.seed = spec.seed; // the run's one seed (RunSpec.seed)
    this.qEvery = o.qEvery;
    if (!(this.M >= 1)) throw new MethodInputError(`particles must be >= 1, got ${this.M}`);
    if (!(this.dt > 0)) throw new MethodInputError(`dt must be > 0, got ${this.dt}`);
    this.key = seedKey(this.seed);
    this.cellOf = gridCellIndex(mdp);
    const { S, N } = mdp;
    const d = this.grid.dim;
    this.X = new Float64Array(S * this.M * d);
    this.phi = new Float64Array(S * N);
    this.grad = new Float64Array(S * d * N);
    this.logMu = Float64Array.from(mdp.mu, Math.log);
    this.hist = new Float64Array(S * N);
    if (d === 1) {
      this.centres = new Float64Array(N);
      for (let i = 0; i < N; i++) this.centres[this.cellOf[i]] = this.grid.lo[0] + (i + 0.5) * this.grid.h[0];
      this.order = sortedOrder(this.centres);
    } else {
      this.centres = null;
      this.order = null;
    }
    this.place();
    this.histogram(this.hist);
    this.setPolicy(this.hist);
  }

  /** Initial placement: cell by inverse CDF of the initial policy, uniform inside the cell (purpose INIT). */
  private place(): void {
    const { S, N } = this.mdp;
    const { n, lo, h, dim } = this.grid;
    const M = this.M;
    const init = this.pi;
    for (let s = 0; s < S; s++) {
      for (let p = 0; p < M; p++) {
        philox4x32_10(0, s, p, RNG_PURPOSE.INIT, this.key[0], this.key[1], this.block);
        const u = uniform01(this.block[0]);
        let acc = 0;
        let lin = 0;
        // walk cells in linear (axis-0-fastest) order
        for (lin = 0; lin < N - 1; lin++) {
          acc += init[s * N + this.cellOf[lin]];
          if (u < acc) break;
        }
        const i0 = lin % n;
        const base = (s * M + p) * dim;
        this.X[base] = lo[0] + (i0 + uniform01(this.block[1])) * h[0];
        if (dim === 2) this.X[base + 1] = lo[1] + (Math.floor(lin / n) + uniform01(this.block[2])) * h[1];
      }
    }
  }

  /** Cell masses counts / M into `out` (index s * N + j). */
  private histogram(out: Float64Array): void {
    const { S, N } = this.mdp;
    const { n, lo, h, dim } = this.grid;
    const M = this.M;
    out.fill(0);
    const w = 1 / M;
    for (let s = 0; s < S; s++) {
      for (let p = 0; p < M; p++) {
        const base = (s * M + p) * dim;
        let i0 = Math.floor((this.X[base] - lo[0]) / h[0]);
        i0 = i0 < 0 ? 0 : i0 >= n ? n - 1 : i0;
        let lin = i0;
        if (dim === 2) {
          let i1 = Math.floor((this.X[base + 1] - lo[1]) / h[1]);
          i1 = i1 < 0 ? 0 : i1 >= n ? n - 1 : i1;
          lin += n * i1;
        }
        out[s * N + this.cellOf[lin]] += w;
      }
    }
  }

  private refreshGradient(): void {
    const { S, N } = this.mdp;
    const d = this.grid.dim;
    const Q = this.evaluation.Q;
    for (let s = 0; s < S; s++) for (let j = 0; j < N; j++) this.phi[s * N + j] = Q[s * N + j] + this.tau * this.logMu[j];
    for (let s = 0; s < S; s++) gridGradient(this.phi, s * N, this.grid, this.cellOf, this.grad.subarray(s * d * N, (s + 1) * d * N));
    this.gradValid = true;
  }

  protected override initialExtra(): Partial<IterationMetrics> {
    return { t: 0 };
  }

  /** The gradient of Phi is refreshed from the evaluation on the first step and every qEvery-th one. */
  private refreshDue(): boolean {
    return !this.gradValid || this.steps % this.qEvery === 0;
  }

  protected override readsEvaluation(): boolean {
    return this.refreshDue();
  }

  protected update(): Partial<IterationMetrics> {
    const { S, N } = this.mdp;
    const { lo, hi, dim } = this.grid;
    if (this.refreshDue()) this.refreshGradient();
    this.steps++;
    const M = this.M;
    const dt = this.dt;
    const noise = Math.sqrt(2 * this.tau * dt);
    const step = this.steps;
    for (let s = 0; s < S; s++) {
      const grad = this.grad.subarray(s * dim * N, (s + 1) * dim * N);
      for (let p = 0; p < M; p++) {
        philox4x32_10(step, s, p, RNG_PURPOSE.NOISE, this.key[0], this.key[1], this.block);
        boxMuller(this.block[0], this.block[1], this.normals);
        const base = (s * M + p) * dim;
        const x0 = this.X[base];
        const x1 = dim === 2 ? this.X[base + 1] : 0;
        const g0 = interpolateGradient(grad, this.grid, 0, x0, x1);
        this.X[base] = reflect(x0 + dt * g0 + noise * this.normals[0], lo[0], hi[0]);
        if (dim === 2) {
          const g1 = interpolateGradient(grad, this.grid, 1, x0, x1);
          this.X[base + 1] = reflect(x1 + dt * g1 + noise * this.normals[1], lo[1], hi[1]);
        }
      }
    }
    this.histogram(this.hist);
    let cost: number | null = null;
    if (this.order && this.centres) {
      cost = 0;
      const dOld = this.evaluation.d!;
      for (let s = 0; s < S; s++) {
        if (dOld[s] === 0) continue;
        cost += dOld[s] * w2Squared1d(this.centres, this.pi.subarray(s * N, (s + 1) * N), this.hist.subarray(s * N, (s + 1) * N), this.order);
      }
    }
    this.pi.set(this.hist);
    return { t: step * dt, transportCost: cost };
  }

  /** Particle positions (a copy). */
  particles(): Float64Array {
    return Float64Array.from(this.X);
  }

  override diagnostics(): Diagnostics {
    return {
      ...super.diagnostics(),
      particles: this.M,
      dt: this.dt,
      seed: this.seed,
      t: this.steps * this.dt,
      qEvery: this.qEvery,
      rng: 'philox4x32-10',
    };
  }
}

export const langevin: ReferenceMethod = {
  id: 'langevin',
  start: (mdp, spec) => new LangevinParticles(mdp, spec),
};
