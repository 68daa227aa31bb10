/**
 * The sampled trace metrics in a real SQLite file (migration 0004): main validates the estimator options
 * of runs:create against the MDP (horizon 0 and an oversized budget refused, nothing stored), stores a
 * real sampled trace and returns its new columns unchanged; an exact run's columns are null.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WorkbenchApiError } from '../../src/shared/api';
import { openDatabase } from '../../src/main/db';
import { createWorkbenchService } from '../../src/main/services';
import { presetById } from '../../src/compute/presets';
import { tempDir } from '../main/fixtures';
import { preset, runRows } from './helpers';

const NEW = ['samples', 'estimatorBias', 'estimatorRms', 'sampledMoveCost', 'exactMoveCost', 'sampledViolation', 'exactViolation'] as const;

describe('sampled metrics in the database', () => {
  it('stores and returns the sampled columns; exact runs keep them null; bad budgets are refused by main', () => {
    const { dir, cleanup } = tempDir('wwb-sampled-');
    const db = openDatabase(join(dir, 'wb.sqlite'));
    try {
      const service = createWorkbenchService(db, { version: '0.0.0', transport: 'browser' });
      const saved = service.call('mdps:save', { document: presetById('frozenlake-4x4')!.build(), preset: 'frozenlake-4x4' });
      const options = { gamma: 0.9, eps: 0.3, estimator: 'monte-carlo', rollouts: 4, horizon: 30 };
      const create = (opts: Record<string, number | string>) =>
        service.call('runs:create', { mdpId: saved.id, method: 'ot-trpo', options: opts, backend: 'reference', seed: 7, maxIterations: 6 });
      const before = service.call('runs:list', {}).length;
      const refusal = (opts: Record<string, number | string>): string => {
        try {
          create(opts);
        } catch (e) {
          expect(e).toBeInstanceOf(WorkbenchApiError);
          return (e as WorkbenchApiError).details.join('; ');
        }
        throw new Error('expected a refusal');
      };
      expect(refusal({ ...options, horizon: 0 })).toContain("option 'horizon' is 0");
      expect(refusal({ ...options, rollouts: 1_000_000, horizon: 1000 })).toContain('(16·4 + 1)·1000000·1000 = 6.500e+10 sampled transitions per update, above the limit');
      expect(service.call('runs:list', {}).length).toBe(before);

      const run = create(options);
      const rows = runRows(preset('frozenlake-4x4'), 'ot-trpo', options, 6, 7);
      service.call('runs:appendTrace', { id: run.id, points: rows });
      const [trace] = service.call('runs:trace', { ids: [run.id] });
      for (const key of NEW) expect(trace.columns[key], key).toEqual(rows.map((r) => r[key] ?? null));
      expect(trace.columns.samples![6]).toBeGreaterThan(0);

      const exactRun = create({ gamma: 0.9, eps: 0.3 });
      service.call('runs:appendTrace', { id: exactRun.id, points: runRows(preset('frozenlake-4x4'), 'ot-trpo', { gamma: 0.9, eps: 0.3 }, 3, 7) });
      const [exactTrace] = service.call('runs:trace', { ids: [exactRun.id] });
      for (const key of NEW) expect(exactTrace.columns[key]?.every((v) => v === null), key).toBe(true);
    } finally {
      db.close();
      cleanup();
    }
  });
});
