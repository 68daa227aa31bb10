import { describe, expect, it } from 'vitest';
import { MethodInputError } from '../types';
import { JkoSinkhorn } from './jkoSinkhorn';
import { WassersteinFlow } from './wassersteinFlow';
import { bandit1d, randomMdp, specFor } from './testing';

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
