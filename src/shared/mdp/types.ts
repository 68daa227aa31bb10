/**
 * The native MDP document (format `wasserstein-workbench/mdp`, version 1) and the tabular form every
 * algorithm works on. The document is what users design, save, import and export; `TabularMdp` is the
 * compiled, validated, dense-in-actions / sparse-in-next-states model of ALGORITHMS.md §1.
 *
 * Conventions (ALGORITHMS.md §1):
 *  - states s = 0..S-1, actions j = 0..N-1; arrays indexed [s * N + j];
 *  - a transition marked `terminated` leads to an absorbing zero-reward state, so the compiled
 *    transition rows simply omit that mass (rows of P may sum to less than 1: the missing mass is the
 *    termination probability);
 *  - continuous boxes are discretised into N = n^d equal cells of width h = (hi - lo) / n; cell j's
 *    centre is `centers[j * d + axis]`, and a policy row holds cell masses (density = mass / h^d).
 */

export const MDP_FORMAT = 'wasserstein-workbench/mdp' as const;
export const MDP_FORMAT_VERSION = 1 as const;

/** Limits that keep a design within what the workbench can hold and evaluate (stated in errors). */
export const MDP_LIMITS = {
  maxStates: 100_000,
  maxActions: 4_096,
  /** states * actions */
  maxStateActions: 4_000_000,
  /** stored (s, j, s') transition entries */
  maxTransitions: 20_000_000,
  maxGridCellsPerAxis: 1_024,
  /** |sum_s' P(s'|s,j) + P(terminated|s,j) - 1| must be below this */
  probabilitySumTolerance: 1e-9,
  maxFormulaLength: 4_000,
} as const;

/** Discrete, labelled actions; optional positions x_j in R^d (d = 1 or 2) or a cost matrix c(j,k). */
export interface DiscreteActionSpace {
  kind: 'discrete';
  labels: string[];
  /** positions[j] has length d (1 or 2); used by the transport cost |x_j - x_k|^p */
  positions?: number[][];
  /** explicit cost matrix, c(j,j) = 0, c >= 0; takes precedence over positions */
  cost?: number[][];
}

/** A continuous action box [lo, hi]^d (d = 1 or 2) with n cells per axis. */
export interface BoxActionSpace {
  kind: 'box';
  dim: 1 | 2;
  lo: number[];
  hi: number[];
  /** cells per axis; N = n^dim */
  n: number;
}

export type ActionSpace = DiscreteActionSpace | BoxActionSpace;

export interface StateSpec {
  label: string;
  /** canvas position (design view only) */
  x?: number;
  y?: number;
}

/**
 * Rewards r(s, j): a table [S][N] or a formula of the state index `s` and the action
 * (`a` for 1-D boxes, `a1`, `a2` for 2-D boxes, `j` the action index always).
 */
export type RewardSpec =
  | { kind: 'table'; values: number[][] }
  | { kind: 'formula'; expr: string; /** optional per-state overrides */ perState?: Record<string, string> };

/** One stochastic outcome of taking action j in state s. */
export interface TransitionEntry {
  s: number;
  a: number;
  next: number;
  p: number;
  terminated?: boolean;
  /** optional reward on this outcome; the expected reward r(s,j) adds p * reward */
  reward?: number;
}

/**
 * Transitions: an explicit list of outcomes, or a formula giving the (unnormalised if `normalize`)
 * weight of each next state `sn` from (s, a / a1, a2, j). Pairs (s, j) without any outcome are an error.
 */
export type TransitionSpec =
  | { kind: 'table'; entries: TransitionEntry[] }
  | { kind: 'formula'; weight: string; normalize?: boolean; terminated?: string };

export interface MdpDocument {
  format: typeof MDP_FORMAT;
  version: typeof MDP_FORMAT_VERSION;
  name: string;
  description?: string;
  states: StateSpec[];
  actions: ActionSpace;
  gamma: number;
  /** initial distribution rho0 over states (sums to 1) */
  initial: number[];
  /** reference measure mu over actions (> 0, sums to 1); default uniform */
  reference?: number[];
  /** exponent p of the transport cost |x_j - x_k|^p; default 2 */
  costPower?: number;
  rewards: RewardSpec;
  transitions: TransitionSpec;
  /** states that are absorbing with zero reward (drawn specially; compiled as self-loops with reward 0) */
  terminalStates?: number[];
}

/** The compiled model of ALGORITHMS.md §1. Immutable by convention. */
export interface TabularMdp {
  name: string;
  /** number of states S */
  S: number;
  /** number of actions N */
  N: number;
  gamma: number;
  stateLabels: string[];
  actionLabels: string[];
  /** rho0(s), length S */
  rho0: Float64Array;
  /** mu(j) > 0, sums to 1, length N */
  mu: Float64Array;
  /** expected immediate reward r(s, j), index s * N + j */
  reward: Float64Array;
  /** CSR over the S * N rows (s, j): outcomes rowPtr[sj] .. rowPtr[sj + 1] - 1 */
  rowPtr: Uint32Array;
  next: Uint32Array;
  prob: Float64Array;
  /** transport cost c(j, k), index j * N + k */
  cost: Float64Array;
  /** action positions (N * d), or null when a cost matrix was given or the 0/1 cost applies */
  positions: Float64Array | null;
  /** dimension d of positions (0 when none) */
  actionDim: 0 | 1 | 2;
  /** present for continuous boxes */
  grid: ActionGrid | null;
}

export interface ActionGrid {
  dim: 1 | 2;
  /** cells per axis */
  n: number;
  lo: number[];
  hi: number[];
  /** cell width per axis: (hi - lo) / n */
  h: number[];
}

/** One problem found by validation, with its location. */
export interface MdpIssue {
  severity: 'error' | 'warning';
  /** machine-readable code, e.g. 'probability-sum', 'negative-probability', 'not-finite' */
  code: string;
  message: string;
  /** JSON path into the document, e.g. "transitions.entries[12].p" */
  path?: string;
  state?: number;
  action?: number;
  field?: string;
}

export type CompileResult =
  | { ok: true; mdp: TabularMdp; warnings: MdpIssue[] }
  | { ok: false; issues: MdpIssue[] };
