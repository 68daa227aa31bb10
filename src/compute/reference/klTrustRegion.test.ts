import { describe, expect, it } from 'vitest';
import type { TabularMdp } from '../../shared/mdp/types';
import type { RunSpec } from '../types';
import { KlTrustRegionIterator, klTrustRegionStep } from './klTrustRegion';
import { OtTrustRegionIterator } from './otTrustRegion';
import { randomMdp, testRandom } from './testing';
import { presetById } from '../presets';
import { compileMdp } from '../../shared/mdp/compile';

/** The Gymnasium CliffWalking-v0 preset (4 x 12), compiled. */
function cliffWalkingPreset(gamma: number): TabularMdp {
  const preset = presetById('cliffwalking');
  if (!preset) throw new Error('cliffwalking preset missing');
  const r = compileMdp(preset.build({ gamma }));
  if (!r.ok) throw new Error('cliffwalking did not compile');
  return r.mdp;
}

function run(it: { step(): { gap: number; J: number }; done: boolean }, n: number) {
  let m = it.step();
  for (let k = 0; k < n && !it.done; k++) m = it.step();
  return m;
}

describe('KL trust-region step', () => {
  it('hits KL = delta to 1e-8 and keeps exact zeros', () => {
    const r = testRandom(5);
    let worst = 0;
    for (let trial = 0; trial < 50; trial++) {
      const S = 1 + Math.floor(r() * 5);
      const N = 2 + Math.floor(r() * 8);
      const rho = new Float64Array(S).map(() => r() + 0.01);
      const z = rho.reduce((a, b) => a + b, 0);
      rho.forEach((v, i) => (rho[i] = v / z));
      const pi = new Float64Array(S * N);
      const A = new Float64Array(S * N);
      for (let s = 0; s < S; s++) {
        let t = 0;
        for (let j = 0; j < N; j++) {
          const p = j === 0 || r() < 0.7 ? r() + 0.01 : 0;
          pi[s * N + j] = p;
          t += p;
          A[s * N + j] = 10 * (r() - 0.5);
        }
        for (let j = 0; j < N; j++) pi[s * N + j] /= t;
      }
      const delta = [1e-4, 1e-2, 0.1][trial % 3];
      const outLog = new Float64Array(S * N);
      const res = klTrustRegionStep(S, N, rho, pi.map(Math.log), A, delta, outLog);
      const out = outLog.map(Math.exp);
      // independent KL
      let kl = 0;
      for (let s = 0; s < S; s++)
        for (let j = 0; j < N; j++) {
          const q = out[s * N + j];
          if (pi[s * N + j] === 0) expect(q).toBe(0);
          if (q > 0) kl += rho[s] * q * Math.log(q / pi[s * N + j]);
          expect(q).toBeGreaterThanOrEqual(0);
        }
      for (let s = 0; s < S; s++) {
        let m = 0;
        for (let j = 0; j < N; j++) m += out[s * N + j];
        expect(Math.abs(m - 1)).toBeLessThan(1e-12);
      }
      if (res.active) {
        worst = Math.max(worst, Math.abs(kl - delta));
        expect(Math.abs(kl - delta)).toBeLessThan(1e-8);
      } else expect(kl).toBeLessThanOrEqual(delta + 1e-12);
    }
    console.log(`KL step: worst |KL - delta| = ${worst.toExponential(2)}`);
  });
});

describe('KL trust-region step in log space', () => {
  it('an action whose probability underflowed to 0 keeps a finite log and regains mass when it is the best', () => {
    // one state: log pi = (0, -2000, log 1e-3 ...): pi(1) = 0 in f64; action 1 has the largest advantage
    const logPi = Float64Array.from([Math.log(1 - 1e-3), -2000, Math.log(1e-3)]);
    const A = Float64Array.from([0, 1, -1]);
    const out = new Float64Array(3);
    let l = logPi;
    const rho = Float64Array.from([1]);
    for (let k = 0; k < 40; k++) {
      klTrustRegionStep(1, 3, rho, l, A, 0.5, out);
      l = Float64Array.from(out);
    }
    expect(Number.isFinite(l[1])).toBe(true);
    expect(Math.exp(l[1])).toBeGreaterThan(0.5);
  });
});

describe('kl-trpo method', () => {
  const spec = (init: Float64Array | null, delta = 0.05): RunSpec => ({
    method: 'kl-trpo',
    options: { tau: 0, delta },
    init,
    seed: 1,
  });

  it('random MDP from uniform: average KL of each active step = delta (recorder, 1e-8), converges', () => {
    const mdp = randomMdp(10, 4, 7, { gamma: 0.9 });
    const it = new KlTrustRegionIterator(mdp, spec(null, 0.05));
    let m = it.step();
    let worst = 0;
    let active = 0;
    let minDJ = Infinity;
    for (let k = 0; k < 300 && !it.done; k++) {
      const J = m.J;
      m = it.step();
      minDJ = Math.min(minDJ, m.J - J);
      if (it.lastStep!.active) {
        active++;
        worst = Math.max(worst, Math.abs((m.kl as number) - 0.05));
      }
    }
    console.log(`kl-trpo random: ${active} active steps, worst |kl - delta| ${worst.toExponential(2)}, gap ${m.gap.toExponential(2)}, min dJ ${minDJ.toExponential(2)}`);
    expect(active).toBeGreaterThan(3);
    expect(worst).toBeLessThan(1e-8);
    expect(m.gap).toBeLessThan(1e-8);
  });

  it('CliffWalking from a deterministic suboptimal policy: KL-TRPO is stuck, OT-TRPO reaches the optimum', () => {
    const W = 12;
    const mdp = cliffWalkingPreset(0.9);
    // pi*: the optimum's greedy policy; pi = pi* except at (2, 0) (above the start) where it goes down
    // instead of right (paper 004: C(pi, pi*) = rho(s) c(down, right), KL infinite)
    const ot0 = new OtTrustRegionIterator(mdp, { method: 'ot-trpo', options: { tau: 0, eps: 0.1, tieTol: 1e-9 }, init: null, seed: 1 }, true);
    const pstar = ot0.optimum.policy;
    const s = 2 * W + 0;
    expect(pstar[s * 4 + 1]).toBe(1); // right is optimal there
    const init = Float64Array.from(pstar);
    init.fill(0, s * 4, s * 4 + 4);
    init[s * 4 + 2] = 1; // down
    const kl = new KlTrustRegionIterator(mdp, spec(init, 0.5), { optimum: ot0.optimum });
    const mk = run(kl, 100);
    const ot = new OtTrustRegionIterator(
      mdp,
      { method: 'ot-trpo', options: { tau: 0, eps: 0.1, tieTol: 1e-9 }, init, seed: 1 },
      true,
      { optimum: ot0.optimum },
    );
    let steps = 0;
    let mo = ot.step();
    const gap0 = mo.gap;
    while (!ot.done && steps < 500) {
      mo = ot.step();
      steps++;
      expect(mo.transportCost as number).toBeLessThanOrEqual(0.1 * (1 + 1e-12));
    }
    console.log(`CliffWalking preset 4x12: initial gap ${gap0.toFixed(4)}; kl-trpo gap after its run ${mk.gap.toFixed(4)}; ot-trpo gap ${mo.gap.toExponential(2)} after ${steps} updates`);
    expect(mk.gap).toBeGreaterThan(1);
    expect(Math.abs(mk.gap - gap0)).toBeLessThan(1e-12);
    expect(mo.gap).toBeLessThan(1e-9);
  });
});
