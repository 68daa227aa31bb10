import { describe, expect, it } from 'vitest';
import { MethodInputError } from '../types';
import { GaussianGrid, gaussianObjective, normalUpperTail, type GaussianParams } from './gaussian';
import { bandit1d, bandit2d, boxMdp, chainMdp } from './testing';

describe('normal tails', () => {
  it('Q(x) = erfc(x/sqrt 2)/2 to 1e-13 relative (values from libm erfc)', () => {
    const table: [number, number][] = [
      [0.1, 0.8875370839817152],
      [0.5, 0.4795001221869535],
      [1, 0.15729920705028513],
      [1.9, 0.0072095707647425325],
      [2, 0.004677734981047265],
      [2.1, 0.002979466656332984],
      [2.5, 0.0004069520174449589],
      [3.5, 7.430983723414128e-7],
      [4, 1.541725790028002e-8],
      [6, 2.1519736712498916e-17],
      [8, 1.1224297172982928e-29],
    ];
    let worst = 0;
    for (const [t, e] of table) worst = Math.max(worst, Math.abs(2 * normalUpperTail(t * Math.SQRT2) - e) / e);
    console.log(`normal tail: worst relative error ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(1e-13);
    expect(normalUpperTail(0)).toBe(0.5);
  });
});

describe('Gaussian on the grid', () => {
  it('cell masses: non-negative, sum to 1, derivatives equal finite differences (1e-8)', () => {
    const mdp = bandit1d((x) => -x * x, 40, -1, 1);
    const grid = new GaussianGrid(mdp, 'test');
    let worst = 0;
    for (const [m, sg] of [
      [0.3, 0.5],
      [-0.9, 0.05],
      [1, 0.02],
      [0, 3],
      [0.71, 0.026],
    ]) {
      const p: GaussianParams = { m: Float64Array.of(m), sigma: Float64Array.of(sg) };
      const pi = new Float64Array(40);
      const dm = new Float64Array(40);
      const ds = new Float64Array(40);
      grid.policy(p, pi, dm, ds);
      let tot = 0;
      for (const v of pi) {
        expect(v).toBeGreaterThanOrEqual(0);
        tot += v;
      }
      expect(Math.abs(tot - 1)).toBeLessThan(1e-14);
      const hp = 1e-6;
      const a = new Float64Array(40);
      const b = new Float64Array(40);
      grid.policy({ m: Float64Array.of(m + hp), sigma: Float64Array.of(sg) }, a);
      grid.policy({ m: Float64Array.of(m - hp), sigma: Float64Array.of(sg) }, b);
      for (let j = 0; j < 40; j++) worst = Math.max(worst, Math.abs((a[j] - b[j]) / (2 * hp) - dm[j]) / Math.max(1, Math.abs(dm[j])));
      grid.policy({ m: Float64Array.of(m), sigma: Float64Array.of(sg + hp) }, a);
      grid.policy({ m: Float64Array.of(m), sigma: Float64Array.of(sg - hp) }, b);
      for (let j = 0; j < 40; j++) worst = Math.max(worst, Math.abs((a[j] - b[j]) / (2 * hp) - ds[j]) / Math.max(1, Math.abs(ds[j])));
    }
    console.log(`dpi/d(m, sigma) vs FD: worst ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(1e-7);
  });

  it('grad J in (m, sigma) equals central finite differences of J to 1e-6 (MDP, termination, tau 0 and 0.1)', () => {
    const mdp = boxMdp(4, 24, 3, 0.8, { terminate: 0.05, jitter: true });
    const grid = new GaussianGrid(mdp, 'test');
    for (const tau of [0, 0.1]) {
      const p: GaussianParams = { m: Float64Array.of(-0.4, 0.1, 0.5, 0.8), sigma: Float64Array.of(0.3, 0.2, 0.6, 0.15) };
      const base = gaussianObjective(grid, mdp, 0.8, tau, p);
      let worst = 0;
      let scale = 0;
      for (let k = 0; k < 8; k++) {
        const arr = k < 4 ? 'm' : 'sigma';
        const s = k % 4;
        const h = 1e-5;
        const q = (d: number): GaussianParams => {
          const c = { m: Float64Array.from(p.m), sigma: Float64Array.from(p.sigma) };
          c[arr][s] += d;
          return c;
        };
        const fd = (gaussianObjective(grid, mdp, 0.8, tau, q(h)).J - gaussianObjective(grid, mdp, 0.8, tau, q(-h)).J) / (2 * h);
        const g = base.grad.weight[s] * (arr === 'm' ? base.grad.hm[s] : base.grad.hs[s]);
        worst = Math.max(worst, Math.abs(fd - g));
        scale = Math.max(scale, Math.abs(g));
      }
      console.log(`Gaussian grad J vs FD (tau ${tau}): max abs error ${worst.toExponential(2)} (gradient scale ${scale.toExponential(2)})`);
      expect(worst).toBeLessThan(1e-6);
    }
  });

  it('2-D boxes and discrete actions are refused with MethodInputError', () => {
    expect(() => new GaussianGrid(bandit2d((x, y) => -x * x - y * y, 4, -1, 1), 'gaussian-w2')).toThrow(MethodInputError);
    expect(() => new GaussianGrid(chainMdp(3), 'gaussian-w2')).toThrow(MethodInputError);
  });
});
