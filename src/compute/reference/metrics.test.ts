import { describe, expect, it } from 'vitest';
import { DivergenceError } from '../types';
import { evaluatePolicy, uniformPolicy } from './evaluation';
import { fitLinearRate, MetricsRecorder } from './metrics';
import { solveOptimum } from './solvers';
import { randomMdp } from './testing';

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
