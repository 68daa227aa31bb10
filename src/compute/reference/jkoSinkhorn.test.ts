import { describe, expect, it } from 'vitest';
import { MethodInputError } from '../types';
import { JkoSinkhorn } from './jkoSinkhorn';
import { WassersteinFlow } from './wassersteinFlow';
import { bandit1d, randomMdp, specFor } from './testing';
import type { TabularMdp } from '../../shared/mdp/types';
import { compileMdp } from '../../shared/mdp/compile';
import { presetById } from '../presets';

describe('JKO-Sinkhorn method', () => {
  it('on an MDP: the gap falls to the entropic blur level; metrics carry transport cost, t and Sinkhorn counts', () => {
    const mdp = randomMdp(5, 6, 8, { gamma: 0.8 });
    const run = new JkoSinkhorn(mdp, specFor('jko-sinkhorn', { tau: 0.5, eta: 0.5, eps: 0.005, tol: 1e-11 }));
    let m = run.step();
    const gap0 = m.gap;
    expect(m.transportCost).toBeNull();
    for (let k = 0; k < 80; k++) m = run.step();
    const d = run.diagnostics();
    console.log(
      `JKO MDP: gap ${gap0.toExponential(2)} -> ${m.gap.toExponential(2)}, tv ${m.tv.toExponential(2)}, t ${m.t}, last cost ${m.transportCost!.toExponential(2)}, ` +
        `sinkhorn its ${d.sinkhornIterations} (max ${d.sinkhornMaxIterations}), unconverged steps ${d.stepsWithUnconvergedSinkhorn}`,
    );
    expect(m.t).toBeCloseTo(40, 12);
    expect(m.gap).toBeLessThan(gap0 * 1e-2);
    expect(m.tv).toBeLessThan(0.02);
    expect(d.stepsWithUnconvergedSinkhorn).toBe(0);
    expect(d.sinkhornMarginalError as number).toBeLessThan(1e-11);
    expect(m.transportCost!).toBeGreaterThanOrEqual(0);
  });

  it('for small eta (eps/eta fixed) the trajectory approaches the gradient flow of §2 (bandit, fine grid, same t)', () => {
    // Regime note: on a grid, moving mass to a neighbour costs h^2 per unit mass in W2, so with eps << h^2
    // and a small eta the discrete JKO step is pinned (it stops moving once the driving force falls below
    // ~h^2/eta). The comparison therefore uses a fine grid and a fixed eps/eta = 0.05.
    const tau = 0.5;
    const n = 48;
    const mdp = bandit1d((x) => -2 * (x - 0.3) ** 2, n, -1, 1);
    const T = 0.4;
    const flow = new WassersteinFlow(mdp, specFor('wasserstein-flow', { tau, dt: 2e-5 }));
    flow.step();
    while (flow.t < T - 1e-12) flow.step();
    const ref = flow.policy();
    let tv0 = 0;
    for (let j = 0; j < n; j++) tv0 += 0.5 * Math.abs(1 / n - ref[j]);
    const errs: number[] = [];
    for (const eta of [0.1, 0.025]) {
      const run = new JkoSinkhorn(mdp, specFor('jko-sinkhorn', { tau, eta, eps: eta * 0.05, tol: 1e-10, maxInner: 100000 }));
      for (let k = 0; k <= Math.round(T / eta); k++) run.step();
      const p = run.policy();
      let tv = 0;
      for (let j = 0; j < n; j++) tv += 0.5 * Math.abs(p[j] - ref[j]);
      errs.push(tv);
    }
    console.log(`JKO vs flow at t = ${T} (TV(uniform, flow) = ${tv0.toFixed(3)}): TV ${errs.map((e) => e.toExponential(2)).join(', ')} for eta = 0.1, 0.025`);
    expect(errs[1]).toBeLessThan(errs[0] * 0.6);
    expect(errs[1]).toBeLessThan(0.015);
    expect(errs[0]).toBeLessThan(0.1 * tv0);
  });

  it('rejects bad options', () => {
    const mdp = randomMdp(2, 3, 1);
    expect(() => new JkoSinkhorn(mdp, { ...specFor('jko-sinkhorn'), options: { ...specFor('jko-sinkhorn').options, eps: 0 } })).toThrow(
      MethodInputError,
    );
  });
});

/** A preset, compiled. */
function preset(id: string, params?: Record<string, number>): TabularMdp {
  const r = compileMdp(presetById(id)!.build(params));
  if (!r.ok) throw new Error(`${id} did not compile`);
  return r.mdp;
}

/** mean and variance of a policy row on the grid positions */
function moments(p: Float64Array, x: Float64Array): [number, number] {
  let m = 0;
  for (let j = 0; j < p.length; j++) m += p[j] * x[j];
  let v = 0;
  for (let j = 0; j < p.length; j++) v += p[j] * (x[j] - m) ** 2;
  return [m, v];
}

describe('JKO-Sinkhorn with derived eta and eps (issue 8)', () => {
  // With the old fixed defaults (eta 0.05, eps 0.01) FrozenLake 4x4 moved J by 1.2e-11 in 600 steps and
  // CliffWalking ended at gap 2.05.
  for (const id of ['frozenlake-4x4', 'cliffwalking']) {
    it(`${id} (preset gamma, tau 0.1, eta and eps absent): the first step moves mass and 100 steps cut the gap by >= 100x`, () => {
      const mdp = preset(id);
      const run = new JkoSinkhorn(mdp, specFor('jko-sinkhorn', { tau: 0.1 }));
      const m0 = run.step();
      run.step();
      const first = run.diagnostics().massMovedLast as number;
      let m = m0;
      for (let k = 1; k < 100; k++) m = run.step();
      const d = run.diagnostics();
      console.log(
        `JKO ${id}: derived eta ${(d.eta as number).toPrecision(4)}, eps ${(d.eps as number).toPrecision(4)} (cmax ${d.costMax}, cmin ${d.costMin}, Q spread ${(d.qSpread as number).toPrecision(4)}); ` +
          `mass moved: first step ${first.toExponential(2)}, mean ${(d.massMovedMean as number).toExponential(2)}, last ${(d.massMovedLast as number).toExponential(2)}; ` +
          `gap ${m0.gap.toExponential(3)} -> ${m.gap.toExponential(3)} (x${(m0.gap / m.gap).toExponential(2)}), blur: temperature +${(d.blurTemperature as number).toExponential(2)}, est. TV ${(d.blurTv as number).toExponential(2)}`,
      );
      expect(d.etaDerived).toBe(true);
      expect(d.epsDerived).toBe(true);
      expect(first).toBeGreaterThan(1e-3);
      expect(m.gap).toBeLessThan(m0.gap / 100);
      expect(d.stepsWithUnconvergedSinkhorn).toBe(0);
      expect(d.blurRelative).toBeCloseTo(0.01, 12);
    });
  }

  it('quadratic bandit (tau 0.05): the stationary variance error is the reported blur, at the derived and at the old defaults', () => {
    const mdp = preset('bandit-quadratic');
    const tau = 0.05;
    const x = mdp.positions!;
    // exact Gibbs state on the grid and at the raised temperature tau + eps/(4 eta)
    const gibbs = (T: number): Float64Array => {
      const w = Float64Array.from(mdp.reward, (r) => Math.exp(r / T));
      const z = w.reduce((a, b) => a + b, 0);
      return w.map((v) => v / z);
    };
    const [, varStar] = moments(gibbs(tau), x);
    for (const [label, options, steps] of [
      ['derived', { tau }, 100],
      ['old defaults eta 0.05, eps 0.01', { tau, eta: 0.05, eps: 0.01 }, 600],
    ] as const) {
      const run = new JkoSinkhorn(mdp, specFor('jko-sinkhorn', options));
      for (let k = 0; k <= steps; k++) run.step();
      const d = run.diagnostics();
      const p = run.policy();
      const [, v] = moments(p, x);
      const pStar = gibbs(tau);
      let tv = 0;
      for (let j = 0; j < p.length; j++) tv += 0.5 * Math.abs(p[j] - pStar[j]);
      const [, vBlur] = moments(gibbs(tau + (d.blurTemperature as number)), x);
      console.log(
        `JKO quadratic bandit, ${label} (eta ${(d.eta as number).toPrecision(4)}, eps ${(d.eps as number).toPrecision(4)}): stationary variance ${v.toFixed(5)} vs Gibbs ${varStar.toFixed(5)} ` +
          `(error ${(((v - varStar) / varStar) * 100).toFixed(2)}%; predicted by the blur temperature: ${vBlur.toFixed(5)}); TV to Gibbs ${tv.toExponential(3)}, reported blurTv ${(d.blurTv as number).toExponential(3)}; last mass moved ${(d.massMovedLast as number).toExponential(1)}`,
      );
      // the run is stationary, its error is what the diagnostics predict
      expect(d.massMovedLast as number).toBeLessThan(1e-6);
      expect(Math.abs(tv - (d.blurTv as number))).toBeLessThan(0.25 * (d.blurTv as number));
      expect(Math.abs(v - vBlur)).toBeLessThan(0.1 * Math.abs(vBlur - varStar) + 1e-6);
      if (label === 'derived') expect(Math.abs(v - varStar) / varStar).toBeLessThan(0.02);
      else expect(v / varStar).toBeGreaterThan(1.8);
    }
  });
});
