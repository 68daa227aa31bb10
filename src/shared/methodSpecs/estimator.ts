/**
 * The estimator option block shared by every method whose update consumes Q or A (issue 15).
 *
 *   estimator  absent or 'exact': the update reads the exact evaluation (today's behaviour, bit for bit);
 *              'monte-carlo': the update reads Q-hat from M = `rollouts` rollouts of horizon H = `horizon`
 *              from every (s, j), and the occupancy d-hat from M on-policy rollouts of horizon H from rho0,
 *              drawn with the counter-based Philox stream of the run's seed (src/compute/estimators).
 *              'td': the update reads TD(lambda) estimates (GAE(lambda) advantages) from a batch of B =
 *              `batch` on-policy transitions with a tabular critic carried between updates.
 *   rollouts   M >= 1 (integer); horizon H >= 1 (integer). Both are needed by 'monte-carlo'.
 *   batch      B >= 1 (integer); lambda in [0, 1]. Both are needed by 'td'.
 *   rewardStd  sigma >= 0 (absent: 0): a sampled estimator observes every reward as r(s,j) + sigma xi with
 *              xi ~ N(0, 1) drawn from the run's seed (Gaussian reward noise of stated std; the MDP's r is
 *              its mean, so every exact quantity is unchanged). Refused with the exact estimator.
 *
 * The cross-check refuses a horizon or rollout count of 0 with a message of its own, and a budget whose
 * transitions per update, (S N + 1) M H, exceed MAX_TRANSITIONS_PER_UPDATE (the time one update may take),
 * naming the figure the budget would need.
 */
import type { ChoiceOptionSpec, MdpFacts, NumberOptionSpec, OptionIssue } from './types';

export const ESTIMATORS = ['exact', 'monte-carlo', 'td'] as const;
export type EstimatorId = (typeof ESTIMATORS)[number];

export interface EstimatorOptions {
  /** absent: 'exact' */
  estimator?: string;
  rollouts?: number;
  horizon?: number;
  batch?: number;
  lambda?: number;
  /** std of the Gaussian reward noise a sampled estimator observes (absent: 0) */
  rewardStd?: number;
}

/**
 * Transitions one update may sample: 2e8 is about 10 s of CPU at the ~2e7 sampled transitions per second
 * of the reference sampler (CSR inverse-CDF draws), a bound on the time of one update of a run.
 */
export const MAX_TRANSITIONS_PER_UPDATE = 2e8;

const estimatorOption: ChoiceOptionSpec = {
  kind: 'choice',
  label: 'estimator of Q',
  help: "What the update reads: 'exact' (exact policy evaluation, default), 'monte-carlo' (M rollouts of horizon H per state-action pair) or 'td' (TD(lambda) / GAE from B on-policy transitions), sampled from the run's seed.",
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

const batchOption: NumberOptionSpec = {
  kind: 'number',
  label: 'batch B',
  help: 'On-policy transitions sampled per update by the TD(lambda) estimator.',
  unit: 'transitions per update',
  absent: "not used (needed by estimator 'td')",
  min: 0,
  max: 1e9,
  integer: true,
};

const lambdaOption: NumberOptionSpec = {
  kind: 'number',
  label: 'lambda (TD / GAE)',
  help: 'Mix of the lambda-return: 0 one-step TD, 1 Monte-Carlo returns to the end of the segment.',
  unit: '',
  absent: "not used (needed by estimator 'td')",
  min: 0,
  max: 1,
};

const rewardStdOption: NumberOptionSpec = {
  kind: 'number',
  label: 'reward noise std sigma',
  help: "Std of the Gaussian noise on every reward a sampled estimator observes: r(s,j) + sigma xi, xi ~ N(0, 1) from the run's seed. The MDP's r stays the mean, so the exact evaluation (the oracle) is unchanged.",
  unit: 'reward units',
  absent: "0 (the MDP's expected rewards, no noise)",
  min: 0,
  max: 1e6,
};

/** The option specs of the block, spread into a method's `options`. */
export const estimatorOptions = {
  estimator: estimatorOption,
  rollouts: rolloutsOption,
  horizon: horizonOption,
  batch: batchOption,
  lambda: lambdaOption,
  rewardStd: rewardStdOption,
} as const;

/** Bytes of trajectory buffer per TD transition (state, pair, successor, kind) and the buffer's limit. */
export const TD_BYTES_PER_TRANSITION = 13;
export const MAX_TD_BUFFER_BYTES = 256 * 1024 * 1024;

/** Transitions sampled per update by the Monte-Carlo estimator: M H from each of the S N pairs and from rho0. */
export function monteCarloTransitions(S: number, N: number, rollouts: number, horizon: number): number {
  return (S * N + 1) * rollouts * horizon;
}

/** The cross-checks of the block (each option already in range). */
export function estimatorChecks(method: string, o: EstimatorOptions, facts: MdpFacts): OptionIssue[] {
  const est = o.estimator ?? 'exact';
  if (est === 'exact')
    return o.rewardStd !== undefined && o.rewardStd > 0
      ? [{ key: 'rewardStd', message: `${method}: option 'rewardStd' (${o.rewardStd}) is noise on sampled rewards: it needs estimator 'monte-carlo' or 'td' (the exact evaluation reads the expected rewards)` }]
      : [];
  const issues: OptionIssue[] = [];
  if (est === 'td') {
    if (o.batch === undefined) issues.push({ key: 'batch', message: `${method}: estimator 'td' needs option 'batch' (B >= 1 transitions per update)` });
    else if (o.batch === 0) issues.push({ key: 'batch', message: `${method}: option 'batch' is 0: a TD estimate needs at least one transition per update (B >= 1)` });
    else if (o.batch * TD_BYTES_PER_TRANSITION > MAX_TD_BUFFER_BYTES)
      issues.push({
        key: 'batch',
        message: `${method}: a batch of ${o.batch} transitions needs ${((o.batch * TD_BYTES_PER_TRANSITION) / 2 ** 20).toFixed(0)} MiB of trajectory buffer (${TD_BYTES_PER_TRANSITION} bytes each), above the limit of ${MAX_TD_BUFFER_BYTES / 2 ** 20} MiB: use batch <= ${Math.floor(MAX_TD_BUFFER_BYTES / TD_BYTES_PER_TRANSITION)}`,
      });
    if (o.lambda === undefined) issues.push({ key: 'lambda', message: `${method}: estimator 'td' needs option 'lambda' in [0, 1] (0: one-step TD, 1: Monte-Carlo returns)` });
    return issues;
  }
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

/** The option keys of the block: a run without them is the exact run of the same configuration. */
export const ESTIMATOR_KEYS: readonly string[] = Object.keys(estimatorOptions);

/** True when the options ask for a sampled estimator ('monte-carlo' or 'td'). */
export function isSampled(options: object): boolean {
  const e = (options as { estimator?: unknown }).estimator;
  return e !== undefined && e !== null && e !== 'exact';
}

/** The options of the exact run of the same configuration (the oracle): the estimator block left out. */
export function exactOptionsOf<T extends Record<string, unknown>>(options: Readonly<T>): Partial<T> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options)) if (!ESTIMATOR_KEYS.includes(k)) out[k] = v;
  return out as Partial<T>;
}

/**
 * Whether the exact run of `method` reads the run's seed. Exact evaluation and every deterministic update
 * do not, so the exact runs of one configuration under two seeds are the same run; Langevin's particles
 * draw their noise from the seed. (A random initial policy also comes from the seed: the oracle match
 * compares the iteration-0 rows, which differ when the initial policies do.)
 */
export function exactRunReadsSeed(method: string): boolean {
  return method === 'langevin';
}
