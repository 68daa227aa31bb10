/**
 * The estimator option block shared by every method whose update consumes Q or A (issue 15).
 *
 *   estimator  absent or 'exact': the update reads the exact evaluation (today's behaviour, bit for bit);
 *              'monte-carlo': the update reads Q-hat from M = `rollouts` rollouts of horizon H = `horizon`
 *              from every (s, j), and the occupancy d-hat from M on-policy rollouts of horizon H from rho0,
 *              drawn with the counter-based Philox stream of the run's seed (src/compute/estimators).
 *   rollouts   M >= 1 (integer); horizon H >= 1 (integer). Both are needed by 'monte-carlo' and ignored
 *              by 'exact'.
 *
 * The cross-check refuses a horizon or rollout count of 0 with a message of its own, and a budget whose
 * transitions per update, (S N + 1) M H, exceed MAX_TRANSITIONS_PER_UPDATE (the time one update may take),
 * naming the figure the budget would need.
 */
import type { ChoiceOptionSpec, MdpFacts, NumberOptionSpec, OptionIssue } from './types';

export const ESTIMATORS = ['exact', 'monte-carlo'] as const;
export type EstimatorId = (typeof ESTIMATORS)[number];

export interface EstimatorOptions {
  /** absent: 'exact' */
  estimator?: string;
  rollouts?: number;
  horizon?: number;
}

/**
 * Transitions one update may sample: 2e8 is about 10 s of CPU at the ~2e7 sampled transitions per second
 * of the reference sampler (CSR inverse-CDF draws), a bound on the time of one update of a run.
 */
export const MAX_TRANSITIONS_PER_UPDATE = 2e8;

const estimatorOption: ChoiceOptionSpec = {
  kind: 'choice',
  label: 'estimator of Q',
  help: "What the update reads: 'exact' (exact policy evaluation, default) or 'monte-carlo' (M rollouts of horizon H per state-action pair from the run's seed).",
  unit: '',
  absent: "'exact' (the exact evaluation)",
  choices: ESTIMATORS,
};

const rolloutsOption: NumberOptionSpec = {
  kind: 'number',
  label: 'rollouts M',
  help: 'Monte-Carlo rollouts per state-action pair (and on-policy rollouts from rho0 for the occupancy) per update.',
  unit: 'rollouts per update',
  absent: "not used (needed by estimator 'monte-carlo')",
  min: 0,
  max: 1e9,
  integer: true,
};

const horizonOption: NumberOptionSpec = {
  kind: 'number',
  label: 'horizon H',
  help: 'Steps of each Monte-Carlo rollout; the truncation bias is at most gamma^H max|r| / (1 - gamma).',
  unit: 'steps',
  absent: "not used (needed by estimator 'monte-carlo')",
  min: 0,
  max: 1e9,
  integer: true,
};

/** The option specs of the block, spread into a method's `options`. */
export const estimatorOptions = { estimator: estimatorOption, rollouts: rolloutsOption, horizon: horizonOption } as const;

/** Transitions sampled per update by the Monte-Carlo estimator: M H from each of the S N pairs and from rho0. */
export function monteCarloTransitions(S: number, N: number, rollouts: number, horizon: number): number {
  return (S * N + 1) * rollouts * horizon;
}

/** The cross-checks of the block (each option already in range). */
export function estimatorChecks(method: string, o: EstimatorOptions, facts: MdpFacts): OptionIssue[] {
  const est = o.estimator ?? 'exact';
  if (est === 'exact') return [];
  const issues: OptionIssue[] = [];
  if (o.rollouts === undefined)
    issues.push({ key: 'rollouts', message: `${method}: estimator '${est}' needs option 'rollouts' (M >= 1 rollouts per state-action pair per update)` });
  else if (o.rollouts === 0)
    issues.push({ key: 'rollouts', message: `${method}: option 'rollouts' is 0: a Monte-Carlo estimate needs at least one rollout per state-action pair (M >= 1)` });
  if (o.horizon === undefined)
    issues.push({ key: 'horizon', message: `${method}: estimator '${est}' needs option 'horizon' (H >= 1 steps per rollout)` });
  else if (o.horizon === 0)
    issues.push({ key: 'horizon', message: `${method}: option 'horizon' is 0: a rollout of 0 steps sees no reward, so every estimate would be 0 (H >= 1)` });
  if (issues.length || o.rollouts === undefined || o.horizon === undefined) return issues;
  if (facts.S !== undefined && facts.N !== undefined) {
    const need = monteCarloTransitions(facts.S, facts.N, o.rollouts, o.horizon);
    if (need > MAX_TRANSITIONS_PER_UPDATE) {
      const mMax = Math.floor(MAX_TRANSITIONS_PER_UPDATE / ((facts.S * facts.N + 1) * o.horizon));
      issues.push({
        key: 'rollouts',
        message: `${method}: the Monte-Carlo budget needs (S N + 1) M H = (${facts.S}·${facts.N} + 1)·${o.rollouts}·${o.horizon} = ${need.toExponential(3)} sampled transitions per update, above the limit ${MAX_TRANSITIONS_PER_UPDATE.toExponential(1)} (about 10 s per update); at horizon ${o.horizon} use rollouts <= ${mMax}`,
      });
    }
  }
  return issues;
}
