import { describe, expect, it } from 'vitest';
import {
  latexEscape,
  latexScoreTable,
  performanceProfile,
  performanceProfileCI,
  profileReport,
  profileTaus,
  scoreReport,
  summariseRun,
  type ScoredRun,
} from '../../src/shared/stats';

describe('time to reach a gap', () => {
  it('the first row with gap <= target gives both the iteration and its wall time', () => {
    const t = { iteration: [0, 5, 10, 15, 20], J: [0, 1, 2, 3, 4], gap: [1, 0.3, 0.09, 0.2, 0.01], wallMs: [0, 12.5, 30, 41, 55] };
    // 0.09 at iteration 10 is the first value <= 0.1 (the later rise to 0.2 does not undo it)
    expect(summariseRun(t, 0.1)).toMatchObject({ itersToGap: 10, timeToGapMs: 30 });
    expect(summariseRun(t, 0.01)).toMatchObject({ itersToGap: 20, timeToGapMs: 55 });
    expect(summariseRun(t, 0.001)).toMatchObject({ itersToGap: null, timeToGapMs: null });
    // no wall time recorded at that row: the iteration is still known
    expect(summariseRun({ ...t, wallMs: [0, 1, null, 3, 4] }, 0.1)).toMatchObject({ itersToGap: 10, timeToGapMs: null });
  });
});

describe('performance profiles', () => {
  it('fraction of runs with score >= tau, by hand', () => {
    const scores = [0.2, 0.5, 0.5, 0.9, 1];
    // tau 0: all 5; 0.5: 0.5, 0.5, 0.9, 1 = 4; 0.6: 2; 0.95: 1; 1: 1; 1.01: 0
    expect(performanceProfile(scores, [0, 0.5, 0.6, 0.95, 1, 1.01])).toEqual([1, 0.8, 0.4, 0.2, 0.2, 0]);
    expect(performanceProfile([], [0, 1]).every(Number.isNaN)).toBe(true);
    expect(profileTaus(0, 1, 4)).toEqual([0, 0.25, 0.5, 0.75, 1]);
  });

  it('the bootstrap interval holds the estimate, is degenerate for identical scores, and is seeded', () => {
    const strata = [
      [0.1, 0.4, 0.8],
      [0.6, 0.9],
    ];
    const taus = [0, 0.5, 0.85, 2];
    const p = performanceProfileCI(strata, taus, { reps: 500, seed: 3 });
    expect(p.map((x) => x.fraction.estimate)).toEqual([1, 0.6, 0.2, 0]);
    for (const x of p) expect(x.fraction.lo <= x.fraction.estimate && x.fraction.estimate <= x.fraction.hi).toBe(true);
    // every resample keeps all runs at tau 0 and none at tau 2
    expect(p[0].fraction).toEqual({ estimate: 1, lo: 1, hi: 1 });
    expect(p[3].fraction).toEqual({ estimate: 0, lo: 0, hi: 0 });
    // one stratum of two runs {0.6, 0.9} resampled: the fraction >= 0.85 of that stratum's draws is 0, 1/2 or 1;
    // pooled with three runs of which one is >= 0.85 the pooled fraction lies in [1/5, 3/5]
    expect(p[2].fraction.lo).toBeGreaterThanOrEqual(0);
    expect(p[2].fraction.hi).toBeLessThanOrEqual(0.6);
    expect(performanceProfileCI(strata, taus, { reps: 500, seed: 3 })).toEqual(p);
    const same = performanceProfileCI([[0.7, 0.7, 0.7]], [0.5, 0.7, 0.8], { reps: 200 });
    expect(same.map((x) => [x.fraction.lo, x.fraction.hi])).toEqual([
      [1, 1],
      [1, 1],
      [0, 0],
    ]);
  });

  it('per group, stratified by MDP', () => {
    const run = (id: number, method: string, mdpName: string, score: number): ScoredRun => ({ id, method, mdpName, seed: id, options: {}, score });
    const runs = [run(1, 'a', 'm1', 0.9), run(2, 'a', 'm2', 0.3), run(3, 'b', 'm1', 0.5), run(4, 'b', 'm1', 0.7)];
    const r = profileReport(runs, 'method', [0.4, 0.8], { reps: 100 });
    expect(r.map((g) => g.key)).toEqual(['a', 'b']);
    expect(r[0].points.map((p) => p.fraction.estimate)).toEqual([0.5, 0.5]);
    expect(r[1].points.map((p) => p.fraction.estimate)).toEqual([1, 0]);
  });
});

describe('LaTeX table', () => {
  it('escapes the special characters', () => {
    expect(latexEscape('a_b & 50% #1 {x} $y ~ ^ \\')).toBe('a\\_b \\& 50\\% \\#1 \\{x\\} \\$y \\textasciitilde{} \\textasciicircum{} \\textbackslash{}');
  });

  it('booktabs rows with estimate and interval, the version and config hashes in comments', () => {
    const run = (id: number, method: string, score: number): ScoredRun => ({ id, method, mdpName: 'm', seed: id, options: {}, score });
    const report = scoreReport([run(1, 'ot_trpo', 0.5), run(2, 'ot_trpo', 0.75), run(3, 'kl', 1)], 'method', { reps: 200, seed: 0 });
    const tex = latexScoreTable(report, { appVersion: '9.9.9', configHashes: [{ runId: 1, configHash: 'abc' }], reps: 200, seed: 0 });
    expect(tex).toContain('% made by Wasserstein Workbench 9.9.9');
    expect(tex).toContain('% run 1 config abc');
    expect(tex).toMatch(/\\toprule\nGroup & Runs & MDPs & Mean & Median & IQM \\\\\n\\midrule/);
    expect(tex).toContain('\\bottomrule');
    // ot_trpo: two runs, mean 0.625; the interval's ends are means of resampled pairs: 0.5, 0.625 or 0.75
    const row = tex.split('\n').find((l) => l.startsWith('ot\\_trpo'))!;
    expect(row).toMatch(/^ot\\_trpo & 2 & 1 & 0\.625 \{\\small\[0\.(500|625), 0\.(625|750)\]\} & /);
    // a single run: a zero-width interval
    expect(tex).toContain('kl & 1 & 1 & 1.000 {\\small[1.000, 1.000]} & 1.000 {\\small[1.000, 1.000]} & 1.000 {\\small[1.000, 1.000]} \\\\');
    expect(tex).toContain('200 resamples, seed 0');
  });
});
