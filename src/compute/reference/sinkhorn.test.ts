import { describe, expect, it } from 'vitest';
import { entropicJkoStep, jkoKernel, separableKernel, sinkhorn, sinkhornLogDomain, w2Exact1d, w2Squared1d, type JkoKernel } from './sinkhorn';
import { bandit1d, cellCentres, testRandom } from './testing';

function randomSimplex(n: number, rnd: () => number): Float64Array {
  const p = Float64Array.from({ length: n }, () => rnd() + 0.05);
  const z = p.reduce((a, b) => a + b, 0);
  return p.map((v) => v / z);
}

function sqCost(x: number[], y: number[]): Float64Array {
  const C = new Float64Array(x.length * y.length);
  for (let i = 0; i < x.length; i++) for (let k = 0; k < y.length; k++) C[i * y.length + k] = (x[i] - y[k]) ** 2;
  return C;
}

describe('exact 1-D W2', () => {
  it('shifted histograms: W2 = shift exactly', () => {
    const x = cellCentres(40, 0, 1);
    const rnd = testRandom(1);
    const a = new Float64Array(40);
    const b = new Float64Array(40);
    const p = randomSimplex(20, rnd);
    for (let j = 0; j < 20; j++) {
      a[j + 3] = p[j];
      b[j + 10] = p[j];
    }
    expect(Math.abs(w2Exact1d(x, a, b) - 7 / 40)).toBeLessThan(1e-14);
    expect(w2Exact1d(x, a, a)).toBe(0);
  });

  it('two discretised Gaussians: W2^2 = (m1 - m2)^2 + (s1 - s2)^2 (to 1e-4)', () => {
    const n = 4000;
    const x = cellCentres(n, -8, 8);
    const gauss = (m: number, s: number) => {
      const p = Float64Array.from(x, (v) => Math.exp(-((v - m) ** 2) / (2 * s * s)));
      const z = p.reduce((u, v) => u + v, 0);
      return p.map((v) => v / z);
    };
    const w2sq = w2Squared1d(x, gauss(-0.5, 0.7), gauss(1.2, 1.3));
    const exact = 1.7 ** 2 + 0.6 ** 2;
    console.log(`Gaussians: W2^2 = ${w2sq.toFixed(8)} vs ${exact}`);
    expect(Math.abs(w2sq - exact)).toBeLessThan(1e-4);
  });
});

describe('log-domain Sinkhorn', () => {
  it('meets both marginals; plan cost tends to the exact W2^2 as eps -> 0', () => {
    const rnd = testRandom(2);
    const x = cellCentres(30, 0, 1);
    const a = randomSimplex(30, rnd);
    const b = randomSimplex(30, rnd);
    const C = sqCost(x, x);
    const exact = w2Squared1d(x, a, b);
    const errs: number[] = [];
    for (const eps of [1e-2, 1e-3, 1e-4]) {
      const r = sinkhornLogDomain(a, b, C, eps, 1e-12, 200_000);
      expect(r.converged).toBe(true);
      expect(r.rowError).toBeLessThan(1e-12);
      expect(r.colError).toBeLessThan(1e-12);
      errs.push(Math.abs(r.cost - exact));
    }
    console.log(`Sinkhorn |cost - W2^2| for eps = 1e-2, 1e-3, 1e-4: ${errs.map((e) => e.toExponential(2)).join(', ')}`);
    expect(errs[1]).toBeLessThan(errs[0]);
    expect(errs[2]).toBeLessThan(errs[1]);
    expect(errs[2]).toBeLessThan(1e-3);
  });

  it('works far below the f64 underflow of exp(-C/eps) (eps = max C / 5000)', () => {
    const x = cellCentres(12, 0, 1);
    const rnd = testRandom(4);
    const a = randomSimplex(12, rnd);
    const b = randomSimplex(12, rnd);
    const r = sinkhornLogDomain(a, b, sqCost(x, x), 1 / 5000, 1e-10, 100_000);
    expect(r.converged).toBe(true);
    expect(Number.isFinite(r.cost)).toBe(true);
    expect(Math.abs(r.cost - w2Squared1d(x, a, b))).toBeLessThan(1e-3);
  });

  it('gradient eps log u (centred) matches finite differences of W_eps along the simplex', () => {
    const rnd = testRandom(3);
    const x = cellCentres(10, 0, 1);
    const a = randomSimplex(10, rnd);
    const b = randomSimplex(10, rnd);
    const C = sqCost(x, x);
    const eps = 0.05;
    const r = sinkhornLogDomain(a, b, C, eps, 1e-14, 100_000);
    expect(Math.abs(r.gradient.reduce((u, v) => u + v, 0))).toBeLessThan(1e-12);
    const dir = Float64Array.from({ length: 10 }, (_, i) => (i % 2 ? 1 : -1) * (1 + i / 10));
    const mean = dir.reduce((u, v) => u + v, 0) / 10;
    for (let i = 0; i < 10; i++) dir[i] -= mean;
    const h = 1e-5;
    const ap = a.map((v, i) => v + h * dir[i]);
    const am = a.map((v, i) => v - h * dir[i]);
    const fd = (sinkhornLogDomain(ap, b, C, eps, 1e-14, 100_000).value - sinkhornLogDomain(am, b, C, eps, 1e-14, 100_000).value) / (2 * h);
    const an = r.gradient.reduce((u, g, i) => u + g * dir[i], 0);
    console.log(`gradient check: finite difference ${fd.toFixed(9)} vs <grad, dir> ${an.toFixed(9)}`);
    expect(Math.abs(fd - an)).toBeLessThan(1e-6);
  });
});

describe('entropic JKO step', () => {
  const tau = 0.5;
  const n = 16;
  const mdp = bandit1d((x) => -2 * (x - 0.3) ** 2 + 0.3 * Math.sin(4 * x), n, -1, 1);
  const gibbs = (() => {
    const g = Float64Array.from(mdp.reward, (r) => Math.exp(r / tau));
    const z = g.reduce((u, v) => u + v, 0);
    return g.map((v) => v / z);
  })();
  const logMu = Float64Array.from(mdp.mu, Math.log);

  function fixedPoint(eta: number, eps: number): { pi: Float64Array; steps: number; maxErr: number } {
    const K = jkoKernel(mdp.cost, n, eps);
    let pi = new Float64Array(n).fill(1 / n);
    let nx = new Float64Array(n);
    const lb = new Float64Array(n);
    const sc = new Float64Array(3 * n);
    let steps = 0;
    let maxErr = 0;
    for (let ch = 1; steps < 5000 && ch > 1e-13; steps++) {
      const r = entropicJkoStep(K, pi, mdp.reward, 0, logMu, eta, tau, 1e-12, 100_000, lb, nx, sc);
      expect(r.converged).toBe(true);
      maxErr = Math.max(maxErr, r.marginalError);
      ch = 0;
      for (let j = 0; j < n; j++) ch = Math.max(ch, Math.abs(nx[j] - pi[j]));
      [pi, nx] = [nx, pi];
    }
    return { pi, steps, maxErr };
  }

  it('frozen Q: the fixed point tends to the Gibbs state as eps/eta -> 0 (measured blur shrinks ~ linearly)', () => {
    const eta = 1;
    const rows: [number, number][] = [];
    for (const ratio of [1, 0.3, 0.1, 0.03]) {
      const { pi, maxErr } = fixedPoint(eta, ratio * eta);
      expect(maxErr).toBeLessThan(1e-12);
      expect(Math.abs(pi.reduce((u, v) => u + v, 0) - 1)).toBeLessThan(1e-14);
      let tv = 0;
      for (let j = 0; j < n; j++) tv += 0.5 * Math.abs(pi[j] - gibbs[j]);
      rows.push([ratio, tv]);
    }
    console.log(`JKO blur TV(fixed point, Gibbs): ${rows.map(([r, tv]) => `eps/eta=${r}: ${tv.toExponential(3)}`).join('; ')}`);
    for (let i = 1; i < rows.length; i++) expect(rows[i][1]).toBeLessThan(rows[i - 1][1] * 0.5);
    // roughly linear in eps/eta
    const slopes = rows.map(([r, tv]) => tv / r);
    expect(Math.max(...slopes) / Math.min(...slopes)).toBeLessThan(2);
    expect(rows[3][1]).toBeLessThan(5e-3);
  });
});

/** A smooth density on n grid points of [0, 1]: a Gaussian bump over a floor. */
function bump(n: number, mean: number, sd: number, floor: number): Float64Array {
  const a = Float64Array.from({ length: n }, (_, i) => Math.exp(-0.5 * ((i / (n - 1) - mean) / sd) ** 2) + floor);
  const z = a.reduce((u, v) => u + v, 0);
  return a.map((v) => v / z);
}

/** ((i - k) / (n - 1))^2: exactly Toeplitz (the same bits on every diagonal). */
function gridCost(n: number): Float64Array {
  const C = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const d = (i - k) / (n - 1);
      C[i * n + k] = d * d;
    }
  }
  return C;
}

const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) if (Number.isFinite(a[i]) || Number.isFinite(b[i])) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

describe('scaling-domain Sinkhorn', () => {
  it('dense kernel: equal to the log domain at convergence (cost, value, potentials to 1e-11)', () => {
    const rnd = testRandom(11);
    // scattered points (no Toeplitz structure): the dense kernel path
    const x = Array.from({ length: 40 }, () => rnd());
    const y = Array.from({ length: 30 }, () => rnd());
    const a = randomSimplex(40, rnd);
    const b = randomSimplex(30, rnd);
    const C = sqCost(x, y);
    for (const eps of [0.1, 0.01]) {
      const s = sinkhorn(a, b, C, eps, { tol: 1e-14, maxIter: 100_000 });
      const l = sinkhornLogDomain(a, b, C, eps, 1e-14, 100_000);
      expect(s.domain).toBe('scaling');
      expect(s.converged).toBe(true);
      expect(Math.abs(s.cost - l.cost)).toBeLessThan(1e-11);
      expect(Math.abs(s.value - l.value)).toBeLessThan(1e-11);
      expect(maxAbs(s.gradient, l.gradient)).toBeLessThan(1e-11);
      expect(s.rowError).toBeLessThan(1e-12);
      expect(s.colError).toBeLessThan(1e-12);
    }
  });

  it('uniform grid: FFT products (certified) give the answers of the exact Toeplitz products to 1e-12', () => {
    const n = 512;
    const a = bump(n, 0.35, 0.1, 0.05);
    const b = bump(n, 0.6, 0.15, 0.05);
    const C = gridCost(n);
    for (const eps of [0.1, 0.01]) {
      const fft = sinkhorn(a, b, C, eps, { tol: 0, maxIter: 150 });
      const exact = sinkhorn(a, b, C, eps, { tol: 0, maxIter: 150, fft: 'never' });
      expect(fft.domain).toBe('scaling-toeplitz');
      expect(fft.fftProducts).toBeGreaterThan(fft.exactProducts); // the FFT path did the work
      expect(exact.fftProducts).toBe(0);
      expect(fft.iterations).toBe(150);
      expect(Math.abs(fft.cost - exact.cost)).toBeLessThan(1e-12);
      expect(Math.abs(fft.value - exact.value)).toBeLessThan(1e-12);
      expect(maxAbs(fft.gradient, exact.gradient)).toBeLessThan(1e-12);
      expect(maxAbs(fft.g, exact.g)).toBeLessThan(1e-11);
    }
  });

  it('uniform grid, converged: equal to the log domain (to 1e-11)', () => {
    const n = 200;
    const a = bump(n, 0.3, 0.12, 0.02);
    const b = bump(n, 0.55, 0.1, 0.02);
    const C = gridCost(n);
    const s = sinkhorn(a, b, C, 0.02, { tol: 1e-14, maxIter: 100_000 });
    const l = sinkhornLogDomain(a, b, C, 0.02, 1e-14, 100_000);
    expect(s.domain).toBe('scaling-toeplitz');
    expect(s.converged).toBe(true);
    expect(Math.abs(s.cost - l.cost)).toBeLessThan(1e-11);
    expect(Math.abs(s.value - l.value)).toBeLessThan(1e-11);
    expect(maxAbs(s.gradient, l.gradient)).toBeLessThan(1e-10); // potentials carry a 1/eps = 50 amplification
  });

  it('kernel underflow (max C / eps beyond the scaling range): solved in the log domain, and says so', () => {
    const rnd = testRandom(12);
    const x = cellCentres(30, 0, 1);
    const a = randomSimplex(30, rnd);
    const b = randomSimplex(30, rnd);
    const C = sqCost(x, x);
    const s = sinkhorn(a, b, C, 1e-3, { tol: 1e-12, maxIter: 200_000 });
    const l = sinkhornLogDomain(a, b, C, 1e-3, 1e-12, 200_000);
    expect(s.domain).toBe('log');
    expect(s.cost).toBe(l.cost);
    expect(s.value).toBe(l.value);
  });
});

describe('entropic JKO step: scaling domain against the log domain', () => {
  it('same iterations, marginal error, plan cost, next policy and warm start (to 1e-12)', () => {
    const n = 24;
    const mdp = bandit1d((x) => Math.sin(3 * x) - x * x, n, -1, 1);
    const logMu = Float64Array.from(mdp.mu, Math.log);
    const rnd = testRandom(13);
    const pi = randomSimplex(n, rnd);
    for (const eps of [0.5, 0.05]) {
      const scaling = jkoKernel(mdp.cost, n, eps);
      const logOnly: JkoKernel = { ...scaling, K: null, domain: 'log' };
      expect(scaling.domain).toBe('scaling');
      const lbS = Float64Array.from({ length: n }, () => rnd() - 0.5);
      const lbL = Float64Array.from(lbS);
      const outS = new Float64Array(n);
      const outL = new Float64Array(n);
      const sc = new Float64Array(3 * n);
      const rs = entropicJkoStep(scaling, pi, mdp.reward, 0, logMu, 0.3, 0.2, 1e-12, 100_000, lbS, outS, sc);
      const rl = entropicJkoStep(logOnly, pi, mdp.reward, 0, logMu, 0.3, 0.2, 1e-12, 100_000, lbL, outL, sc);
      expect(rs.domain).toBe('scaling');
      expect(rl.domain).toBe('log');
      expect(rs.converged && rl.converged).toBe(true);
      expect(Math.abs(rs.iterations - rl.iterations)).toBeLessThanOrEqual(1);
      expect(Math.abs(rs.cost - rl.cost)).toBeLessThan(1e-12);
      expect(maxAbs(outS, outL)).toBeLessThan(1e-12);
      expect(maxAbs(lbS, lbL)).toBeLessThan(1e-9); // log b: relative to |log b| up to ~ max C / eps
    }
  });

  it('a kernel that would underflow stays in the log domain', () => {
    const n = 16;
    const mdp = bandit1d((x) => x, n, -1, 1);
    const k = jkoKernel(mdp.cost, n, 1e-3); // max C / eps = 4000
    expect(k.domain).toBe('log');
    expect(k.K).toBeNull();
  });
});

describe('separable kernels on 2-D grids', () => {
  // a 6 x 5 lattice, axis 0 fastest, squared Euclidean cost (additive over the axes)
  const n1 = 6;
  const n2 = 5;
  const N = n1 * n2;
  const pos = Array.from({ length: N }, (_, j) => [(j % n1) * 0.2, Math.floor(j / n1) * 0.25]);
  const C = new Float64Array(N * N);
  for (let i = 0; i < N; i++) for (let k = 0; k < N; k++) C[i * N + k] = (pos[i][0] - pos[k][0]) ** 2 + (pos[i][1] - pos[k][1]) ** 2;

  it('detects the product structure of an additive cost, and not of a non-additive one', () => {
    const sk = separableKernel(C, N, 0.1);
    expect(sk).not.toBeNull();
    expect([sk!.n1, sk!.n2]).toEqual([n1, n2]);
    const D = C.map(Math.sqrt); // the Euclidean distance is not additive over the axes
    expect(separableKernel(D, N, 0.1)).toBeNull();
  });

  it('a JKO step with K1 ⊗ K2 products equals the dense scaling and the log domain (to 1e-12)', () => {
    const rnd = testRandom(14);
    const pi = randomSimplex(N, rnd);
    const Q = Float64Array.from({ length: N }, () => rnd() - 0.5);
    const logMu = new Float64Array(N).fill(-Math.log(N));
    const eps = 0.05;
    const sep = jkoKernel(C, N, eps);
    expect(sep.separable).toBeTruthy();
    const dense: JkoKernel = { ...sep, separable: null };
    const logOnly: JkoKernel = { ...sep, K: null, separable: null, domain: 'log' };
    const outs: Float64Array[] = [];
    const costs: number[] = [];
    for (const k of [sep, dense, logOnly]) {
      const out = new Float64Array(N);
      const r = entropicJkoStep(k, pi, Q, 0, logMu, 0.4, 0.3, 1e-13, 100_000, new Float64Array(N), out, new Float64Array(3 * N));
      expect(r.converged).toBe(true);
      outs.push(out);
      costs.push(r.cost);
    }
    expect(maxAbs(outs[0], outs[1])).toBeLessThan(1e-12);
    expect(maxAbs(outs[0], outs[2])).toBeLessThan(1e-12);
    expect(Math.abs(costs[0] - costs[1])).toBeLessThan(1e-12);
    expect(Math.abs(costs[0] - costs[2])).toBeLessThan(1e-12);
  });
});
