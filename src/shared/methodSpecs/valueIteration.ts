/** §1 Value iteration (Bellman optimality, tau = 0). */
import { gammaOption } from './common';
import type { MethodSpec } from './types';

export interface ValueIterationOptions {
  gamma?: number;
  tol: number;
}

export const valueIterationSpec: MethodSpec<ValueIterationOptions> = {
  id: 'value-iteration',
  title: 'Value iteration (exact)',
  family: 'exact',
  section: '§1',
  doc: 'docs/methods.md#value-iteration',
  summary: 'Bellman optimality iteration with tau = 0.',
  actions: 'any',
  tau: 'refused',
  iterations: 100000,
  convergence: 'sup-norm change of V below tol',
  gapTolerance: null,
  options: {
    gamma: gammaOption,
    tol: { kind: 'number', label: 'tolerance', help: 'Stop when the sup-norm change of V is below tol.', unit: 'value units', default: 1e-10, min: 0, minExclusive: true, max: 1 },
  },
};
