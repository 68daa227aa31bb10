/**
 * The run driver (src/compute/run/driver.ts) on real methods and presets, reference backend: the
 * iteration count (N updates = N + 1 rows), the one seed, the stall detector, the refusal of nonsense
 * options by the specs, worse-than-start and overflow, the snapshot schedule, pause / resume / cancel.
 */
import { describe, expect, it } from 'vitest';
import { compileMdp } from '../../src/shared/mdp/compile';
import type { MdpDocument, TabularMdp } from '../../src/shared/mdp/types';
import { mdpFacts, parseMethodOptions, REGULARISED_METHODS, type IterationMetrics, type MethodId } from '../../src/shared/methods';
import { presetById } from '../../src/compute/presets';
import { driveRun, RunControl, nextSnapshotTarget, type RunOutcome } from '../../src/compute/run/driver';
import { makeRunSpec } from '../../src/compute/run/spec';
import { randomPolicy } from '../../src/compute/initialPolicy';
import type { Policy } from '../../src/compute/types';

function preset(id: string, params?: Record<string, number>): TabularMdp {
  const r = compileMdp(presetById(id)!.build(params));
  if (!r.ok) throw new Error(r.issues.map((i) => i.message).join('; '));
  return r.mdp;
}

interface Collected {
  outcome: RunOutcome;
  rows: IterationMetrics[];
  snapshots: { iteration: number; policy: Policy }[];
}

async function drive(
  mdp: TabularMdp,
  method: MethodId,
  options: Record<string, unknown>,
  maxIterations: number,
  extra: { seed?: number; init?: Policy | null; control?: RunControl; onRow?: (m: IterationMetrics) => void } = {},
): Promise<Collected> {
  const spec = makeRunSpec(method, options, { seed: extra.seed ?? 1, init: extra.init ?? null, mdp });
  const rows: IterationMetrics[] = [];
  const snapshots: Collected['snapshots'] = [];
  let finished: RunOutcome | null = null;
  const outcome = await driveRun({
    mdp,
    spec,
    maxIterations,
    session: { backend: 'reference' },
    control: extra.control,
    sink: {
      append: (points) => {
        rows.push(...points);
        for (const p of points) extra.onRow?.(p);
      },
      snapshot: (iteration, policy) => void snapshots.push({ iteration, policy: Float64Array.from(policy) }),
      backend() {},
      finish: (o) => void (finished = o),
    },
  });
  expect(finished).toBe(outcome);
  return { outcome, rows, snapshots };
}

const withoutWall = (rows: IterationMetrics[]) => rows.map(({ wallMs: _w, ...rest }) => rest);

describe('run driver', () => {
  it('N updates give N + 1 trace rows (row 0 is the initial policy): NPG and OT-TRPO', async () => {
    const frozen = preset('frozenlake-4x4');
    for (const [method, options] of [
      ['npg', { tau: 0.1, eta: 0.05 }],
      ['ot-trpo', { eps: 0.05 }],
    ] as const) {
      const { rows, outcome } = await drive(frozen, method, options, 5);
      expect(rows.map((r) => r.iteration)).toEqual([0, 1, 2, 3, 4, 5]);
      expect(rows[0].policyChange).toBeNull();
      expect(outcome.iterations).toBe(5);
      expect(outcome.stopReason).toBe('max-iterations');
    }
  });

  it("the run's seed drives Langevin: seeds 1 and 2 differ, the same seed is bit-identical", async () => {
    const mdp = preset('bandit-quadratic');
    const options = { tau: 0.05, particles: 64, dt: 2e-3 };
    const a = await drive(mdp, 'langevin', options, 20, { seed: 1 });
    const b = await drive(mdp, 'langevin', options, 20, { seed: 1 });
    const c = await drive(mdp, 'langevin', options, 20, { seed: 2 });
    expect(withoutWall(a.rows)).toEqual(withoutWall(b.rows));
    expect(a.snapshots.map((s) => Array.from(s.policy))).toEqual(b.snapshots.map((s) => Array.from(s.policy)));
    expect(c.rows[20].J).not.toBe(a.rows[20].J);
    expect(withoutWall(c.rows)).not.toEqual(withoutWall(a.rows));
  });

  it('a random init draws from the run seed (and only from it)', () => {
    const mdp = preset('frozenlake-4x4');
    expect(Array.from(randomPolicy(mdp, 3))).toEqual(Array.from(randomPolicy(mdp, 3)));
    expect(Array.from(randomPolicy(mdp, 3))).not.toEqual(Array.from(randomPolicy(mdp, 4)));
  });

  it('a policy frozen away from the optimum ends stalled, never converged (KL trust region of radius 1e-30)', async () => {
    const { outcome, rows } = await drive(preset('frozenlake-4x4'), 'kl-trpo', { delta: 1e-30 }, 500);
    expect(outcome.status).toBe('stalled');
    expect(outcome.converged).toBe(false);
    expect(outcome.diagnostics.stopReason).toBe('stalled');
    expect(outcome.diagnostics.convergenceCriterion).toMatch(/gap/);
    expect(outcome.detail).toMatch(/stalled at iteration \d+/);
    // it stopped long before its budget, with the gap still far above the tolerance
    expect(rows.length).toBeLessThan(100);
    expect(rows[rows.length - 1].gap).toBeGreaterThan(1e3 * (outcome.diagnostics.gapTolerance as number));
  });

  it('a method whose own update reaches a non-optimal fixed point ends stalled (softmax PG from a deterministic wrong policy)', async () => {
    const mdp = preset('chain');
    // every state on action 0; the logits of action 1 are -Infinity, so the exact gradient cannot revive it
    const init = new Float64Array(mdp.S * mdp.N);
    for (let s = 0; s < mdp.S; s++) init[s * mdp.N] = 1;
    const plain = await drive(mdp, 'value-iteration', {}, 1000);
    expect(plain.outcome.converged).toBe(true);
    const { outcome, rows } = await drive(mdp, 'softmax-pg', { eta: 1 }, 1000, { init });
    const last = rows[rows.length - 1];
    expect(last.gap).toBeGreaterThan(1e-3);
    expect(outcome.status).toBe('stalled');
    expect(outcome.converged).toBe(false);
  });

  it('the same method converging meets its stated criterion (OT-TRPO on FrozenLake)', async () => {
    const { outcome, rows } = await drive(preset('frozenlake-4x4', { gamma: 0.95 }), 'ot-trpo', { eps: 0.2 }, 200);
    expect(outcome.status).toBe('completed');
    expect(outcome.converged).toBe(true);
    expect(rows[rows.length - 1].gap).toBeLessThanOrEqual(outcome.diagnostics.gapTolerance as number);
  });

  it('refuses the nonsense settings of issue 8 with messages naming the option, its range and the method', () => {
    const frozen = mdpFacts(preset('frozenlake-4x4'));
    const bandit = mdpFacts(preset('bandit-quadratic'));
    const refused = (method: MethodId, given: Record<string, unknown>, facts = frozen) => {
      const r = parseMethodOptions(method, given, facts);
      expect(r.ok, `${method} ${JSON.stringify(given)}`).toBe(false);
      return r.ok ? [] : r.errors;
    };
    const [delta] = refused('kl-trpo', { delta: 1e12 });
    expect(delta.key).toBe('delta');
    expect(delta.message).toMatch(/^kl-trpo: option 'delta' must lie in \(0, /);
    // the KL radius is bounded by log N on the MDP (log 4 = 1.386...)
    expect(refused('kl-trpo', { delta: 2 })[0].message).toMatch(/\(0, 1\.38629\]/);
    expect(refused('ot-trpo', { tieTol: 1e300 })[0].message).toMatch(/ot-trpo: option 'tieTol' must lie in \[0, 0\.000001\]/);
    expect(refused('ot-trpo', { eps: 5 })[0].message).toMatch(/ot-trpo: option 'eps' \(radius\) must lie in \(0, 4\]/);
    expect(refused('langevin', { dt: 1e6 }, bandit)[0].message).toMatch(/langevin: option 'dt' must lie in \(0, 1\]/);
    // inside the static range but beyond the stability limit on this box (width 2, tau 0.1: 1.25)
    expect(refused('langevin', { dt: 0.9, tau: 0.5 }, bandit)[0].message).toMatch(/stability limit/);
    expect(refused('npg', { tau: 0.1, eta: 50 })[0].message).toMatch(/npg: option 'eta' must lie in \(0, 0\.\d+\].*alpha/);
    for (const method of ['ot-trpo', 'wpo-song', 'kl-trpo'] as const) {
      const [e] = refused(method, { tau: 0.1 });
      expect(e.key).toBe('tau');
      for (const m of REGULARISED_METHODS) expect(e.message).toContain(m);
    }
    expect(refused('npg', { gamma: Number.NaN })[0].message).toMatch(/npg: option 'gamma' must be a finite number in \[0, 0\.999999\]/);
    expect(refused('npg', { bogus: 1 })[0].message).toMatch(/unknown option 'bogus'/);
  });

  it('NPG frozen by underflowed probabilities (the issue-8 CliffWalking case) is never reported converged', async () => {
    const { outcome, rows } = await drive(preset('cliffwalking'), 'npg', { gamma: 0.99, tau: 0.1 }, 400);
    const last = rows[rows.length - 1];
    // either the log-space NPG reaches the optimum within its tolerance, or the run says it stalled
    if (last.gap > (outcome.diagnostics.gapTolerance as number)) expect(outcome.status).toBe('stalled');
    else expect(outcome).toMatchObject({ status: 'completed', converged: true });
  });

  it('jko-sinkhorn at gamma 0.999999: with the problem-scaled step it moves, and claims convergence only below its tolerance', async () => {
    const { outcome } = await drive(preset('frozenlake-4x4'), 'jko-sinkhorn', { gamma: 0.999999 }, 1000);
    expect(['stalled', 'completed']).toContain(outcome.status);
    const gap = outcome.final!.gap;
    const tol = outcome.diagnostics.gapTolerance as number;
    if (outcome.converged) expect(gap).toBeLessThanOrEqual(tol);
    else expect(outcome.status === 'stalled' || outcome.stopReason === 'max-iterations').toBe(true);
    // the derived step moves mass: the old defaults (eta 0.05, eps 0.01) left J unchanged to 1e-11
    expect(outcome.diagnostics.massMovedMean as number).toBeGreaterThan(1e-6);
  });

  it('jko-sinkhorn at gamma 0.999999 with the old fixed step (eta 0.05) does not move and ends stalled, not converged', async () => {
    const { outcome } = await drive(preset('frozenlake-4x4'), 'jko-sinkhorn', { gamma: 0.999999, eta: 0.05, eps: 0.01 }, 1000);
    expect(outcome.status).toBe('stalled');
    expect(outcome.converged).toBe(false);
  });

  it('gaussian-w2 with a step far too large ends failed (worse than it started), reporting best and final J', async () => {
    const { outcome } = await drive(preset('bandit-quadratic'), 'gaussian-w2', { eta: 50 }, 300);
    expect(outcome.status).toBe('failed');
    expect(outcome.stopReason).toBe('worse-than-start');
    expect(outcome.diagnostics.bestJ as number).toBeGreaterThan(outcome.diagnostics.finalJ as number);
    expect(outcome.error).toMatch(/ended worse than it started: J went from/);
  });

  it('an overflowing problem fails naming the quantity', async () => {
    const doc: MdpDocument = {
      format: 'wasserstein-workbench/mdp',
      version: 1,
      name: 'huge',
      states: [{ label: 'only' }],
      actions: { kind: 'discrete', labels: ['x', 'y'] },
      gamma: 0.9,
      initial: [1],
      rewards: { kind: 'table', values: [[1e308, 0]] },
      transitions: { kind: 'table', entries: [{ s: 0, a: 0, next: 0, p: 1 }, { s: 0, a: 1, next: 0, p: 1 }] },
    } as MdpDocument;
    const compiled = compileMdp(doc);
    if (!compiled.ok) throw new Error('the document should compile');
    const { outcome } = await drive(compiled.mdp, 'ot-trpo', {}, 10);
    expect(outcome.status).toBe('failed');
    expect(outcome.stopReason).toBe('diverged');
    expect(outcome.error).toMatch(/Infinity/);
    expect(outcome.quantity).toMatch(/V|J|Q/);
  });

  it('snapshots at iteration 0, at powers of two, every ~5% and at the last row', async () => {
    expect(nextSnapshotTarget(0, 100)).toBe(1);
    expect(nextSnapshotTarget(4, 100)).toBe(5);
    expect(nextSnapshotTarget(8, 100)).toBe(10);
    const { snapshots, rows } = await drive(preset('frozenlake-4x4'), 'npg', { tau: 0.1, eta: 0.05 }, 40);
    // budget 40: 5% is every 2 iterations once past the first powers of two
    expect(snapshots.map((s) => s.iteration)).toEqual([0, 1, 2, ...Array.from({ length: 19 }, (_, k) => 4 + 2 * k)]);
    expect(rows.length).toBe(41);
    // each snapshot is the policy of its row: the first is uniform
    expect(Array.from(snapshots[0].policy)).toEqual(new Array(64).fill(0.25));
  });

  it('pause holds the loop, resume continues, cancel ends the run cancelled with its rows', async () => {
    const control = new RunControl();
    let paused = false;
    const result = drive(preset('bandit-quadratic'), 'langevin', { tau: 0.05, particles: 16 }, 1_000_000, {
      control,
      onRow: (m) => {
        if (m.iteration >= 50 && !paused) {
          paused = true;
          control.pause();
          setTimeout(() => {
            control.resume();
            setTimeout(() => control.cancel(), 20);
          }, 20);
        }
      },
    });
    const { outcome, rows } = await result;
    expect(outcome.status).toBe('cancelled');
    expect(outcome.stopReason).toBe('cancelled');
    expect(rows.length).toBeGreaterThan(50);
    expect(rows.map((r) => r.iteration)).toEqual(rows.map((_, i) => i));
  });
});
