/**
 * The shape of a method's typed spec (one file per method id in this folder).
 *
 * A spec names every option of the method with its type, default, range, unit, one-line help and the
 * documentation anchors (docs/methods.md#<id>, ALGORITHMS.md §); `checks` are the cross-checks that need
 * more than one option or facts of the MDP (action count, largest transport cost, grid, gamma). The
 * one parser, `parseMethodOptions` (parse.ts), turns a loose record (form text, `--set key=value`, a
 * JSON payload) into the method's typed options object or a list of `{key, message}`; the form, the
 * CLI, main's validation, the reference methods and the WebGPU backend all read options through it, so
 * defaults and ranges exist in exactly one place.
 */
import type { MethodId } from './ids';

export type MethodFamily = 'wasserstein' | 'kl' | 'exact';

/** What a method needs of the action space. */
export type ActionRequirement = 'any' | 'grid' | 'box';

/** How a method treats the entropy weight tau: needs tau > 0, allows any tau >= 0, or optimises the plain objective (tau = 0 only). */
export type TauRule = 'required' | 'allowed' | 'refused';

export interface NumberOptionSpec {
  kind: 'number';
  label: string;
  /** one line */
  help: string;
  /** unit of the value ('per iteration', 'cost units', 'nats', ...); '' when dimensionless */
  unit: string;
  /** undefined: the option is optional and its absence has the meaning in `absent` */
  default?: number;
  /** what leaving the option out means (only for options without a default) */
  absent?: string;
  min?: number;
  max?: number;
  minExclusive?: boolean;
  maxExclusive?: boolean;
  integer?: boolean;
}

export interface ChoiceOptionSpec {
  kind: 'choice';
  label: string;
  help: string;
  unit: '';
  /** undefined: the option is optional and its absence has the meaning in `absent` */
  default?: string;
  absent?: string;
  choices: readonly string[];
}

export type OptionSpec = NumberOptionSpec | ChoiceOptionSpec;

/** One problem with the options: the key it belongs to and a message naming the option, its range and the method. */
export interface OptionIssue {
  key: string;
  message: string;
}

/**
 * Facts of the MDP some checks need (mdpFacts in facts.ts computes them from a compiled MDP). Every
 * field may be missing: a check whose fact is missing is skipped (and runs again where the MDP is known).
 */
export interface MdpFacts {
  /** number of states S */
  S?: number;
  /** number of actions N */
  N?: number;
  /** the MDP's own discount (used when the run does not override gamma) */
  gamma?: number;
  /** max_{j,k} c(j, k): the largest transport cost between two actions */
  maxCost?: number;
  /** continuous action box: its smallest side length and its smallest grid cell width h */
  box?: { width: number; h: number } | null;
}

/** A method's options object type maps every key to a spec of the matching kind. */
export type OptionSpecs<O> = { [K in keyof O]-?: NonNullable<O[K]> extends number ? NumberOptionSpec : ChoiceOptionSpec };

export interface MethodSpec<O = Record<string, number | string | undefined>> {
  id: MethodId;
  title: string;
  family: MethodFamily;
  /** ALGORITHMS.md section, e.g. '§5' */
  section: string;
  /** documentation anchor in the repository: docs/methods.md#<id> */
  doc: string;
  summary: string;
  actions: ActionRequirement;
  tau: TauRule;
  /** default number of updates of a run */
  iterations: number;
  /** the stated convergence criterion (what 'converged' means for this method); written into diagnostics */
  convergence: string;
  /**
   * Gap tolerance of the stated criterion, relative to the problem scale max(|J*|, gap of row 0): the run
   * converged when its final gap is at most this; with the policy frozen above it the run is 'stalled'.
   * null: the method's own criterion decides (exact solvers, parametric families whose optimum is not
   * the tabular one) and the stall detector does not apply.
   */
  gapTolerance: number | null;
  /** the options in display order */
  options: OptionSpecs<O>;
  /** cross-checks on parsed options (each option already in range); facts may be partial or absent */
  checks?: (options: O, facts: MdpFacts) => OptionIssue[];
}
