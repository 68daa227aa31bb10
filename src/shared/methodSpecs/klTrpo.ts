/** §7 KL trust region, the exact TRPO step (plain objective, decision D3). */
import { gammaOption, plainTauOption, refuseTau } from './common';
import type { MethodSpec, OptionIssue } from './types';
import { estimatorChecks, estimatorOptions, type EstimatorOptions } from './estimator';

export interface KlTrpoOptions extends EstimatorOptions {
  tau: number;
  gamma?: number;
  /** average KL radius under d^pi */
  delta: number;
}

export const klTrpoSpec: MethodSpec<KlTrpoOptions> = {
  id: 'kl-trpo',
  title: 'KL trust region (exact TRPO step)',
  family: 'kl',
  section: '§7',
  doc: 'docs/methods.md#kl-trpo',
  summary: 'pi_new ∝ pi exp(A/beta), beta by bisection so that the average KL equals delta.',
  actions: 'any',
  tau: 'refused',
  iterations: 50,
  convergence: 'gap J* - J below 1e-11 of the problem scale (plain objective)',
  gapTolerance: 1e-11,
  options: {
    tau: plainTauOption,
    gamma: gammaOption,
    delta: { kind: 'number', label: 'delta (KL radius)', help: 'Average KL trust-region radius under d^pi; at most log N (uniform to deterministic).', unit: 'nats', default: 0.05, min: 0, minExclusive: true, max: 20 },
    ...estimatorOptions,
  },
  checks: (o, facts) => {
    const issues: OptionIssue[] = refuseTau('kl-trpo', o.tau);
    if (facts.N !== undefined && facts.N > 1 && o.delta > Math.log(facts.N))
      issues.push({
        key: 'delta',
        message: `kl-trpo: option 'delta' must lie in (0, ${Math.log(facts.N).toPrecision(6)}] on this MDP (log N with N = ${facts.N} actions: the KL from the uniform policy to a deterministic one), got ${o.delta}`,
      });
    issues.push(...estimatorChecks('kl-trpo', o, facts));
    return issues;
  },
};
