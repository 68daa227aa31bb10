/** §6 Gaussian policies, damped Newton steps (H + lambda I) delta = -g in (m, sigma). */
import { gammaOption, tauOption } from './common';
import type { MethodSpec } from './types';
import { estimatorChecks, estimatorOptions, type EstimatorOptions } from './estimator';

export interface GaussianW2NewtonOptions extends EstimatorOptions {
  tau: number;
  gamma?: number;
  damping: number;
  sigma0: number;
  /** floor on sigma; absent: half a grid cell */
  sigmaMin?: number;
}

export const gaussianW2NewtonSpec: MethodSpec<GaussianW2NewtonOptions> = {
  id: 'gaussian-w2-newton',
  title: 'Gaussian policies, W2 Newton',
  family: 'wasserstein',
  section: '§6',
  doc: 'docs/methods.md#gaussian-w2-newton',
  summary: 'Damped Newton steps (H + lambda I) delta = -g in (m, sigma) coordinates.',
  actions: 'box',
  tau: 'allowed',
  iterations: 60,
  convergence: 'a stationary point of the Gaussian family (no ascending step is left); the gap to the tabular optimum need not vanish',
  gapTolerance: null,
  options: {
    tau: tauOption(0.05),
    gamma: gammaOption,
    damping: { kind: 'number', label: 'initial damping lambda', help: 'Levenberg–Marquardt damping, raised until the step ascends.', unit: '', default: 1e-3, min: 0, max: 1e12 },
    sigma0: { kind: 'number', label: 'initial sigma', help: 'Initial standard deviation.', unit: 'action units', default: 0.5, min: 0, minExclusive: true, max: 1e6 },
    sigmaMin: { kind: 'number', label: 'minimum sigma', help: 'Floor on sigma; leave it out for half a grid cell.', unit: 'action units', absent: 'half a grid cell', min: 0, minExclusive: true, max: 1e6 },
    ...estimatorOptions,
  },
  checks: (o, facts) => estimatorChecks('gaussian-w2-newton', o, facts),
};
