/**
 * Sampled estimators of Q and the occupancy (issue 15). The reference backend runs them inside
 * IterativeMethod (reference/method.ts); the WebGPU backend refuses them (gpuEstimatorGuard), so a run
 * asking for one on 'webgpu' continues on the reference backend by the session's fallback rule (the
 * reason is written into its backend segments), or fails when fallback is forbidden.
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
    throw new MethodInputError(`${spec.method}: estimator '${estimator}' (${budget}) runs on the reference backend only; the WebGPU kernels read the exact evaluation`);
  }
}
