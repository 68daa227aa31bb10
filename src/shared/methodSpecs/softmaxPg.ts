/** §7 Softmax policy gradient with the exact gradient on the logits. */
import { gammaOption, tauOption } from './common';
import type { MethodSpec } from './types';
import { estimatorChecks, estimatorOptions, type EstimatorOptions } from './estimator';

export interface SoftmaxPgOptions extends EstimatorOptions {
  tau: number;
  gamma?: number;
  eta: number;
}

export const softmaxPgSpec: MethodSpec<SoftmaxPgOptions> = {
  id: 'softmax-pg',
  title: 'Softmax policy gradient',
  family: 'kl',
  section: '§7',
  doc: 'docs/methods.md#softmax-pg',
  summary: 'Exact gradient d(s) pi(j|s) A(s,j) / (1-gamma) on the logits.',
  actions: 'any',
  tau: 'allowed',
  iterations: 500,
  convergence: 'gap J* - J below 1e-11 of the problem scale (sublinear rate at tau = 0)',
  gapTolerance: 1e-11,
  options: {
    tau: tauOption(0),
    gamma: gammaOption,
    eta: { kind: 'number', label: 'eta (step)', help: 'Step size on the logits.', unit: '', default: 1, min: 0, minExclusive: true, max: 1e12 },
    ...estimatorOptions,
  },
  checks: (o, facts) => estimatorChecks('softmax-pg', o, facts),
};
