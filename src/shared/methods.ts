/**
 * The catalogue of methods (ALGORITHMS.md §§1–7) as data: stable ids, titles, typed options with
 * defaults and ranges. The typed specs live in ./methodSpecs (one file per method); this module is the
 * catalogue view the rest of the code reads (METHODS / methodInfo for forms, tables and the CLI, and
 * resolveMethodOptions for callers that want messages only). Option keys are the symbols of
 * ALGORITHMS.md per method (decision D1): `eps` is the OT radius for ot-trpo / wpo-song and the entropic
 * blur for jko-sinkhorn. "Use the MDP's gamma" is the gamma key left out.
 */
import {
  METHOD_IDS,
  SPECS,
  parseMethodOptions,
  type ActionRequirement,
  type ChoiceOptionSpec,
  type MdpFacts,
  type MethodFamily,
  type MethodId,
  type MethodSpec,
  type NumberOptionSpec,
  type TauRule,
} from './methodSpecs';

export { METHOD_IDS, parseMethodOptions, mdpFacts, formatRange, methodSpec, SPECS, REGULARISED_METHODS } from './methodSpecs';
export type {
  ActionRequirement,
  AnyMethodOptions,
  MdpFacts,
  MethodFamily,
  MethodId,
  MethodSpec,
  OptionIssue,
  OptionsById,
  ParseResult,
  TauRule,
} from './methodSpecs';

export type NumberOption = NumberOptionSpec & { key: string };
export type ChoiceOption = ChoiceOptionSpec & { key: string };
export type MethodOption = NumberOption | ChoiceOption;

export interface MethodInfo {
  id: MethodId;
  title: string;
  family: MethodFamily;
  /** ALGORITHMS.md section */
  section: string;
  /** docs/methods.md#<id> */
  doc: string;
  summary: string;
  actions: ActionRequirement;
  tau: TauRule;
  /** tau > 0 is required */
  needsTau: boolean;
  /** the options in display order (optional ones have no default) */
  options: MethodOption[];
  /** default number of updates of a run */
  iterations: number;
  convergence: string;
  gapTolerance: number | null;
}

/** Options as a loose record (stored JSON, form values, worker messages); parse it with parseMethodOptions. */
export type MethodOptions = Record<string, number | string>;

function infoOf(spec: MethodSpec<never>): MethodInfo {
  const s = spec as unknown as MethodSpec<Record<string, number | string | undefined>>;
  return {
    id: s.id,
    title: s.title,
    family: s.family,
    section: s.section,
    doc: s.doc,
    summary: s.summary,
    actions: s.actions,
    tau: s.tau,
    needsTau: s.tau === 'required',
    options: Object.entries(s.options as Record<string, NumberOptionSpec | ChoiceOptionSpec>).map(([key, o]) => ({ ...o, key })),
    iterations: s.iterations,
    convergence: s.convergence,
    gapTolerance: s.gapTolerance,
  };
}

export const METHODS: readonly MethodInfo[] = METHOD_IDS.map((id) => infoOf(SPECS[id] as unknown as MethodSpec<never>));

export function methodInfo(id: string): MethodInfo | undefined {
  return METHODS.find((m) => m.id === id);
}

/**
 * parseMethodOptions with the messages only (callers that show a list): the complete options as a
 * loose record (absent optional keys stay absent), or the messages.
 */
export function resolveMethodOptions(
  id: MethodId,
  given: Record<string, unknown>,
  facts?: MdpFacts,
): { ok: true; options: MethodOptions } | { ok: false; errors: string[] } {
  const r = parseMethodOptions(id, given, facts);
  if (!r.ok) return { ok: false, errors: r.errors.map((e) => e.message) };
  return { ok: true, options: r.options as unknown as MethodOptions };
}

/** Per-iteration metrics of ALGORITHMS.md §8; null where a metric does not apply to the method. */
export interface IterationMetrics {
  iteration: number;
  /** J(pi) with the regulariser (tau > 0) */
  J: number;
  /** plain J(pi) (tau = 0 objective of the same policy) */
  Jplain: number;
  /** J* - J(pi_t), both regularised with the run's tau; >= 0 up to round-off */
  gap: number;
  /** average TV distance to pi* under d* */
  tv: number;
  /** average policy entropy under d^pi */
  entropy: number;
  /** the step's average transport cost (null for exact solvers' first row) */
  transportCost: number | null;
  /** the step's average KL(pi_new || pi_old) under d^pi_old */
  kl: number | null;
  /** eps - realised cost (trust-region methods) */
  trustSlack: number | null;
  trustViolated: boolean | null;
  lambda: number | null;
  /** policy-evaluation residual reached */
  evalResidual: number;
  /** the step's largest change of one policy entry, max_{s,j} |pi_new - pi_old| (null for row 0); the stall detector reads it */
  policyChange: number | null;
  /** continuous time of flows */
  t: number | null;
  /** sampled estimators (issue 15; absent or null for exact runs): state-action steps sampled so far (cumulative) */
  samples?: number | null;
  /** bias of the estimated advantage against the exact one, sum_s d(s) (1/N) sum_j (A-hat - A) */
  estimatorBias?: number | null;
  /** RMS error of the estimated advantage, sqrt(sum_s d(s) (1/N) sum_j (A-hat - A)^2) */
  estimatorRms?: number | null;
  /** trust regions: the move's cost under the sampled occupancy (the measure the update constrained) */
  sampledMoveCost?: number | null;
  /** trust regions: the same move's cost under the exact occupancy of the old policy */
  exactMoveCost?: number | null;
  /** trust regions: 1 when the sampled cost exceeds the radius, else 0 */
  sampledViolation?: number | null;
  /** trust regions: 1 when the exact cost exceeds the radius, else 0 */
  exactViolation?: number | null;
  /** wall time since the run started, ms */
  wallMs: number;
}

export const METRIC_KEYS = [
  'J',
  'Jplain',
  'gap',
  'tv',
  'entropy',
  'transportCost',
  'kl',
  'trustSlack',
  'trustViolated',
  'lambda',
  'evalResidual',
  'policyChange',
  't',
  'wallMs',
  'samples',
  'estimatorBias',
  'estimatorRms',
  'sampledMoveCost',
  'exactMoveCost',
  'sampledViolation',
  'exactViolation',
] as const;

export type MetricKey = (typeof METRIC_KEYS)[number];

export type ComputeBackendId = 'reference' | 'webgpu';
