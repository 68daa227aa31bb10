import { describe, expect, it } from 'vitest';
import { DivergenceError } from '../types';
import { evaluatePolicy, uniformPolicy } from './evaluation';
import { fitGapRate, fitLinearRate, gapFloor, MetricsRecorder, type RateFit } from './metrics';
import { solveOptimum } from './solvers';
import { randomMdp, specFor } from './testing';
import { WassersteinFlow } from './wassersteinFlow';
import { compileMdp } from '../../shared/mdp/compile';
import { presetById } from '../presets';

describe('MetricsRecorder', () => {
  const mdp = randomMdp(12, 4, 5, { gamma: 0.85, terminate: 0.1 });
  const tau = 0.3;
  const opt = solveOptimum(mdp, 0.85, tau);
  let clock = 100;
  const rec = () => new MetricsRecorder(mdp, 0.85, tau, opt, 100, () => (clock += 5));

  it('Jplain equals the tau = 0 objective of the same policy (with terminated mass), gap/tv vanish at pi*', () => {
    const r = rec();
    const pi = uniformPolicy(mdp);
    const ev = evaluatePolicy(mdp, pi, 0.85, tau, null, 1e-12, { occupancy: true });
    const m = r.record(0, pi, null, ev);
    const plain = evaluatePolicy(mdp, pi, 0.85, 0);
    const Jplain = plain.V.reduce((a, v, s) => a + mdp.rho0[s] * v, 0);
    expect(Math.abs(m.Jplain - Jplain)).toBeLessThan(1e-12);
    expect(m.entropy).toBeCloseTo(Math.log(4), 13);
    expect(m.gap).toBeGreaterThan(0);
    expect(m.kl).toBeNull();
    expect(m.transportCost).toBeNull();
    expect(m.wallMs).toBe(5);
    const evs = evaluatePolicy(mdp, opt.policy, 0.85, tau, null, 1e-12, { occupancy: true });
    const ms = r.record(1, opt.policy, pi, evs, { t: 1.5, transportCost: 0.2 });
    expect(Math.abs(ms.gap)).toBeLessThan(1e-12);
    expect(ms.tv).toBeLessThan(1e-15);
    expect(ms.t).toBe(1.5);
    expect(ms.transportCost).toBe(0.2);
    // kl(new || old) under d^old (old = uniform): computed by hand
    const dOld = ev.d!;
    let kl = 0;
    for (let s = 0; s < 12; s++) for (let j = 0; j < 4; j++) {
      const p = opt.policy[s * 4 + j];
      kl += dOld[s] * p * Math.log(p / 0.25);
    }
    expect(Math.abs(ms.kl! - kl)).toBeLessThan(1e-13);
  });

  it('kl is +Infinity when the new policy puts mass where the old had none (not a divergence)', () => {
    const r = rec();
    const old = new Float64Array(48);
    for (let s = 0; s < 12; s++) old[s * 4] = 1;
    const pi = uniformPolicy(mdp);
    const m = r.record(3, pi, old, evaluatePolicy(mdp, pi, 0.85, tau));
    expect(m.kl).toBe(Infinity);
  });

  it('throws DivergenceError naming iteration and quantity on NaN, negative mass, lost mass, blow-up', () => {
    const r = rec();
    const good = uniformPolicy(mdp);
    const ev = evaluatePolicy(mdp, good, 0.85, tau);
    const nan = Float64Array.from(good);
    nan[5] = NaN;
    const neg = Float64Array.from(good);
    neg[0] = -1e-9;
    neg[1] += 1e-9;
    const lost = Float64Array.from(good);
    lost[0] -= 1e-6;
    const cases: [Float64Array, RegExp][] = [
      [nan, /policy is NaN at state 1/],
      [neg, /negative mass/],
      [lost, /sums to/],
    ];
    for (const [p, msg] of cases) {
      expect(() => r.record(7, p, null, ev)).toThrow(DivergenceError);
      expect(() => r.record(7, p, null, ev)).toThrow(msg);
    }
    const big = { ...ev, V: ev.V.map((v) => v * 1e13) };
    try {
      r.record(9, good, null, big);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DivergenceError);
      expect((e as DivergenceError).iteration).toBe(9);
      expect((e as DivergenceError).quantity).toBe('J');
    }
    const nanV = { ...ev, V: ev.V.map((v, s) => (s === 3 ? NaN : v)) };
    expect(() => r.record(2, good, null, nanV)).toThrow(/iteration 2: V is NaN at index 3/);
  });
});

describe('fitLinearRate', () => {
  it('recovers the rate of an exact exponential and stops at the round-off floor', () => {
    const xs = Array.from({ length: 200 }, (_, i) => i * 0.5);
    const gaps = xs.map((x) => Math.max(3 * Math.exp(-0.7 * x), 1e-16));
    const fit = fitLinearRate(xs, gaps)!;
    expect(fit.rate).toBeCloseTo(0.7, 10);
    expect(fit.r2).toBeGreaterThan(1 - 1e-12);
    // gap 3 e^{-0.7 x} falls below the floor 3e-11 at x ~ 36.2
    expect(fit.range[1]).toBeLessThan(36.5);
    expect(fit.range[1]).toBeGreaterThan(35.5);
    expect(fitLinearRate([0, 1], [1, 0.5])).toBeNull();
  });
});

describe('fitGapRate: the steady part of the decay', () => {
  it('leaves out a transient at a different rate and the round-off floor', () => {
    // gap = e^{-3x} + e^{-1.2x}: fast transient, then steady rate 1.2; round-off noise of 1e-16 below
    const xs = Array.from({ length: 120 }, (_, i) => i * 0.25);
    const noise = (i: number) => 1e-16 * Math.sin(7.3 * i);
    const gaps = xs.map((x, i) => Math.exp(-3 * x) + Math.exp(-1.2 * x) + noise(i));
    const fit = fitGapRate(xs, gaps) as RateFit;
    expect(fit.rate).not.toBeNull();
    console.log(`synthetic: rate ${fit.rate.toFixed(5)} on x in [${fit.range[0]}, ${fit.range[1]}], floor ${fit.floor.toExponential(1)}, r2 ${fit.r2}`);
    expect(Math.abs(fit.rate - 1.2) / 1.2).toBeLessThan(0.01);
    // e^{-1.8x} < 2% of the steady term from x ~ 2.2 on: the window starts after the transient
    expect(fit.range[0]).toBeGreaterThan(1.5);
    // and stops above the noise: the floor was raised from the non-positive tail
    expect(fit.floor).toBeGreaterThan(1e-15);
    expect(Math.min(...gaps.slice(fit.indices[0], fit.indices[1] + 1))).toBeGreaterThan(fit.floor);
    // the fitted line passes through the data in its window
    const mid = Math.floor((fit.indices[0] + fit.indices[1]) / 2);
    const line = fit.gapAtStart * Math.exp(-fit.rate * (xs[mid] - fit.range[0]));
    expect(Math.abs(Math.log(line / gaps[mid]))).toBeLessThan(0.01);
  });

  it('says "no fit" with a reason when the gap does not decay, instead of a rate such as 1e-20', () => {
    const xs = Array.from({ length: 400 }, (_, i) => i);
    const flat = xs.map(() => 9.0e-3);
    const f1 = fitGapRate(xs, flat);
    expect(f1.rate).toBeNull();
    expect((f1 as { reason: string }).reason).toMatch(/does not decay/);
    // decays by less than 100x to a plateau: no fit
    const stall = xs.map((x) => 0.02 + Math.exp(-0.5 * x));
    const f2 = fitGapRate(xs, stall);
    expect(f2.rate).toBeNull();
    // at round-off from the start
    const f3 = fitGapRate(xs, xs.map(() => 1e-17));
    expect(f3.rate).toBeNull();
    expect((f3 as { reason: string }).reason).toMatch(/round-off/);
    expect(fitLinearRate(xs, flat)).toBeNull();
  });

  it('a decay that levels off at a plateau above round-off: fitted down to 100x the plateau, which is reported', () => {
    // e.g. JKO's entropic blur, or a stalled run: gap = 1e-5 + e^{-0.5 x}
    const xs = Array.from({ length: 400 }, (_, i) => i * 0.1);
    const gaps = xs.map((x) => 1e-5 + Math.exp(-0.5 * x));
    const fit = fitGapRate(xs, gaps) as RateFit;
    expect(Math.abs((fit.plateau as number) - 1e-5) / 1e-5).toBeLessThan(0.05);
    expect(fit.floor).toBeCloseTo(100 * (fit.plateau as number), 12);
    // the fitted part lies above 100x the plateau, where the plateau biases the rate by < 1%
    expect(Math.abs(fit.rate - 0.5) / 0.5).toBeLessThan(0.01);
    expect(gaps[fit.indices[1]]).toBeGreaterThan(fit.floor);
  });

  it('gapFloor: a flat small tail or non-positive gaps raise the floor to 100x their level', () => {
    // (the default floor is 1e-11 max(1, max gap); f32 traces end on plateaus far above it)
    const g = [1, 1e-2, 1e-4, 1e-6, 1e-8, 3e-9, 2e-9, 4e-9, 3e-9, 2e-9];
    expect(gapFloor(g)).toBeCloseTo(4e-7, 18);
    expect(gapFloor([1, 1e-4, 1e-8, -2e-10, 1e-10, 3e-10])).toBeCloseTo(3e-8, 18);
    expect(gapFloor(g, 1e-3)).toBe(1e-3);
    // a plateau far above round-off is not round-off
    expect(gapFloor([1, 0.1, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01])).toBe(1e-11);
  });

  it('FrozenLake 4x4 flow (gamma 0.99, tau 1): the fitted rate is within 5% of the steady rate from late successive ratios', () => {
    const r = compileMdp(presetById('frozenlake-4x4')!.build({ gamma: 0.99 }));
    if (!r.ok) throw new Error('frozenlake-4x4 did not compile');
    for (const cfl of [0.9, 0.1]) {
      const flow = new WassersteinFlow(r.mdp, specFor('wasserstein-flow', { tau: 1, cfl }));
      const t: number[] = [];
      const gap: number[] = [];
      for (let k = 0; k < 400 && !flow.done; k++) {
        const m = flow.step();
        t.push(m.t as number);
        gap.push(m.gap);
      }
      const d = flow.diagnostics();
      // independent steady rate: median of -log(g_{k+1}/g_k)/(t_{k+1}-t_k) over gaps in [1e-12, 1e-6]
      // (past the transient, far above the 1e-16 round-off of J ~ 1e-2)
      const local: number[] = [];
      for (let k = 0; k + 1 < gap.length; k++) {
        if (gap[k + 1] >= 1e-12 && gap[k + 1] <= 1e-6 && gap[k] > 0) local.push(-Math.log(gap[k + 1] / gap[k]) / (t[k + 1] - t[k]));
      }
      local.sort((a, b) => a - b);
      const steady = local[Math.floor(local.length / 2)];
      const all = fitGapRate(t, gap, { steadyTol: Infinity }) as RateFit;
      console.log(
        `FrozenLake flow cfl ${cfl}: fitted ${(d.gapRate as number).toFixed(4)} ${d.gapRateUnit} on t in [${(d.gapRateFrom as number).toFixed(2)}, ${(d.gapRateTo as number).toFixed(2)}] ` +
          `(r2 ${(d.gapRateR2 as number).toFixed(6)}); steady rate from ${local.length} late ratios ${steady.toFixed(4)}; whole above-floor range ${all.rate.toFixed(4)}`,
      );
      expect(d.gapRateUnit).toBe('per unit t');
      expect(d.gapRateNoFit).toBeNull();
      expect(local.length).toBeGreaterThanOrEqual(3);
      expect(Math.abs((d.gapRate as number) - steady) / steady).toBeLessThan(0.05);
    }
  });
});
