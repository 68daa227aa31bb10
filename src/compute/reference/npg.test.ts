import { describe, expect, it } from 'vitest';
import { MethodInputError, type RunSpec } from '../types';
import { NpgIterator, npgUpdate } from './npg';
import { chainMdp, randomMdp } from './testing';
import type { TabularMdp } from '../../shared/mdp/types';
import { compileMdp } from '../../shared/mdp/compile';
import { presetById } from '../presets';

const spec = (eta: number, tau: number, gamma?: number): RunSpec => ({ method: 'npg', options: gamma === undefined ? { tau, eta } : { tau, gamma, eta }, init: null, seed: 1 });

/** max |row sum - 1|; throws on a negative entry */
function rowMassError(pi: Float64Array, S: number, N: number): number {
  let worst = 0;
  for (let s = 0; s < S; s++) {
    let t = 0;
    for (let j = 0; j < N; j++) {
      if (!(pi[s * N + j] >= 0)) throw new Error(`negative or NaN mass at (${s}, ${j})`);
      t += pi[s * N + j];
    }
    worst = Math.max(worst, Math.abs(t - 1));
  }
  return worst;
}

describe('npg', () => {
  it('rejects alpha outside (0, 1] and tau = 0', () => {
    const mdp = chainMdp(4, 0.9);
    expect(() => new NpgIterator(mdp, spec(2, 0.1))).toThrow(MethodInputError); // alpha = 2
    expect(() => new NpgIterator(mdp, spec(1, 0))).toThrow(MethodInputError);
  });

  for (const [eta, label] of [
    [0.5, 'alpha = 0.5'],
    [0.2, 'alpha = 0.2'],
    [1, 'alpha = 1 (soft PI)'],
  ] as const) {
    it(`measured linear rate <= 1 - eta tau and convergence to the soft optimum (${label})`, () => {
      const mdp = randomMdp(15, 4, 11, { gamma: 0.9 });
      const tau = 0.1;
      const it = new NpgIterator(mdp, spec(eta, tau));
      let m = it.step();
      let massErr = 0;
      for (let k = 0; k < 600 && !it.done; k++) {
        m = it.step();
        massErr = Math.max(massErr, rowMassError(it.policy(), mdp.S, mdp.N));
      }
      expect(massErr).toBeLessThan(1e-12);
      const d = it.diagnostics();
      console.log(
        `npg ${label}: gap ${m.gap.toExponential(2)}, tv ${m.tv.toExponential(2)}, measured factor ${(d.measuredFactor as number).toFixed(4)} ` +
          `(fit over iterations ${d.gapRateFrom}..${d.gapRateTo}, r2 ${(d.gapRateR2 as number).toFixed(4)}), bound ${(d.rateBound as number).toFixed(4)}`,
      );
      expect(Math.abs(m.gap)).toBeLessThan(1e-10);
      expect(m.tv).toBeLessThan(1e-8);
      expect(d.measuredFactor as number).toBeLessThanOrEqual((1 - eta * tau) + 0.01);
    });
  }
});

/** A preset, compiled. */
function preset(id: string, params?: Record<string, number>): TabularMdp {
  const p = presetById(id);
  if (!p) throw new Error(`preset ${id} missing`);
  const r = compileMdp(p.build(params));
  if (!r.ok) throw new Error(`${id} did not compile`);
  return r.mdp;
}

describe('npg in log space on the Gymnasium presets (issue 8: no probability stuck at 0)', () => {
  // With probabilities as the state these stalled: CliffWalking at gap 1.1e-6 with state 22 at
  // (0, 1, 0, 0) instead of (0, .5, .5, 0); tau = 1, eta = 0.01 at gap 9.0e-3 (factor 1.000 > bound 0.99);
  // Taxi at gap 4.6e-8.
  const cases = [
    { name: 'CliffWalking, gamma 0.99, tau 0.1, eta 0.05 (alpha 0.5)', id: 'cliffwalking', params: { gamma: 0.99 }, tau: 0.1, eta: 0.05 },
    { name: 'CliffWalking, gamma 0.99, tau 1, eta 0.01 (alpha 1)', id: 'cliffwalking', params: { gamma: 0.99 }, tau: 1, eta: 0.01 },
    { name: "Taxi, the preset's gamma (0.99), tau 0.1, eta 0.05", id: 'taxi', params: undefined, tau: 0.1, eta: 0.05 },
  ];
  for (const c of cases) {
    it(`${c.name}: gap < 1e-10 and the fitted per-iteration factor within 1 - eta tau`, () => {
      const mdp = preset(c.id, c.params);
      const it = new NpgIterator(mdp, { method: 'npg', options: { tau: c.tau, eta: c.eta }, init: null, seed: 1 });
      let m = it.step();
      for (let k = 0; k < 2000 && !it.done; k++) m = it.step();
      const d = it.diagnostics();
      // the policy itself: TV to the soft optimum under d*, and the largest entry error
      const pi = it.policy();
      let worst = 0;
      for (let i = 0; i < pi.length; i++) worst = Math.max(worst, Math.abs(pi[i] - it.optimum.policy[i]));
      console.log(
        `npg ${c.name}: ${m.iteration} iterations, gap ${m.gap.toExponential(2)}, tv ${m.tv.toExponential(2)}, max |pi - pi*| ${worst.toExponential(2)}, ` +
          `fitted factor ${(d.measuredFactor as number).toFixed(4)} on iterations ${d.gapRateFrom}..${d.gapRateTo} (r2 ${(d.gapRateR2 as number).toFixed(4)}), bound ${(d.rateBound as number).toFixed(4)}`,
      );
      expect(it.done).toBe(true);
      expect(Math.abs(m.gap)).toBeLessThan(1e-10);
      expect(worst).toBeLessThan(1e-8);
      expect(d.rateBound).toBeCloseTo(1 - c.eta * c.tau, 14);
      expect(typeof d.measuredFactor).toBe('number');
      expect(d.measuredFactor as number).toBeLessThanOrEqual(d.rateBound as number);
      expect(d.withinRateBound).toBe(true);
      expect(d.gapRateUnit).toBe('per iteration');
    });
  }

  it('CliffWalking state 22 (row 1, col 10) reaches the soft optimum (0, .5, .5, 0)', () => {
    const mdp = preset('cliffwalking', { gamma: 0.99 });
    const it = new NpgIterator(mdp, { method: 'npg', options: { tau: 0.1, eta: 0.05 }, init: null, seed: 1 });
    for (let k = 0; k < 2000 && !it.done; k++) it.step();
    const row = Array.from(it.policy().subarray(22 * 4, 23 * 4));
    const opt = Array.from(it.optimum.policy.subarray(22 * 4, 23 * 4));
    console.log(`npg CliffWalking state 22: pi ${row.map((p) => p.toFixed(6)).join(', ')}; pi* ${opt.map((p) => p.toFixed(6)).join(', ')}`);
    expect(opt[1]).toBeGreaterThan(0.4);
    expect(opt[2]).toBeGreaterThan(0.4);
    for (let j = 0; j < 4; j++) expect(Math.abs(row[j] - opt[j])).toBeLessThan(1e-9);
  });

  it('npgUpdate: an action whose probability has underflowed to 0 keeps its logit and comes back', () => {
    // one state, two actions; log pi = (0, -2000): pi(1) = exp(-2000) = 0 in f64, but Q favours action 1
    const logPi = Float64Array.from([0, -2000]);
    const pi = new Float64Array(2);
    const Q = Float64Array.from([0, 1]);
    const mu = Float64Array.from([0.5, 0.5]);
    const scratch = new Float64Array(2);
    npgUpdate(1, 2, logPi, pi, Q, mu, 1, 0.5, scratch);
    expect(pi[1]).toBe(0);
    expect(logPi[1]).toBeGreaterThan(-1001);
    for (let k = 0; k < 60; k++) npgUpdate(1, 2, logPi, pi, Q, mu, 1, 0.5, scratch);
    // fixed point: pi ∝ mu exp(Q/tau) = (1, e) / (1 + e)
    expect(Math.abs(pi[1] - Math.E / (1 + Math.E))).toBeLessThan(1e-12);
    // the old multiplicative update on probabilities, 0^(1 - alpha) = 0, could never leave 0
    expect(0 ** 0.5).toBe(0);
  });
});
