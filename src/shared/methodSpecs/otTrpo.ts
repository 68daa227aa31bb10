/** §5 OT trust region (mass splitting) (plain objective, decision D3). */
import { gammaOption, plainTauOption, refuseTau } from './common';
import type { MethodSpec, OptionIssue } from './types';
import { estimatorChecks, estimatorOptions, type EstimatorOptions } from './estimator';

export interface OtTrpoOptions extends EstimatorOptions {
  tau: number;
  gamma?: number;
  /** trust-region radius on the average transport cost */
  eps: number;
  tieTol: number;
}

/** The options of both §5 methods (OT-TRPO and WPO share the dual, the radius and the tie rule). */
export const otTrustRegionOptions: MethodSpec<OtTrpoOptions>['options'] = {
  tau: plainTauOption,
  gamma: gammaOption,
  eps: { kind: 'number', label: 'eps (radius)', help: 'Trust-region radius on the average transport cost; at most the largest cost max c(j, k).', unit: 'cost units', default: 0.1, min: 0, minExclusive: true, max: 1e12 },
  tieTol: { kind: 'number', label: 'tie tolerance', help: 'Maximisers within this of the max are ties.', unit: 'advantage units', default: 1e-9, min: 0, max: 1e-6 },
  ...estimatorOptions,
};

/** Their cross-checks: tau refused, the radius within what the cost can reach, the estimator's budget. */
export function otTrustRegionChecks(id: 'ot-trpo' | 'wpo-song'): MethodSpec<OtTrpoOptions>['checks'] {
  return (o, facts) => {
    const issues: OptionIssue[] = refuseTau(id, o.tau);
    if (facts.maxCost !== undefined && o.eps > facts.maxCost)
      issues.push({
        key: 'eps',
        message: `${id}: option 'eps' (radius) must lie in (0, ${facts.maxCost}] on this MDP (the average transport cost cannot exceed max c = ${facts.maxCost}), got ${o.eps}`,
      });
    issues.push(...estimatorChecks(id, o, facts));
    return issues;
  };
}

export const otTrpoSpec: MethodSpec<OtTrpoOptions> = {
  id: 'ot-trpo',
  title: 'OT trust region (mass splitting)',
  family: 'wasserstein',
  section: '§5',
  doc: 'docs/methods.md#ot-trpo',
  summary: 'Exact dual of the OT trust-region problem; optimal mass-splitting update.',
  actions: 'any',
  tau: 'refused',
  iterations: 50,
  convergence: 'gap J* - J below 1e-11 of the problem scale (plain objective)',
  gapTolerance: 1e-11,
  options: otTrustRegionOptions,
  checks: otTrustRegionChecks('ot-trpo'),
};
