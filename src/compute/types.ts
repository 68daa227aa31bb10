/**
 * The shapes every backend shares. A method (ALGORITHMS.md §§2–7) is started on a compiled MDP with
 * resolved options and an initial policy, and then advanced one iteration at a time; each iteration
 * yields the §8 metrics. The f64 reference advances synchronously (`MethodIterator`); the WebGPU backend
 * records many iterations per submit and reads back small metric blocks (`ComputeSession`). A run of
 * either is driven by src/compute/run/driver.ts, which ends in a `RunOutcome`.
 */
import type { TabularMdp } from '../shared/mdp/types';
import type { ComputeBackendId, IterationMetrics, MethodId, OptionsById } from '../shared/methods';

/** A policy: rows pi(.|s) on the simplex, index s * N + j. */
export type Policy = Float64Array;

/**
 * What the run was asked to do. `options` is the method's typed options object from
 * parseMethodOptions (defaults filled, ranges and cross-checks passed; optional keys may be absent).
 */
export interface RunSpec<M extends MethodId = MethodId> {
  method: M;
  options: OptionsById[M];
  /** initial policy; null = uniform (or the method's own parametric default) */
  init: Policy | null;
  /** the run's one seed: every random source of the run (Langevin's noise, random inits) derives from it */
  seed: number;
}

/** Thrown when a run produces NaN/Inf or blows up: names the iteration and the quantity. */
export class DivergenceError extends Error {
  constructor(
    readonly iteration: number,
    readonly quantity: string,
    detail: string,
  ) {
    super(`diverged at iteration ${iteration}: ${quantity} ${detail}`);
    this.name = 'DivergenceError';
  }
}

/** Bad options or an MDP the method cannot run on (e.g. a flow without action positions). */
export class MethodInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MethodInputError';
  }
}

export type Diagnostics = Record<string, number | string | boolean | null>;

/** Synchronous, f64: the reference backend's per-iteration API. */
export interface MethodIterator {
  readonly method: MethodId;
  readonly mdp: TabularMdp;
  /** true once the method has converged or has nothing more to do (exact solvers) */
  readonly done: boolean;
  /** advance one iteration and return its metrics; throws DivergenceError */
  step(): IterationMetrics;
  /** a copy of the current policy */
  policy(): Policy;
  /** method-specific diagnostics so far (fitted rate, exceed counts, Sinkhorn iterations, ...) */
  diagnostics(): Diagnostics;
}

/** Asynchronous form used by workers, the CLI and the benchmarks for either backend. */
export interface ComputeSession {
  readonly backend: ComputeBackendId;
  readonly method: MethodId;
  readonly done: boolean;
  /** run up to `maxIterations` more iterations; returns their metrics (fewer if done) */
  nextBatch(maxIterations: number): Promise<IterationMetrics[]>;
  policy(): Promise<Policy>;
  diagnostics(): Diagnostics;
  dispose(): void;
}
