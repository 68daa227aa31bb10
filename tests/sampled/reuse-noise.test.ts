/**
 * Two corrections of the sampled estimators (issue 15):
 *  - a method that re-evaluates Q only every `qEvery` updates consumes an estimate only on those updates, so
 *    the cumulative `samples` column grows only there, by exactly what the estimate drew;
 *  - reward noise (option rewardStd): Gaussian noise of stated std on every observed reward, from the run's
 *    seed, makes a bandit a stochastic setting whose Monte-Carlo estimate is unbiased for the closed form
 *    Q = r with variance sigma^2 / M.
 */
import { describe, expect, it } from 'vitest';
import { parseMethodOptions } from '../../src/shared/methods';
import { MonteCarloEstimator, TdLambdaEstimator } from '../../src/compute/estimators';
import { referenceMethod } from '../../src/compute/reference/registry';
import { makeRunSpec } from '../../src/compute/run/spec';
import { preset, runRows } from './helpers';

describe('samples consumed with Q reused across updates (qEvery > 1)', () => {
  it('wasserstein-flow, qEvery 3: samples grow only on the refresh updates, by the estimate drawn there', () => {
    const mdp = preset('frozenlake-4x4');
    const opts = { gamma: 0.9, tau: 0.1, qEvery: 3, estimator: 'monte-carlo', rollouts: 4, horizon: 30 };
    const spec = makeRunSpec('wasserstein-flow', opts, { seed: 7, mdp });
    const it = referenceMethod('wasserstein-flow').start(mdp, spec);
    const rows = [it.step()];
    // the estimate each refresh update reads, regenerated from (seed, update, policy before the update)
    const est = new MonteCarloEstimator(mdp, 0.9, 0.1, 4, 30, 7);
    const expected: number[] = [0];
    for (let k = 1; k <= 9; k++) {
      const drawn = (k - 1) % 3 === 0 ? est.estimate(k, Float64Array.from(it.policy())).samples : 0;
      expected.push(expected[k - 1] + drawn);
      rows.push(it.step());
    }
    expect(rows.map((r) => r.samples)).toEqual(expected);
    const inc = rows.slice(1).map((r, i) => (r.samples as number) - (rows[i].samples as number));
    expect(inc.map((x) => x > 0)).toEqual([true, false, false, true, false, false, true, false, false]);
    // reuse updates carry no new estimate; refresh updates carry its error
    expect(rows[2].estimatorRms).toBeNull();
    expect(rows[4].estimatorRms as number).toBeGreaterThan(0);
  });

  it('qEvery 1 still samples every update, and langevin with qEvery 2 samples every other one', () => {
    const mdp = preset('frozenlake-4x4');
    const every = runRows(mdp, 'wasserstein-flow', { gamma: 0.9, tau: 0.1, qEvery: 1, estimator: 'td', batch: 100, lambda: 0.5 }, 4, 3);
    expect(every.map((r) => r.samples)).toEqual([0, 100, 200, 300, 400]);
    const bandit = preset('bandit-quadratic', { n: 16 });
    const lv = runRows(bandit, 'langevin', { tau: 0.1, qEvery: 2, estimator: 'td', batch: 50, lambda: 0 }, 6, 3);
    expect(lv.map((r) => r.samples)).toEqual([0, 50, 50, 100, 100, 150, 150]);
  });
});

describe('reward noise', () => {
  const bandit = preset('bandit-bimodal', { n: 24 });

  it('bandit, Monte-Carlo with sigma = 0.5: Q-hat is unbiased for r within its interval, with variance sigma^2 / M', () => {
    const sigma = 0.5;
    const M = 400;
    const pi = new Float64Array(bandit.N).fill(1 / bandit.N);
    const z: number[] = [];
    let varRatio = 0;
    let count = 0;
    for (const seed of [1, 2, 3, 4, 5]) {
      const est = new MonteCarloEstimator(bandit, 0, 0, M, 1, seed, sigma);
      for (const update of [1, 2]) {
        const out = est.estimate(update, pi);
        expect(out.samples).toBe((bandit.N + 1) * M);
        for (let j = 0; j < bandit.N; j++) {
          // closed form: Q(bandit, j) = r(j); the estimate's standard error is sigma / sqrt(M)
          z.push((out.Q[j] - bandit.reward[j]) / (sigma / Math.sqrt(M)));
          varRatio += out.qVar[j] / ((sigma * sigma) / M);
          count++;
        }
      }
    }
    // every pair within 4 standard errors (two-sided p ~ 6e-5 per pair, 240 pairs), 95% intervals cover ~95%
    expect(Math.max(...z.map(Math.abs))).toBeLessThan(4);
    const covered = z.filter((x) => Math.abs(x) < 1.96).length / z.length;
    expect(covered).toBeGreaterThan(0.9);
    expect(covered).toBeLessThan(0.99);
    // the mean of the z-scores is N(0, 1/240): unbiased
    expect(Math.abs(z.reduce((a, b) => a + b, 0) / z.length)).toBeLessThan(4 / Math.sqrt(z.length));
    // the estimated variance of Q-hat is sigma^2 / M on average (sd of the ratio about sqrt(2/399/240))
    expect(Math.abs(varRatio / count - 1)).toBeLessThan(0.03);
  });

  it('bandit, TD(0) with sigma = 0.3 over many updates: the mean of Q-hat over updates is r', () => {
    const sigma = 0.3;
    const B = 4000;
    const pi = new Float64Array(bandit.N).fill(1 / bandit.N);
    const td = new TdLambdaEstimator(bandit, 0, 0, B, 0, 11, sigma);
    const sum = new Float64Array(bandit.N);
    const U = 20;
    for (let u = 1; u <= U; u++) {
      const out = td.estimate(u, pi);
      for (let j = 0; j < bandit.N; j++) sum[j] += out.Q[j];
    }
    // per pair: about B / N = 167 visits per update, 3333 over the updates: se ~ 0.3 / sqrt(3333) = 5.2e-3
    for (let j = 0; j < bandit.N; j++) expect(Math.abs(sum[j] / U - bandit.reward[j]), `action ${j}`).toBeLessThan(0.03);
  });

  it('a noisy sampled run: seeds differ, the same seed is bit-identical, sigma 0 is the noiseless run, the exact metrics are unchanged at row 0', () => {
    const opts = { tau: 0.05, eta: 1, estimator: 'monte-carlo', rollouts: 8, horizon: 1 };
    const quiet = runRows(bandit, 'npg', opts, 5, 2);
    const zero = runRows(bandit, 'npg', { ...opts, rewardStd: 0 }, 5, 2);
    expect(zero).toEqual(quiet.map((r, i) => ({ ...r, wallMs: zero[i].wallMs })));
    // noiseless bandit: the estimate is exact
    expect(quiet[5].estimatorRms as number).toBeLessThan(1e-12);
    const a = runRows(bandit, 'npg', { ...opts, rewardStd: 1 }, 5, 2);
    const b = runRows(bandit, 'npg', { ...opts, rewardStd: 1 }, 5, 2);
    const c = runRows(bandit, 'npg', { ...opts, rewardStd: 1 }, 5, 3);
    const strip = (rows: typeof a): unknown[] => rows.map(({ wallMs: _w, ...r }) => r);
    expect(strip(a)).toEqual(strip(b));
    expect(a[5].J).not.toBe(c[5].J);
    expect(a[5].estimatorRms as number).toBeGreaterThan(0.01);
    expect(a[0].J).toBe(quiet[0].J);
  });

  it('rewardStd with the exact estimator, or negative, is refused with its own message', () => {
    const r = parseMethodOptions('npg', { rewardStd: 0.5 });
    expect(r.ok ? [] : r.errors.map((e) => e.message)).toEqual([
      "npg: option 'rewardStd' (0.5) is noise on sampled rewards: it needs estimator 'monte-carlo' or 'td' (the exact evaluation reads the expected rewards)",
    ]);
    const neg = parseMethodOptions('npg', { estimator: 'monte-carlo', rollouts: 2, horizon: 1, rewardStd: -1 });
    expect(neg.ok).toBe(false);
    if (!neg.ok) expect(neg.errors[0].key).toBe('rewardStd');
  });
});
