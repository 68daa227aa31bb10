import { describe, expect, it } from 'vitest';
import type { MethodIterator, RunSpec } from '../types';
import { makeRunSpec } from '../run/spec';
import { WpoActorIterator, wpoActorDirection } from './wpoActor';
import { bandit1d, policyMean, runMonotone } from './testing';

const reward = (x: number) => -((x - 0.3) ** 2);

function specOf(options: Record<string, number>): RunSpec {
  return makeRunSpec('wpo-actor', options);
}

/** After each step: the policy stays a probability vector (non-negative, sums to 1). */
function probabilityVector(it: MethodIterator): void {
  let t = 0;
  for (const v of it.policy()) {
    expect(v).toBeGreaterThanOrEqual(0);
    t += v;
  }
  expect(Math.abs(t - 1)).toBeLessThan(1e-12);
}

describe('wpo-actor', () => {
  const n = 200;
  const mdp = bandit1d(reward, n, -1, 1);

  it('quadrature direction: E[(1, xi) grad_a Q] for Q = -(a - 0.3)^2 equals (-2 (E a - 0.3), -2 E[xi (a - 0.3)]) exactly', () => {
    const x = new Float64Array(n).map((_, j) => -1 + (j + 0.5) * (2 / n));
    const Q = x.map(reward);
    const pi = new Float64Array(n).map((_, j) => Math.exp(-((x[j] - 0.1) ** 2) / 0.02));
    const z = pi.reduce((a, b) => a + b, 0);
    pi.forEach((v, j) => (pi[j] = v / z));
    const out = new Float64Array(2);
    wpoActorDirection(x, 2 / n, n, pi, Q, new Float64Array(n), 0, 0.1, 0.1, 0, out);
    let em = 0;
    let es = 0;
    for (let j = 0; j < n; j++) {
      em += pi[j] * -2 * (x[j] - 0.3);
      es += pi[j] * ((x[j] - 0.1) / 0.1) * -2 * (x[j] - 0.3);
    }
    // central differences are exact for a quadratic (the end cells carry ~0 mass here)
    expect(Math.abs(out[0] - em)).toBeLessThan(1e-10);
    expect(Math.abs(out[1] - es)).toBeLessThan(1e-10);
  });

  it('wpo-actor: J increases, tau = 0 mean -> 0.3; tau = 0.05 -> N(0.3, tau/2)', () => {
    const it = new WpoActorIterator(mdp, specOf({ tau: 0, eta: 2, sigma0: 0.5, fisherDamping: 1e-6 }));
    const r = runMonotone(it, 3000, probabilityVector);
    const mean = policyMean(it, n);
    console.log(`wpo-actor tau=0: ${r.k} its, min dJ ${r.minDJ.toExponential(2)}, mean ${mean.toFixed(6)}, sigma ${it.params.sigma[0]}, gap ${r.m.gap.toExponential(2)}`);
    expect(r.minDJ).toBeGreaterThanOrEqual(-1e-14);
    expect(Math.abs(mean - 0.3)).toBeLessThan(5e-3);
    const tau = 0.05;
    const it2 = new WpoActorIterator(mdp, specOf({ tau, eta: 2, sigma0: 0.5, fisherDamping: 1e-6 }));
    const r2 = runMonotone(it2, 3000, probabilityVector);
    console.log(`wpo-actor tau=${tau}: ${r2.k} its, m ${it2.params.m[0].toFixed(6)}, sigma ${it2.params.sigma[0].toFixed(6)}, gap ${r2.m.gap.toExponential(2)}, min dJ ${r2.minDJ.toExponential(2)}`);
    expect(r2.minDJ).toBeGreaterThanOrEqual(-1e-14);
    expect(Math.abs(it2.params.m[0] - 0.3)).toBeLessThan(1e-3);
    expect(Math.abs(it2.params.sigma[0] - Math.sqrt(tau / 2))).toBeLessThan(2e-3);
  });
});
