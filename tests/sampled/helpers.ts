/** Shared builders of the sampled-estimator tests: presets, runs on the reference backend, exact truncated Q. */
import { compileMdp } from '../../src/shared/mdp/compile';
import type { TabularMdp } from '../../src/shared/mdp/types';
import type { IterationMetrics, MethodId } from '../../src/shared/methods';
import { presetById } from '../../src/compute/presets';
import { referenceMethod } from '../../src/compute/reference/registry';
import { makeRunSpec } from '../../src/compute/run/spec';

export function preset(id: string, params?: Record<string, number>): TabularMdp {
  const r = compileMdp(presetById(id)!.build(params));
  if (!r.ok) throw new Error(r.issues.map((i) => i.message).join('; '));
  return r.mdp;
}

/** `updates` updates of `method` on the reference backend: the trace rows (row 0 = the initial policy). */
export function runRows(mdp: TabularMdp, method: MethodId, options: Record<string, unknown>, updates: number, seed = 1): IterationMetrics[] {
  const it = referenceMethod(method).start(mdp, makeRunSpec(method, options, { seed, mdp }));
  const rows: IterationMetrics[] = [];
  for (let k = 0; k <= updates && !it.done; k++) rows.push(it.step());
  return rows;
}

/**
 * The H-step truncation Q_H of the regularised Q (the mean of the Monte-Carlo return of horizon H), by H
 * backward Bellman steps: Q_1 = r, V_k(s) = sum_j pi Q_k - tau KL_pi(s), Q_{k+1} = r + gamma P V_k.
 */
export function truncatedQ(mdp: TabularMdp, pi: Float64Array, gamma: number, tau: number, H: number): Float64Array {
  const { S, N, reward, rowPtr, next, prob, mu } = mdp;
  let Q = Float64Array.from(reward);
  const V = new Float64Array(S);
  for (let k = 1; k < H; k++) {
    for (let s = 0; s < S; s++) {
      let v = 0;
      for (let j = 0; j < N; j++) {
        const p = pi[s * N + j];
        v += p * Q[s * N + j];
        if (tau > 0 && p > 0) v -= tau * p * Math.log(p / mu[j]);
      }
      V[s] = v;
    }
    const Qn = new Float64Array(S * N);
    for (let sj = 0; sj < S * N; sj++) {
      let e = 0;
      for (let q = rowPtr[sj]; q < rowPtr[sj + 1]; q++) e += prob[q] * V[next[q]];
      Qn[sj] = reward[sj] + gamma * e;
    }
    Q = Qn;
  }
  return Q;
}

/** Least-squares slope of log y against log x. */
export function logLogSlope(x: number[], y: number[]): number {
  const lx = x.map(Math.log);
  const ly = y.map(Math.log);
  const mx = lx.reduce((a, b) => a + b, 0) / lx.length;
  const my = ly.reduce((a, b) => a + b, 0) / ly.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < lx.length; i++) {
    num += (lx[i] - mx) * (ly[i] - my);
    den += (lx[i] - mx) ** 2;
  }
  return num / den;
}
