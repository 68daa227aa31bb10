/** §2 Wasserstein gradient flow (Fokker–Planck on the action graph, Scharfetter–Gummel fluxes). */
import { gammaOption, requireTau, tauOption, weightingOption } from './common';
import type { MethodSpec } from './types';
import { estimatorChecks, estimatorOptions, type EstimatorOptions } from './estimator';

export interface WassersteinFlowOptions extends EstimatorOptions {
  tau: number;
  gamma?: number;
  weighting: 'uniform' | 'occupancy';
  cfl: number;
  /** fixed time step; absent: dt = cfl / max_i sum_k q(i->k) each step */
  dt?: number;
  qEvery: number;
}

export const wassersteinFlowSpec: MethodSpec<WassersteinFlowOptions> = {
  id: 'wasserstein-flow',
  title: 'Wasserstein gradient flow (Fokker–Planck, Scharfetter–Gummel)',
  family: 'wasserstein',
  section: '§2',
  doc: 'docs/methods.md#wasserstein-flow',
  summary: 'Per-state Fokker–Planck flow driven by the soft Q-function; fixed point is the soft optimum.',
  actions: 'any',
  tau: 'required',
  iterations: 400,
  convergence: 'gap J* - J below 1e-11 of the problem scale (the fixed point is the soft optimum)',
  gapTolerance: 1e-11,
  options: {
    tau: tauOption(0.1),
    gamma: gammaOption,
    weighting: weightingOption,
    cfl: { kind: 'number', label: 'CFL number', help: 'Explicit Euler step dt = cfl / max_i sum_k q(i->k); cfl <= 1 keeps masses non-negative.', unit: '', default: 0.9, min: 0, minExclusive: true, max: 1 },
    dt: { kind: 'number', label: 'dt (fixed step)', help: 'Fixed time step; leave it out to derive dt from the CFL number each step.', unit: 'flow time', absent: 'dt from the CFL number each step', min: 0, minExclusive: true, max: 1e6 },
    qEvery: { kind: 'number', label: 'Q re-evaluation period m', help: 'Re-evaluate Q every m steps.', unit: 'steps', default: 1, min: 1, max: 1_000_000, integer: true },
    ...estimatorOptions,
  },
  checks: (o, facts) => [...requireTau('wasserstein-flow', o.tau), ...estimatorChecks('wasserstein-flow', o, facts)],
};
