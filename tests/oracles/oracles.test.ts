/**
 * The f64 reference against oracles computed outside the project (issue 8, item 8): fixtures written by
 * tests/oracles/generate.py with numpy / scipy / POT (see README.md here); CI reads only the JSON.
 *
 *  - Sinkhorn plans and costs vs POT (ot.sinkhorn / ot.sinkhorn2, log domain);
 *  - OT-TRPO steps vs scipy.optimize.linprog on the trust-region LP of ALGORITHMS.md §5: the LP's optimal
 *    value equals the step's linearised objective sum_s rho(s) sum_k pi_new(k|s) A(s,k);
 *  - soft (and plain) optimal values vs soft policy iteration with exact linear solves (numpy);
 *  - the Gibbs density of the three 1-D bandit presets vs quadrature (scipy.integrate.quad): the discrete
 *    optimum is the midpoint rule of the same integrals, so it converges at O(h^2).
 *
 * Each fixture built on a preset stores the preset's fingerprint; a preset that changed since the fixture
 * was generated fails here with "regenerate" instead of being compared against the wrong problem.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { presetById } from '../../src/compute/presets';
import { evaluatePolicy } from '../../src/compute/reference/evaluation';
import { OtTrustRegionSolver } from '../../src/compute/reference/otTrustRegion';
import { sinkhornLogDomain } from '../../src/compute/reference/sinkhorn';
import { solveOptimum } from '../../src/compute/reference/solvers';
import { compileMdp } from '../../src/shared/mdp/compile';
import type { TabularMdp } from '../../src/shared/mdp/types';
import { ORACLE_PRESETS, fingerprint } from './presetsUsed';

const HERE = dirname(fileURLToPath(import.meta.url));
const load = <T>(name: string): T => JSON.parse(readFileSync(join(HERE, name), 'utf8')) as T;

function compiled(key: string): TabularMdp {
  const p = ORACLE_PRESETS.find((q) => q.key === key);
  if (!p) throw new Error(`unknown oracle preset ${key}`);
  const r = compileMdp(presetById(p.id)!.build(p.params));
  if (!r.ok) throw new Error(`${key} did not compile`);
  return r.mdp;
}

/** the compiled preset, checked against the fingerprint stored in the fixture */
function presetFor(key: string, stored: number[]): TabularMdp {
  const m = compiled(key);
  const now = fingerprint(m);
  for (let i = 0; i < now.length; i++) {
    if (Math.abs(now[i] - stored[i]) > 1e-9 * Math.max(1, Math.abs(stored[i])))
      throw new Error(`preset ${key} changed since its oracle fixture was generated: regenerate (tests/oracles/README.md)`);
  }
  return m;
}

interface SinkhornCase { name: string; n: number; m: number; eps: number; a: number[]; b: number[]; C: number[]; plan: number[]; cost: number; value: number }
interface OtCase { name: string; key?: string; fingerprint?: number[]; S: number; N: number; eps: number; rho: number[]; policy: number[]; advantage: number[]; cost: number[]; value: number; lambda: number }
interface SoftCase { key: string; fingerprint: number[]; gamma: number; tau: number; V: number[]; J: number; bellmanResidual: number }
interface GibbsCase { preset: string; tau: number; V: number; mean: number; variance: number; cellMasses: Record<string, number[]> }

describe('oracle: Sinkhorn vs POT', () => {
  const { cases } = load<{ cases: SinkhornCase[] }>('sinkhorn.json');
  it(`${cases.length} plans and costs agree to 1e-9 (plan, max abs) and 1e-10 (cost, relative)`, () => {
    let worstPlan = 0;
    let worstCost = 0;
    for (const c of cases) {
      const r = sinkhornLogDomain(Float64Array.from(c.a), Float64Array.from(c.b), Float64Array.from(c.C), c.eps, 1e-14, 200_000);
      expect(r.converged).toBe(true);
      // our plan: exp(f_i/eps - C_ik/eps + g_k/eps)
      let planErr = 0;
      for (let i = 0; i < c.n; i++)
        for (let k = 0; k < c.m; k++) {
          const p = Math.exp((r.f[i] + r.g[k] - c.C[i * c.m + k]) / c.eps);
          planErr = Math.max(planErr, Math.abs(p - c.plan[i * c.m + k]));
        }
      const costErr = Math.abs(r.cost - c.cost) / Math.abs(c.cost);
      const valueErr = Math.abs(r.value - c.value) / Math.max(1, Math.abs(c.value));
      console.log(`Sinkhorn ${c.name}, eps ${c.eps}: plan max error ${planErr.toExponential(2)}, cost rel. error ${costErr.toExponential(2)}, W_eps error ${valueErr.toExponential(2)}, ${r.iterations} iterations`);
      worstPlan = Math.max(worstPlan, planErr);
      worstCost = Math.max(worstCost, costErr, valueErr);
    }
    console.log(`Sinkhorn vs POT: worst plan error ${worstPlan.toExponential(2)}, worst cost/value error ${worstCost.toExponential(2)}`);
    expect(worstPlan).toBeLessThan(1e-9);
    expect(worstCost).toBeLessThan(1e-10);
  });
});

describe('oracle: OT-TRPO step vs the trust-region LP (scipy linprog)', () => {
  const { cases } = load<{ cases: OtCase[] }>('otTrustRegion.json');
  it(`${cases.length} steps: linearised objective = LP optimum (1e-9 relative), realised cost <= eps`, () => {
    let worst = 0;
    for (const c of cases) {
      const { S, N } = c;
      let rho: Float64Array = Float64Array.from(c.rho);
      let adv = Float64Array.from(c.advantage);
      const policy = Float64Array.from(c.policy);
      if (c.key) {
        // preset cases: the reference's own evaluation of the uniform policy must give numpy's A and rho
        const mdp = presetFor(c.key, c.fingerprint!);
        const ev = evaluatePolicy(mdp, policy, mdp.gamma, 0, null, 1e-12, { occupancy: true });
        let evErr = 0;
        const ownAdv = new Float64Array(S * N);
        for (let s = 0; s < S; s++)
          for (let j = 0; j < N; j++) {
            ownAdv[s * N + j] = ev.Q[s * N + j] - ev.V[s];
            evErr = Math.max(evErr, Math.abs(ownAdv[s * N + j] - adv[s * N + j]));
          }
        for (let s = 0; s < S; s++) evErr = Math.max(evErr, Math.abs(ev.d![s] - rho[s]));
        expect(evErr).toBeLessThan(1e-10);
        adv = ownAdv;
        rho = Float64Array.from(ev.d!);
      }
      const solver = new OtTrustRegionSolver(S, N, Float64Array.from(c.cost), null);
      const out = new Float64Array(S * N);
      const res = solver.step({ rho, policy, advantage: adv, eps: c.eps, tieTol: 1e-12 }, true, out);
      let lin = 0;
      for (let s = 0; s < S; s++) for (let k = 0; k < N; k++) lin += rho[s] * out[s * N + k] * adv[s * N + k];
      const err = Math.abs(lin - c.value) / Math.max(1e-3, Math.abs(c.value));
      const lamErr = Math.abs(res.lambda - c.lambda) / Math.max(1, Math.abs(c.lambda));
      console.log(
        `OT-TRPO ${c.name}, eps ${c.eps}: step objective ${lin.toPrecision(12)} vs LP ${c.value.toPrecision(12)} (rel. ${err.toExponential(2)}); ` +
          `lambda* ${res.lambda.toPrecision(8)} vs LP dual ${c.lambda.toPrecision(8)}; realised cost ${res.cost.toPrecision(6)}`,
      );
      worst = Math.max(worst, err);
      expect(err).toBeLessThan(1e-9);
      expect(Math.abs(res.G - c.value) / Math.max(1e-3, Math.abs(c.value))).toBeLessThan(1e-9);
      expect(res.cost).toBeLessThanOrEqual(c.eps * (1 + 1e-12));
      // the LP's multiplier of the cost constraint is lambda* (unique where the dual is not flat)
      expect(lamErr).toBeLessThan(1e-6);
    }
    console.log(`OT-TRPO vs LP: worst relative error ${worst.toExponential(2)}`);
  });
});

describe('oracle: soft optimal values vs exact linear solves (numpy)', () => {
  const { cases } = load<{ cases: SoftCase[] }>('softValues.json');
  it(`${cases.length} (preset, tau) pairs: V* to 1e-10 relative, J* to 1e-11 relative`, () => {
    let worst = 0;
    for (const c of cases) {
      const mdp = presetFor(c.key, c.fingerprint);
      const opt = solveOptimum(mdp, c.gamma, c.tau);
      let vErr = 0;
      let vMax = 1;
      for (let s = 0; s < mdp.S; s++) {
        vErr = Math.max(vErr, Math.abs(opt.V[s] - c.V[s]));
        vMax = Math.max(vMax, Math.abs(c.V[s]));
      }
      const jErr = Math.abs(opt.J - c.J) / Math.max(1, Math.abs(c.J));
      console.log(`soft values ${c.key} (gamma ${c.gamma}, tau ${c.tau}): J* ${opt.J.toPrecision(15)} vs ${c.J.toPrecision(15)}, max |V - V_numpy| ${vErr.toExponential(2)} (|V| <= ${vMax.toPrecision(3)})`);
      worst = Math.max(worst, vErr / vMax);
      expect(vErr / vMax).toBeLessThan(1e-10);
      expect(jErr).toBeLessThan(1e-11);
    }
    console.log(`soft values vs numpy: worst relative V error ${worst.toExponential(2)}`);
  });
});

describe('oracle: Gibbs density of the 1-D bandits vs quadrature (scipy.integrate.quad)', () => {
  const { cases } = load<{ cases: GibbsCase[] }>('gibbsBandits.json');
  it(`${cases.length} (bandit, tau) pairs: V*, mean, variance and cell masses converge at O(h^2) to the integrals`, () => {
    for (const c of cases) {
      const errs: { n: number; V: number; mean: number; variance: number; tv: number }[] = [];
      for (const n of [64, 256]) {
        const r = compileMdp(presetById(c.preset)!.build({ n }));
        if (!r.ok) throw new Error(`${c.preset} did not compile`);
        const mdp = r.mdp;
        const opt = solveOptimum(mdp, 0, c.tau);
        const x = mdp.positions!;
        const p = opt.policy;
        let mean = 0;
        for (let j = 0; j < n; j++) mean += p[j] * x[j];
        let variance = 0;
        for (let j = 0; j < n; j++) variance += p[j] * (x[j] - mean) ** 2;
        const cells = c.cellMasses[String(n)];
        let tv = 0;
        for (let j = 0; j < n; j++) tv += 0.5 * Math.abs(p[j] - cells[j]);
        errs.push({ n, V: Math.abs(opt.J - c.V), mean: Math.abs(mean - c.mean), variance: Math.abs(variance - c.variance), tv });
      }
      const h = (n: number) => 2 / n;
      console.log(
        `Gibbs ${c.preset} tau ${c.tau}: ` +
          errs.map((e) => `n ${e.n}: |V*-V| ${e.V.toExponential(2)}, |mean| ${e.mean.toExponential(2)}, |var| ${e.variance.toExponential(2)}, TV ${e.tv.toExponential(2)}`).join('; '),
      );
      const [a, b] = errs;
      // midpoint rule: the error is C h^2 with C = (1/24) |int p''| / ... of order (max |r''| / tau + (r'/tau)^2);
      // bounded here by 50 (1 + 1/tau^2) h^2, and it falls by about 16 when h is divided by 4
      const bound = (n: number) => 50 * (1 + 1 / c.tau ** 2) * h(n) ** 2;
      for (const e of errs) for (const v of [e.V, e.variance, e.tv]) expect(v).toBeLessThan(bound(e.n));
      // (for a peak far from the walls the midpoint rule is spectrally accurate and the error drops to
      // round-off at once: only errors above 1e-9 at n = 256 are held to the h^2 ratio)
      for (const key of ['V', 'variance', 'tv'] as const) {
        if (b[key] > 1e-9 && a[key] / b[key] <= 12) throw new Error(`${c.preset} tau ${c.tau}: ${key} error ${a[key]} -> ${b[key]} is not O(h^2)`);
      }
    }
  });
});
