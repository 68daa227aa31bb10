import { describe, expect, it } from 'vitest';
import type { RunSpec } from '../types';
import { evaluatePolicy, occupancyWithMass, policyObjective } from './evaluation';
import { SoftmaxPgIterator, softmaxGradient } from './softmaxPg';
import { randomMdp } from './testing';

const spec = (eta: number, tau: number): RunSpec => ({ method: 'softmax-pg', options: { tau, eta }, init: null, seed: 1 });

describe('softmax-pg', () => {
  it('the exact gradient equals central finite differences of J in the logits (tau = 0 and 0.2, with termination)', () => {
    const mdp = randomMdp(5, 3, 4, { gamma: 0.8, terminate: 0.1 });
    for (const tau of [0, 0.2]) {
      const theta = Float64Array.from({ length: 15 }, (_, i) => Math.sin(i * 1.3));
      const pol = (th: Float64Array) => {
        const p = new Float64Array(15);
        for (let s = 0; s < 5; s++) {
          let z = 0;
          for (let j = 0; j < 3; j++) z += Math.exp(th[s * 3 + j]);
          for (let j = 0; j < 3; j++) p[s * 3 + j] = Math.exp(th[s * 3 + j]) / z;
        }
        return p;
      };
      const J = (th: Float64Array) => policyObjective(mdp, evaluatePolicy(mdp, pol(th), 0.8, tau).V);
      const p = pol(theta);
      const ev = evaluatePolicy(mdp, p, 0.8, tau);
      const { d, mass } = occupancyWithMass(mdp, p, 0.8);
      const dRaw = d.map((v) => v * mass);
      const g = new Float64Array(15);
      softmaxGradient(5, 3, p, ev.Q, ev.V, dRaw, mdp.mu, 0.8, tau, g);
      let worst = 0;
      for (let i = 0; i < 15; i++) {
        const h = 1e-5;
        const tp = Float64Array.from(theta);
        const tm = Float64Array.from(theta);
        tp[i] += h;
        tm[i] -= h;
        worst = Math.max(worst, Math.abs((J(tp) - J(tm)) / (2 * h) - g[i]));
      }
      console.log(`softmax gradient vs FD (tau ${tau}): max error ${worst.toExponential(2)}`);
      expect(worst).toBeLessThan(1e-8);
    }
  });

  it('converges: tau = 0 monotone and gap -> 0 (sublinear); tau = 0.1 to the soft optimum', () => {
    const mdp = randomMdp(8, 3, 2, { gamma: 0.8 });
    const it0 = new SoftmaxPgIterator(mdp, spec(1, 0));
    let m = it0.step();
    let minDJ = Infinity;
    let gap300 = 0;
    for (let k = 1; k <= 3000; k++) {
      const J = m.J;
      m = it0.step();
      minDJ = Math.min(minDJ, m.J - J);
      if (k % 100 === 0) {
        const pi = it0.policy();
        for (let s = 0; s < 8; s++) {
          let t = 0;
          for (let j = 0; j < 3; j++) {
            expect(pi[s * 3 + j]).toBeGreaterThanOrEqual(0);
            t += pi[s * 3 + j];
          }
          expect(Math.abs(t - 1)).toBeLessThan(1e-12);
        }
      }
      if (k === 300) gap300 = m.gap;
    }
    console.log(`softmax-pg tau=0: gap ${gap300.toExponential(2)} after 300, ${m.gap.toExponential(2)} after 3000 (O(1/t)), min dJ ${minDJ.toExponential(2)}`);
    expect(minDJ).toBeGreaterThan(-1e-12);
    expect(m.gap).toBeLessThan(gap300 / 5);
    expect(m.gap).toBeLessThan(5e-3);
    const it1 = new SoftmaxPgIterator(mdp, spec(5, 0.1));
    let m1 = it1.step();
    let gap3000 = 0;
    for (let k = 1; k <= 6000 && !it1.done; k++) {
      m1 = it1.step();
      if (k === 3000) gap3000 = m1.gap;
    }
    console.log(`softmax-pg tau=0.1, eta 5, 6000 its: gap ${m1.gap.toExponential(2)} (${gap3000.toExponential(2)} at 3000), tv ${m1.tv.toExponential(2)}, fitted factor ${Math.exp(-(it1.diagnostics().gapRate as number)).toFixed(5)}`);
    expect(m1.gap).toBeGreaterThanOrEqual(-1e-12);
    expect(m1.gap).toBeLessThan(1e-4);
    expect(m1.gap).toBeLessThan(gap3000 / 1.5);
  });
});
