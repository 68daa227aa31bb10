/**
 * A RunSpec from loose options (a stored run's JSON, a worker message, `--set` strings, a test table):
 * parsed once by the method's spec (src/shared/methodSpecs) with the facts of the compiled MDP, so every
 * caller sees the same defaults, ranges and cross-checks.
 */
import type { TabularMdp } from '../../shared/mdp/types';
import { mdpFacts, parseMethodOptions, type MethodId, type OptionIssue } from '../../shared/methods';
import { MethodInputError, type Policy, type RunSpec } from '../types';

export class OptionsError extends MethodInputError {
  constructor(readonly issues: OptionIssue[]) {
    super(issues.map((i) => i.message).join('; '));
    this.name = 'OptionsError';
  }
}

/** Parse `given` for `method` (with the facts of `mdp` when given); throws OptionsError listing every problem. */
export function makeRunSpec<M extends MethodId>(
  method: M,
  given: Readonly<Record<string, unknown>>,
  run: { init?: Policy | null; seed?: number; mdp?: TabularMdp | null } = {},
): RunSpec<M> {
  const parsed = parseMethodOptions(method, given, run.mdp ? mdpFacts(run.mdp) : {});
  if (!parsed.ok) throw new OptionsError(parsed.errors);
  return { method, options: parsed.options, init: run.init ?? null, seed: run.seed ?? 1 };
}
