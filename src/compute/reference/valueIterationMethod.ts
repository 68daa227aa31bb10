/**
 * Value iteration as a run (tau = 0): the engine of softValueIterationMethod.ts with the hard max;
 * the policy of each sweep is greedy with the lowest-index tie-break.
 */
import type { ReferenceMethod } from './method';
import { ValueIterationRun } from './softValueIterationMethod';

export const valueIterationMethod: ReferenceMethod = {
  id: 'value-iteration',
  // value-iteration has no tau option: resolveProblem reads tau = 0
  start: (mdp, spec) => new ValueIterationRun('value-iteration', mdp, spec),
};
