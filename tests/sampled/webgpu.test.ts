/**
 * Sampled runs on the WebGPU backend with a real Dawn adapter (SwiftShader here): the estimator runs on
 * the CPU and the update on the GPU (estimators/gpuSplit.ts), stated in the backend change. Against the
 * f64 reference run of the same seed: the same samples (the CPU estimator reads the f32 policy, and every
 * draw falls on the same side of its CDF step), the same trace to f32 accuracy, the same sampled and exact
 * move costs of the trust region; the same seed twice gives bit-identical traces, two seeds differ; with
 * qEvery > 1 samples are drawn only on the refresh updates.
 */
import { describe, expect, it } from 'vitest';
import { createNodeGpu } from '../../src/cli/nodeGpu';
import { createSession } from '../../src/compute/session';
import { makeRunSpec } from '../../src/compute/run/spec';
import type { IterationMetrics, MethodId } from '../../src/shared/methods';
import { preset, runRows } from './helpers';

const mdp = preset('frozenlake-4x4');

/** one Dawn instance for the file (its device and compiled pipelines are shared by the sessions) */
let dawn: Promise<GPU> | null = null;

async function gpuRun(method: MethodId, options: Record<string, unknown>, updates: number, seed: number) {
  dawn ??= createNodeGpu().then((g) => g.gpu);
  const gpu = await dawn;
  const changes: { from: number; backend: string; reason: string }[] = [];
  const session = await createSession(mdp, makeRunSpec(method, options, { mdp, seed }), { backend: 'webgpu', gpu, onBackendChange: (c) => changes.push(c) });
  const rows = await session.nextBatch(updates + 1);
  const backend = session.backend;
  session.dispose();
  return { rows, changes, backend };
}
const strip = (rs: IterationMetrics[]): unknown[] => rs.map(({ wallMs: _w, ...r }) => r);
const rel = (a: number, b: number): number => Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), 1e-3);

describe('sampled estimator on the webgpu backend: estimate on the CPU, update on the GPU', () => {
  it('NPG: stated in the backend segment; the reference samples and trace to f32; same seed bit-identical, two seeds differ', async () => {
    const options = { gamma: 0.9, tau: 0.05, eta: 1, estimator: 'monte-carlo', rollouts: 8, horizon: 40 };
    const a = await gpuRun('npg', options, 8, 5);
    expect(a.backend).toBe('webgpu');
    expect(a.changes).toHaveLength(1);
    expect(a.changes[0].backend).toBe('webgpu');
    expect(a.changes[0].reason).toContain('estimator on the CPU, update on the GPU: monte-carlo: 8 rollouts of horizon 40');
    const ref = runRows(mdp, 'npg', options, 8, 5);
    expect(a.rows.map((r) => r.samples)).toEqual(ref.map((r) => r.samples));
    for (let i = 0; i < ref.length; i++) {
      expect(rel(a.rows[i].J, ref[i].J), `J at ${i}`).toBeLessThan(1e-4);
      if (i > 0) expect(rel(a.rows[i].estimatorRms as number, ref[i].estimatorRms as number), `rms at ${i}`).toBeLessThan(1e-3);
    }
    const b = await gpuRun('npg', options, 8, 5);
    expect(strip(b.rows)).toEqual(strip(a.rows));
    const c = await gpuRun('npg', options, 8, 6);
    expect(c.rows[8].J).not.toBe(a.rows[8].J);
  });

  it('OT-TRPO: sampled and exact move costs and violations match the reference', async () => {
    const options = { gamma: 0.9, eps: 0.3, estimator: 'monte-carlo', rollouts: 4, horizon: 30 };
    const g = await gpuRun('ot-trpo', options, 5, 7);
    expect(g.backend).toBe('webgpu');
    const ref = runRows(mdp, 'ot-trpo', options, 5, 7);
    expect(g.rows.map((r) => r.samples)).toEqual(ref.map((r) => r.samples));
    for (let i = 1; i < ref.length; i++) {
      expect(rel(g.rows[i].sampledMoveCost as number, ref[i].sampledMoveCost as number), `sampled cost at ${i}`).toBeLessThan(1e-3);
      expect(rel(g.rows[i].exactMoveCost as number, ref[i].exactMoveCost as number), `exact cost at ${i}`).toBeLessThan(1e-3);
      expect(rel(g.rows[i].transportCost as number, g.rows[i].sampledMoveCost as number), `cost at ${i}`).toBeLessThan(1e-4);
    }
  });

  it('wasserstein-flow with qEvery 3: samples are drawn on the refresh updates only, as on the reference', async () => {
    const options = { gamma: 0.9, tau: 0.1, qEvery: 3, estimator: 'td', batch: 100, lambda: 0.5 };
    const g = await gpuRun('wasserstein-flow', options, 7, 3);
    expect(g.backend).toBe('webgpu');
    expect(g.rows.map((r) => r.samples)).toEqual([0, 100, 100, 100, 200, 200, 200, 300]);
    expect(g.rows.map((r) => r.samples)).toEqual(runRows(mdp, 'wasserstein-flow', options, 7, 3).map((r) => r.samples));
    expect(g.rows[2].estimatorRms).toBeNull();
  });
});
