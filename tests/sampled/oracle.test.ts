/**
 * runs:oracle in a real SQLite file: the exact run of a sampled run's configuration (same MDP, method,
 * options without the estimator block, initial policy, and seed where the exact run reads one) is found,
 * ranked same seed first, and the configuration to compute it is returned when there is none.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WorkbenchApiError } from '../../src/shared/api';
import { openDatabase } from '../../src/main/db';
import { createWorkbenchService } from '../../src/main/services';
import { presetById } from '../../src/compute/presets';
import { referenceMethod } from '../../src/compute/reference/registry';
import { makeRunSpec } from '../../src/compute/run/spec';
import { randomPolicy } from '../../src/compute/initialPolicy';
import type { IterationMetrics, MethodId } from '../../src/shared/methods';
import { tempDir } from '../main/fixtures';
import { preset, runRows } from './helpers';

describe('runs:oracle', () => {
  it('finds the exact run of the same configuration, prefers the same seed, and names the configuration when absent', () => {
    const { dir, cleanup } = tempDir('wwb-oracle-');
    const db = openDatabase(join(dir, 'wb.sqlite'));
    try {
      const service = createWorkbenchService(db, { version: '0.0.0', transport: 'browser' });
      const fl = preset('frozenlake-4x4');
      const saved = service.call('mdps:save', { document: presetById('frozenlake-4x4')!.build(), preset: 'frozenlake-4x4' });
      const run = (method: MethodId, options: Record<string, number | string>, seed: number, rows: IterationMetrics[], mdpId = saved.id) => {
        const r = service.call('runs:create', { mdpId, method, options, backend: 'reference', seed, maxIterations: 6 });
        service.call('runs:appendTrace', { id: r.id, points: rows });
        return r;
      };
      const exactOpts = { gamma: 0.9, eps: 0.3 };
      const sampledOpts = { ...exactOpts, estimator: 'monte-carlo', rollouts: 4, horizon: 30 };
      const sampled = run('ot-trpo', sampledOpts, 7, runRows(fl, 'ot-trpo', sampledOpts, 3, 7));

      // none stored yet: the answer names the configuration, estimator block left out
      const none = service.call('runs:oracle', { id: sampled.id });
      expect(none.sampled).toBe(true);
      expect(none.oracleId).toBeNull();
      expect(none.config).toMatchObject({ mdpId: saved.id, method: 'ot-trpo', seed: 7, maxIterations: 6 });
      expect(none.config!.options).toMatchObject(exactOpts);
      for (const k of ['estimator', 'rollouts', 'horizon', 'batch', 'lambda', 'rewardStd']) expect(k in none.config!.options, k).toBe(false);

      // not oracles: another radius, another sampled run, a random initial policy, a failed run
      run('ot-trpo', { ...exactOpts, eps: 0.2 }, 7, runRows(fl, 'ot-trpo', { ...exactOpts, eps: 0.2 }, 2, 7));
      run('ot-trpo', { ...sampledOpts, rollouts: 8 }, 7, runRows(fl, 'ot-trpo', { ...sampledOpts, rollouts: 8 }, 2, 7));
      const it = referenceMethod('ot-trpo').start(fl, { ...makeRunSpec('ot-trpo', exactOpts, { seed: 7, mdp: fl }), init: randomPolicy(fl, 7) });
      run('ot-trpo', exactOpts, 7, [it.step(), it.step()]);
      const failed = run('ot-trpo', exactOpts, 7, runRows(fl, 'ot-trpo', exactOpts, 2, 7));
      service.call('runs:finish', { id: failed.id, status: 'failed', error: 'test: failed on purpose' });
      expect(service.call('runs:oracle', { id: sampled.id }).oracleId).toBeNull();

      // the exact run under another seed is the same run (OT-TRPO's exact update reads no seed) ...
      const otherSeed = run('ot-trpo', exactOpts, 3, runRows(fl, 'ot-trpo', exactOpts, 4, 3));
      expect(service.call('runs:oracle', { id: sampled.id }).oracleId).toBe(otherSeed.id);
      // ... but the same seed ranks first, also with fewer iterations
      const sameSeed = run('ot-trpo', { ...none.config!.options } as Record<string, number | string>, 7, runRows(fl, 'ot-trpo', exactOpts, 2, 7));
      expect(service.call('runs:oracle', { id: sampled.id }).oracleId).toBe(sameSeed.id);

      // a WebGPU run's iteration-0 row is f32: agreement to 1e-5 relative counts as the same initial policy
      const gpuRows = runRows(fl, 'ot-trpo', sampledOpts, 2, 9).map((r) => ({ ...r, J: r.J * (1 + 3e-7) }));
      const onGpu = service.call('runs:create', { mdpId: saved.id, method: 'ot-trpo', options: sampledOpts, backend: 'webgpu', seed: 9, maxIterations: 6 });
      service.call('runs:appendTrace', { id: onGpu.id, points: gpuRows });
      expect(service.call('runs:oracle', { id: onGpu.id }).oracleId).toBe(otherSeed.id);
      const offRef = run('ot-trpo', sampledOpts, 9, gpuRows);
      expect(service.call('runs:oracle', { id: offRef.id }).oracleId).toBeNull();

      // an exact run has no oracle; an unknown run is not found
      expect(service.call('runs:oracle', { id: sameSeed.id })).toEqual({ sampled: false, oracleId: null, config: null });
      expect(() => service.call('runs:oracle', { id: 9999 })).toThrow(WorkbenchApiError);

      // Langevin's exact run reads its seed: another seed is not its oracle
      const bandit = service.call('mdps:save', { document: presetById('bandit-quadratic')!.build({ n: 16 }), preset: 'bandit-quadratic' });
      const bq = preset('bandit-quadratic', { n: 16 });
      const lvExact = { tau: 0.1 };
      const lvSampled = { ...lvExact, estimator: 'td', batch: 50, lambda: 0 };
      const lv = run('langevin', lvSampled, 1, runRows(bq, 'langevin', lvSampled, 2, 1), bandit.id);
      run('langevin', lvExact, 2, runRows(bq, 'langevin', lvExact, 2, 2), bandit.id);
      expect(service.call('runs:oracle', { id: lv.id }).oracleId).toBeNull();
      const lvOracle = run('langevin', lvExact, 1, runRows(bq, 'langevin', lvExact, 2, 1), bandit.id);
      expect(service.call('runs:oracle', { id: lv.id }).oracleId).toBe(lvOracle.id);
    } finally {
      db.close();
      cleanup();
    }
  });
});
