/**
 * The sweep spec: validation (unknown keys, empty grids, bad ranges each get a message naming their
 * place), grid expansion (counts, linear / stepped / log-spaced ranges against their closed forms), and
 * the YAML subset reading the same spec as JSON.
 */
import { describe, expect, it } from 'vitest';
import { expandSweep, gridValues, parseMdpRef, parseSweepSpec, sweepRunCount, type SweepSpec } from '../../src/shared/sweepSpec';
import { methodInfo } from '../../src/shared/methods';
import { parseYamlSubset, YamlSubsetError } from '../../src/cli/sweep/yamlSubset';

const base = {
  name: 'cliff',
  mdps: ['preset:cliffwalking'],
  methods: [{ method: 'ot-trpo', options: { eps: [0.05, 0.2] } }, { method: 'kl-trpo' }],
  seeds: [1, 2, 3],
  iterations: 50,
};

function ok(input: unknown): SweepSpec {
  const r = parseSweepSpec(input);
  if (!r.ok) throw new Error(r.errors.join('\n'));
  return r.spec;
}
function errors(input: unknown): string[] {
  const r = parseSweepSpec(input);
  if (r.ok) throw new Error('expected the spec to be refused');
  return r.errors;
}

describe('sweep spec validation', () => {
  it('refuses unknown keys at every level, naming the place and the known keys', () => {
    expect(errors({ ...base, seed: [1] })).toEqual([expect.stringMatching(/^sweep: unknown key 'seed' \(known: .*seeds/)]);
    expect(errors({ ...base, methods: [{ method: 'ot-trpo', option: {} }] })[0]).toMatch(/^methods\[0\]: unknown key 'option'/);
    expect(errors({ ...base, methods: [{ method: 'kl-trpo', options: { eps: 0.1 } }] })[0]).toMatch(
      /^methods\[0\]\.options: unknown option 'eps' for kl-trpo \(known: .*delta/,
    );
    expect(errors({ ...base, methods: [{ method: 'ot-trpo', options: { eps: { from: 0.1, to: 1, count: 3, base: 10 } } }] })[0]).toMatch(
      /methods\[0\]\.options\.eps: unknown key 'base'/,
    );
    expect(errors({ ...base, methods: ['nope'] })[0]).toMatch(/methods\[0\]\.method: unknown method "nope"/);
  });

  it('refuses empty grids: lists, ranges, seeds, methods and MDPs', () => {
    expect(errors({ ...base, methods: [{ method: 'ot-trpo', options: { eps: [] } }] })).toEqual([
      'methods[0].options.eps: the list is empty (a grid axis needs at least one value)',
    ]);
    expect(errors({ ...base, methods: [{ method: 'ot-trpo', options: { eps: { from: 0.1, to: 1, count: 0 } } }] })).toEqual([
      'methods[0].options.eps: the range is empty (count 0)',
    ]);
    expect(errors({ ...base, seeds: [] })).toEqual(['seeds: the list is empty (a grid axis needs at least one value)']);
    expect(errors({ ...base, seeds: 0 })).toEqual(['seeds: 0 seeds (a sweep needs at least one seed)']);
    expect(errors({ ...base, methods: [] })).toEqual(['methods: the list is empty (a sweep needs at least one method)']);
    expect(errors({ ...base, mdps: [] })).toEqual(['mdps: the list is empty (a sweep needs at least one MDP)']);
  });

  it('refuses values outside a method option range, bad ranges and bad seeds', () => {
    expect(errors({ ...base, methods: [{ method: 'ot-trpo', options: { eps: [0.1, -1] } }] })[0]).toMatch(
      /^methods\[0\] \(ot-trpo\) at eps=-1: .*eps/,
    );
    expect(errors({ ...base, methods: [{ method: 'kl-trpo', options: { delta: { from: 0, to: 1, count: 3, log: true } } }] })[0]).toMatch(
      /log-spaced range needs from > 0/,
    );
    expect(errors({ ...base, methods: [{ method: 'kl-trpo', options: { delta: { from: 0.1, to: 1, count: 3, step: 0.1 } } }] })[0]).toMatch(
      /exactly one of 'count' or 'step'/,
    );
    expect(errors({ ...base, seeds: [1, 1.5] })).toEqual(['seeds: 1.5 is not an integer seed in [0, 2^32)']);
    expect(errors({ ...base, seeds: [2, 2] })).toEqual(['seeds: the value 2 is listed twice']);
    expect(errors({ ...base, backend: 'cuda' })).toEqual([`backend: must be 'reference' or 'webgpu', got "cuda"`]);
  });

  it('parses preset references with parameters', () => {
    expect(parseMdpRef('preset:gridworld?size=8&gamma=0.9')).toEqual({ kind: 'preset', ref: 'preset:gridworld?size=8&gamma=0.9', id: 'gridworld', params: { size: 8, gamma: 0.9 } });
    expect(parseMdpRef('designs/maze.json')).toEqual({ kind: 'file', ref: 'designs/maze.json', path: 'designs/maze.json' });
    expect(parseMdpRef('preset:gridworld?size=big')).toMatch(/must be key=number/);
    expect(errors({ ...base, mdps: ['preset:gridworld?size'] })[0]).toMatch(/^mdps\[0\]: .*key=number/);
  });
});

describe('sweep expansion', () => {
  it('counts |mdps| x |seeds| x sum over methods of the grid sizes, and expands to exactly that many runs', () => {
    const spec = ok({
      ...base,
      mdps: ['preset:cliffwalking', 'preset:frozenlake-4x4'],
      methods: [
        { method: 'ot-trpo', options: { eps: [0.05, 0.1, 0.2], tieTol: [1e-9, 1e-6] } },
        { method: 'kl-trpo', options: { delta: { from: 0.01, to: 0.1, count: 4, log: true } } },
        'value-iteration',
      ],
      seeds: 3,
    });
    expect(sweepRunCount(spec)).toBe(2 * 3 * (3 * 2 + 4 + 1));
    const runs = expandSweep(spec);
    expect(runs.length).toBe(66);
    expect(new Set(runs.map((r) => r.key)).size).toBe(66);
    expect(runs[0]).toMatchObject({ key: 'r0000', method: 'ot-trpo', set: { eps: 0.05, tieTol: 1e-9 }, seed: 1, iterations: 50 });
    expect(runs[1]).toMatchObject({ set: { eps: 0.05, tieTol: 1e-9 }, seed: 2 });
    expect(runs[3]).toMatchObject({ set: { eps: 0.05, tieTol: 1e-6 }, seed: 1 }); // last key fastest, then seed
    expect(runs[0].options).toMatchObject({ eps: 0.05, tau: 0 }); // defaults filled
    expect(runs[33].mdp.ref).toBe('preset:frozenlake-4x4');
    // seeds: 3 means 1..3
    expect([...new Set(runs.map((r) => r.seed))]).toEqual([1, 2, 3]);
  });

  it('log-spaced ranges are geometric with both ends exact; linear and stepped ranges are arithmetic', () => {
    const e: string[] = [];
    const log = gridValues('x', { from: 1e-3, to: 1, count: 4, log: true }, e) as number[];
    expect(log[0]).toBe(1e-3);
    expect(log[3]).toBe(1);
    expect(log[1]).toBeCloseTo(1e-2, 15);
    expect(log[2]).toBeCloseTo(1e-1, 15);
    for (let k = 1; k < 3; k++) expect(log[k + 1] / log[k]).toBeCloseTo(log[k] / log[k - 1], 12);
    expect(gridValues('x', { from: 0, to: 1, count: 5 }, e)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(gridValues('x', { from: 0.1, to: 0.5, step: 0.1 }, e)).toHaveLength(5);
    expect(gridValues('x', { from: 2, to: 3, count: 1 }, e)).toEqual([2]);
    expect(e).toEqual([]);
  });

  it('a method entry may name its own MDPs and seeds: the issue-9 sweep is 2 x 2 x 3 + 1 x 2 = 14 runs', () => {
    const spec = ok({
      name: 'mixed',
      mdps: ['preset:cliffwalking'],
      methods: [
        { method: 'ot-trpo', options: { eps: [0.05, 0.2] } },
        { method: 'kl-trpo', options: { delta: [0.02, 0.1] } },
        { method: 'wasserstein-flow', mdps: ['preset:bandit-quadratic'], seeds: [1, 2] },
      ],
      seeds: 3,
      init: 'random',
    });
    expect(spec.mdps.map((m) => m.ref)).toEqual(['preset:cliffwalking', 'preset:bandit-quadratic']);
    expect(sweepRunCount(spec)).toBe(14);
    const runs = expandSweep(spec);
    expect(runs).toHaveLength(14);
    expect(runs.filter((r) => r.mdp.ref === 'preset:cliffwalking').map((r) => r.method)).not.toContain('wasserstein-flow');
    expect(runs.filter((r) => r.method === 'wasserstein-flow').map((r) => [r.mdp.ref, r.seed])).toEqual([
      ['preset:bandit-quadratic', 1],
      ['preset:bandit-quadratic', 2],
    ]);
    expect(runs.every((r) => r.init === 'random')).toBe(true);
    // without top-level MDPs every entry must name its own, and the message says where
    expect(errors({ name: 'x', methods: ['ot-trpo', { method: 'kl-trpo', mdps: ['preset:chain'] }] })).toEqual([
      "methods[0]: no MDPs (give the sweep's 'mdps' or this entry's own)",
    ]);
    expect(errors({ ...base, methods: [{ method: 'ot-trpo', seeds: 0 }] })).toEqual(['methods[0].seeds: 0 seeds (a sweep needs at least one seed)']);
  });

  it('uses a method entry iterations over the sweep default over the method default', () => {
    const spec = ok({ ...base, iterations: undefined, methods: [{ method: 'ot-trpo', iterations: 7 }, 'kl-trpo'] });
    expect(spec.methods.map((m) => m.iterations)).toEqual([7, methodInfo('kl-trpo')!.iterations]);
    expect(ok({ ...base, iterations: 9, methods: [{ method: 'ot-trpo', iterations: 7 }, 'kl-trpo'] }).methods.map((m) => m.iterations)).toEqual([7, 9]);
  });
});

describe('the YAML subset of sweep files', () => {
  it('reads the same spec as the JSON file', () => {
    const yaml = `
# two methods on the cliff
name: cliff
mdps: [preset:cliffwalking]
methods:
  - method: ot-trpo
    options:
      eps: [0.05, 0.2]   # radii
  - method: kl-trpo
    options: {delta: {from: 1e-3, to: 0.1, count: 3, log: true}}
seeds:
  - 1
  - 2
iterations: 50
experiment: 'Cliff: OT vs KL'
`;
    expect(parseYamlSubset(yaml)).toEqual({
      name: 'cliff',
      mdps: ['preset:cliffwalking'],
      methods: [
        { method: 'ot-trpo', options: { eps: [0.05, 0.2] } },
        { method: 'kl-trpo', options: { delta: { from: 1e-3, to: 0.1, count: 3, log: true } } },
      ],
      seeds: [1, 2],
      iterations: 50,
      experiment: 'Cliff: OT vs KL',
    });
  });

  it('refuses what it does not support, with the line', () => {
    expect(() => parseYamlSubset('a: &x 1\nb: *x\n')).toThrow(YamlSubsetError);
    expect(() => parseYamlSubset('a: 1\na: 2\n')).toThrow(/line 2: duplicate key 'a'/);
    expect(() => parseYamlSubset('a: [1, 2\n')).toThrow(/line 1/);
  });
});
