/**
 * Exact solvers (ALGORITHMS.md §1, §7 "exact solvers"): the reference optimum of every run's gap.
 *
 * Soft value iteration (tau > 0), a contraction at rate gamma in the sup norm:
 *
 *     Q(s,j) = r(s,j) + gamma sum_s' P(s'|s,j) V(s')
 *     V(s)  <- tau log sum_j mu(j) exp(Q(s,j)/tau)
 *            = m + tau log sum_j mu(j) exp((Q(s,j) - m)/tau),   m = max_j Q(s,j)   (log-sum-exp)
 *     pi*(j|s) = mu(j) exp((Q*(s,j) - V*(s))/tau)
 *
 * Value iteration (tau = 0): V(s) <- max_j Q(s,j). Policy iteration: exact evaluation (evaluation.ts)
 * and greedy improvement (tau = 0, Howard) or soft improvement pi <- mu exp(Q/tau)/Z (tau > 0, which
 * converges quadratically near the optimum).
 *
 * Sweeps are Jacobi (V_new from V_old only), as on the GPU. Stopping rule of the iterations: the sweep's
 * sup-norm change |V_{k+1} - V_k|_inf <= tol (so |V_k - V*|_inf <= tol gamma / (1 - gamma)).
 * `solveOptimum` does not stop there: it polishes the value-iteration result with exact policy
 * iteration, so the optimum it returns is exact to round-off (its `residual` is the Bellman residual
 * |V - T V|_inf reached).
 *
 * Greedy policies (tau = 0) are deterministic with the lowest-index tie-break among actions whose Q is
 * within GREEDY_TIE_TOL * max(1, |Q(s,.)|_inf) of the maximum.
 */
import type { TabularMdp } from '../../shared/mdp/types';
import { actionValues, evaluatePolicy, policyObjective, referencePolicy } from './evaluation';

export interface Optimum {
  V: Float64Array;
  Q: Float64Array;
  policy: Float64Array;
  J: number;
  iterations: number;
  /** Bellman (optimality) residual |V - T V|_inf of the returned V */
  residual: number;
}

/** Relative tolerance under which two Q values count as tied for the greedy policy. */
export const GREEDY_TIE_TOL = 1e-10;

/**
 * Exponentials and logarithms of the previous sweep, reused where their argument has not changed bit
 * for bit (so the sweep's result is identical with or without the cache). On episodic and
 * deterministic MDPs (Taxi, grid worlds) the values of states near the terminal ones settle exactly
 * after a few sweeps, and their rows then cost no transcendental call at all.
 */
export interface SoftSweepCache {
  /** per (s, j): the last (Q - m) / tau and mu_j exp of it */
  arg: Float64Array;
  term: Float64Array;
  /** per s: the last sum z and log z */
  z: Float64Array;
  logZ: Float64Array;
}

export function softSweepCache(mdp: TabularMdp): SoftSweepCache {
  const arg = new Float64Array(mdp.S * mdp.N).fill(NaN); // NaN never equals: the first sweep computes all
  return { arg, term: new Float64Array(mdp.S * mdp.N), z: new Float64Array(mdp.S).fill(NaN), logZ: new Float64Array(mdp.S) };
}

/**
 * One Jacobi sweep of the soft Bellman operator: Vout = T_tau V, Q filled from V (r + gamma P V).
 * Returns |Vout - V|_inf. With tau = 0 it is the hard max. O(nnz + S N); no allocation. At most one
 * exponential per (s, j) (none for the maximiser, whose term is mu_j exactly, nor below e^-60) and one
 * logarithm per state; with a `cache` (softSweepCache) those whose argument is unchanged are reused.
 */
export function softBellmanSweep(
  mdp: TabularMdp,
  V: Float64Array,
  gamma: number,
  tau: number,
  Vout: Float64Array,
  Q: Float64Array,
  cache: SoftSweepCache | null = null,
): number {
  const { S, N, reward, rowPtr, next, prob, mu } = mdp;
  let change = 0;
  const inv = 1 / tau;
  for (let s = 0; s < S; s++) {
    const o = s * N;
    let m = -Infinity;
    for (let j = 0; j < N; j++) {
      const sj = o + j;
      let acc = 0;
      for (let e = rowPtr[sj], end = rowPtr[sj + 1]; e < end; e++) acc += prob[e] * V[next[e]];
      const q = reward[sj] + gamma * acc;
      Q[sj] = q;
      if (q > m) m = q;
    }
    let v: number;
    if (tau > 0 && m !== -Infinity && m === m) {
      let z = 0;
      if (cache) {
        const { arg, term } = cache;
        for (let j = 0; j < N; j++) {
          const x = (Q[o + j] - m) * inv;
          if (x === arg[o + j]) z += term[o + j];
          else {
            // e^-60 ~ 1e-26: below round-off of z >= mu(argmax); NaN propagates
            const t = x === 0 ? mu[j] : !(x <= -60) ? mu[j] * Math.exp(x) : 0;
            arg[o + j] = x;
            term[o + j] = t;
            z += t;
          }
        }
        if (z !== cache.z[s]) {
          cache.z[s] = z;
          cache.logZ[s] = Math.log(z);
        }
        v = m + tau * cache.logZ[s];
      } else {
        for (let j = 0; j < N; j++) {
          const x = (Q[o + j] - m) * inv;
          if (x === 0) z += mu[j];
          else if (!(x <= -60)) z += mu[j] * Math.exp(x); // e^-60 ~ 1e-26: below round-off of z >= mu(argmax); NaN propagates
        }
        v = m + tau * Math.log(z);
      }
    } else {
      v = m;
      if (m === -Infinity) v = NaN; // only reachable with NaN rewards: every comparison failed
    }
    const d = Math.abs(v - V[s]);
    if (d > change || d !== d) change = d !== d ? Infinity : d;
    Vout[s] = v;
  }
  return change;
}

/** Largest exponent range (in units of tau) of each factor of deterministicSoftSweep: e^-340 ~ 1e-148. */
const FACTOR_RANGE = 340;

/** The precomputed part of deterministicSoftSweep, or null when the MDP is not deterministic. */
interface DeterministicRows {
  S: number;
  N: number;
  /** successor of (s, j), or -1 for a terminating row (Q = r) */
  succ: Int32Array;
  /** mu_j exp((r(s,j) - rmax) / tau) */
  muEr: Float64Array;
  rmax: number;
  terminal: boolean;
}

function deterministicSoftRows(mdp: TabularMdp, tau: number): DeterministicRows | null {
  const { S, N, reward, rowPtr, next, prob, mu } = mdp;
  const succ = new Int32Array(S * N);
  let rmax = -Infinity;
  let rmin = Infinity;
  let terminal = false;
  for (let sj = 0; sj < S * N; sj++) {
    const n = rowPtr[sj + 1] - rowPtr[sj];
    if (n === 0) {
      succ[sj] = -1;
      terminal = true;
    } else if (n === 1 && prob[rowPtr[sj]] === 1) succ[sj] = next[rowPtr[sj]];
    else return null;
    const r = reward[sj];
    if (!Number.isFinite(r)) return null;
    if (r > rmax) rmax = r;
    if (r < rmin) rmin = r;
  }
  if (!((rmax - rmin) / tau <= FACTOR_RANGE)) return null;
  const muEr = new Float64Array(S * N);
  for (let s = 0; s < S; s++) for (let j = 0; j < N; j++) muEr[s * N + j] = mu[j] * Math.exp((reward[s * N + j] - rmax) / tau);
  return { S, N, succ, muEr, rmax, terminal };
}

let expScratch = new Float64Array(0);

/**
 * The soft Bellman sweep on a deterministic MDP, factorised: with Q(s,j) = r(s,j) + gamma V(s'(s,j))
 * (or r(s,j) on a terminating row, as if V(s') = 0),
 *
 *     T V(s) = tau log sum_j mu_j e^{Q(s,j)/tau}
 *            = rmax + gamma G + tau log sum_j [mu_j e^{(r(s,j) - rmax)/tau}] e^{gamma (V(s') - G)/tau},
 *
 * G = max(V) (and 0 with terminating rows): the bracket is precomputed, and e^{gamma (V - G)/tau} is
 * one exponential per state shared by all its predecessors, so a sweep costs S exponentials and S
 * logarithms (against S N exponentials). Every factor lies in [e^-340, 1] (checked: reward range at
 * set-up, value range here), so nothing underflows; the result equals softBellmanSweep's to a few ulp.
 * Returns |Vout - V|_inf, or NaN when the ranges do not allow the factorisation (the caller then runs
 * softBellmanSweep).
 */
function deterministicSoftSweep(d: DeterministicRows, V: Float64Array, gamma: number, tau: number, Vout: Float64Array): number {
  const { S, N, succ, muEr, rmax, terminal } = d;
  let G = terminal ? 0 : -Infinity;
  let lo = terminal ? 0 : Infinity;
  for (let s = 0; s < S; s++) {
    const v = V[s];
    if (v > G) G = v;
    if (v < lo) lo = v;
  }
  if (!((gamma * (G - lo)) / tau <= FACTOR_RANGE)) return NaN; // also NaN values
  if (expScratch.length < S) expScratch = new Float64Array(S);
  const e = expScratch;
  const k = gamma / tau;
  for (let s = 0; s < S; s++) e[s] = Math.exp(k * (V[s] - G));
  const e0 = Math.exp(-k * G);
  const base = rmax + gamma * G;
  let change = 0;
  for (let s = 0; s < S; s++) {
    const o = s * N;
    let acc = 0;
    for (let j = 0; j < N; j++) {
      const t = succ[o + j];
      acc += muEr[o + j] * (t >= 0 ? e[t] : e0);
    }
    if (!(acc > 1e-290)) return NaN; // a reference measure with tiny masses: leave it to the plain sweep
    const v = base + tau * Math.log(acc);
    const dv = Math.abs(v - V[s]);
    if (dv > change) change = dv;
    Vout[s] = v;
  }
  return change;
}

/** pi(j|s) = mu(j) exp((Q(s,j) - max_k Q(s,k))/tau), normalised per row (the soft-greedy policy). */
export function softGreedyPolicy(mdp: TabularMdp, Q: Float64Array, tau: number, out?: Float64Array): Float64Array {
  const { S, N, mu } = mdp;
  const pi = out ?? new Float64Array(S * N);
  const inv = 1 / tau;
  for (let s = 0; s < S; s++) {
    const o = s * N;
    let m = -Infinity;
    for (let j = 0; j < N; j++) if (Q[o + j] > m) m = Q[o + j];
    let z = 0;
    for (let j = 0; j < N; j++) {
      const p = mu[j] * Math.exp((Q[o + j] - m) * inv);
      pi[o + j] = p;
      z += p;
    }
    for (let j = 0; j < N; j++) pi[o + j] /= z;
  }
  return pi;
}

/**
 * Deterministic greedy policy: in each state the lowest-index action within
 * GREEDY_TIE_TOL * max(1, |Q(s,.)|_inf) of max_j Q(s,j). If `keep` (a previous deterministic policy) is
 * given, its action is kept whenever it is among the tied maximisers (policy iteration's rule, which
 * prevents cycling between tied actions).
 */
export function greedyPolicy(mdp: TabularMdp, Q: Float64Array, out?: Float64Array, keep?: Float64Array | null): Float64Array {
  const { S, N } = mdp;
  const pi = out ?? new Float64Array(S * N);
  for (let s = 0; s < S; s++) {
    const o = s * N;
    let m = -Infinity;
    let scale = 1;
    for (let j = 0; j < N; j++) {
      const q = Q[o + j];
      if (q > m) m = q;
      if (Math.abs(q) > scale) scale = Math.abs(q);
    }
    const thr = m - GREEDY_TIE_TOL * scale;
    let best = -1;
    if (keep) {
      for (let j = 0; j < N; j++) if (keep[o + j] === 1 && Q[o + j] >= thr) best = j;
    }
    if (best < 0) {
      for (let j = 0; j < N; j++) {
        if (Q[o + j] >= thr) {
          best = j;
          break;
        }
      }
    }
    if (best < 0) best = 0; // NaN row: leave it to the divergence checks
    for (let j = 0; j < N; j++) pi[o + j] = j === best ? 1 : 0;
  }
  return pi;
}

/** |V - T_tau V|_inf (soft, or hard for tau = 0). */
export function bellmanResidual(mdp: TabularMdp, V: Float64Array, gamma: number, tau: number): number {
  const TV = new Float64Array(mdp.S);
  const Q = new Float64Array(mdp.S * mdp.N);
  return softBellmanSweep(mdp, V, gamma, tau, TV, Q);
}

function finishOptimum(
  mdp: TabularMdp,
  V: Float64Array,
  gamma: number,
  tau: number,
  iterations: number,
  policy?: Float64Array,
): Optimum {
  const Q = actionValues(mdp, V, gamma);
  const pi = policy ?? (tau > 0 ? softGreedyPolicy(mdp, Q, tau) : greedyPolicy(mdp, Q));
  return { V, Q, policy: pi, J: policyObjective(mdp, V), iterations, residual: bellmanResidual(mdp, V, gamma, tau) };
}

/**
 * Soft value iteration to |V_{k+1} - V_k|_inf <= tol (Jacobi sweeps from V = 0). With tau = 0 it is
 * value iteration. The policy returned is the soft-greedy policy of the final Q.
 */
export function softValueIteration(mdp: TabularMdp, gamma: number, tau: number, tol = 1e-10, maxIter = 1_000_000): Optimum {
  const { V, iterations } = softValueIterationSweeps(mdp, gamma, tau, tol, maxIter);
  return finishOptimum(mdp, V, gamma, tau, iterations);
}

/**
 * The sweeps of softValueIteration alone: V after the first sweep whose change is <= tol, and the count.
 * On MDPs whose every (s, j) row has one successor with probability 1 or none (deterministic: Taxi,
 * grid worlds), sweeps are factorised (deterministicSoftSweep: one exponential and one logarithm per
 * state instead of one exponential per (s, j)) wherever their exponent ranges allow it.
 */
export function softValueIterationSweeps(
  mdp: TabularMdp,
  gamma: number,
  tau: number,
  tol = 1e-10,
  maxIter = 1_000_000,
): { V: Float64Array; iterations: number } {
  let V = new Float64Array(mdp.S);
  let W = new Float64Array(mdp.S);
  let Q: Float64Array | null = null; // only the plain sweep needs it
  let cache: SoftSweepCache | null = null;
  const det = tau > 0 ? deterministicSoftRows(mdp, tau) : null;
  let it = 0;
  while (it < maxIter) {
    let change = det ? deterministicSoftSweep(det, V, gamma, tau, W) : NaN;
    if (!(change >= 0)) {
      if (tau > 0 && !cache) cache = softSweepCache(mdp);
      Q ??= new Float64Array(mdp.S * mdp.N);
      change = softBellmanSweep(mdp, V, gamma, tau, W, Q, cache);
    }
    it++;
    const t = V;
    V = W;
    W = t;
    if (change <= tol || !(change === change) || change === Infinity) break;
  }
  return { V, iterations: it };
}

/** Value iteration (tau = 0) to |V_{k+1} - V_k|_inf <= tol; greedy policy with lowest-index tie-break. */
export function valueIteration(mdp: TabularMdp, gamma: number, tol = 1e-10, maxIter = 1_000_000): Optimum {
  return softValueIteration(mdp, gamma, 0, tol, maxIter);
}

export interface PolicyIterationOptions {
  /** starting policy (default: the reference measure mu for tau > 0, greedy in r for tau = 0) */
  init?: Float64Array | null;
  maxIter?: number;
  /** soft PI stops when |V_{k+1} - V_k|_inf <= tol * max(1, |V|_inf) (default 1e-14) */
  tol?: number;
}

/**
 * Policy iteration with exact evaluation. tau = 0: Howard's greedy improvement (keeps the current action
 * among tied maximisers; stops when the policy is stable). tau > 0: soft policy iteration
 * pi <- mu exp(Q/tau)/Z, stopped when the value no longer changes beyond round-off.
 */
export function policyIteration(mdp: TabularMdp, gamma: number, tau: number, opts: PolicyIterationOptions = {}): Optimum {
  const maxIter = opts.maxIter ?? 1000;
  const tol = opts.tol ?? 1e-14;
  let pi: Float64Array;
  if (opts.init) pi = Float64Array.from(opts.init);
  else if (tau > 0) pi = referencePolicy(mdp);
  else pi = greedyPolicy(mdp, mdp.reward);
  let ev = evaluatePolicy(mdp, pi, gamma, tau);
  let it = 0;
  while (it < maxIter) {
    it++;
    if (tau > 0) {
      const nextPi = softGreedyPolicy(mdp, ev.Q, tau);
      const nextEv = evaluatePolicy(mdp, nextPi, gamma, tau, ev.V);
      let change = 0;
      let scale = 1;
      for (let s = 0; s < mdp.S; s++) {
        change = Math.max(change, Math.abs(nextEv.V[s] - ev.V[s]));
        scale = Math.max(scale, Math.abs(nextEv.V[s]));
      }
      pi = nextPi;
      ev = nextEv;
      if (!(change > tol * scale)) break; // also stops on NaN
    } else {
      const nextPi = greedyPolicy(mdp, ev.Q, undefined, pi);
      let same = true;
      for (let i = 0; i < pi.length; i++) {
        if (nextPi[i] !== pi[i]) {
          same = false;
          break;
        }
      }
      if (same) break;
      pi = nextPi;
      ev = evaluatePolicy(mdp, pi, gamma, tau, ev.V);
    }
  }
  // tau > 0: report the soft-greedy policy of the final Q (consistent with V to round-off)
  return finishOptimum(mdp, ev.V, gamma, tau, it, tau > 0 ? softGreedyPolicy(mdp, ev.Q, tau) : pi);
}

/**
 * The reference optimum of every run's gap: value iteration (soft for tau > 0) to 1e-10, then exact
 * policy iteration from its (soft-)greedy policy to polish V to round-off. For tau = 0 the returned policy
 * is the deterministic greedy policy with the lowest-index tie-break.
 */
export function solveOptimum(mdp: TabularMdp, gamma: number, tau: number): Optimum {
  const vi = softValueIteration(mdp, gamma, tau, 1e-10);
  if (gamma === 0) return vi; // one sweep is exact
  const pi = policyIteration(mdp, gamma, tau, { init: vi.policy, maxIter: 100 });
  const out = tau > 0 ? pi : finishOptimum(mdp, pi.V, gamma, 0, pi.iterations, greedyPolicy(mdp, pi.Q));
  return { ...out, iterations: vi.iterations + pi.iterations };
}
