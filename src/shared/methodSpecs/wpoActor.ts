/** §6 The WPO actor: theta <- theta + eta F^-1 E[J_theta(a)^T grad_a Q(s, a)] with exact quadrature. */
import { gammaOption, tauOption } from './common';
import type { MethodSpec } from './types';
import { estimatorChecks, estimatorOptions, type EstimatorOptions } from './estimator';

export interface WpoActorOptions extends EstimatorOptions {
  tau: number;
  gamma?: number;
  eta: number;
  sigma0: number;
  fisherDamping: number;
}

export const wpoActorSpec: MethodSpec<WpoActorOptions> = {
  id: 'wpo-actor',
  title: 'WPO actor (parametric Wasserstein policy update)',
  family: 'wasserstein',
  section: '§6',
  doc: 'docs/methods.md#wpo-actor',
  summary: 'theta <- theta + eta F^-1 E[J_theta(a)^T grad_a Q(s,a)] with exact quadrature on the grid.',
  actions: 'box',
  tau: 'allowed',
  iterations: 300,
  convergence: 'a stationary point of the Gaussian family (the update direction vanishes); the gap to the tabular optimum need not vanish',
  gapTolerance: null,
  options: {
    tau: tauOption(0.05),
    gamma: gammaOption,
    eta: { kind: 'number', label: 'eta (step)', help: 'Step size.', unit: '', default: 0.05, min: 0, minExclusive: true, max: 1e6 },
    sigma0: { kind: 'number', label: 'initial sigma', help: 'Initial standard deviation.', unit: 'action units', default: 0.5, min: 0, minExclusive: true, max: 1e6 },
    fisherDamping: { kind: 'number', label: 'Fisher damping', help: 'Added to the Fisher matrix diagonal.', unit: '', default: 1e-6, min: 0, max: 1e6 },
    ...estimatorOptions,
  },
  checks: (o, facts) => estimatorChecks('wpo-actor', o, facts),
};
