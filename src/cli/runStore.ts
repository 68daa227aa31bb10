/**
 * The CLI's view of the workbench database: the same services the app uses (src/main/services), so a
 * headless run lands exactly as an app run does (MDP, run row, trace points, final snapshot).
 */
import { DatabaseOpenError, openDatabase } from '../main/db';
import { createWorkbenchService } from '../main/services';
import { APP_VERSION } from '../main/version';
import type { MdpDocument } from '../shared/mdp/types';
import type { ComputeBackendId, IterationMetrics, MethodId, MethodOptions } from '../shared/methods';
import type { Diagnostics, Policy } from '../compute/types';
import { UsageError } from './args';

export interface RunStore {
  begin(run: {
    document: MdpDocument;
    preset: string | null;
    method: MethodId;
    options: MethodOptions;
    backend: ComputeBackendId;
    seed: number;
    maxIterations: number;
  }): number;
  recordBackend(runId: number, change: { from: number; backend: ComputeBackendId; reason: string }): void;
  append(runId: number, points: IterationMetrics[]): void;
  snapshot(runId: number, iteration: number, policy: Policy): void;
  finish(runId: number, status: 'completed' | 'failed' | 'cancelled', error: string | null, diagnostics: Diagnostics, wallMs: number): void;
  close(): void;
}

export function openRunStore(path: string): RunStore {
  let db;
  try {
    db = openDatabase(path);
  } catch (error) {
    if (error instanceof DatabaseOpenError) throw new UsageError(error.message);
    throw error;
  }
  // The app may be open on the same file: leave its running runs alone.
  const service = createWorkbenchService(db, { version: APP_VERSION, transport: 'browser' }, { recoverInterrupted: false });
  const database = db;
  return {
    begin(run) {
      const mdp = service.call('mdps:save', { document: run.document, preset: run.preset });
      const record = service.call('runs:create', {
        mdpId: mdp.id,
        method: run.method,
        label: `${run.method} (cli)`,
        options: run.options,
        backend: run.backend,
        seed: run.seed,
        maxIterations: run.maxIterations,
      });
      service.call('runs:start', { id: record.id });
      return record.id;
    },
    recordBackend(runId, change) {
      service.call('runs:recordBackend', { id: runId, ...change });
    },
    append(runId, points) {
      if (points.length) service.call('runs:appendTrace', { id: runId, points });
    },
    snapshot(runId, iteration, policy) {
      service.call('runs:addSnapshot', { id: runId, iteration, policy: Array.from(policy) });
    },
    finish(runId, status, error, diagnostics, wallMs) {
      service.call('runs:finish', { id: runId, status, error, diagnostics, wallMs });
    },
    close() {
      database.close();
    },
  };
}
