/** §1 Soft value iteration, the exact solver of the regularised problem. */
import { gammaOption, requireTau, tauOption } from './common';
import type { MethodSpec } from './types';

export interface SoftValueIterationOptions {
  tau: number;
  gamma?: number;
  tol: number;
}

export const softValueIterationSpec: MethodSpec<SoftValueIterationOptions> = {
  id: 'soft-value-iteration',
  title: 'Soft value iteration (exact)',
  family: 'exact',
  section: '§1',
  doc: 'docs/methods.md#soft-value-iteration',
  summary: 'Q* = r + gamma P V*, V* = tau log sum mu exp(Q*/tau); contracts at rate gamma.',
  actions: 'any',
  tau: 'required',
  iterations: 100000,
  convergence: 'sup-norm change of V below tol',
  gapTolerance: null,
  options: {
    tau: tauOption(0.1),
    gamma: gammaOption,
    tol: { kind: 'number', label: 'tolerance', help: 'Stop when the sup-norm change of V is below tol.', unit: 'value units', default: 1e-10, min: 0, minExclusive: true, max: 1 },
  },
  checks: (o) => requireTau('soft-value-iteration', o.tau),
};
