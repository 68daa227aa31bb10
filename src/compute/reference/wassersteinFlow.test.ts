import { describe, expect, it } from 'vitest';
import { DivergenceError, MethodInputError } from '../types';
import { bernoulli, buildActionGraph, fokkerPlanckStep, WassersteinFlow } from './wassersteinFlow';
import { bandit1d, bandit2d, randomMdp, specFor, tabularFromArrays } from './testing';


function gibbs(r: ArrayLike<number>, mu: ArrayLike<number>, tau: number): Float64Array {
  let m = -Infinity;
  for (let j = 0; j < r.length; j++) m = Math.max(m, r[j]);
  const p = Float64Array.from(r, (v, j) => mu[j] * Math.exp((v - m) / tau));
  const z = p.reduce((a, b) => a + b, 0);
  return p.map((v) => v / z);
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

/** Run the frozen-Q flow on a bandit until the masses stop moving; returns the stationary masses. */
function stationary(mdp: ReturnType<typeof bandit1d>, tau: number, maxSteps = 200_000): { pi: Float64Array; steps: number } {
  const g = buildActionGraph(mdp);
  const N = mdp.N;
  const phi = Float64Array.from(mdp.reward, (r, j) => r + tau * Math.log(mdp.mu[j]));
  let pi = new Float64Array(N).fill(1 / N);
  let nx = new Float64Array(N);
  const rates = new Float64Array(2 * g.from.length);
  const outRate = new Float64Array(N);
  let steps = 0;
  for (; steps < maxSteps; steps++) {
    fokkerPlanckStep(g, pi, phi, 1, tau, null, 0, 0.9, nx, rates, outRate);
    const ch = maxDiff(pi, nx);
    [pi, nx] = [nx, pi];
    if (ch < 1e-15) break;
  }
  return { pi, steps };
}

describe('Bernoulli function', () => {
  it('is stable at 0, for large |x|, and satisfies B(-x) = B(x) + x', () => {
    expect(bernoulli(0)).toBe(1);
    expect(Math.abs(bernoulli(1e-7) - (1 - 5e-8 + 1e-14 / 12))).toBeLessThan(2e-16);
    expect(bernoulli(800)).toBe(0);
    expect(bernoulli(-800)).toBe(800);
    expect(Number.isFinite(bernoulli(1e6))).toBe(true);
    for (const x of [1e-4, 0.3, 5, 30, 300]) expect(Math.abs(bernoulli(-x) - (bernoulli(x) + x)) / (bernoulli(x) + x)).toBeLessThan(1e-14);
  });

  it('the series branch (|x| < 1/4, no exponential) and the exp branch agree with x / expm1(x) to 4e-16 relative', () => {
    let worst = 0;
    for (let t = -2000; t <= 2000; t++) {
      const x = t * 5e-4 + 1e-9; // -1 .. 1, both sides of the 1/4 switch
      if (x === 0) continue;
      const exact = x / Math.expm1(x);
      worst = Math.max(worst, Math.abs(bernoulli(x) - exact) / exact);
    }
    expect(worst).toBeLessThan(4e-16 * 4); // expm1 itself is accurate to about 1 ulp
  });
});

describe('Scharfetter–Gummel Fokker–Planck step', () => {
  const tau = 0.1;
  const rew = (x: number) => -2 * (x - 0.3) ** 2 + 0.3 * Math.sin(5 * x);

  it('leaves the discrete Gibbs state mu exp(r/tau)/Z fixed (to 1e-15) and conserves mass', () => {
    const mdp = bandit1d(rew, 24, -1, 1, Array.from({ length: 24 }, (_, j) => (j + 1) / 300));
    const g = buildActionGraph(mdp);
    const pstar = gibbs(mdp.reward, mdp.mu, tau);
    const phi = Float64Array.from(mdp.reward, (r, j) => r + tau * Math.log(mdp.mu[j]));
    const out = new Float64Array(24);
    fokkerPlanckStep(g, pstar, phi, 1, tau, null, 0, 0.9, out, new Float64Array(2 * 23), new Float64Array(24));
    expect(maxDiff(out, pstar)).toBeLessThan(1e-15);
  });

  it('frozen-Q flow (the method) converges to the Gibbs density to 1e-8; mass drift <= 1e-12 per step', () => {
    const mdp = bandit1d(rew, 20, -1, 1);
    const flow = new WassersteinFlow(mdp, specFor('wasserstein-flow', { tau }), { frozenQ: true });
    let m = flow.step();
    expect(m.iteration).toBe(0);
    expect(m.t).toBe(0);
    for (let k = 0; k < 3000; k++) m = flow.step();
    const pstar = gibbs(mdp.reward, mdp.mu, tau);
    const err = maxDiff(flow.policy(), pstar);
    console.log(`frozen-Q bandit: |pi - Gibbs|_inf = ${err.toExponential(2)} at t = ${m.t!.toFixed(1)}, gap ${m.gap.toExponential(2)}`);
    expect(err).toBeLessThan(1e-8);
    const d = flow.diagnostics();
    expect(d.maxMassDrift as number).toBeLessThan(1e-12);
    expect(m.transportCost!).toBeGreaterThanOrEqual(0);
  });

  it('2-D box: frozen-Q stationary state is the 2-D Gibbs state', () => {
    const mdp = bandit2d((x, y) => -((x - 0.2) ** 2) - 2 * (y + 0.1) ** 2 + x * y, 8, -1, 1);
    const g = buildActionGraph(mdp);
    expect(g.from.length).toBe(2 * 8 * 7);
    const flow = new WassersteinFlow(mdp, specFor('wasserstein-flow', { tau: 0.2 }), { frozenQ: true });
    for (let k = 0; k < 2000; k++) flow.step();
    const err = maxDiff(flow.policy(), gibbs(mdp.reward, mdp.mu, 0.2));
    console.log(`2-D frozen-Q: |pi - Gibbs|_inf = ${err.toExponential(2)}`);
    expect(err).toBeLessThan(1e-8);
  });

  it('refinement study: the stationary density approaches the continuous Gibbs density at O(h^2)', () => {
    // continuous Gibbs density p(x) = exp(r(x)/tau) / int exp(r/tau) on [-1, 1] (mu uniform = Lebesgue / 2)
    const tau2 = 0.25;
    const fine = 200_000;
    let Z = 0;
    for (let i = 0; i < fine; i++) Z += Math.exp(rew(-1 + ((i + 0.5) * 2) / fine) / tau2) * (2 / fine);
    const errs: number[] = [];
    for (const n of [20, 40, 80, 160]) {
      const mdp = bandit1d(rew, n, -1, 1);
      const { pi } = stationary(mdp, tau2);
      const h = 2 / n;
      let e = 0;
      for (let j = 0; j < n; j++) e = Math.max(e, Math.abs(pi[j] / h - Math.exp(rew(-1 + (j + 0.5) * h) / tau2) / Z));
      errs.push(e);
    }
    const ratios = errs.slice(1).map((e, i) => errs[i] / e);
    console.log(`refinement: errors ${errs.map((e) => e.toExponential(2)).join(', ')}; ratios ${ratios.map((r) => r.toFixed(2)).join(', ')}`);
    for (const r of ratios) {
      expect(r).toBeGreaterThan(3.5);
      expect(r).toBeLessThan(4.5);
    }
  });
});

describe('Wasserstein flow on an MDP', () => {
  it('converges to the soft optimum; the gap decays exponentially in t', () => {
    const mdp = randomMdp(6, 5, 21, { gamma: 0.8, terminate: 0.05 });
    for (const weighting of ['uniform', 'occupancy']) {
      const flow = new WassersteinFlow(mdp, specFor('wasserstein-flow', { tau: 0.5, weighting }));
      let m = flow.step();
      const gap0 = m.gap;
      let prev = m.gap;
      let monotone = true;
      for (let k = 0; k < 6000; k++) {
        m = flow.step();
        if (m.gap > prev + 1e-13) monotone = false;
        prev = m.gap;
      }
      const d = flow.diagnostics();
      console.log(
        `${weighting}: gap ${gap0.toExponential(2)} -> ${m.gap.toExponential(2)}, tv ${m.tv.toExponential(2)}, t = ${m.t!.toFixed(1)}, ` +
          `rate ${(d.gapRate as number).toFixed(4)} on t in [${(d.gapRateFrom as number).toFixed(1)}, ${(d.gapRateTo as number).toFixed(1)}], r2 ${(d.gapRateR2 as number).toFixed(5)}, drift ${d.maxMassDrift}`,
      );
      expect(m.gap).toBeLessThan(1e-9);
      expect(m.gap).toBeGreaterThan(-1e-12);
      expect(m.tv).toBeLessThan(1e-7);
      expect(monotone).toBe(true);
      expect(d.gapRate as number).toBeGreaterThan(0);
      expect(d.gapRateR2 as number).toBeGreaterThan(0.98);
      expect(d.maxMassDrift as number).toBeLessThan(1e-12);
    }
  });

  it('with Q re-evaluated every m = 5 steps and a fixed dt it still reaches the soft optimum', () => {
    const mdp = randomMdp(6, 5, 21, { gamma: 0.8 });
    const flow = new WassersteinFlow(mdp, specFor('wasserstein-flow', { tau: 0.5, qEvery: 5, dt: 0.02 }));
    let m = flow.step();
    for (let k = 0; k < 3000; k++) m = flow.step();
    console.log(`qEvery 5, dt 0.02: gap ${m.gap.toExponential(2)} at t = ${m.t!.toFixed(1)}`);
    expect(m.t).toBeCloseTo(60, 9);
    expect(Math.abs(m.gap)).toBeLessThan(1e-10);
    expect(flow.diagnostics().qEvery).toBe(5);
  });

  it('a NaN reward injected mid-run raises DivergenceError naming the iteration and quantity', () => {
    const mdp = randomMdp(4, 3, 2);
    const flow = new WassersteinFlow(mdp, specFor('wasserstein-flow', { tau: 0.1 }));
    for (let k = 0; k < 5; k++) flow.step(); // rows 0..4
    mdp.reward[2] = NaN;
    let err: unknown;
    try {
      flow.step();
      flow.step();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DivergenceError);
    const de = err as DivergenceError;
    console.log(de.message);
    expect(de.iteration).toBe(5);
    expect(['V', 'Q', 'J', 'policy']).toContain(de.quantity);
  });

  it('uses the cost-weighted complete graph where actions form no lattice, with the Gibbs state as fixed point', () => {
    // compass moves (90 degree turn costs 2, reversal 4) and a 0/1 cost: not lattices
    const compass = tabularFromArrays({ S: 1, N: 4, gamma: 0, P: [[[], [], [], []]], r: [[0, 1, 2, 3]], positions: [[0, 1], [1, 0], [0, -1], [-1, 0]] });
    const g = buildActionGraph(compass);
    expect(g.kind).toBe('cost');
    expect(g.from.length).toBe(6);
    const squared = [...g.length].map((h) => h * h).sort();
    [2, 2, 2, 2, 4, 4].forEach((c, i) => expect(squared[i]).toBeCloseTo(c, 12));
    const tau = 0.7;
    const { pi } = stationary(compass as ReturnType<typeof bandit1d>, tau);
    expect(maxDiff(pi, gibbs(compass.reward, compass.mu, tau))).toBeLessThan(1e-12);
    const zeroOne = tabularFromArrays({ S: 1, N: 3, gamma: 0, P: [[[], [], []]], r: [[0.3, -1, 0.5]], cost: [[0, 1, 1], [1, 0, 1], [1, 1, 0]] });
    expect(buildActionGraph(zeroOne).kind).toBe('cost');
    const z = stationary(zeroOne as ReturnType<typeof bandit1d>, 0.25);
    expect(maxDiff(z.pi, gibbs(zeroOne.reward, zeroOne.mu, 0.25))).toBeLessThan(1e-12);
  });

  it('converges to the soft optimum on an MDP whose actions carry only a cost matrix', () => {
    const base = randomMdp(6, 3, 11);
    const mdp = { ...base, positions: null, actionDim: 0 as const, cost: Float64Array.from([0, 1, 4, 1, 0, 1, 4, 1, 0]) };
    const flow = new WassersteinFlow(mdp, specFor('wasserstein-flow', { tau: 0.3 }));
    let last = flow.step();
    for (let i = 0; i < 3000 && last.gap > 1e-11; i++) last = flow.step();
    expect(last.gap).toBeLessThan(1e-10);
    // near the optimum the gap is quadratic in the policy error
    expect(last.tv).toBeLessThan(1e-5);
    expect(last.transportCost).toBeNull();
  });

  it('refuses action spaces it cannot move mass on', () => {
    const same = tabularFromArrays({ S: 1, N: 2, gamma: 0, P: [[[], []]], r: [[0, 1]], cost: [[0, 0], [0, 0]] });
    expect(() => new WassersteinFlow(same, specFor('wasserstein-flow'))).toThrow(/zero transport cost/);
    const single = tabularFromArrays({ S: 1, N: 1, gamma: 0, P: [[[]]], r: [[0]] });
    expect(() => new WassersteinFlow(single, specFor('wasserstein-flow'))).toThrow(MethodInputError);
    const tau0 = bandit1d((x) => x, 4, 0, 1);
    expect(() => new WassersteinFlow(tau0, specFor('wasserstein-flow', { tau: 0 }))).toThrow(/tau > 0/);
  });
});
