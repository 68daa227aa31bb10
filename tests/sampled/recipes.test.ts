/**
 * The stochastic-setting sweep files of docs/methods.md#estimators (docs/examples/sampled-*.yaml) parse,
 * expand, and every run's options pass the method's checks with the facts of its MDP (so the budget
 * refusal would have caught a recipe too large to run), and each file has the exact oracle beside its
 * sampled runs.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseYamlSubset } from '../../src/cli/sweep/yamlSubset';
import { expandSweep, parseSweepSpec } from '../../src/shared/sweepSpec';
import { mdpFacts, parseMethodOptions, type MethodId } from '../../src/shared/methods';
import { preset } from './helpers';

const DIR = fileURLToPath(new URL('../../docs/examples', import.meta.url));

describe('sampled sweep recipes', () => {
  const files = readdirSync(DIR).filter((f) => /^sampled-.*\.yaml$/.test(f));
  it('there are the four recipes', () => expect(files.sort()).toEqual(['sampled-bandit-noise.yaml', 'sampled-cliff-budget.yaml', 'sampled-frozenlake-npg.yaml', 'sampled-taxi-wpo.yaml']));
  for (const f of files) {
    it(f, () => {
      const parsed = parseSweepSpec(parseYamlSubset(readFileSync(join(DIR, f), 'utf8')), f);
      if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
      const runs = expandSweep(parsed.spec);
      let sampled = 0;
      let exact = 0;
      for (const run of runs) {
        const ref = run.mdp;
        if (ref.kind !== 'preset') throw new Error(`${f}: ${ref.ref}`);
        const mdp = preset(ref.id, ref.params);
        const r = parseMethodOptions(run.method as MethodId, run.options as Record<string, unknown>, mdpFacts(mdp));
        expect(r.ok ? [] : r.errors.map((e) => e.message), `${f}: ${run.method}`).toEqual([]);
        if ((run.options as Record<string, unknown>).estimator === 'monte-carlo') sampled++;
        else exact++;
      }
      expect(sampled).toBeGreaterThan(0);
      expect(exact).toBeGreaterThan(0);
    });
  }
});
