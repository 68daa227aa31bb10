/**
 * A sampled run asked on the WebGPU backend, with a real Dawn adapter (SwiftShader here): the GPU session
 * refuses the estimator with its precise reason, recorded as the backend change, and the run continues on
 * the reference backend with the trace the reference gives for the same seed, bit for bit.
 */
import { describe, expect, it } from 'vitest';
import { createNodeGpu } from '../../src/cli/nodeGpu';
import { createSession } from '../../src/compute/session';
import { makeRunSpec } from '../../src/compute/run/spec';
import { preset, runRows } from './helpers';

describe('sampled estimator on the webgpu backend', () => {
  it('falls back with the stated reason and gives the reference trace of the same seed', async () => {
    const { gpu } = await createNodeGpu();
    const mdp = preset('frozenlake-4x4');
    const options = { gamma: 0.9, eps: 0.3, estimator: 'monte-carlo', rollouts: 3, horizon: 20 };
    const changes: { from: number; backend: string; reason: string }[] = [];
    const session = await createSession(mdp, makeRunSpec('ot-trpo', options, { mdp, seed: 5 }), { backend: 'webgpu', gpu, onBackendChange: (c) => changes.push(c) });
    const rows = await session.nextBatch(6);
    session.dispose();
    expect(session.backend).toBe('reference');
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ from: 0, backend: 'reference' });
    expect(changes[0].reason).toContain("ot-trpo: estimator 'monte-carlo' (rollouts 3, horizon 20) runs on the reference backend only: a WebGPU batch evaluates Q");
    const ref = runRows(mdp, 'ot-trpo', options, 5, 5);
    const strip = (rs: typeof rows): unknown[] => rs.map(({ wallMs: _w, ...r }) => r);
    expect(strip(rows)).toEqual(strip(ref));
  });
});
