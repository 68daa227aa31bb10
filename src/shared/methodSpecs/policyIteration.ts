/** §1 Policy iteration: exact evaluation and greedy (or soft, with tau > 0) improvement. */
import { gammaOption, tauOption } from './common';
import type { MethodSpec } from './types';

export interface PolicyIterationOptions {
  tau: number;
  gamma?: number;
}

export const policyIterationSpec: MethodSpec<PolicyIterationOptions> = {
  id: 'policy-iteration',
  title: 'Policy iteration (exact)',
  family: 'exact',
  section: '§1',
  doc: 'docs/methods.md#policy-iteration',
  summary: 'Exact evaluation and greedy (or soft, with tau > 0) improvement until the policy is stable.',
  actions: 'any',
  tau: 'allowed',
  iterations: 1000,
  convergence: 'the improved policy equals the current one (tau = 0) or changes by at most 1e-13 of the value scale (tau > 0)',
  gapTolerance: null,
  options: { tau: tauOption(0), gamma: gammaOption },
};
