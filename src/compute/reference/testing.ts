/**
 * Small builders of TabularMdp objects for tests (no compiler needed): explicit arrays, 1-D and 2-D box
 * bandits with their grids, random MDPs and a chain.
 */
import type { ActionGrid, TabularMdp } from '../../shared/mdp/types';
import type { MethodId } from '../../shared/methods';
import { seededRandom } from '../../shared/stats';
import { makeRunSpec } from '../run/spec';
import type { MethodIterator, RunSpec } from '../types';

export interface TabularArrays {
  S: number;
  N: number;
  gamma: number;
  /** P[s][j] = [[next, p], ...]; missing mass is termination */
  P: [number, number][][][];
  /** r[s][j] */
  r: number[][];
  /** default: all mass on state 0 */
  rho0?: number[];
  /** default uniform */
  mu?: number[];
  /** positions[j] = [x] or [x, y]; cost |x_j - x_k|^costPower */
  positions?: number[][];
  costPower?: number;
  /** explicit cost matrix (takes precedence); default with neither: 0/1 cost */
  cost?: number[][];
  grid?: ActionGrid | null;
  name?: string;
}

export function tabularFromArrays(a: TabularArrays): TabularMdp {
  const { S, N } = a;
  const rowPtr = new Uint32Array(S * N + 1);
  const nextL: number[] = [];
  const probL: number[] = [];
  for (let s = 0; s < S; s++) {
    for (let j = 0; j < N; j++) {
      rowPtr[s * N + j] = nextL.length;
      for (const [n, p] of a.P[s]?.[j] ?? []) {
        nextL.push(n);
        probL.push(p);
      }
    }
  }
  rowPtr[S * N] = nextL.length;
  const reward = new Float64Array(S * N);
  for (let s = 0; s < S; s++) for (let j = 0; j < N; j++) reward[s * N + j] = a.r[s][j];
  const rho0 = new Float64Array(S);
  if (a.rho0) rho0.set(a.rho0);
  else rho0[0] = 1;
  const mu = new Float64Array(N);
  if (a.mu) mu.set(a.mu);
  else mu.fill(1 / N);
  const d = a.positions ? a.positions[0].length : 0;
  const positions = a.positions ? new Float64Array(N * d) : null;
  if (a.positions && positions) for (let j = 0; j < N; j++) for (let k = 0; k < d; k++) positions[j * d + k] = a.positions[j][k];
  const cost = new Float64Array(N * N);
  const pw = a.costPower ?? 2;
  for (let j = 0; j < N; j++) {
    for (let k = 0; k < N; k++) {
      if (a.cost) cost[j * N + k] = a.cost[j][k];
      else if (positions) {
        let q = 0;
        for (let t = 0; t < d; t++) q += (positions[j * d + t] - positions[k * d + t]) ** 2;
        cost[j * N + k] = Math.pow(Math.sqrt(q), pw);
      } else cost[j * N + k] = j === k ? 0 : 1;
    }
  }
  return {
    name: a.name ?? 'test',
    S,
    N,
    gamma: a.gamma,
    stateLabels: Array.from({ length: S }, (_, s) => `s${s}`),
    actionLabels: Array.from({ length: N }, (_, j) => `a${j}`),
    rho0,
    mu,
    reward,
    rowPtr,
    next: new Uint32Array(nextL),
    prob: new Float64Array(probL),
    cost,
    positions: a.cost ? null : positions,
    actionDim: a.cost ? 0 : (d as 0 | 1 | 2),
    grid: a.grid ?? null,
  };
}

/** Cell centres of n equal cells on [lo, hi]. */
export function cellCentres(n: number, lo: number, hi: number): number[] {
  const h = (hi - lo) / n;
  return Array.from({ length: n }, (_, j) => lo + (j + 0.5) * h);
}

/** One-state, gamma = 0 bandit on the 1-D box [lo, hi] with n cells; r(j) = reward(x_j); cost |x_j-x_k|^2. */
export function bandit1d(reward: (x: number) => number, n: number, lo: number, hi: number, mu?: number[]): TabularMdp {
  const x = cellCentres(n, lo, hi);
  return tabularFromArrays({
    S: 1,
    N: n,
    gamma: 0,
    P: [x.map(() => [])],
    r: [x.map(reward)],
    mu,
    positions: x.map((v) => [v]),
    grid: { dim: 1, n, lo: [lo], hi: [hi], h: [(hi - lo) / n] },
    name: 'bandit1d',
  });
}

/** One-state, gamma = 0 bandit on the square [lo, hi]^2 with n x n cells (cell j = i1 * n + i0, axis 0 fastest). */
export function bandit2d(reward: (x: number, y: number) => number, n: number, lo: number, hi: number): TabularMdp {
  const c = cellCentres(n, lo, hi);
  const pos: number[][] = [];
  for (let i1 = 0; i1 < n; i1++) for (let i0 = 0; i0 < n; i0++) pos.push([c[i0], c[i1]]);
  return tabularFromArrays({
    S: 1,
    N: n * n,
    gamma: 0,
    P: [pos.map(() => [])],
    r: [pos.map(([x, y]) => reward(x, y))],
    positions: pos,
    grid: { dim: 2, n, lo: [lo, lo], hi: [hi, hi], h: [(hi - lo) / n, (hi - lo) / n] },
    name: 'bandit2d',
  });
}

/** Deterministic pseudo-random numbers in [0, 1) for test data (mulberry32, the project's one generator). */
export const testRandom = seededRandom;

/**
 * Random MDP: each (s, j) has `branching` distinct successors with random probabilities; with
 * `terminate` > 0 that fraction of each row's mass is terminated. Actions get 1-D positions j / (N - 1).
 */
export function randomMdp(S: number, N: number, seed: number, opts: { gamma?: number; branching?: number; terminate?: number } = {}): TabularMdp {
  const rnd = testRandom(seed);
  const branching = Math.min(opts.branching ?? 3, S);
  const P: [number, number][][][] = [];
  const r: number[][] = [];
  for (let s = 0; s < S; s++) {
    P.push([]);
    r.push([]);
    for (let j = 0; j < N; j++) {
      const succ = new Set<number>();
      while (succ.size < branching) succ.add(Math.floor(rnd() * S));
      const w = [...succ].map(() => rnd() + 0.05);
      const tot = w.reduce((x, y) => x + y, 0) / (1 - (opts.terminate ?? 0));
      P[s].push([...succ].map((n, i) => [n, w[i] / tot] as [number, number]));
      r[s].push(rnd() * 2 - 1);
    }
  }
  const rho0 = Array.from({ length: S }, () => rnd() + 0.1);
  const z = rho0.reduce((x, y) => x + y, 0);
  return tabularFromArrays({
    S,
    N,
    gamma: opts.gamma ?? 0.9,
    P,
    r,
    rho0: rho0.map((v) => v / z),
    positions: Array.from({ length: N }, (_, j) => [N === 1 ? 0 : j / (N - 1)]),
    name: `random-${S}x${N}`,
  });
}

/**
 * A chain of S states; actions move left (0), stay (1), right (2) with probability `slip` of staying;
 * reward 1 for staying in the last state, 0 otherwise. Action positions -1, 0, 1.
 */
export function chainMdp(S: number, gamma = 0.9, slip = 0.1): TabularMdp {
  const P: [number, number][][][] = [];
  const r: number[][] = [];
  for (let s = 0; s < S; s++) {
    const row: [number, number][][] = [];
    for (const move of [-1, 0, 1]) {
      const t = Math.min(S - 1, Math.max(0, s + move));
      row.push(t === s ? [[s, 1]] : [[t, 1 - slip], [s, slip]]);
    }
    P.push(row);
    r.push([0, s === S - 1 ? 1 : 0, 0]);
  }
  return tabularFromArrays({ S, N: 3, gamma, P, r, positions: [[-1], [0], [1]], name: `chain-${S}` });
}

/**
 * S states, actions on a 1-D box of n cells on [-1, 1]: the next state drifts with the action (a smooth
 * dependence on x_j), smooth rewards. Each transition weight gets 0.05 added (0.05 times a random draw
 * with `jitter`); `terminate` is the fraction of each row's mass that is terminated.
 */
export function boxMdp(S: number, n: number, seed: number, gamma: number, opts: { terminate?: number; jitter?: boolean } = {}): TabularMdp {
  const r = testRandom(seed);
  const x = cellCentres(n, -1, 1);
  const terminate = opts.terminate ?? 0;
  const P: [number, number][][][] = [];
  const R: number[][] = [];
  for (let s = 0; s < S; s++) {
    const c = r() * 1.4 - 0.7;
    P.push([]);
    R.push([]);
    for (let j = 0; j < n; j++) {
      const w = Array.from({ length: S }, (_, t) => Math.exp(-((t - (S - 1) * (0.5 + 0.5 * x[j])) ** 2)) + (opts.jitter ? 0.05 * r() : 0.05));
      const z = w.reduce((a, b) => a + b, 0) / (1 - terminate);
      P[s].push(w.map((v, t) => [t, v / z] as [number, number]));
      R[s].push(-((x[j] - c) ** 2) + 0.3 * Math.sin(3 * x[j] + s));
    }
  }
  return tabularFromArrays({
    S,
    N: n,
    gamma,
    P,
    r: R,
    rho0: Array.from({ length: S }, () => 1 / S),
    positions: x.map((v) => [v]),
    grid: { dim: 1, n, lo: [-1], hi: [1], h: [2 / n] },
    name: `box-${S}x${n}`,
  });
}

/** A RunSpec with parsed options (defaults filled) and the run's seed; throws on invalid options. */
export function specFor(method: MethodId, options: Record<string, unknown> = {}, init: Float64Array | null = null, seed = 1): RunSpec {
  return makeRunSpec(method, options, { init, seed });
}

/** Mean action of state 0's policy on the n cells of [-1, 1] (the 1-D box bandits of the Gaussian tests). */
export function policyMean(it: MethodIterator, n: number): number {
  const pi = it.policy();
  let m = 0;
  for (let j = 0; j < n; j++) m += pi[j] * (-1 + (j + 0.5) * (2 / n));
  return m;
}

/**
 * Steps `it` (first row, then up to `iters` more until done), calling `afterStep` after each of the
 * later steps: the last row, the smallest per-step change of J, the first J and the steps taken.
 */
export function runMonotone(it: MethodIterator, iters: number, afterStep: (it: MethodIterator) => void) {
  let m = it.step();
  const J0 = m.J;
  let minDJ = Infinity;
  let k = 0;
  for (; k < iters && !it.done; k++) {
    const J = m.J;
    m = it.step();
    minDJ = Math.min(minDJ, m.J - J);
    afterStep(it);
  }
  return { m, minDJ, J0, k };
}
