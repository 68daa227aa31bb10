/**
 * TD(lambda) estimation of Q^pi from a batch of B on-policy transitions with a tabular critic carried
 * from update to update (issue 15); with lambda in (0, 1) the advantages Q-hat - V-hat are the
 * generalised advantage estimates GAE(lambda) (Schulman et al. 2016) of the batch.
 *
 * Sampling: one chain of B steps. It starts in s ~ rho0 and, before every later step, restarts from rho0
 * with probability 1 - gamma (and always after a terminated transition), so the states it visits are
 * distributed by the normalised occupancy d^pi; d-hat(s) = visits / B. Actions j ~ pi(.|s).
 *
 * Targets: with the critic Q_c (0 before the first update), V_c(s) = sum_j pi(j|s) Q_c(s,j) - tau KL_pi(s)
 * for the current pi, and the regularised one-step structure of ALGORITHMS.md §1, the lambda-return of
 * step t is
 *
 *     G_t = r(s_t, j_t) + gamma [ (1 - lambda) V_c(s_{t+1}) + lambda (G_{t+1} - tau KL_pi(s_{t+1})) ]
 *
 * inside a segment; after a terminated transition the bracket is 0, and at a restart or at the end of
 * the batch it is V_c(s_{t+1}) of the state the chain would have continued to (bootstrap). lambda = 1
 * gives Monte-Carlo returns up to the segment's end, lambda = 0 one-step TD. Q-hat(s,j) is the mean of
 * G_t over the visits of (s,j) in the batch, and Q_c for pairs the batch did not visit; the critic then
 * takes Q-hat. V-hat = sum_j pi Q-hat - tau KL_pi. The estimate is biased through the critic (the trace's
 * estimatorBias shows how much); its error falls as the critic improves over updates and as B grows.
 *
 * Reward noise (option rewardStd = sigma > 0): the reward of step t is observed as r(s_t, j_t) + sigma xi_t,
 * xi_t ~ N(0, 1), which enters G_t (and through lambda the earlier targets) with mean 0.
 *
 * Random numbers: Philox of the run's seed, counter (update, 0xFFFFFFFE, block, ESTIMATOR_STREAM), one
 * block of four words per step: restart, start state, next state, action; xi_t is Box-Muller of words 0-1
 * of block (update, 0xFFFFFFFE, t, ESTIMATOR_STREAM | REWARD_NOISE_STREAM).
 */
import type { TabularMdp } from '../../shared/mdp/types';
import { boxMuller, philox4x32_10, seedKey, uniform01 } from '../reference/rng';
import { ESTIMATOR_STREAM, REWARD_NOISE_STREAM, type SampledEvaluation } from './monteCarlo';

const TD_ROW = 0xfffffffe;

export class TdLambdaEstimator {
  private readonly key: [number, number];
  private readonly block = new Uint32Array(4);
  private readonly kl: Float64Array;
  private readonly critic: Float64Array;
  private readonly Vc: Float64Array;
  private readonly count: Float64Array;
  private readonly states: Int32Array;
  private readonly pairs: Int32Array;
  /** kind of the transition after step t: 0 continue, 1 terminated, 2 cut (restart or end of batch) */
  private readonly kind: Uint8Array;
  /** the state the chain reached after step t (for the bootstrap at a cut), -1 when terminated */
  private readonly after: Int32Array;
  readonly out: SampledEvaluation;

  constructor(
    readonly mdp: TabularMdp,
    readonly gamma: number,
    readonly tau: number,
    readonly batch: number,
    readonly lambda: number,
    seed: number,
    /** sigma of the Gaussian reward noise (0: the expected rewards) */
    readonly rewardStd = 0,
  ) {
    if (!(rewardStd >= 0 && Number.isFinite(rewardStd))) throw new RangeError(`rewardStd must be a finite number >= 0, got ${rewardStd}`);
    if (!(Number.isInteger(batch) && batch >= 1)) throw new RangeError(`batch must be an integer >= 1, got ${batch}`);
    if (!(lambda >= 0 && lambda <= 1)) throw new RangeError(`lambda must lie in [0, 1], got ${lambda}`);
    const { S, N } = mdp;
    this.key = seedKey(seed);
    this.kl = new Float64Array(S);
    this.critic = new Float64Array(S * N);
    this.Vc = new Float64Array(S);
    this.count = new Float64Array(S * N);
    this.states = new Int32Array(batch);
    this.pairs = new Int32Array(batch);
    this.kind = new Uint8Array(batch);
    this.after = new Int32Array(batch);
    this.out = { Q: new Float64Array(S * N), V: new Float64Array(S), d: new Float64Array(S), qVar: new Float64Array(S * N).fill(NaN), samples: 0 };
  }

  private action(pi: Float64Array, s: number, u: number): number {
    const N = this.mdp.N;
    let acc = 0;
    let last = 0;
    for (let j = 0; j < N; j++) {
      const p = pi[s * N + j];
      if (p > 0) {
        last = j;
        acc += p;
        if (u < acc) return j;
      }
    }
    return last;
  }

  private start(u: number): number {
    const rho0 = this.mdp.rho0;
    for (let s = 0; s < rho0.length; s++) {
      if (u < rho0[s]) return s;
      u -= rho0[s];
    }
    return rho0.length - 1;
  }

  private next(sj: number, u: number): number {
    const { rowPtr, next, prob } = this.mdp;
    let acc = 0;
    const end = rowPtr[sj + 1];
    for (let k = rowPtr[sj]; k < end; k++) {
      acc += prob[k];
      if (u < acc) return next[k];
    }
    return acc > 1 - 1e-9 && end > rowPtr[sj] ? next[end - 1] : -1;
  }

  estimate(update: number, pi: Float64Array): SampledEvaluation {
    const { S, N, reward, mu } = this.mdp;
    const { gamma, tau, lambda, batch: B } = this;
    const [k0, k1] = this.key;
    const b = this.block;
    const { kl, critic, Vc, count, states, pairs, kind, after } = this;
    for (let s = 0; s < S; s++) {
      let k = 0;
      let v = 0;
      for (let j = 0; j < N; j++) {
        const p = pi[s * N + j];
        if (tau > 0 && p > 0) k += p * Math.log(p / mu[j]);
        v += p * critic[s * N + j];
      }
      kl[s] = tau > 0 ? k : 0;
      Vc[s] = v - tau * kl[s];
    }
    // the chain
    philox4x32_10(update, TD_ROW, 0, ESTIMATOR_STREAM >>> 0, k0, k1, b);
    let s = this.start(uniform01(b[1]));
    for (let t = 0; t < B; t++) {
      if (t > 0) philox4x32_10(update, TD_ROW, t, ESTIMATOR_STREAM >>> 0, k0, k1, b);
      const j = this.action(pi, s, uniform01(b[3]));
      states[t] = s;
      pairs[t] = s * N + j;
      const s1 = this.next(s * N + j, uniform01(b[2]));
      after[t] = s1;
      if (s1 < 0) {
        kind[t] = 1;
        // the next step restarts; its start state is drawn from the next block
        if (t + 1 < B) {
          philox4x32_10(update, TD_ROW, t + 1, ESTIMATOR_STREAM >>> 0, k0, k1, b);
          s = this.start(uniform01(b[1]));
          // re-draw this block at the top of the loop (same counter, same words)
        }
        continue;
      }
      if (t + 1 === B) {
        kind[t] = 2;
        break;
      }
      philox4x32_10(update, TD_ROW, t + 1, ESTIMATOR_STREAM >>> 0, k0, k1, b);
      if (gamma < 1 && uniform01(b[0]) > gamma) {
        kind[t] = 2;
        s = this.start(uniform01(b[1]));
      } else {
        kind[t] = 0;
        s = s1;
      }
    }
    // lambda-returns, backwards
    const { Q, V, d } = this.out;
    Q.fill(0);
    count.fill(0);
    d.fill(0);
    let G = 0;
    const sigma = this.rewardStd;
    const normals = new Float64Array(2);
    for (let t = B - 1; t >= 0; t--) {
      const sj = pairs[t];
      let tail: number;
      if (kind[t] === 1) tail = 0;
      else if (kind[t] === 2) tail = Vc[after[t]];
      else tail = (1 - lambda) * Vc[after[t]] + lambda * (G - tau * kl[after[t]]);
      let r = reward[sj];
      if (sigma > 0) {
        philox4x32_10(update, TD_ROW, t, (ESTIMATOR_STREAM | REWARD_NOISE_STREAM) >>> 0, k0, k1, b);
        r += sigma * boxMuller(b[0], b[1], normals)[0];
      }
      G = r + gamma * tail;
      Q[sj] += G;
      count[sj] += 1;
      d[states[t]] += 1 / B;
    }
    for (let i = 0; i < S * N; i++) Q[i] = count[i] > 0 ? Q[i] / count[i] : critic[i];
    critic.set(Q);
    for (let x = 0; x < S; x++) {
      let v = -tau * kl[x];
      for (let j = 0; j < N; j++) v += pi[x * N + j] * Q[x * N + j];
      V[x] = v;
    }
    this.out.samples = B;
    return this.out;
  }
}
