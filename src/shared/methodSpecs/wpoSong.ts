/** §5 WPO without mass splitting (plain objective, decision D3). */
import { gammaOption, plainTauOption, refuseTau } from './common';
import type { MethodSpec, OptionIssue } from './types';
import { estimatorChecks, estimatorOptions, type EstimatorOptions } from './estimator';

export interface WpoSongOptions extends EstimatorOptions {
  tau: number;
  gamma?: number;
  /** trust-region radius on the average transport cost */
  eps: number;
  tieTol: number;
}

export const wpoSongSpec: MethodSpec<WpoSongOptions> = {
  id: 'wpo-song',
  title: 'WPO without mass splitting',
  family: 'wasserstein',
  section: '§5',
  doc: 'docs/methods.md#wpo-song',
  summary: 'Same lambda*, every (s,j) moves all its mass to the lowest-index maximiser; may exceed eps.',
  actions: 'any',
  tau: 'refused',
  iterations: 50,
  convergence: 'gap J* - J below 1e-11 of the problem scale (plain objective)',
  gapTolerance: 1e-11,
  options: {
    tau: plainTauOption,
    gamma: gammaOption,
    eps: { kind: 'number', label: 'eps (radius)', help: 'Trust-region radius on the average transport cost; at most the largest cost max c(j, k).', unit: 'cost units', default: 0.1, min: 0, minExclusive: true, max: 1e12 },
    tieTol: { kind: 'number', label: 'tie tolerance', help: 'Maximisers within this of the max are ties.', unit: 'advantage units', default: 1e-9, min: 0, max: 1e-6 },
    ...estimatorOptions,
  },
  checks: (o, facts) => {
    const issues: OptionIssue[] = refuseTau('wpo-song', o.tau);
    if (facts.maxCost !== undefined && o.eps > facts.maxCost)
      issues.push({
        key: 'eps',
        message: `wpo-song: option 'eps' (radius) must lie in (0, ${facts.maxCost}] on this MDP (the average transport cost cannot exceed max c = ${facts.maxCost}), got ${o.eps}`,
      });
    issues.push(...estimatorChecks('wpo-song', o, facts));
    return issues;
  },
};
