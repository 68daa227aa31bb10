/**
 * Monte-Carlo estimation of Q^pi and of the occupancy d^pi from rollouts (issue 15), next to the exact
 * evaluation (reference/evaluation.ts) that stays the oracle of every metric.
 *
 * Problem: for a policy pi (rows on the simplex, index s * N + j) and the regularised Bellman equation of
 * ALGORITHMS.md §1,
 *
 *     Q(s,j) = r(s,j) + gamma sum_s' P(s'|s,j) V(s'),   V(s) = sum_j pi(j|s) Q(s,j) - tau KL_pi(s),
 *
 * estimate Q from M rollouts of horizon H started at every pair (s, j) ("exploring starts"):
 *
 *     G = r(s_0, j_0) + sum_{t=1}^{H-1} gamma^t ( r(s_t, j_t) - tau KL_pi(s_t) ),
 *     s_0 = s, j_0 = j, s_{t} ~ P(.|s_{t-1}, j_{t-1}), j_t ~ pi(.|s_t),
 *
 * stopping early when a transition terminates (the omitted mass of the CSR row) and after the first step
 * when gamma = 0 (bandits: later terms carry weight 0 and are not sampled). E[G] is the H-step
 * truncation Q_H, so Q-hat = mean of the M returns is unbiased for Q_H and its bias against Q is
 * |Q - Q_H| <= gamma^H max|r - tau KL| / (1 - gamma). The compiled MDP holds the expected rewards
 * r(s,j); with reward noise sigma > 0 (option rewardStd) every observed reward is r(s_t, j_t) + sigma xi_t,
 * xi_t ~ N(0, 1) independent, which leaves E[G] = Q_H and adds sigma^2 sum_t gamma^2t to Var G (on a
 * bandit, gamma = 0: Q-hat ~ N(r, sigma^2 / M) exactly). Without noise the randomness is that of the
 * transitions and of the policy.
 * V-hat(s) = sum_j pi(j|s) Q-hat(s,j) - tau KL_pi(s) (KL_pi is known exactly: pi is the learner's own).
 *
 * The occupancy d-hat(s) ∝ sum_m sum_{t<H} gamma^t 1[s_t = s] over M on-policy rollouts from rho0,
 * normalised to a probability vector (the discounted visitation of §1, truncated at H).
 *
 * Random numbers: the counter-based Philox4x32-10 of rng.ts, key = the run's seed, counter
 * (update, row, rollout, 0x80000000 | block): row = s N + j for the Q rollouts and S N for the
 * occupancy rollouts; one block of four words serves two steps (a next-state draw and an action draw
 * each), and the occupancy rollout's start state uses word 0 of block 0x7fffffff. The top bit of c3 keeps
 * these streams apart from Langevin's (purpose 0 and 1 in c3). The reward noise of step t of rollout m of
 * row sj is Box-Muller of block (update, sj, m, 0x80000000 | 0x40000000 | (t >> 2)): words 0-1 give the
 * normals of t = 0, 1 (mod 4), words 2-3 those of t = 2, 3 (H <= 1e9 keeps t >> 2 below the occupancy's
 * start block 0x7fffffff). Nothing is carried between draws, so an
 * update's estimate depends only on (seed, update, pi) and can be regenerated on either backend.
 *
 * Samples: every step (one reward term, i.e. one state-action visit) counts one sample; the budget per
 * update is at most (S N + 1) M H (methodSpecs/estimator.ts refuses budgets above its limit).
 */
import type { TabularMdp } from '../../shared/mdp/types';
import { boxMuller, philox4x32_10, seedKey, uniform01 } from '../reference/rng';

/** The top bit of the fourth counter word marks the estimator's streams. */
export const ESTIMATOR_STREAM = 0x80000000;
/** Second-highest bit of c3 (with ESTIMATOR_STREAM): the reward-noise blocks. */
export const REWARD_NOISE_STREAM = 0x40000000;
const START_BLOCK = 0x7fffffff;

export interface SampledEvaluation {
  /** Q-hat, index s * N + j */
  Q: Float64Array;
  /** V-hat(s) = sum_j pi(j|s) Q-hat(s,j) - tau KL_pi(s) */
  V: Float64Array;
  /** d-hat: normalised discounted visitation of the on-policy rollouts */
  d: Float64Array;
  /** sample variance of the returns of each pair divided by M (the squared standard error of Q-hat) */
  qVar: Float64Array;
  /** steps sampled by this estimate */
  samples: number;
}

export class MonteCarloEstimator {
  private readonly key: [number, number];
  private readonly block = new Uint32Array(4);
  private readonly noiseBlock = new Uint32Array(4);
  private readonly normals = new Float64Array(4);
  private readonly pairBuf = new Float64Array(2);
  private readonly klState: Float64Array;
  readonly out: SampledEvaluation;

  constructor(
    readonly mdp: TabularMdp,
    readonly gamma: number,
    readonly tau: number,
    readonly rollouts: number,
    readonly horizon: number,
    seed: number,
    /** sigma of the Gaussian reward noise (0: the expected rewards) */
    readonly rewardStd = 0,
  ) {
    if (!(Number.isInteger(rollouts) && rollouts >= 1)) throw new RangeError(`rollouts must be an integer >= 1, got ${rollouts}`);
    if (!(Number.isInteger(horizon) && horizon >= 1)) throw new RangeError(`horizon must be an integer >= 1, got ${horizon}`);
    if (!(rewardStd >= 0 && Number.isFinite(rewardStd))) throw new RangeError(`rewardStd must be a finite number >= 0, got ${rewardStd}`);
    this.key = seedKey(seed);
    const { S, N } = mdp;
    this.klState = new Float64Array(S);
    this.out = { Q: new Float64Array(S * N), V: new Float64Array(S), d: new Float64Array(S), qVar: new Float64Array(S * N), samples: 0 };
  }

  /** Draw an action from pi(.|s) by its inverse CDF at u (the last action with mass takes round-off). */
  private action(pi: Float64Array, s: number, u: number): number {
    const N = this.mdp.N;
    const o = s * N;
    let acc = 0;
    let last = 0;
    for (let j = 0; j < N; j++) {
      const p = pi[o + j];
      if (p > 0) {
        last = j;
        acc += p;
        if (u < acc) return j;
      }
    }
    return last;
  }

  /** sigma xi_t: the reward noise of step t of rollout m of row `row` (t = 0, 1, 2, ... in order). */
  private noise(update: number, row: number, m: number, t: number): number {
    const q = t & 3;
    if (q === 0) {
      const [k0, k1] = this.key;
      philox4x32_10(update, row, m, (ESTIMATOR_STREAM | REWARD_NOISE_STREAM | (t >>> 2)) >>> 0, k0, k1, this.noiseBlock);
      const nb = this.noiseBlock;
      boxMuller(nb[0], nb[1], this.pairBuf);
      this.normals[0] = this.pairBuf[0];
      this.normals[1] = this.pairBuf[1];
      boxMuller(nb[2], nb[3], this.pairBuf);
      this.normals[2] = this.pairBuf[0];
      this.normals[3] = this.pairBuf[1];
    }
    return this.rewardStd * this.normals[q];
  }

  /** Draw the next state of pair sj at u; -1 when the transition terminates (u beyond the row's mass). */
  private next(sj: number, u: number): number {
    const { rowPtr, next, prob } = this.mdp;
    let acc = 0;
    const end = rowPtr[sj + 1];
    for (let k = rowPtr[sj]; k < end; k++) {
      acc += prob[k];
      if (u < acc) return next[k];
    }
    // round-off: a row summing to 1 within 1e-9 keeps its last outcome; genuine termination mass is left out
    return acc > 1 - 1e-9 && end > rowPtr[sj] ? next[end - 1] : -1;
  }

  /**
   * Estimate Q-hat, V-hat and d-hat of pi for update number `update` (the counter's first word). The
   * result is `this.out` (overwritten by the next call).
   */
  estimate(update: number, pi: Float64Array): SampledEvaluation {
    const { S, N, reward, mu } = this.mdp;
    const { gamma, tau, rollouts: M, horizon: H } = this;
    const noisy = this.rewardStd > 0;
    const [k0, k1] = this.key;
    const b = this.block;
    const kl = this.klState;
    for (let s = 0; s < S; s++) {
      let v = 0;
      if (tau > 0)
        for (let j = 0; j < N; j++) {
          const p = pi[s * N + j];
          if (p > 0) v += p * Math.log(p / mu[j]);
        }
      kl[s] = v;
    }
    const { Q, V, d, qVar } = this.out;
    let samples = 0;
    for (let sj = 0; sj < S * N; sj++) {
      // Welford's running mean and sum of squared deviations (no cancellation for near-constant returns)
      let mean = 0;
      let m2 = 0;
      for (let m = 0; m < M; m++) {
        let g = reward[sj];
        if (noisy) g += this.noise(update, sj, m, 0);
        samples++;
        let pair = sj;
        let disc = 1;
        for (let t = 1; t < H && gamma > 0; t++) {
          const w = (t - 1) & 1;
          if (w === 0) philox4x32_10(update, sj, m, (ESTIMATOR_STREAM | ((t - 1) >>> 1)) >>> 0, k0, k1, b);
          const s1 = this.next(pair, uniform01(b[2 * w]));
          if (s1 < 0) break;
          const j1 = this.action(pi, s1, uniform01(b[2 * w + 1]));
          disc *= gamma;
          pair = s1 * N + j1;
          g += disc * (reward[pair] + (noisy ? this.noise(update, sj, m, t) : 0) - tau * kl[s1]);
          samples++;
        }
        const delta = g - mean;
        mean += delta / (m + 1);
        m2 += delta * (g - mean);
      }
      Q[sj] = mean;
      qVar[sj] = M > 1 ? m2 / (M - 1) / M : Infinity;
    }
    for (let s = 0; s < S; s++) {
      let v = -tau * kl[s];
      for (let j = 0; j < N; j++) v += pi[s * N + j] * Q[s * N + j];
      V[s] = v;
    }
    // occupancy rollouts from rho0
    d.fill(0);
    const row = S * N;
    const rho0 = this.mdp.rho0;
    for (let m = 0; m < M; m++) {
      philox4x32_10(update, row, m, (ESTIMATOR_STREAM | START_BLOCK) >>> 0, k0, k1, b);
      let u = uniform01(b[0]);
      let s = S - 1;
      for (let i = 0; i < S; i++) {
        if (u < rho0[i]) {
          s = i;
          break;
        }
        u -= rho0[i];
      }
      let j = this.action(pi, s, uniform01(b[1]));
      let disc = 1;
      d[s] += 1;
      samples++;
      for (let t = 1; t < H && gamma > 0; t++) {
        const w = (t - 1) & 1;
        if (w === 0) philox4x32_10(update, row, m, (ESTIMATOR_STREAM | ((t - 1) >>> 1)) >>> 0, k0, k1, b);
        const s1 = this.next(s * N + j, uniform01(b[2 * w]));
        if (s1 < 0) break;
        s = s1;
        j = this.action(pi, s, uniform01(b[2 * w + 1]));
        disc *= gamma;
        d[s] += disc;
        samples++;
      }
    }
    let mass = 0;
    for (let s = 0; s < S; s++) mass += d[s];
    for (let s = 0; s < S; s++) d[s] /= mass;
    this.out.samples = samples;
    return this.out;
  }
}

/**
 * The estimator's error against the exact advantage A = Q - V under the exact occupancy, actions
 * weighted uniformly (under pi the weighted mean of A-hat is 0 by construction, so pi weights would hide
 * the bias): bias = sum_s d(s) (1/N) sum_j (A-hat - A)(s,j), rms = sqrt(sum_s d(s) (1/N) sum_j (A-hat - A)^2).
 */
export function advantageError(
  S: number,
  N: number,
  d: Float64Array,
  Q: Float64Array,
  V: Float64Array,
  Qhat: Float64Array,
  Vhat: Float64Array,
): { bias: number; rms: number } {
  let bias = 0;
  let sq = 0;
  for (let s = 0; s < S; s++) {
    let b = 0;
    let q = 0;
    for (let j = 0; j < N; j++) {
      const e = Qhat[s * N + j] - Vhat[s] - (Q[s * N + j] - V[s]);
      b += e;
      q += e * e;
    }
    bias += (d[s] * b) / N;
    sq += (d[s] * q) / N;
  }
  return { bias, rms: Math.sqrt(sq) };
}
