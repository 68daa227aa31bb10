import { describe, expect, it } from 'vitest';
import { MethodInputError } from '../types';
import { gridCellIndex, gridGradient, interpolateGradient, LangevinParticles } from './langevin';
import { bandit1d, bandit2d, randomMdp, specFor, tabularFromArrays } from './testing';

const rew = (x: number) => -2 * (x - 0.3) ** 2 + 0.3 * Math.sin(4 * x);
const tau = 0.5;
const n = 16;

/** Cell masses of the stationary density exp(U/tau)/Z of the reflected diffusion with the interpolated drift U'. */
function continuousReference(mdp: ReturnType<typeof bandit1d>): Float64Array {
  const grid = mdp.grid!;
  const cellOf = gridCellIndex(mdp);
  const grad = new Float64Array(n);
  gridGradient(mdp.reward, 0, grid, cellOf, grad);
  const fine = 64 * n;
  const hh = 2 / fine;
  const mass = new Float64Array(n);
  let U = 0;
  let gPrev = interpolateGradient(grad, grid, 0, -1, 0);
  let x = -1;
  for (let i = 0; i < fine; i++) {
    // midpoint value of U on the sub-interval, trapezoid increments
    const xm = x + hh / 2;
    const gm = interpolateGradient(grad, grid, 0, xm, 0);
    const Um = U + (hh / 4) * (gPrev + gm);
    mass[Math.floor(i / 64)] += Math.exp(Um / tau) * hh;
    const g1 = interpolateGradient(grad, grid, 0, x + hh, 0);
    U += (hh / 2) * (gPrev + g1);
    gPrev = g1;
    x += hh;
  }
  const z = mass.reduce((a, b) => a + b, 0);
  return mass.map((v) => v / z);
}

function tvAfter(M: number, seed: number, steps: number, dt: number, init: Float64Array | null = null): number {
  const mdp = bandit1d(rew, n, -1, 1);
  const ref = continuousReference(mdp);
  const run = new LangevinParticles(mdp, specFor('langevin', { tau, particles: M, dt }, init, seed));
  for (let k = 0; k <= steps; k++) run.step();
  const p = run.policy();
  let tv = 0;
  for (let j = 0; j < n; j++) tv += 0.5 * Math.abs(p[j] - ref[j]);
  return tv;
}

describe('Langevin particles', () => {
  it('same seed => identical particles and trace; another seed differs', () => {
    const box = bandit1d(rew, 8, -1, 1);
    const a = new LangevinParticles(box, specFor('langevin', { tau: 0.2, particles: 64 }, null, 7));
    const b = new LangevinParticles(box, specFor('langevin', { tau: 0.2, particles: 64 }, null, 7));
    const c = new LangevinParticles(box, specFor('langevin', { tau: 0.2, particles: 64 }, null, 8));
    for (let k = 0; k < 20; k++) {
      const ma = a.step();
      const mb = b.step();
      c.step();
      expect(ma.J).toBe(mb.J);
    }
    expect(Array.from(a.particles())).toEqual(Array.from(b.particles()));
    expect(Array.from(a.particles())).not.toEqual(Array.from(c.particles()));
  });

  it('converges from uniform particles to the Gibbs density (t = 3.6)', () => {
    const tv = tvAfter(4096, 5, 600, 6e-3);
    console.log(`Langevin from uniform, M = 4096, t = 3.6: TV = ${tv.toFixed(4)}`);
    expect(tv).toBeLessThan(0.05);
  });

  it('histogram TV to the Gibbs density falls roughly like M^(-1/2)', () => {
    // start from the reference cell masses (uniform inside cells) so a short burn-in suffices
    const init = continuousReference(bandit1d(rew, n, -1, 1));
    const steps = 150;
    const dt = 6e-3;
    const rows: [number, number][] = [];
    for (const [M, seeds] of [
      [128, 16],
      [512, 8],
      [2048, 4],
      [8192, 2],
    ] as const) {
      let tv = 0;
      for (let s = 0; s < seeds; s++) tv += tvAfter(M, 100 + s, steps, dt, init) / seeds;
      rows.push([M, tv]);
    }
    console.log(`Langevin TV vs M: ${rows.map(([M, tv]) => `M=${M}: ${tv.toFixed(4)} (TV*sqrt(M) = ${(tv * Math.sqrt(M)).toFixed(3)})`).join('; ')}`);
    const scaled = rows.map(([M, tv]) => tv * Math.sqrt(M));
    // each 4x increase of M roughly halves the TV: generous factors
    for (let i = 1; i < rows.length; i++) {
      expect(rows[i][1]).toBeLessThan(rows[i - 1][1] * 0.8);
      expect(rows[i][1]).toBeGreaterThan(rows[i - 1][1] * 0.25);
    }
    expect(Math.max(...scaled) / Math.min(...scaled)).toBeLessThan(2.5);
    expect(rows[3][1]).toBeLessThan(0.06);
  });

  it('mean-field coupling on a 2-state box MDP: the histogram policy approaches the soft optimum', () => {
    const nb = 8;
    const x = Array.from({ length: nb }, (_, j) => -1 + (j + 0.5) * (2 / nb));
    // action a in [-1, 1]: go to state 1 with probability (1 + a)/2; state 1 pays 1 - a^2, state 0 pays -a^2
    const mdp = tabularFromArrays({
      S: 2,
      N: nb,
      gamma: 0.6,
      P: [0, 1].map(() => x.map((a) => [[0, (1 - a) / 2], [1, (1 + a) / 2]] as [number, number][])),
      r: [x.map((a) => -a * a), x.map((a) => 1 - a * a)],
      rho0: [0.5, 0.5],
      positions: x.map((a) => [a]),
      grid: { dim: 1, n: nb, lo: [-1], hi: [1], h: [2 / nb] },
    });
    const run = new LangevinParticles(mdp, specFor('langevin', { tau: 0.3, particles: 4000, dt: 5e-3 }, null, 3));
    const m0 = run.step();
    let m = m0;
    for (let k = 0; k < 400; k++) m = run.step();
    console.log(`Langevin MDP: tv ${m0.tv.toFixed(3)} -> ${m.tv.toFixed(3)}, gap ${m0.gap.toExponential(2)} -> ${m.gap.toExponential(2)}`);
    expect(m.tv).toBeLessThan(0.5 * m0.tv);
    expect(m.tv).toBeLessThan(0.06);
    expect(Math.abs(m.gap)).toBeLessThan(0.2 * m0.gap);
  });

  it('runs on a 2-D box and refuses discrete actions', () => {
    const box = bandit2d((x, y) => -(x * x) - (y - 0.2) ** 2, 6, -1, 1);
    const run = new LangevinParticles(box, specFor('langevin', { tau: 0.3, particles: 500, dt: 5e-3 }));
    let m = run.step();
    for (let k = 0; k < 300; k++) m = run.step();
    expect(m.tv).toBeLessThan(0.15);
    expect(m.transportCost).toBeNull();
    expect(() => new LangevinParticles(randomMdp(2, 3, 1), specFor('langevin'))).toThrow(MethodInputError);
  });
});
