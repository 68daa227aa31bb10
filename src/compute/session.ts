/**
 * Sessions: the one way callers (the renderer's compute worker, the CLI, the benchmarks) run a method.
 * `createSession` picks the backend; the WebGPU backend falls back to the f64 reference when no adapter
 * exists, the method has no GPU kernels, or the device is lost mid-run (unless the caller forbids it),
 * and reports every switch through `onBackendChange` so the run records which backend produced which
 * iterations.
 */
import type { TabularMdp } from '../shared/mdp/types';
import type { ComputeBackendId, IterationMetrics } from '../shared/methods';
import { DivergenceError, type ComputeSession, type Diagnostics, type Policy, type RunSpec } from './types';
import { referenceMethod } from './reference/registry';

export function createReferenceSession(mdp: TabularMdp, spec: RunSpec): ComputeSession {
  const iterator = referenceMethod(spec.method).start(mdp, spec);
  return {
    backend: 'reference',
    method: spec.method,
    get done() {
      return iterator.done;
    },
    async nextBatch(maxIterations: number): Promise<IterationMetrics[]> {
      const out: IterationMetrics[] = [];
      for (let i = 0; i < maxIterations && !iterator.done; i++) out.push(iterator.step());
      return out;
    },
    async policy(): Promise<Policy> {
      return iterator.policy();
    },
    diagnostics(): Diagnostics {
      return iterator.diagnostics();
    },
    dispose() {},
  };
}

export interface SessionOptions {
  backend: ComputeBackendId;
  /** navigator.gpu in a page or worker; the Dawn GPU in Node */
  gpu?: GPU | null;
  /** why `gpu` is missing when the caller knows (e.g. Dawn found no adapter) */
  gpuUnavailable?: string;
  /** false: fail instead of continuing on the reference backend */
  allowFallback?: boolean;
  /** iterations the GPU backend encodes per submit */
  gpuBatch?: number;
  onBackendChange?: (change: { from: number; backend: ComputeBackendId; reason: string }) => void;
}

export async function createSession(mdp: TabularMdp, spec: RunSpec, options: SessionOptions): Promise<ComputeSession> {
  if (options.backend === 'reference') return createReferenceSession(mdp, spec);
  const allowFallback = options.allowFallback ?? true;
  const fallBack = (reason: string): ComputeSession => {
    if (!allowFallback) throw new Error(`WebGPU backend unavailable and fallback forbidden: ${reason}`);
    options.onBackendChange?.({ from: 0, backend: 'reference', reason });
    return createReferenceSession(mdp, spec);
  };
  if (!options.gpu) return fallBack(options.gpuUnavailable ?? 'no WebGPU implementation (navigator.gpu is missing)');
  const webgpu = await import('./webgpu/index');
  let gpuSession: ComputeSession;
  try {
    gpuSession = await webgpu.openWebGpuSession(options.gpu, mdp, spec, { batch: options.gpuBatch });
  } catch (error) {
    return fallBack(error instanceof Error ? error.message : String(error));
  }
  // a sampled run states how it splits (estimator on the CPU, update on the GPU) in its backend segment
  const note = (gpuSession as { backendNote?: string }).backendNote;
  options.onBackendChange?.({ from: 0, backend: 'webgpu', reason: note ? `requested; ${note}` : 'requested' });
  return withDeviceLossFallback(gpuSession, mdp, spec, allowFallback, options.onBackendChange);
}

/**
 * Wraps a GPU session so that a lost device or a failing submit continues the run on the reference
 * backend from the last policy read back (the run's iteration count carries on). Divergence is not a
 * backend failure: it propagates.
 */
function withDeviceLossFallback(
  gpu: ComputeSession,
  mdp: TabularMdp,
  spec: RunSpec,
  allowFallback: boolean,
  onBackendChange: SessionOptions['onBackendChange'],
): ComputeSession {
  let active: ComputeSession = gpu;
  let iterations = 0;
  let lastPolicy: Policy | null = null;
  let batches = 0;
  return {
    get backend() {
      return active.backend;
    },
    method: spec.method,
    get done() {
      return active.done;
    },
    async nextBatch(maxIterations: number) {
      try {
        const batch = await active.nextBatch(maxIterations);
        if (active === gpu && ++batches % 8 === 0) lastPolicy = await gpu.policy();
        const offset = iterations;
        iterations += batch.length;
        return active === gpu ? batch : batch.map((m) => ({ ...m, iteration: m.iteration + offset }));
      } catch (error) {
        if (error instanceof DivergenceError || active !== gpu || !allowFallback) throw error;
        const reason = `WebGPU failed at iteration ${iterations}: ${error instanceof Error ? error.message : String(error)}`;
        gpu.dispose();
        active = createReferenceSession(mdp, { ...spec, init: lastPolicy ?? spec.init });
        onBackendChange?.({ from: iterations, backend: 'reference', reason });
        const batch = await active.nextBatch(maxIterations);
        const offset = iterations;
        iterations += batch.length;
        return batch.map((m) => ({ ...m, iteration: m.iteration + offset }));
      }
    },
    policy: () => active.policy(),
    diagnostics: () => active.diagnostics(),
    dispose: () => active.dispose(),
  };
}
