/**
 * Sampled estimators of Q and the occupancy (issue 15). The reference backend runs them inside
 * IterativeMethod (reference/method.ts); the WebGPU backend refuses them (gpuEstimatorGuard), so a run
 * asking for one on 'webgpu' continues on the reference backend by the session's fallback rule (the
 * reason is written into its backend segments), or fails when fallback is forbidden. Not done: the
 * split the issue allows (estimate on the CPU, update on the GPU), which needs the GPU plan to read a
 * Q and d uploaded per update instead of its own evaluation passes.
 */
import { methodSpec, type EstimatorOptions } from '../../shared/methodSpecs';
import { MethodInputError, type RunSpec } from '../types';

export { TdLambdaEstimator } from './tdLambda';
export { advantageError, MonteCarloEstimator, ESTIMATOR_STREAM, type SampledEvaluation } from './monteCarlo';

/** Throws when the run asks for a sampled estimator: the GPU kernels read the exact evaluation only. */
export function gpuEstimatorGuard(spec: RunSpec): void {
  if (!('estimator' in methodSpec(spec.method).options)) return;
  const { estimator, rollouts, horizon, batch, lambda } = spec.options as EstimatorOptions;
  if (estimator !== undefined && estimator !== 'exact') {
    const budget = estimator === 'td' ? `batch ${batch ?? '-'}, lambda ${lambda ?? '-'}` : `rollouts ${rollouts ?? '-'}, horizon ${horizon ?? '-'}`;
    throw new MethodInputError(
      `${spec.method}: estimator '${estimator}' (${budget}) runs on the reference backend only: a WebGPU batch evaluates Q and the occupancy on the GPU between the updates it records and has no step that takes a CPU estimate in their place, so the whole run (sampling and updates) continues in f64 on the CPU, with the samples the run's seed gives there`,
    );
  }
}
