/** §4 Entropic JKO steps solved by log-domain generalised Sinkhorn (Q frozen per step). */
import { gammaOption, tauOption } from './common';
import type { MethodSpec } from './types';
import { estimatorChecks, estimatorOptions, type EstimatorOptions } from './estimator';

export interface JkoSinkhornOptions extends EstimatorOptions {
  tau: number;
  gamma?: number;
  /** JKO step; absent: derived from the problem's scales (jkoSinkhorn.ts) */
  eta?: number;
  /** entropic blur of the transport cost; absent: derived from the problem's scales (jkoSinkhorn.ts) */
  eps?: number;
  tol: number;
  maxInner: number;
}

export const jkoSinkhornSpec: MethodSpec<JkoSinkhornOptions> = {
  id: 'jko-sinkhorn',
  title: 'Entropic JKO steps (Sinkhorn)',
  family: 'wasserstein',
  section: '§4',
  doc: 'docs/methods.md#jko-sinkhorn',
  summary: 'Proximal steps in entropic W2 with Q frozen per step, solved by log-domain generalised Sinkhorn.',
  actions: 'any',
  tau: 'allowed',
  iterations: 100,
  convergence: 'gap below 1e-2 of the problem scale (the entropic fixed point is off the optimum by the blur, reported in diagnostics)',
  gapTolerance: 1e-2,
  options: {
    tau: tauOption(0.1),
    gamma: gammaOption,
    eta: { kind: 'number', label: 'eta (step)', help: "JKO step size; leave it out to derive it from the problem's scales.", unit: '', absent: "derived from the problem's scales", min: 0, minExclusive: true, max: 1e12 },
    eps: { kind: 'number', label: 'eps (entropic blur)', help: "Entropic regularisation of the transport cost; leave it out to derive it from the problem's scales.", unit: 'cost units', absent: "derived from the problem's scales", min: 0, minExclusive: true, max: 1e6 },
    tol: { kind: 'number', label: 'Sinkhorn tolerance', help: 'Stop when |a (K b) - pi_k|_1 is below this.', unit: '', default: 1e-9, min: 0, minExclusive: true, max: 1e-2 },
    maxInner: { kind: 'number', label: 'max Sinkhorn iterations', help: 'Cap on inner iterations per JKO step.', unit: 'iterations', default: 5000, min: 1, max: 10_000_000, integer: true },
    ...estimatorOptions,
  },
  checks: (o, facts) => estimatorChecks('jko-sinkhorn', o, facts),
};
