import { describe, expect, it } from 'vitest';
import {
  aggregateScores,
  bandIsZero,
  emaDebiased,
  type GroupableRun,
  groupRuns,
  iqm,
  mean,
  meanBand,
  median,
  normalisedScore,
  probabilityOfImprovement,
  probabilityOfImprovementCI,
  quantile,
  std,
  stderr,
  stratifiedBootstrap,
  summariseRun,
  varyingOptionKeys,
} from '../../src/shared/stats';

describe('descriptive statistics', () => {
  it('mean, sample std, stderr, median, quantile on hand-computed samples', () => {
    const x = [2, 4, 4, 4, 5, 5, 7, 9];
    expect(mean(x)).toBe(5);
    // sum of squares about 5 = 32, n - 1 = 7
    expect(std(x)).toBeCloseTo(Math.sqrt(32 / 7), 14);
    expect(stderr(x)).toBeCloseTo(Math.sqrt(32 / 7) / Math.sqrt(8), 14);
    expect(median(x)).toBe(4.5);
    expect(median([3, 1, 2])).toBe(2);
    // numpy.quantile([1,2,3,4], 0.25) = 1.75
    expect(quantile([4, 1, 3, 2], 0.25)).toBeCloseTo(1.75, 14);
  });

  it('IQM drops floor(n/4) from each end (scipy trim_mean(x, 0.25))', () => {
    expect(iqm([1, 2, 3, 4, 5, 6, 7, 8])).toBe(4.5); // 3,4,5,6
    expect(iqm([100, 1, 2, 3])).toBe(2.5); // 2,3
    expect(iqm([1, 2, 30])).toBe(11); // n < 4: the mean
    // an outlier far away moves the mean but not the IQM
    expect(iqm([1, 1, 1, 1, 1e9])).toBe(1);
  });
});

describe('debiased EMA', () => {
  it('equals the weighted average sum w^(k-i) x_i / sum w^(k-i) over the finite values', () => {
    const x = [3, null, 5, 1, 8, NaN, 2];
    const w = 0.7;
    const finite = [3, 5, 1, 8, 2];
    const direct = finite.map((_, k) => {
      let num = 0;
      let den = 0;
      for (let i = 0; i <= k; i++) {
        num += w ** (k - i) * finite[i];
        den += w ** (k - i);
      }
      return num / den;
    });
    const got = emaDebiased(x, w);
    expect(got[1]).toBeNull();
    expect(got[5]).toBeNull();
    const gotFinite = got.filter((v): v is number => v !== null);
    gotFinite.forEach((v, i) => expect(v).toBeCloseTo(direct[i], 12));
    expect(got[0]).toBe(3); // no pull towards 0 at the start
    expect(emaDebiased([1, 2, 3], 0)).toEqual([1, 2, 3]);
    expect(() => emaDebiased([1], 1)).toThrow(/\[0, 1\)/);
  });
});

describe('grouping and bands', () => {
  const runs: GroupableRun[] = [
    { id: 1, method: 'ot-trpo', mdpName: 'cliff', seed: 1, options: { eps: 0.1, eta: 1 } },
    { id: 2, method: 'ot-trpo', mdpName: 'cliff', seed: 2, options: { eps: 0.1, eta: 1 } },
    { id: 3, method: 'ot-trpo', mdpName: 'cliff', seed: 1, options: { eps: 0.2, eta: 1 } },
    { id: 4, method: 'kl-trpo', mdpName: 'cliff', seed: 1, options: { delta: 0.1 } },
  ];
  it('all-but-seed puts runs differing only in seed together; option and method keys', () => {
    expect(groupRuns(runs, 'all-but-seed').map((g) => g.runs.map((r) => r.id))).toEqual([[1, 2], [3], [4]]);
    expect(groupRuns(runs, 'method').map((g) => [g.key, g.runs.length])).toEqual([['ot-trpo', 3], ['kl-trpo', 1]]);
    expect(groupRuns(runs, 'option:eps').map((g) => g.key)).toEqual(['eps=0.1', 'eps=0.2', 'eps=(unset)']);
    expect(varyingOptionKeys(runs)).toEqual(['delta', 'eps', 'eta']);
  });

  it('all-but-seed keeps random-init runs apart from uniform-init ones (the seed only varies within)', () => {
    const mixed: GroupableRun[] = [
      { ...runs[0], init: 'uniform' },
      { ...runs[1], init: 'random' },
      { ...runs[0], id: 5, seed: 3, init: 'random' },
      { ...runs[0], id: 6, seed: 4 }, // not recorded: with the uniform ones, as before schema version 6
    ];
    const g = groupRuns(mixed, 'all-but-seed');
    expect(g.map((x) => x.runs.map((r) => r.id))).toEqual([[1, 6], [2, 5]]);
    expect(g[1].key).toMatch(/ init=random$/);
  });

  it('mean and std / stderr / min-max bands aligned on iterations', () => {
    const a = { x: [0, 1, 2], y: [1, 2, 3] };
    const b = { x: [0, 1, 2], y: [3, 4, null] };
    const s = meanBand([a, b], 'std');
    expect(s.x).toEqual([0, 1, 2]);
    expect(s.mean).toEqual([2, 3, 3]);
    expect(s.n).toEqual([2, 2, 1]);
    expect(s.hi[0] - s.mean[0]).toBeCloseTo(Math.SQRT2, 14); // std of {1,3}
    const e = meanBand([a, b], 'stderr');
    expect(e.hi[0] - e.mean[0]).toBeCloseTo(1, 14); // sqrt(2)/sqrt(2)
    const m = meanBand([a, b], 'minmax');
    expect([m.lo[1], m.hi[1]]).toEqual([2, 4]);
    expect(bandIsZero(m)).toBe(false);
    expect(bandIsZero(meanBand([a, a], 'std'))).toBe(true);
  });
});

describe('run summary', () => {
  it('final and best J / gap, iterations to a gap, violations', () => {
    const s = summariseRun(
      { iteration: [0, 1, 2, 3], J: [1, 3, 2, 2.5], gap: [2, 0.5, 0.05, 0.02], trustViolated: [null, 0, 1, true] },
      0.1,
    );
    expect(s).toEqual({ finalJ: 2.5, bestJ: 3, finalGap: 0.02, bestGap: 0.02, itersToGap: 2, timeToGapMs: null, violations: 2 });
  });
});

describe('scores and the stratified bootstrap', () => {
  it('normalised score is 0 at uniform and 1 at the optimum', () => {
    expect(normalisedScore(2, 2, 7)).toBe(0);
    expect(normalisedScore(7, 2, 7)).toBe(1);
    expect(normalisedScore(4.5, 2, 7)).toBe(0.5);
    expect(normalisedScore(3, 2, 2)).toBeNull();
  });

  it('intervals are reproducible for a seed, contain the estimate, and match the bootstrap variance of the mean', () => {
    const x = Array.from({ length: 40 }, (_, i) => Math.sin(i * 1.7) * 3 + i / 10);
    const a = stratifiedBootstrap([x], mean, { seed: 7, reps: 4000 });
    const b = stratifiedBootstrap([x], mean, { seed: 7, reps: 4000 });
    expect(a).toEqual(b);
    expect(a.estimate).toBeCloseTo(mean(x), 14);
    expect(a.lo).toBeLessThan(a.estimate);
    expect(a.hi).toBeGreaterThan(a.estimate);
    // the bootstrap distribution of the mean has variance (n-1)/n s^2/n; a normal 95% interval is ±1.96 of it
    const n = x.length;
    const sd = Math.sqrt(((n - 1) / n) * std(x) ** 2 / n);
    expect((a.hi - a.lo) / (2 * 1.96 * sd)).toBeGreaterThan(0.9);
    expect((a.hi - a.lo) / (2 * 1.96 * sd)).toBeLessThan(1.1);
    // a different seed gives a (slightly) different interval
    expect(stratifiedBootstrap([x], mean, { seed: 8, reps: 4000 })).not.toEqual(a);
  });

  it('stratified: runs are resampled within their task only', () => {
    // two tasks with constant scores: every resample keeps 3 zeros and 1 one, so the mean never moves
    const r = stratifiedBootstrap([[0, 0, 0], [1]], mean, { seed: 1, reps: 500 });
    expect(r).toEqual({ estimate: 0.25, lo: 0.25, hi: 0.25 });
  });

  it('aggregate scores flag identical runs as zero width', () => {
    const agg = aggregateScores([[0.9, 0.9, 0.9]], { seed: 3, reps: 200 });
    expect(agg.zeroWidth).toBe(true);
    expect(agg.iqm).toEqual({ estimate: 0.9, lo: 0.9, hi: 0.9 });
    expect(aggregateScores([[0.1, 0.5, 0.9, 0.4]], { seed: 3, reps: 200 }).zeroWidth).toBe(false);
  });

  it('probability of improvement by explicit pair counting, averaged over tasks', () => {
    // task 1: pairs (1,2) (2,2) (3,2) -> 0 + 0.5 + 1 = 1.5 of 3; task 2: 5 > 4 -> 1
    expect(probabilityOfImprovement([[1, 2, 3], [5]], [[2], [4]])).toBeCloseTo((0.5 + 1) / 2, 14);
    const ci = probabilityOfImprovementCI([[1, 2, 3, 4]], [[0, 1, 2, 3]], { seed: 5, reps: 1000 });
    // u=1 beats 0, ties 1 (1.5); u=2: 2.5; u=3: 3.5; u=4: 4 -> 11.5 of 16 pairs
    expect(ci.estimate).toBeCloseTo(11.5 / 16, 14);
    expect(ci.lo).toBeLessThanOrEqual(ci.estimate);
    expect(ci.hi).toBeGreaterThanOrEqual(ci.estimate);
  });
});
