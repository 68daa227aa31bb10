/**
 * Messages between the UI thread and `compute.worker.ts`. The UI thread only ever receives metric
 * batches, policy snapshots and lifecycle messages; all mathematics happens in the worker.
 */
import type { MdpDocument } from '../../../shared/mdp/types';
import type { ComputeBackendId, IterationMetrics, MethodId, MethodOptions } from '../../../shared/methods';

export interface WorkerStart {
  type: 'start';
  runId: number;
  document: MdpDocument;
  method: MethodId;
  /** resolved options (defaults filled; NaN allowed: structured clone keeps it) */
  options: MethodOptions;
  seed: number;
  maxIterations: number;
  backend: ComputeBackendId;
  /** target wall time per batch, ms (the worker adapts the batch size to it) */
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
      status: 'completed' | 'cancelled';
      iterations: number;
      diagnostics: Record<string, number | string | boolean | null>;
      wallMs: number;
    }
  | {
      type: 'failed';
      error: string;
      iteration: number | null;
      quantity: string | null;
      diagnostics: Record<string, number | string | boolean | null>;
      wallMs: number;
    };
