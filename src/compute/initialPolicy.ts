/**
 * Initial policies from a short description, shared by the CLI and the app:
 *  - `uniform`: pi(j|s) = 1/N;
 *  - `random:SEED`: rows drawn from a flat Dirichlet with the counter-based RNG (reproducible on any backend);
 *  - a JSON text: an S x N array (or a flat S*N array) of non-negative rows summing to 1 (within 1e-9).
 */
import type { TabularMdp } from '../shared/mdp/types';
import type { Policy } from './types';
import { PhiloxStream, uniform01 } from './reference/rng';

export type InitResult = { ok: true; policy: Policy | null } | { ok: false; error: string };

export function initialPolicy(mdp: TabularMdp, spec: string, readText: (file: string) => string): InitResult {
  const { S, N } = mdp;
  if (spec === 'uniform') return { ok: true, policy: null };
  const random = /^random:(\d+)$/.exec(spec);
  if (random) {
    const seed = Number(random[1]);
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
    return { ok: true, policy };
  }
  if (spec.startsWith('random:')) return { ok: false, error: `--init random:SEED needs a non-negative integer seed, got '${spec}'` };
  let parsed: unknown;
  try {
    parsed = JSON.parse(readText(spec));
  } catch (error) {
    return { ok: false, error: `cannot read the initial policy '${spec}': ${(error as Error).message}` };
  }
  return policyFromJson(mdp, parsed);
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
