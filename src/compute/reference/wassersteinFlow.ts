/**
 * Wasserstein gradient flow of the entropy-regularised objective (ALGORITHMS.md §2; papers 000, 003, 001).
 *
 * Per state s the policy density follows the Fokker–Planck equation
 *
 *     d/dt pi(.|s) = w(s) div_a( pi grad_a( tau log pi - Phi(s,.) ) ),   Phi(s,a) = Q^pi(s,a) + tau log mu(a)
 *
 * discretised on the action grid with the Scharfetter–Gummel rates along every neighbour edge (i, k)
 * of length h (ActionGraph below):
 *
 *     q(i -> k) = w(s) (tau / h^2) B((Phi_i - Phi_k) / tau),     B(x) = x / (e^x - 1),  B(0) = 1
 *     d/dt pi_i = sum_k [ pi_k q(k -> i) - pi_i q(i -> k) ]
 *
 * Detailed balance q(i->k)/q(k->i) = exp((Phi_k - Phi_i)/tau) makes the discrete Gibbs state
 * mu exp(Q/tau)/Z the exact fixed point for frozen Q, and the coupled fixed point the soft optimum of the
 * same discretised MDP. The scheme is written as antisymmetric edge fluxes
 * F_e = dt (pi_i q(i->k) - pi_k q(k->i)), subtracted from i and added to k (summed per action first,
 * pi + dt sum_e (+-F_e / dt), in the same pass over the edges as the rates), so mass is conserved to
 * round-off; explicit Euler with dt = cfl / max_{s,i} sum_k q(i->k) (cfl <= 1) keeps masses non-negative.
 * A fixed `dt` option overrides the CFL rule (then positivity is the user's business, and a negative mass
 * stops the run with a DivergenceError).
 *
 * Weighting w(s): 'uniform' (w = 1, paper 000) or 'occupancy' (w = d^pi(s) / (1 - gamma), the flow in
 * the unweighted metric), both taken at the last Q refresh. Q (hence Phi) is re-evaluated every `qEvery`
 * steps from the exact evaluation of the current policy; a frozen-Q mode (tests) keeps one Q.
 *
 * Each row carries the continuous time t; transportCost is the step's average exact W2^2 (1-D actions)
 * under d^pi_old (null for 2-D actions). diagnostics() reports the fitted exponential rate of the gap in t
 * (gapRate, its fit range gapRateFrom..gapRateTo, r2) and the largest per-step mass drift.
 *
 * Fokker–Planck flows on discrete actions: positions in 1-D are sorted and consecutive actions are
 * neighbours (edge length = their distance); 2-D positions must form a connected axis-aligned lattice.
 */
import type { TabularMdp } from '../../shared/mdp/types';
import type { IterationMetrics } from '../../shared/methods';
import { MethodInputError, type Diagnostics, type RunSpec } from '../types';
import { IterativeMethod, optionsOf, type MethodContext, type ReferenceMethod } from './method';
import { sortedOrder, w2Squared1d } from './sinkhorn';

// ---------------------------------------------------------------------------------------------------
// The neighbour graph of the actions

/**
 * Edges join grid neighbours along each axis:
 *  - continuous boxes: cell centres (the MDP's positions, or built from the grid with axis 0 fastest);
 *  - discrete actions with positions: per axis, the actions sharing the other coordinate, sorted by this
 *    coordinate, consecutive ones joined (1-D positions: sort by position and join consecutive actions).
 * Each edge carries its length h (the cell width on a box), so its rate is w tau / h^2 B(.).
 *
 * Actions that do not form a lattice (compass moves, Taxi's six actions, a user cost matrix, the 0/1
 * cost) get the complete graph weighted by the transport cost: an edge j-k for every pair with
 * 0 < c(j,k) < Infinity and h^2 = c(j,k). This is the discrete (graph) Wasserstein gradient flow: the rates
 * still satisfy detailed balance q(i->k)/q(k->i) = exp((Phi_k - Phi_i)/tau), so the fixed point is still
 * the Gibbs state and, on an MDP, the soft optimum; on a grid with the squared-distance cost it differs
 * from the neighbour flow only by the longer-range edges, which is why lattices keep neighbour edges.
 * Positions must be distinct and the graph connected; otherwise MethodInputError says why.
 */
export interface ActionGraph {
  /** 'lattice': neighbour edges of a grid; 'cost': the cost-weighted complete graph */
  kind: 'lattice' | 'cost';
  N: number;
  /** edge endpoints (undirected, i < k not required) */
  from: Int32Array;
  to: Int32Array;
  /** edge length h_e */
  length: Float64Array;
  /** positions used (N * d) and d */
  positions: Float64Array;
  dim: 1 | 2;
}

function gridCentres(mdp: TabularMdp): Float64Array {
  const g = mdp.grid!;
  const d = g.dim;
  const n = g.n;
  const N = n ** d;
  const pos = new Float64Array(N * d);
  for (let j = 0; j < N; j++) {
    let r = j;
    for (let a = 0; a < d; a++) {
      const i = r % n;
      r = Math.floor(r / n);
      pos[j * d + a] = g.lo[a] + (i + 0.5) * g.h[a];
    }
  }
  return pos;
}

/** Build the neighbour graph, or throw MethodInputError saying why the action space has none. */
export function buildActionGraph(mdp: TabularMdp, methodTitle = 'this method'): ActionGraph {
  const N = mdp.N;
  let positions: Float64Array;
  let dim: number;
  if (mdp.positions && (mdp.actionDim === 1 || mdp.actionDim === 2)) {
    positions = mdp.positions;
    dim = mdp.actionDim;
  } else if (mdp.grid) {
    positions = gridCentres(mdp);
    dim = mdp.grid.dim;
  } else {
    if (N < 2) throw new MethodInputError(`${methodTitle} needs at least 2 actions`);
    return costGraph(mdp, methodTitle);
  }
  if (N < 2) throw new MethodInputError(`${methodTitle} needs at least 2 actions`);
  const d = dim as 1 | 2;
  // spread of the coordinates, to compare coordinates with a relative tolerance
  let span = 0;
  for (let a = 0; a < d; a++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let j = 0; j < N; j++) {
      const v = positions[j * d + a];
      if (!Number.isFinite(v)) throw new MethodInputError(`action ${j} has a non-finite position`);
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    span = Math.max(span, hi - lo);
  }
  const eq = 1e-9 * Math.max(span, 1e-300);
  const from: number[] = [];
  const to: number[] = [];
  const len: number[] = [];
  for (let a = 0; a < d; a++) {
    const other = d === 2 ? 1 - a : -1;
    const order = Array.from({ length: N }, (_, j) => j);
    order.sort((p, q) => {
      if (other >= 0) {
        const dv = positions[p * d + other] - positions[q * d + other];
        if (Math.abs(dv) > eq) return dv;
      }
      return positions[p * d + a] - positions[q * d + a];
    });
    for (let t = 0; t + 1 < N; t++) {
      const p = order[t];
      const q = order[t + 1];
      if (other >= 0 && Math.abs(positions[p * d + other] - positions[q * d + other]) > eq) continue;
      const h = Math.abs(positions[q * d + a] - positions[p * d + a]);
      if (!(h > eq)) throw new MethodInputError(`actions ${p} and ${q} have the same position: ${methodTitle} needs distinct positions`);
      from.push(p);
      to.push(q);
      len.push(h);
    }
  }
  // not a lattice (e.g. compass moves): use the cost-weighted complete graph instead
  if (firstUnreachable(N, from, to) >= 0) return costGraph(mdp, methodTitle, positions, d);
  return {
    kind: 'lattice',
    N,
    from: Int32Array.from(from),
    to: Int32Array.from(to),
    length: Float64Array.from(len),
    positions,
    dim: d,
  };
}

/** The first action not connected to action 0 by the edges (union-find), or -1 when all are. */
function firstUnreachable(N: number, from: ArrayLike<number>, to: ArrayLike<number>): number {
  const parent = Int32Array.from({ length: N }, (_, j) => j);
  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]];
      x = parent[x];
    }
    return x;
  };
  for (let e = 0; e < from.length; e++) parent[find(from[e])] = find(to[e]);
  const root = find(0);
  for (let j = 1; j < N; j++) if (find(j) !== root) return j;
  return -1;
}

/** The complete graph weighted by the transport cost: h^2 = c(j,k) on every pair with 0 < c < Infinity. */
function costGraph(mdp: TabularMdp, methodTitle: string, positions?: Float64Array, dim?: 1 | 2): ActionGraph {
  const { N, cost } = mdp;
  const from: number[] = [];
  const to: number[] = [];
  const len: number[] = [];
  for (let j = 0; j < N; j++) {
    for (let k = j + 1; k < N; k++) {
      const c = Math.min(cost[j * N + k], cost[k * N + j]);
      if (!(c > 0)) {
        if (c === 0) throw new MethodInputError(`${methodTitle}: actions ${j} and ${k} have zero transport cost between them; it needs distinct actions`);
        continue;
      }
      if (!Number.isFinite(c)) continue;
      from.push(j);
      to.push(k);
      len.push(Math.sqrt(c));
    }
  }
  const unreachable = firstUnreachable(N, from, to);
  if (unreachable >= 0) throw new MethodInputError(`${methodTitle}: action ${unreachable} cannot be reached from action 0 at finite transport cost`);
  return {
    kind: 'cost',
    N,
    from: Int32Array.from(from),
    to: Int32Array.from(to),
    length: Float64Array.from(len),
    positions: positions ?? new Float64Array(N),
    dim: dim ?? 1,
  };
}

// ---------------------------------------------------------------------------------------------------
// Scharfetter–Gummel rates and the explicit Euler step

/**
 * The Bernoulli function B(x) = x / (e^x - 1), B(0) = 1, computed stably (bernoulliPos on |x|, and
 * B(-x) = B(x) + x for x < 0, both without cancellation).
 */
export function bernoulli(x: number): number {
  return x >= 0 ? bernoulliPos(x) : bernoulliPos(-x) - x;
}

/**
 * B(x) for x >= 0 with at most one exponential: the Taylor series
 * B(x) = 1 - x/2 + x^2/12 - x^4/720 + x^6/30240 - x^8/1209600 + x^10/47900160 - ...  for x < 1/4 (the next
 * term is below 4e-17 relative there, and no transcendental call is made: on fine grids with smooth
 * potentials almost every edge lands here), x / (e^x - 1) up to 700 (e^x - 1 >= 0.28, so the subtraction
 * costs at most 5 ulp), and x e^{-x} beyond (no overflow; underflows to 0).
 */
function bernoulliPos(x: number): number {
  if (x < 0.25) {
    const y = x * x;
    return 1 - x / 2 + y * (1 / 12 - y * (1 / 720 - y * (1 / 30240 - y * (1 / 1209600 - y / 47900160))));
  }
  if (x > 700) return x * Math.exp(-x);
  return x / (Math.exp(x) - 1);
}

let edgeScratch = new Float64Array(0);

/**
 * One explicit Euler step of the Scharfetter–Gummel master equation for all S rows at once.
 *  pi, phi: S*N (index s*N + j); w: per-state weights (null = 1); dtFixed > 0 uses that step, else
 *  dt = cfl / max_{s,i} sum_k q(i->k). Writes the new masses to `out` (must not alias pi) and returns
 *  { dt, maxOutRate }. `rates` (2 * S * E floats) receives q(from->to), q(to->from) per edge.
 */
export function fokkerPlanckStep(
  graph: ActionGraph,
  pi: Float64Array,
  phi: Float64Array,
  S: number,
  tau: number,
  w: Float64Array | null,
  dtFixed: number,
  cfl: number,
  out: Float64Array,
  rates: Float64Array,
  outRate: Float64Array,
): { dt: number; maxOutRate: number } {
  const { N, from, to, length } = graph;
  const E = from.length;
  outRate.fill(0, 0, S * N);
  // tau / h_e^2 once per edge (not per state and edge)
  if (edgeScratch.length < E) edgeScratch = new Float64Array(E);
  const coef = edgeScratch;
  for (let e = 0; e < E; e++) coef[e] = tau / (length[e] * length[e]);
  let maxOut = 0;
  // one pass over the edges: rates, out-rates and the net inflow G = sum of signed fluxes / dt (in out)
  out.fill(0, 0, S * N);
  for (let s = 0; s < S; s++) {
    const o = s * N;
    const ws = w ? w[s] : 1;
    const ro = 2 * s * E;
    for (let e = 0; e < E; e++) {
      const i = from[e];
      const k = to[e];
      const c = ws * coef[e];
      const x = (phi[o + i] - phi[o + k]) / tau;
      // one Bernoulli factor per edge: B(|x|), and B(-|x|) = B(|x|) + |x|, both without cancellation
      let bx: number;
      let bmx: number;
      if (x >= 0) {
        bx = bernoulliPos(x);
        bmx = bx + x;
      } else {
        bmx = bernoulliPos(-x);
        bx = bmx - x;
      }
      const qik = c * bx;
      const qki = c * bmx;
      rates[ro + 2 * e] = qik;
      rates[ro + 2 * e + 1] = qki;
      outRate[o + i] += qik;
      outRate[o + k] += qki;
      const f = qik * pi[o + i] - qki * pi[o + k];
      out[o + i] -= f;
      out[o + k] += f;
    }
    for (let j = 0; j < N; j++) if (outRate[o + j] > maxOut || outRate[o + j] !== outRate[o + j]) maxOut = outRate[o + j];
  }
  // dt needs every state's out-rates: apply it once per mass, pi + dt G
  const dt = dtFixed > 0 ? dtFixed : maxOut > 0 ? cfl / maxOut : 0;
  for (let j = 0, SN = S * N; j < SN; j++) out[j] = pi[j] + dt * out[j];
  return { dt, maxOutRate: maxOut };
}

// ---------------------------------------------------------------------------------------------------
// The method

export interface FlowContext extends MethodContext {
  /** frozen-Q mode: true = keep the Q of the initial policy; an array (S*N) = use that Q throughout */
  frozenQ?: boolean | Float64Array;
}

export class WassersteinFlow extends IterativeMethod {
  readonly graph: ActionGraph;
  readonly weighting: 'uniform' | 'occupancy';
  readonly cfl: number;
  readonly fixedDt: number;
  readonly qEvery: number;
  /** continuous time */
  t = 0;
  private readonly frozen: boolean | Float64Array;
  private phi: Float64Array | null = null;
  private w: Float64Array | null = null;
  private readonly next: Float64Array;
  private readonly rates: Float64Array;
  private readonly outRate: Float64Array;
  private readonly logMu: Float64Array;
  private readonly order: Int32Array | null;
  private updates = 0;
  private maxMassDrift = 0;
  private lastDt = 0;
  private lastCfl = 0;

  constructor(mdp: TabularMdp, spec: RunSpec, ctx: FlowContext = {}) {
    super('wasserstein-flow', mdp, spec, ctx);
    if (!(this.tau > 0)) throw new MethodInputError('the Wasserstein flow needs tau > 0 (the diffusion is tau times the entropy)');
    this.graph = buildActionGraph(mdp, 'The Wasserstein flow');
    const o = optionsOf(spec, 'wasserstein-flow');
    const weighting = o.weighting;
    if (weighting !== 'uniform' && weighting !== 'occupancy')
      throw new MethodInputError(`weighting must be 'uniform' or 'occupancy', got '${weighting}'`);
    this.weighting = weighting;
    this.cfl = o.cfl;
    this.fixedDt = o.dt ?? 0; // internal: 0 = dt from the CFL number each step (the option left out)
    this.qEvery = o.qEvery;
    if (!(this.cfl > 0 && this.cfl <= 1)) throw new MethodInputError(`cfl must lie in (0, 1], got ${this.cfl}`);
    if (!(this.fixedDt >= 0)) throw new MethodInputError(`dt must be >= 0, got ${this.fixedDt}`);
    this.frozen = ctx.frozenQ ?? false;
    if (this.frozen instanceof Float64Array && this.frozen.length !== mdp.S * mdp.N)
      throw new MethodInputError(`frozen Q has length ${this.frozen.length}, expected S*N`);
    const { S, N } = mdp;
    const E = this.graph.from.length;
    this.next = new Float64Array(S * N);
    this.rates = new Float64Array(2 * S * E);
    this.outRate = new Float64Array(S * N);
    this.logMu = Float64Array.from(mdp.mu, Math.log);
    this.order = this.graph.kind === 'lattice' && this.graph.dim === 1 ? sortedOrder(this.graph.positions) : null;
  }

  protected override initialExtra(): Partial<IterationMetrics> {
    return { t: 0 };
  }

  /** Phi = Q + tau log mu and w(s) from the current evaluation (or the frozen Q). */
  private refresh(): void {
    const { S, N } = this.mdp;
    const Q = this.frozen instanceof Float64Array ? this.frozen : this.evaluation.Q;
    if (!this.phi) this.phi = new Float64Array(S * N);
    for (let s = 0; s < S; s++) for (let j = 0; j < N; j++) this.phi[s * N + j] = Q[s * N + j] + this.tau * this.logMu[j];
    if (this.weighting === 'occupancy') {
      if (!this.w) this.w = new Float64Array(S);
      const d = this.evaluation.d!;
      for (let s = 0; s < S; s++) this.w[s] = d[s] / (1 - this.gamma);
    }
  }

  /** Phi (and w) are refreshed from the evaluation on the first update and every qEvery-th one. */
  private refreshDue(): boolean {
    return !this.phi || (this.updates % this.qEvery === 0 && this.frozen === false);
  }

  protected override readsEvaluation(): boolean {
    return this.refreshDue();
  }

  protected update(): Partial<IterationMetrics> {
    const { S, N } = this.mdp;
    if (this.refreshDue()) this.refresh();
    this.updates++;
    const old = this.pi;
    const { dt, maxOutRate } = fokkerPlanckStep(
      this.graph,
      old,
      this.phi!,
      S,
      this.tau,
      this.w,
      this.fixedDt,
      this.cfl,
      this.next,
      this.rates,
      this.outRate,
    );
    // mass drift per row and the step's transport cost (exact W2^2 in 1-D) under d^pi_old
    let drift = 0;
    let cost: number | null = this.order ? 0 : null;
    const dOld = this.evaluation.d!;
    for (let s = 0; s < S; s++) {
      const o = s * N;
      let a = 0;
      let b = 0;
      for (let j = 0; j < N; j++) {
        a += old[o + j];
        b += this.next[o + j];
      }
      drift = Math.max(drift, Math.abs(a - b));
      if (cost !== null && dOld[s] !== 0)
        cost += dOld[s] * w2Squared1d(this.graph.positions, old.subarray(o, o + N), this.next.subarray(o, o + N), this.order!);
    }
    if (drift > this.maxMassDrift || drift !== drift) this.maxMassDrift = drift;
    this.pi.set(this.next);
    this.t += dt;
    this.lastDt = dt;
    this.lastCfl = dt * maxOutRate;
    return { t: this.t, transportCost: cost };
  }

  override diagnostics(): Diagnostics {
    return {
      ...super.diagnostics(),
      t: this.t,
      dt: this.lastDt,
      cflRealised: this.lastCfl,
      maxMassDrift: this.maxMassDrift,
      weighting: this.weighting,
      qEvery: this.qEvery,
      frozenQ: this.frozen !== false,
      edges: this.graph.from.length,
    };
  }
}

export const wassersteinFlow: ReferenceMethod = {
  id: 'wasserstein-flow',
  start: (mdp, spec) => new WassersteinFlow(mdp, spec),
};
