/**
 * Messages between the UI thread and `compute.worker.ts`. The UI thread only ever receives metric
 * batches, policy snapshots and lifecycle messages; all mathematics happens in the worker (through the
 * run driver, src/compute/run/driver.ts).
 */
import type { MdpDocument } from '../../../shared/mdp/types';
import type { ComputeBackendId, IterationMetrics, MethodId, MethodOptions } from '../../../shared/methods';
import type { InitChoice } from '../../../compute/initialPolicy';
import type { StopReason } from '../../../compute/run/driver';

export type { InitChoice, StopReason };

export interface WorkerStart {
  type: 'start';
  runId: number;
  document: MdpDocument;
  method: MethodId;
  /** the run's options as stored (the worker parses them by the method's spec; absent keys = defaults or "derived") */
  options: MethodOptions;
  /** the run's one seed (Langevin's noise, a random init) */
  seed: number;
  /** updates: the trace has maxIterations + 1 rows (row 0 = the initial policy) unless the run stops early */
  maxIterations: number;
  backend: ComputeBackendId;
  /** initial policy (default uniform) */
  init?: InitChoice;
  /** target wall time per batch, ms (the driver adapts the batch size to it) */
  batchMs?: number;
}

export type ToWorker = WorkerStart | { type: 'pause' } | { type: 'resume' } | { type: 'cancel' };

export type FromWorker =
  | { type: 'started'; backend: ComputeBackendId; reason?: string; S: number; N: number }
  | { type: 'metrics'; points: IterationMetrics[] }
  | { type: 'snapshot'; iteration: number; policy: Float64Array }
  | { type: 'progress'; iteration: number; maxIterations: number; batchSize: number; paused: boolean }
  | { type: 'backend'; from: number; backend: ComputeBackendId; reason?: string }
  | {
      type: 'done';
      /** 'stalled': the policy stopped changing above the method's gap tolerance (decision D4) */
      status: 'completed' | 'cancelled' | 'stalled';
      stopReason: StopReason;
      iterations: number;
      diagnostics: Record<string, number | string | boolean | null>;
      wallMs: number;
    }
  | {
      type: 'failed';
      error: string;
      iteration: number | null;
      quantity: string | null;
      stopReason: StopReason;
      diagnostics: Record<string, number | string | boolean | null>;
      wallMs: number;
    };
