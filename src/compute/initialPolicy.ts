/**
 * Initial policies, shared by the CLI and the app (one init per run):
 *  - uniform: pi(j|s) = 1/N;
 *  - random: rows drawn from a flat Dirichlet with the counter-based RNG keyed by the run's seed
 *    (`random:SEED` on the command line picks another seed), reproducible on any backend;
 *  - a policy: an S x N array (or a flat S*N array) of non-negative rows summing to 1 (within 1e-9),
 *    from a JSON file or the final snapshot of a stored run.
 */
import type { TabularMdp } from '../shared/mdp/types';
import type { Policy } from './types';
import { PhiloxStream, uniform01 } from './reference/rng';

export type InitResult = { ok: true; policy: Policy | null } | { ok: false; error: string };

/** The init of a run as the launch panel and the worker carry it. */
export type InitChoice = { kind: 'uniform' } | { kind: 'random' } | { kind: 'policy'; policy: number[] | number[][]; source?: string };

/** The init of a run from its choice; `random` draws with the run's seed. */
export function initialPolicyFor(mdp: TabularMdp, choice: InitChoice, seed: number): InitResult {
  if (choice.kind === 'uniform') return { ok: true, policy: null };
  if (choice.kind === 'random') return { ok: true, policy: randomPolicy(mdp, seed) };
  return policyFromJson(mdp, choice.policy);
}

/**
 * The CLI's `--init`: `uniform`, `random` (the run's seed), `random:SEED`, or a JSON file. (`run:ID`,
 * a stored run's final policy, is resolved by the CLI, which holds the database.)
 */
export function initialPolicy(mdp: TabularMdp, spec: string, readText: (file: string) => string, runSeed = 1): InitResult {
  if (spec === 'uniform') return { ok: true, policy: null };
  if (spec === 'random') return { ok: true, policy: randomPolicy(mdp, runSeed) };
  const random = /^random:(\d+)$/.exec(spec);
  if (random) return { ok: true, policy: randomPolicy(mdp, Number(random[1])) };
  if (spec.startsWith('random:')) return { ok: false, error: `--init random:SEED needs a non-negative integer seed, got '${spec}'` };
  let parsed: unknown;
  try {
    parsed = JSON.parse(readText(spec));
  } catch (error) {
    return { ok: false, error: `cannot read the initial policy '${spec}': ${(error as Error).message}` };
  }
  return policyFromJson(mdp, parsed);
}

/** Flat-Dirichlet rows from the counter-based RNG keyed by `seed`. */
export function randomPolicy(mdp: TabularMdp, seed: number): Policy {
  const { S, N } = mdp;
  const policy = new Float64Array(S * N);
  // Counter (index, state, 0, purpose 2): one stream per state, independent of every other use.
  for (let s = 0; s < S; s++) {
    const stream = new PhiloxStream(seed, s, 0, 2);
    let total = 0;
    for (let j = 0; j < N; j++) {
      // Exponential(1) draws normalised: a flat Dirichlet row.
      const u = uniform01(stream.nextU32());
      const e = -Math.log(1 - u);
      policy[s * N + j] = e;
      total += e;
    }
    for (let j = 0; j < N; j++) policy[s * N + j] /= total;
  }
  return policy;
}

export function policyFromJson(mdp: TabularMdp, value: unknown): InitResult {
  const { S, N } = mdp;
  const flat: unknown[] = Array.isArray(value) && value.every(Array.isArray) ? (value as unknown[][]).flat() : Array.isArray(value) ? value : [];
  if (flat.length !== S * N) return { ok: false, error: `the initial policy must have S x N = ${S} x ${N} entries, got ${flat.length}` };
  const policy = new Float64Array(S * N);
  for (let s = 0; s < S; s++) {
    let total = 0;
    for (let j = 0; j < N; j++) {
      const v = flat[s * N + j];
      if (typeof v !== 'number' || !Number.isFinite(v)) return { ok: false, error: `initial policy: entry (state ${s}, action ${j}) is not a finite number` };
      if (v < 0) return { ok: false, error: `initial policy: entry (state ${s}, action ${j}) is negative (${v})` };
      policy[s * N + j] = v;
      total += v;
    }
    if (Math.abs(total - 1) > 1e-9) return { ok: false, error: `initial policy: row of state ${s} sums to ${total}, not 1 (tolerance 1e-9)` };
  }
  return { ok: true, policy };
}
