import { describe, expect, it } from 'vitest';
import { MethodInputError, type RunSpec } from '../types';
import { NpgIterator } from './npg';
import { chainMdp, randomMdp } from './testing';

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
