/**
 * Sampled estimators of Q and the occupancy (issue 15). The reference backend runs them inside
 * IterativeMethod (reference/method.ts); on the WebGPU backend the estimator runs on the CPU and the
 * update on the GPU (gpuSplit.ts), which the run's backend segment states. Both build the estimator with
 * createRunEstimator (factory.ts): the same code and the same Philox stream of the run's seed.
 */
export { TdLambdaEstimator } from './tdLambda';
export { advantageError, MonteCarloEstimator, ESTIMATOR_STREAM, REWARD_NOISE_STREAM, type SampledEvaluation } from './monteCarlo';
export { createRunEstimator, type RunEstimator } from './factory';
export { SampledGpuSession } from './gpuSplit';
