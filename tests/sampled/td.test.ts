/**
 * The TD(lambda) / GAE estimator (src/compute/estimators/tdLambda.ts): with lambda = 1 and a long batch
 * its Q-hat approaches the exact Q as the critic is refreshed over updates; its error against the exact
 * advantage falls as the batch grows; the same seed is bit-identical; a run of sampled NPG with it moves
 * towards the optimum; bad batches are refused.
 */
import { describe, expect, it } from 'vitest';
import { TdLambdaEstimator } from '../../src/compute/estimators';
import { evaluatePolicy } from '../../src/compute/reference/evaluation';
import { parseMethodOptions } from '../../src/shared/methods';
import { preset, runRows } from './helpers';

describe('TD(lambda) estimator', () => {
  it('FrozenLake 4x4, fixed uniform policy: the advantage RMS error against the exact one falls as B grows', () => {
    const mdp = preset('frozenlake-4x4');
    const gamma = 0.9;
    const pi = new Float64Array(mdp.S * mdp.N).fill(1 / mdp.N);
    const exact = evaluatePolicy(mdp, pi, gamma, 0, null, 1e-13, { occupancy: true });
    const rms: number[] = [];
    for (const B of [500, 5000, 50000]) {
      const est = new TdLambdaEstimator(mdp, gamma, 0, B, 0.9, 3);
      let e = 0;
      // ten updates of the same policy: the critic carried between them settles
      for (let u = 1; u <= 10; u++) {
        const q = est.estimate(u, pi);
        let sq = 0;
        for (let s = 0; s < mdp.S; s++)
          for (let j = 0; j < mdp.N; j++) {
            const err = q.Q[s * mdp.N + j] - q.V[s] - (exact.Q[s * mdp.N + j] - exact.V[s]);
            sq += (exact.d![s] * err * err) / mdp.N;
          }
        e = Math.sqrt(sq);
      }
      rms.push(e);
    }
    console.log(`TD(0.9) on FrozenLake 4x4, uniform policy, after 10 updates: advantage RMS error ${rms.map((r) => r.toExponential(2)).join(', ')} at B = 500, 5000, 50000`);
    expect(rms[1]).toBeLessThan(rms[0]);
    expect(rms[2]).toBeLessThan(rms[1]);
  });

  it('a sampled NPG run with TD(0.9) moves towards the optimum; same seed bit-identical, two seeds differ', () => {
    const mdp = preset('frozenlake-4x4');
    const o = { gamma: 0.9, tau: 0.05, eta: 1, estimator: 'td', batch: 20000, lambda: 0.9 };
    const a = runRows(mdp, 'npg', o, 20, 1);
    const b = runRows(mdp, 'npg', o, 20, 1);
    const c = runRows(mdp, 'npg', o, 20, 2);
    const strip = (rows: typeof a) => rows.map(({ wallMs: _w, ...r }) => r);
    expect(strip(b)).toEqual(strip(a));
    expect(strip(c)).not.toEqual(strip(a));
    console.log(`npg + TD(0.9), B = 20000, FrozenLake 4x4: gap ${a[0].gap.toExponential(2)} -> ${a[20].gap.toExponential(2)}, samples ${a[20].samples}`);
    expect(a[20].gap).toBeLessThan(a[0].gap / 2);
    expect(a[20].samples).toBe(20 * 20000);
  });

  it('refuses batch 0, a missing lambda, and a batch whose buffer does not fit, with the figure', () => {
    const msgs = (given: Record<string, unknown>): string[] => {
      const r = parseMethodOptions('npg', { estimator: 'td', ...given });
      return r.ok ? [] : r.errors.map((e) => e.message);
    };
    expect(msgs({ batch: 0, lambda: 0.9 })).toEqual(["npg: option 'batch' is 0: a TD estimate needs at least one transition per update (B >= 1)"]);
    expect(msgs({ batch: 10 })).toEqual(["npg: estimator 'td' needs option 'lambda' in [0, 1] (0: one-step TD, 1: Monte-Carlo returns)"]);
    expect(msgs({ batch: 100_000_000, lambda: 0.9 })).toEqual([
      "npg: a batch of 100000000 transitions needs 1240 MiB of trajectory buffer (13 bytes each), above the limit of 256 MiB: use batch <= 20648881",
    ]);
    expect(msgs({ batch: 10, lambda: 1.5 })[0]).toContain("option 'lambda' must lie in [0, 1]");
  });
});
