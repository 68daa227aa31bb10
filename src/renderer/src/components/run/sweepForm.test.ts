/**
 * The sweep panel's form (src/renderer/src/components/run/sweepForm.ts): the text of an option axis
 * becomes the spec's list or range, the spec the form means is the one `wwb sweep` reads (checked by
 * the same parser, same run count and runs), and an imported spec comes back as the same spec.
 */
import { describe, expect, it } from 'vitest';
import { axisText, formToSpec, parseAxisText, parseSeedsText, specToForm, type SweepForm } from './sweepForm';
import { expandSweep, parseSweepSpec, sweepRunCount } from '../../../../shared/sweepSpec';

const issueForm: SweepForm = {
  name: 'issue9',
  experiment: '',
  mdps: ['preset:cliffwalking', 'preset:bandit-quadratic'],
  methods: [
    { method: 'ot-trpo', options: { eps: '0.05, 0.2', tieTol: '' }, iterations: '', mdps: ['preset:cliffwalking'], seeds: '' },
    { method: 'kl-trpo', options: { delta: '0.02, 0.1' }, iterations: '', mdps: ['preset:cliffwalking'], seeds: '' },
    { method: 'wasserstein-flow', options: {}, iterations: '30', mdps: ['preset:bandit-quadratic'], seeds: '2' },
  ],
  seeds: '3',
  iterations: '12',
  backend: 'reference',
  init: 'random',
};

describe('sweep form', () => {
  it('reads values, lists, linear / log / stepped ranges, and says what it cannot read', () => {
    expect(parseAxisText('')).toBeNull();
    expect(parseAxisText('0.2')).toBe(0.2);
    expect(parseAxisText('0.05, 0.2')).toEqual([0.05, 0.2]);
    expect(parseAxisText('exact, sweeps')).toEqual(['exact', 'sweeps']);
    expect(parseAxisText('1e-3..1 4 log')).toEqual({ from: 1e-3, to: 1, count: 4, log: true });
    expect(parseAxisText('0..1 5')).toEqual({ from: 0, to: 1, count: 5 });
    expect(parseAxisText('0..1 step 0.25')).toEqual({ from: 0, to: 1, step: 0.25 });
    expect(() => parseAxisText('0.1..')).toThrow(/FROM\.\.TO COUNT/);
    expect(() => parseAxisText('0.1,,0.2')).toThrow(/empty entry/);
    expect(parseSeedsText('3')).toBe(3);
    expect(parseSeedsText('1..4')).toEqual({ from: 1, to: 4, step: 1 });
    for (const t of ['0.05, 0.2', '0.001..1 4 log', '0..1 step 0.25', '0..1 5']) expect(axisText(parseAxisText(t))).toBe(t);
  });

  it('the issue-9 sweep is 14 runs: per-method MDPs and seeds, the shared list on top', () => {
    const { raw, errors } = formToSpec(issueForm);
    expect(errors).toEqual([]);
    expect(raw.mdps).toEqual(['preset:cliffwalking']);
    expect((raw.methods as { mdps?: string[] }[]).map((m) => m.mdps)).toEqual([undefined, undefined, ['preset:bandit-quadratic']]);
    const parsed = parseSweepSpec(raw);
    if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
    expect(sweepRunCount(parsed.spec)).toBe(14);
    const runs = expandSweep(parsed.spec);
    expect(runs.filter((r) => r.method === 'wasserstein-flow').map((r) => [r.seed, r.iterations])).toEqual([
      [1, 30],
      [2, 30],
    ]);
  });

  it('an exported spec imported again gives the same spec and the same runs', () => {
    const { raw } = formToSpec(issueForm);
    const again = formToSpec(specToForm(JSON.parse(JSON.stringify(raw)) as Record<string, unknown>, 'x')).raw;
    expect(again).toEqual(raw);
    const a = parseSweepSpec(raw);
    const b = parseSweepSpec(again);
    expect(a.ok && b.ok && expandSweep(a.spec)).toEqual(b.ok && expandSweep(b.spec));
  });

  it('locates bad text and bad values the way the CLI does', () => {
    const bad: SweepForm = { ...issueForm, methods: [{ ...issueForm.methods[0], options: { eps: '0.1..0.5' } }, { ...issueForm.methods[1], options: { delta: '-1' } }] };
    const { raw, errors } = formToSpec(bad);
    expect(errors).toEqual(["methods[0].options.eps: cannot read the range '0.1..0.5': write FROM..TO COUNT [log] or FROM..TO step STEP"]);
    const parsed = parseSweepSpec(raw);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.errors.some((e) => e.startsWith('methods[1] (kl-trpo) at delta=-1:'))).toBe(true);
  });
});
