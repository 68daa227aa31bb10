/**
 * The CLI's view of the workbench database: the same services the app uses (src/main/services), so a
 * headless run lands exactly as an app run does (MDP, run row, trace points, the driver's snapshots,
 * the finish with its diagnostics). MDP dedupe and run ids are the services' business.
 */
import { DatabaseOpenError, openDatabase } from '../main/db';
import { createWorkbenchService } from '../main/services';
import { APP_VERSION } from '../main/version';
import type { CallPayload, PolicySnapshot, RunRecord, TraceColumns } from '../shared/api';
import type { MdpDocument } from '../shared/mdp/types';
import type { ComputeBackendId, IterationMetrics, MethodId, MethodOptions } from '../shared/methods';
import type { Diagnostics, Policy } from '../compute/types';
import type { RunEndStatus } from '../compute/run/driver';
import { UsageError } from './args';

export type RunInitPayload = NonNullable<CallPayload<'runs:create'>['init']>;

export interface RunStore {
  begin(run: {
    document: MdpDocument;
    preset: string | null;
    method: MethodId;
    options: MethodOptions;
    backend: ComputeBackendId;
    seed: number;
    maxIterations: number;
    label: string | null;
    experiment: string | null;
    /** the run's initial policy, recorded with it (re-runs start from it) */
    init?: RunInitPayload;
  }): number;
  recordBackend(runId: number, change: { from: number; backend: ComputeBackendId; reason: string }): void;
  append(runId: number, points: IterationMetrics[]): void;
  snapshot(runId: number, iteration: number, policy: Policy): void;
  finish(runId: number, status: RunEndStatus, error: string | null, diagnostics: Diagnostics, wallMs: number): void;
  /** a stored run and its policy snapshots (for --init run:ID) */
  run(runId: number): RunRecord;
  snapshots(runId: number): PolicySnapshot[];
  /** every stored row of a run's trace (no downsampling) */
  trace(runId: number): TraceColumns;
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
  const service = createWorkbenchService(db, { version: APP_VERSION, transport: 'browser' }, { recoverInterrupted: false, ownerKind: 'cli' });
  const database = db;
  const experimentId = (name: string): number => {
    const found = service.call('experiments:list', {}).find((e) => e.name === name);
    return found ? found.id : service.call('experiments:create', { name }).id;
  };
  return {
    begin(run) {
      const mdp = service.call('mdps:save', { document: run.document, preset: run.preset });
      const record = service.call('runs:create', {
        mdpId: mdp.id,
        experimentId: run.experiment === null ? null : experimentId(run.experiment),
        method: run.method,
        label: run.label ?? `${run.method} (cli)`,
        options: run.options,
        backend: run.backend,
        seed: run.seed,
        maxIterations: run.maxIterations,
        ...(run.init ? { init: run.init } : {}),
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
      // 'stalled' is a run status of its own (decision D4; the store's migration adds it)
      service.call('runs:finish', { id: runId, status: status as 'completed', error, diagnostics, wallMs });
    },
    run(runId) {
      return service.call('runs:get', { id: runId });
    },
    snapshots(runId) {
      return service.call('runs:snapshots', { id: runId });
    },
    trace(runId) {
      return service.call('runs:trace', { ids: [runId] })[0];
    },
    close() {
      database.close();
    },
  };
}
