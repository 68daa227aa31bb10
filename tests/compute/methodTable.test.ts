/**
 * Every method of the catalogue, started the way the app and the CLI start it (spec parse + run driver),
 * on the presets it applies to: each must reach the exact optimum of the same discretised problem
 * (value gap against soft value iteration / policy iteration), or, for the Gaussian family, improve
 * J monotonically to the best Gaussian. One table, so a method that stops working cannot hide.
 */
import { describe, expect, it } from 'vitest';
import { compileMdp } from '../../src/shared/mdp/compile';
import { METHODS, type IterationMetrics, type MethodId } from '../../src/shared/methods';
import { presetById } from '../../src/compute/presets';
import { driveRun } from '../../src/compute/run/driver';
import { makeRunSpec } from '../../src/compute/run/spec';
import type { TabularMdp } from '../../src/shared/mdp/types';

function preset(id: string, params?: Record<string, number>): TabularMdp {
  const r = compileMdp(presetById(id)!.build(params));
  if (!r.ok) throw new Error(`${id}: ${r.issues.map((i) => i.message).join('; ')}`);
  return r.mdp;
}

/** `iterations` updates through the run driver (reference backend); the trace (row 0 first). */
async function run(mdp: TabularMdp, method: MethodId, options: Record<string, unknown>, iterations: number): Promise<IterationMetrics[]> {
  const spec = makeRunSpec(method, options, { seed: 7, mdp });
  const trace: IterationMetrics[] = [];
  const outcome = await driveRun({
    mdp,
    spec,
    maxIterations: iterations,
    session: { backend: 'reference' },
    snapshots: false,
    sink: { append: (points) => void trace.push(...points), snapshot() {}, backend() {}, finish() {} },
  });
  if (outcome.status === 'failed') throw new Error(outcome.detail);
  return trace;
}

interface Row {
  method: MethodId;
  mdp: () => TabularMdp;
  options: Record<string, unknown>;
  iterations: number;
  /** final gap must be below this */
  gap: number;
  /** J must never decrease (beyond round-off) */
  monotone?: boolean;
}

const frozen = () => preset('frozenlake-4x4', { gamma: 0.95 });
const cliff = () => preset('cliffwalking', { gamma: 0.9 });
const bandit = () => preset('bandit-bimodal');
const quadratic = () => preset('bandit-quadratic');

const TABLE: Row[] = [
  { method: 'soft-value-iteration', mdp: frozen, options: { tau: 0.1 }, iterations: 5000, gap: 1e-9 },
  { method: 'value-iteration', mdp: frozen, options: {}, iterations: 5000, gap: 1e-9 },
  { method: 'policy-iteration', mdp: cliff, options: {}, iterations: 50, gap: 1e-10, monotone: true },
  { method: 'wasserstein-flow', mdp: frozen, options: { tau: 0.1 }, iterations: 3000, gap: 1e-8 },
  { method: 'wasserstein-flow', mdp: quadratic, options: { tau: 0.05 }, iterations: 6000, gap: 1e-8 },
  // Two peaks: mass must cross the valley between them, which the W2 flow does slowly (metastability:
  // at tau = 0.05 the gap is still 6e-2 after 6000 steps; at tau = 0.2 it is 2e-4 after 20000).
  { method: 'wasserstein-flow', mdp: bandit, options: { tau: 0.2 }, iterations: 20000, gap: 1e-3 },
  { method: 'jko-sinkhorn', mdp: quadratic, options: { tau: 0.05, eta: 0.5, eps: 0.002 }, iterations: 200, gap: 5e-3 },
  { method: 'langevin', mdp: quadratic, options: { tau: 0.05, particles: 4096, dt: 0.002 }, iterations: 600, gap: 2e-2 },
  { method: 'ot-trpo', mdp: cliff, options: { eps: 0.5 }, iterations: 100, gap: 1e-10, monotone: true },
  { method: 'ot-trpo', mdp: frozen, options: { eps: 0.2 }, iterations: 100, gap: 1e-10, monotone: true },
  { method: 'wpo-song', mdp: frozen, options: { eps: 0.2 }, iterations: 100, gap: 1e-6 },
  { method: 'npg', mdp: frozen, options: { tau: 0.1, eta: 0.25 }, iterations: 400, gap: 1e-9 },
  { method: 'kl-trpo', mdp: frozen, options: { delta: 0.1 }, iterations: 300, gap: 1e-4, monotone: true },
  { method: 'softmax-pg', mdp: () => preset('chain'), options: { eta: 5, gamma: 0.9 }, iterations: 3000, gap: 1e-3 },
  { method: 'gaussian-w2', mdp: quadratic, options: { tau: 0.05, eta: 0.2 }, iterations: 400, gap: 1e-3, monotone: true },
  { method: 'gaussian-w2-newton', mdp: quadratic, options: { tau: 0.05 }, iterations: 60, gap: 1e-3, monotone: true },
  { method: 'wpo-actor', mdp: quadratic, options: { tau: 0.05, eta: 1 }, iterations: 400, gap: 1e-3, monotone: true },
];

describe('every method reaches the exact optimum of the same problem (reference backend)', () => {
  it('covers the whole catalogue', () => {
    const covered = new Set(TABLE.map((r) => r.method));
    expect(METHODS.filter((m) => !covered.has(m.id)).map((m) => m.id)).toEqual([]);
  });

  for (const row of TABLE) {
    it(`${row.method} on ${row.mdp().name} ${JSON.stringify(row.options)}`, async () => {
      const trace = await run(row.mdp(), row.method, row.options, row.iterations);
      const last = trace[trace.length - 1];
      expect(trace[0].iteration).toBe(0);
      for (const p of trace) {
        expect(Number.isFinite(p.J)).toBe(true);
        expect(p.gap).toBeGreaterThan(-1e-9);
      }
      if (row.monotone) for (let i = 1; i < trace.length; i++) expect(trace[i].J).toBeGreaterThanOrEqual(trace[i - 1].J - 1e-10);
      expect(last.gap).toBeLessThan(row.gap);
    });
  }
});
