import { describe, expect, it } from 'vitest';
import type { TabularMdp } from '../../shared/mdp/types';
import { compileMdp } from '../../shared/mdp/compile';
import { presetById } from '../presets';
import type { RunSpec } from '../types';
import { evaluatePolicy, occupancyWithMass, policyObjective } from './evaluation';
import {
  OtTrustRegionIterator,
  OtTrustRegionSolver,
  detectLineCost,
  maxPlusLinear,
  maxPlusQuadratic,
  type LineCost,
} from './otTrustRegion';
import { cellCentres, chainMdp, randomMdp, tabularFromArrays, testRandom } from './testing';
const rng = testRandom;

function lineCost(x: Float64Array, p: 1 | 2): Float64Array {
  const N = x.length;
  const c = new Float64Array(N * N);
  for (let j = 0; j < N; j++)
    for (let k = 0; k < N; k++) {
      const d = Math.abs(x[j] - x[k]);
      c[j * N + k] = p === 2 ? d * d : d;
    }
  return c;
}

function randomProblem(r: () => number, S: number, N: number, sparse: boolean) {
  const policy = new Float64Array(S * N);
  const adv = new Float64Array(S * N);
  const rho = new Float64Array(S);
  let rs = 0;
  for (let s = 0; s < S; s++) {
    rho[s] = r();
    rs += rho[s];
    let tot = 0;
    for (let j = 0; j < N; j++) {
      const p = sparse && r() < 0.5 ? 0 : r();
      policy[s * N + j] = p;
      tot += p;
      adv[s * N + j] = r() * 2 - 1;
    }
    if (tot === 0) {
      policy[s * N] = 1;
      tot = 1;
    }
    for (let j = 0; j < N; j++) policy[s * N + j] /= tot;
  }
  for (let s = 0; s < S; s++) rho[s] /= rs;
  return { policy, adv, rho };
}

describe('max-plus distance transforms', () => {
  it('O(N) linear and quadratic transforms equal the O(N^2) maximisation on random inputs', () => {
    const r = rng(7);
    let worst = 0;
    for (let trial = 0; trial < 200; trial++) {
      const N = 1 + Math.floor(r() * 60);
      const x = new Float64Array(N);
      let acc = r() * 2 - 1;
      for (let j = 0; j < N; j++) {
        acc += trial % 3 === 0 ? 0.1 : 0.01 + r(); // uniform and irregular grids
        x[j] = acc;
      }
      const a = new Float64Array(N + 3);
      for (let k = 0; k < N + 3; k++) a[k] = (r() * 2 - 1) * 3;
      const lam = trial % 10 === 0 ? 1e-3 : r() * 5;
      for (const p of [1, 2] as const) {
        const out = new Float64Array(N);
        const arg = new Int32Array(N);
        if (p === 1) maxPlusLinear(a, 3, x, lam, N, out, arg);
        else maxPlusQuadratic(a, 3, x, lam, N, out, arg, new Int32Array(N), new Float64Array(N + 1));
        for (let j = 0; j < N; j++) {
          let best = -Infinity;
          for (let k = 0; k < N; k++) {
            const d = Math.abs(x[j] - x[k]);
            best = Math.max(best, a[3 + k] - lam * (p === 2 ? d * d : d));
          }
          const d = Math.abs(x[j] - x[arg[j]]);
          const viaArg = a[3 + arg[j]] - lam * (p === 2 ? d * d : d);
          worst = Math.max(worst, Math.abs(out[j] - best), Math.abs(viaArg - best));
        }
      }
    }
    expect(worst).toBeLessThan(1e-12);
  });
});

describe('OT trust-region step (pure, per state)', () => {
  it('realised cost <= eps always, = eps to 1e-9 when active; fast path = dense path', () => {
    const r = rng(11);
    let activeCount = 0;
    let worstActive = 0;
    for (let trial = 0; trial < 120; trial++) {
      const S = 1 + Math.floor(r() * 6);
      const N = 2 + Math.floor(r() * 30);
      const p: 1 | 2 = trial % 2 === 0 ? 1 : 2;
      const x = new Float64Array(N);
      for (let j = 0; j < N; j++) x[j] = -1 + (2 * (j + 0.5)) / N;
      const cost = lineCost(x, p);
      const line: LineCost = { x, p };
      const { policy, adv, rho } = randomProblem(r, S, N, trial % 3 === 0);
      const eps = [1e-3, 0.01, 0.1, 0.5, 5][trial % 5];
      const inp = { rho, policy, advantage: adv, eps, tieTol: 1e-9 };
      const fast = new OtTrustRegionSolver(S, N, cost, line);
      const dense = new OtTrustRegionSolver(S, N, cost, null);
      const outF = new Float64Array(S * N);
      const outD = new Float64Array(S * N);
      const rf = fast.step(inp, true, outF);
      const rd = dense.step(inp, true, outD);
      expect(rf.cost).toBeLessThanOrEqual(eps * (1 + 1e-12));
      expect(rf.exceeded).toBe(false);
      if (rf.lambda > 0) {
        activeCount++;
        worstActive = Math.max(worstActive, Math.abs(rf.cost - eps));
        expect(Math.abs(rf.cost - eps)).toBeLessThan(1e-9);
      }
      expect(Math.abs(rf.lambda - rd.lambda)).toBeLessThan(1e-9 * (1 + rd.lambda));
      expect(Math.abs(rf.G - rd.G)).toBeLessThan(1e-10);
      for (let i = 0; i < S * N; i++) expect(Math.abs(outF[i] - outD[i])).toBeLessThan(1e-12);
      // mass conservation and non-negativity
      for (let s = 0; s < S; s++) {
        let m = 0;
        for (let j = 0; j < N; j++) {
          expect(outF[s * N + j]).toBeGreaterThanOrEqual(0);
          m += outF[s * N + j];
        }
        expect(Math.abs(m - 1)).toBeLessThan(1e-12);
      }
      // strong duality: sum rho pi_new A = G(lambda*) - lambda* (eps - cost)
      let lin = 0;
      for (let s = 0; s < S; s++) for (let j = 0; j < N; j++) lin += rho[s] * outF[s * N + j] * adv[s * N + j];
      expect(Math.abs(lin - (rf.G - rf.lambda * (eps - rf.cost)))).toBeLessThan(1e-10);
    }
    expect(activeCount).toBeGreaterThan(40);
    console.log(`OT step: ${activeCount}/120 active, worst |cost - eps| = ${worstActive.toExponential(2)}`);
  });

  it('tieTol = 0 (only the built-in rounding allowance): still cost <= eps, = eps to 1e-9 when active', () => {
    const r = rng(21);
    let worst = 0;
    for (let trial = 0; trial < 60; trial++) {
      const S = 1 + Math.floor(r() * 5);
      const N = 2 + Math.floor(r() * 25);
      const p: 1 | 2 = trial % 2 === 0 ? 1 : 2;
      const x = new Float64Array(N);
      for (let j = 0; j < N; j++) x[j] = -1 + (2 * (j + 0.5)) / N;
      const cost = lineCost(x, p);
      const { policy, adv, rho } = randomProblem(r, S, N, trial % 3 === 0);
      const eps = [0.003, 0.03, 0.3][trial % 3];
      for (const line of [{ x, p }, null]) {
        const solver = new OtTrustRegionSolver(S, N, cost, line);
        const res = solver.step({ rho, policy, advantage: adv, eps, tieTol: 0 }, true, new Float64Array(S * N));
        expect(res.cost).toBeLessThanOrEqual(eps * (1 + 1e-12));
        if (res.lambda > 0) worst = Math.max(worst, Math.abs(res.cost - eps));
      }
    }
    console.log(`tieTol = 0: worst |cost - eps| over active steps ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(1e-9);
  });

  it('lambda* minimises G: G(lambda*) <= G on a fine grid (dense cost, general matrix)', () => {
    const r = rng(3);
    for (let trial = 0; trial < 30; trial++) {
      const S = 3;
      const N = 6;
      const cost = new Float64Array(N * N);
      for (let j = 0; j < N; j++) for (let k = 0; k < N; k++) cost[j * N + k] = j === k ? 0 : 0.1 + r();
      const { policy, adv, rho } = randomProblem(r, S, N, false);
      const inp = { rho, policy, advantage: adv, eps: 0.2, tieTol: 1e-9 };
      const solver = new OtTrustRegionSolver(S, N, cost, null);
      const res = solver.step(inp, true, new Float64Array(S * N));
      const two = new Float64Array(2);
      for (let i = 0; i <= 400; i++) {
        const lam = (i / 400) * 20;
        solver.dual(inp, lam, two);
        expect(two[0]).toBeGreaterThanOrEqual(res.G - 1e-12);
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------------
// The methods on MDPs

const MOVES: [number, number][] = [
  [-1, 0], // up (row - 1)
  [0, 1], // right
  [1, 0], // down
  [0, -1], // left
];

/** W x H gridworld, 4 actions with positions at unit vectors (cost |x_j - x_k|^2), slip to a random other move. */
function gridworld(W: number, H: number, slip: number, gamma: number): TabularMdp {
  const S = W * H;
  const goal = S - 1;
  const pit = W + 1;
  const P: [number, number][][][] = [];
  const r: number[][] = [];
  const target = (s: number, a: number): number => {
    const row = Math.floor(s / W);
    const col = s % W;
    const nr = Math.min(H - 1, Math.max(0, row + MOVES[a][0]));
    const nc = Math.min(W - 1, Math.max(0, col + MOVES[a][1]));
    return nr * W + nc;
  };
  for (let s = 0; s < S; s++) {
    P.push([]);
    r.push([]);
    for (let a = 0; a < 4; a++) {
      if (s === goal || s === pit) {
        P[s].push([]); // terminal: everything terminates, reward 0
        r[s].push(0);
        continue;
      }
      const out = new Map<number, number>();
      let rew = -0.01;
      for (let b = 0; b < 4; b++) {
        const p = b === a ? 1 - slip : slip / 3;
        const t = target(s, b);
        if (t === goal) rew += p * 1;
        else if (t === pit) rew += p * -1;
        if (t === goal || t === pit) continue; // terminated after the reward
        out.set(t, (out.get(t) ?? 0) + p);
      }
      P[s].push([...out.entries()]);
      r[s].push(rew);
    }
  }
  return tabularFromArrays({
    S,
    N: 4,
    gamma,
    P,
    r,
    positions: [
      [0, 1],
      [1, 0],
      [0, -1],
      [-1, 0],
    ],
    name: `grid-${W}x${H}`,
  });
}

function spec(method: 'ot-trpo' | 'wpo-song', options: Record<string, number>, init: Float64Array | null = null): RunSpec {
  return { method, options: { tau: 0, eps: 0.1, tieTol: 1e-9, ...options }, init, seed: 1 };
}

/** run OT-TRPO and check monotone J, cost <= eps and the paper's improvement bound at every step */
function runChecked(mdp: TabularMdp, eps: number, maxIter: number, tau = 0) {
  const it = new OtTrustRegionIterator(mdp, spec('ot-trpo', { eps, tau }), true);
  let m = it.step();
  let worstBound = Infinity;
  let worstMono = Infinity;
  let worstCost = -Infinity;
  let activeWorst = 0;
  let steps = 0;
  while (!it.done && steps < maxIter) {
    const old = it.policy();
    const Jold = m.J;
    m = it.step();
    steps++;
    const res = it.lastStep!;
    worstCost = Math.max(worstCost, res.cost - eps);
    if (res.lambda > 0) activeWorst = Math.max(activeWorst, Math.abs(res.cost - eps));
    worstMono = Math.min(worstMono, m.J - Jold);
    if (tau === 0) {
      // J(pi_new) >= J(pi) + lambda*/(1-gamma) sum_s dnew_raw(s) C_s (plan cost of the move at s)
      const { d, mass } = occupancyWithMass(mdp, it.policy(), it.gamma);
      let rhs = 0;
      for (let s = 0; s < mdp.S; s++) rhs += d[s] * mass * it.solver.stateCost[s];
      rhs *= res.lambda / (1 - it.gamma);
      worstBound = Math.min(worstBound, m.J - Jold - rhs);
    }
    void old;
  }
  return { it, m, steps, worstBound, worstMono, worstCost, activeWorst };
}

describe('ot-trpo on MDPs', () => {
  it('chain: monotone J, cost <= eps (= eps when active), improvement bound, reaches the exact optimum', () => {
    const mdp = chainMdp(8, 0.9, 0.1);
    const r = runChecked(mdp, 0.05, 2000);
    console.log(
      `chain-8: ${r.steps} updates, gap ${r.m.gap.toExponential(2)}, min dJ ${r.worstMono.toExponential(2)}, ` +
        `min (dJ - bound) ${r.worstBound.toExponential(2)}, max (cost - eps) ${r.worstCost.toExponential(2)}, ` +
        `max |cost - eps| active ${r.activeWorst.toExponential(2)}`,
    );
    expect(r.worstCost).toBeLessThanOrEqual(1e-12);
    expect(r.activeWorst).toBeLessThan(1e-9);
    expect(r.worstMono).toBeGreaterThan(-1e-12);
    expect(r.worstBound).toBeGreaterThan(-1e-10);
    expect(r.m.gap).toBeLessThan(1e-9);
    expect(r.it.done).toBe(true);
  });

  it('random MDPs (with termination): same checks', () => {
    for (const seed of [1, 2, 3]) {
      const mdp = randomMdp(12, 5, seed, { gamma: 0.9, terminate: seed === 3 ? 0.1 : 0 });
      const r = runChecked(mdp, 0.02, 3000);
      console.log(
        `random seed ${seed}: ${r.steps} updates, gap ${r.m.gap.toExponential(2)}, min dJ ${r.worstMono.toExponential(2)}, ` +
          `min (dJ - bound) ${r.worstBound.toExponential(2)}, max (cost - eps) ${r.worstCost.toExponential(2)}`,
      );
      expect(r.worstCost).toBeLessThanOrEqual(1e-12);
      expect(r.activeWorst).toBeLessThan(1e-9);
      expect(r.worstMono).toBeGreaterThan(-1e-12);
      expect(r.worstBound).toBeGreaterThan(-1e-10);
      expect(r.m.gap).toBeLessThan(1e-9);
    }
  });

  it('gridworld 4x4 (2-D positions, dense path): reaches the exact optimum of policy iteration', () => {
    const mdp = gridworld(4, 4, 0.1, 0.95);
    const r = runChecked(mdp, 0.1, 3000);
    console.log(
      `grid 4x4: ${r.steps} updates, gap ${r.m.gap.toExponential(2)}, min dJ ${r.worstMono.toExponential(2)}, ` +
        `min (dJ - bound) ${r.worstBound.toExponential(2)}, max (cost - eps) ${r.worstCost.toExponential(2)}`,
    );
    expect(r.it.solver.line).toBeNull();
    expect(r.worstCost).toBeLessThanOrEqual(1e-12);
    expect(r.worstMono).toBeGreaterThan(-1e-12);
    expect(r.worstBound).toBeGreaterThan(-1e-10);
    expect(r.m.gap).toBeLessThan(1e-9);
    // the exact optimum: J of the final policy equals policy iteration's J*
    const ev = evaluatePolicy(mdp, r.it.policy(), r.it.gamma, 0);
    expect(Math.abs(policyObjective(mdp, ev.V) - r.it.optimum.J)).toBeLessThan(1e-9);
  });

  it('tau > 0: runs on the soft advantage, cost <= eps every step', () => {
    const mdp = randomMdp(6, 4, 5, { gamma: 0.8 });
    const r = runChecked(mdp, 0.05, 30, 0.1);
    expect(r.worstCost).toBeLessThanOrEqual(1e-12);
    expect(r.it.diagnostics().advantage).toMatch(/soft/);
  });

  it('wpo-song (no splitting) exceeds eps on some instance; the fraction is reported', () => {
    let worstFraction = 0;
    let report = '';
    for (const seed of [1, 2, 3, 4]) {
      const mdp = randomMdp(12, 5, seed, { gamma: 0.9 });
      const it = new OtTrustRegionIterator(mdp, spec('wpo-song', { eps: 0.02 }), false);
      it.step();
      for (let k = 0; k < 40 && !it.done; k++) it.step();
      const d = it.diagnostics();
      const frac = d.exceedFraction as number;
      report += `seed ${seed}: ${d.exceedCount}/${d.updates} (${(100 * frac).toFixed(0)}%) max excess ${(d.maxExcess as number).toExponential(2)}; `;
      worstFraction = Math.max(worstFraction, frac);
    }
    console.log(`wpo-song exceed fractions: ${report}`);
    expect(worstFraction).toBeGreaterThan(0);
  });
});

/** S states, 1-D box of n cells on [-1, 1], cost |x_j - x_k|^p, action-dependent transitions */
function lineMdp(S: number, n: number, p: number, seed: number): TabularMdp {
  const r = testRandom(seed);
  const x = cellCentres(n, -1, 1);
  const P: [number, number][][][] = [];
  const R: number[][] = [];
  for (let s = 0; s < S; s++) {
    const c = r() * 1.6 - 0.8;
    P.push([]);
    R.push([]);
    for (let j = 0; j < n; j++) {
      const t = Math.min(S - 1, Math.max(0, Math.round((S - 1) * (0.5 + 0.5 * x[j]))));
      P[s].push(t === s ? [[s, 0.95]] : [[t, 0.8], [s, 0.15]]);
      R[s].push(-Math.abs(x[j] - c) + 0.2 * Math.cos(5 * x[j] + s));
    }
  }
  return tabularFromArrays({
    S,
    N: n,
    gamma: 0.9,
    P,
    r: R,
    rho0: Array.from({ length: S }, () => 1 / S),
    positions: x.map((v) => [v]),
    costPower: p,
    grid: { dim: 1, n, lo: [-1], hi: [1], h: [2 / n] },
    name: `line-${S}x${n}`,
  });
}

describe('ot-trpo fast path on 1-D boxes', () => {
  it('whole runs with the O(N) path equal the O(N^2) path (p = 1 and 2), and reach the optimum', () => {
    for (const p of [1, 2] as const) {
      const mdp = lineMdp(6, 48, p, 9 + p);
      const fast = new OtTrustRegionIterator(mdp, spec('ot-trpo', { eps: 0.01 }), true);
      const dense = new OtTrustRegionIterator(mdp, spec('ot-trpo', { eps: 0.01 }), true, { optimum: fast.optimum });
      dense.solver.forceDense = true;
      expect(fast.solver.line?.p).toBe(p);
      let mf = fast.step();
      dense.step();
      let worst = 0;
      let steps = 0;
      let minDJ = Infinity;
      while (!fast.done && steps < 400) {
        const J = mf.J;
        mf = fast.step();
        dense.step();
        steps++;
        minDJ = Math.min(minDJ, mf.J - J);
        const a = fast.policy();
        const b = dense.policy();
        for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
        expect(mf.transportCost as number).toBeLessThanOrEqual(0.01 * (1 + 1e-12));
      }
      console.log(`line p=${p}: ${steps} updates, fast vs dense max policy difference ${worst.toExponential(2)}, gap ${mf.gap.toExponential(2)}, min dJ ${minDJ.toExponential(2)}`);
      expect(worst).toBeLessThan(1e-12);
      expect(minDJ).toBeGreaterThan(-1e-12);
      expect(mf.gap).toBeLessThan(1e-9);
    }
  });

  it('timing: one step with N = 512, S = 16 (O(N) vs O(N^2) dual evaluations)', () => {
    const S = 16;
    const N = 512;
    const x = new Float64Array(N).map((_, j) => -1 + (j + 0.5) * (2 / N));
    const r = testRandom(4);
    const { policy, adv, rho } = (() => {
      const policy = new Float64Array(S * N).fill(1 / N);
      const adv = new Float64Array(S * N).map((_, i) => Math.sin(0.01 * (i % N) * (1 + (i / N) | 0)) + 0.1 * r());
      const rho = new Float64Array(S).fill(1 / S);
      return { policy, adv, rho };
    })();
    const cost = new Float64Array(N * N);
    for (let j = 0; j < N; j++) for (let k = 0; k < N; k++) cost[j * N + k] = (x[j] - x[k]) ** 2;
    const inp = { rho, policy, advantage: adv, eps: 0.01, tieTol: 1e-9 };
    const fast = new OtTrustRegionSolver(S, N, cost, { x, p: 2 });
    const dense = new OtTrustRegionSolver(S, N, cost, null);
    const o1 = new Float64Array(S * N);
    const o2 = new Float64Array(S * N);
    let t0 = performance.now();
    const rf = fast.step(inp, true, o1);
    const tf = performance.now() - t0;
    t0 = performance.now();
    const rd = dense.step(inp, true, o2);
    const td = performance.now() - t0;
    let worst = 0;
    for (let i = 0; i < S * N; i++) worst = Math.max(worst, Math.abs(o1[i] - o2[i]));
    console.log(`N=512, S=16: fast ${tf.toFixed(1)} ms (${rf.evaluations} dual evaluations, ${rf.certificate}), dense ${td.toFixed(1)} ms (${rd.evaluations}); policy difference ${worst.toExponential(2)}, lambda ${rf.lambda.toExponential(6)} vs ${rd.lambda.toExponential(6)}`);
    expect(worst).toBeLessThan(1e-12);
    expect(Math.abs(rf.cost - 0.01)).toBeLessThan(1e-9);
  });

  it('detectLineCost: recognises |x|^1 and |x|^2 on sorted positions, refuses others', () => {
    expect(detectLineCost(lineMdp(2, 8, 1, 1))?.p).toBe(1);
    expect(detectLineCost(lineMdp(2, 8, 2, 1))?.p).toBe(2);
    expect(detectLineCost(lineMdp(2, 8, 3, 1))).toBeNull();
    expect(detectLineCost(gridworld(3, 3, 0.1, 0.9))).toBeNull();
  });
});

describe('wpo-song on Taxi-v3 (preset)', () => {
  it('reports how often the no-splitting update exceeds eps', () => {
    const preset = presetById('taxi');
    if (!preset) return;
    const c = compileMdp(preset.build({ gamma: 0.9 }));
    if (!c.ok) throw new Error('taxi did not compile');
    const mdp = c.mdp;
    for (const eps of [0.01, 0.1]) {
      const it = new OtTrustRegionIterator(mdp, spec('wpo-song', { eps }), false);
      let m = it.step();
      for (let k = 0; k < 30 && !it.done; k++) m = it.step();
      const d = it.diagnostics();
      const ot = new OtTrustRegionIterator(mdp, spec('ot-trpo', { eps }), true, { optimum: it.optimum });
      let mo = ot.step();
      for (let k = 0; k < 30 && !ot.done; k++) mo = ot.step();
      console.log(
        `Taxi eps=${eps}: wpo-song exceeded eps in ${d.exceedCount}/${d.updates} updates (${(100 * (d.exceedFraction as number)).toFixed(0)}%), ` +
          `max excess ${(d.maxExcess as number).toExponential(2)}, gap ${m.gap.toExponential(2)}; ot-trpo exceeded ${ot.diagnostics().exceedCount}/${ot.diagnostics().updates}, gap ${mo.gap.toExponential(2)}`,
      );
      expect(ot.diagnostics().exceedCount).toBe(0);
    }
  });
});
