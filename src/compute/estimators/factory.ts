/**
 * The sampled estimator a run's options ask for, built the same way on every backend, so that a run
 * draws the same samples from its seed wherever its update runs (reference/method.ts on the CPU,
 * gpuSplit.ts next to the WebGPU update).
 */
import type { TabularMdp } from '../../shared/mdp/types';
import { methodSpec, type EstimatorOptions } from '../../shared/methodSpecs';
import { MethodInputError, type RunSpec } from '../types';
import { MonteCarloEstimator, type SampledEvaluation } from './monteCarlo';
import { TdLambdaEstimator } from './tdLambda';

export interface RunEstimator {
  estimator: { estimate(update: number, pi: Float64Array): SampledEvaluation };
  /** what it samples, for the diagnostics (`where`: the device it runs on) */
  describe(where: string): string;
  /** truncation bias bound gamma^H / (1 - gamma) of 'monte-carlo' (per unit of max|r - tau KL|) */
  truncationBiasBound?: number;
}

/** The estimator of `spec` (null: the exact evaluation, no estimator option or 'exact'). */
export function createRunEstimator(mdp: TabularMdp, spec: RunSpec, gamma: number, tau: number): RunEstimator | null {
  const method = spec.method;
  if (!('estimator' in methodSpec(method).options)) return null;
  const { estimator, rollouts, horizon, batch, lambda, rewardStd = 0 } = spec.options as EstimatorOptions;
  const noise = rewardStd > 0 ? `, Gaussian reward noise of std ${rewardStd}` : '';
  if (estimator === 'monte-carlo') {
    if (!rollouts || !horizon) throw new MethodInputError(`${method}: estimator 'monte-carlo' needs rollouts >= 1 and horizon >= 1`);
    return {
      estimator: new MonteCarloEstimator(mdp, gamma, tau, rollouts, horizon, spec.seed, rewardStd),
      describe: (where) =>
        `monte-carlo: ${rollouts} rollouts of horizon ${horizon} per state-action pair and from rho0, per update${noise} (${where}, Philox stream of seed ${spec.seed})`,
      truncationBiasBound: Math.pow(gamma, horizon) / (1 - gamma),
    };
  }
  if (estimator === 'td') {
    if (!batch || lambda === undefined) throw new MethodInputError(`${method}: estimator 'td' needs batch >= 1 and lambda in [0, 1]`);
    return {
      estimator: new TdLambdaEstimator(mdp, gamma, tau, batch, lambda, spec.seed, rewardStd),
      describe: (where) =>
        `td: TD(${lambda}) / GAE(${lambda}) from ${batch} on-policy transitions per update with a carried tabular critic${noise} (${where}, Philox stream of seed ${spec.seed})`,
    };
  }
  if (estimator !== undefined && estimator !== 'exact') throw new MethodInputError(`${method}: unknown estimator '${estimator}'`);
  return null;
}
