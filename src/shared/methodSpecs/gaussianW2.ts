/** §6 Gaussian policies N(m, sigma^2) per state on the action grid, W2 gradient ascent in (m, sigma). */
import { gammaOption, tauOption, weightingOption } from './common';
import type { MethodSpec } from './types';
import { estimatorChecks, estimatorOptions, type EstimatorOptions } from './estimator';

export interface GaussianW2Options extends EstimatorOptions {
  tau: number;
  gamma?: number;
  weighting: 'uniform' | 'occupancy';
  eta: number;
  sigma0: number;
  /** floor on sigma; absent: half a grid cell */
  sigmaMin?: number;
}

export const gaussianW2Spec: MethodSpec<GaussianW2Options> = {
  id: 'gaussian-w2',
  title: 'Gaussian policies, W2 gradient',
  family: 'wasserstein',
  section: '§6',
  doc: 'docs/methods.md#gaussian-w2',
  summary: 'Per-state N(m, sigma^2) on the grid; gradient ascent in the flat W2 coordinates (m, sigma).',
  actions: 'box',
  tau: 'allowed',
  iterations: 300,
  convergence: 'a stationary point of the Gaussian family (no parameter moves); the gap to the tabular optimum need not vanish',
  gapTolerance: null,
  options: {
    tau: tauOption(0.05),
    gamma: gammaOption,
    weighting: weightingOption,
    eta: { kind: 'number', label: 'eta (step)', help: 'Step size.', unit: '', default: 0.05, min: 0, minExclusive: true, max: 1e6 },
    sigma0: { kind: 'number', label: 'initial sigma', help: 'Initial standard deviation, in action units.', unit: 'action units', default: 0.5, min: 0, minExclusive: true, max: 1e6 },
    sigmaMin: { kind: 'number', label: 'minimum sigma', help: 'Floor on sigma; leave it out for half a grid cell.', unit: 'action units', absent: 'half a grid cell', min: 0, minExclusive: true, max: 1e6 },
    ...estimatorOptions,
  },
  checks: (o, facts) => estimatorChecks('gaussian-w2', o, facts),
};
