import { describe, expect, it } from 'vitest';
import { actionCount, compileMdp, gridCenters, validateMdp } from './compile';
import { MDP_FORMAT, MDP_LIMITS, type MdpDocument, type MdpIssue, type TabularMdp } from './types';
import { MAX_ISSUES_PER_CODE } from './validate';

/** A 2-state, 2-action table MDP with repeated next states, a terminated outcome and outcome rewards. */
function twoState(): MdpDocument {
  return {
    format: MDP_FORMAT,
    version: 1,
    name: 'two states',
    states: [{ label: 'A' }, { label: 'B' }],
    actions: { kind: 'discrete', labels: ['stay', 'go'], positions: [[0], [1]] },
    gamma: 0.9,
    initial: [1, 0],
    rewards: { kind: 'table', values: [[0, -0.1], [1, 0]] },
    transitions: {
      kind: 'table',
      entries: [
        { s: 0, a: 0, next: 0, p: 1 },
        { s: 0, a: 1, next: 1, p: 0.5 },
        { s: 0, a: 1, next: 1, p: 0.3, reward: 2 },
        { s: 0, a: 1, next: 0, p: 0.2 },
        { s: 1, a: 0, next: 1, p: 0.6 },
        { s: 1, a: 0, next: 0, p: 0.4, terminated: true, reward: 5 },
        { s: 1, a: 1, next: 0, p: 1 },
      ],
    },
  };
}

function ok(doc: unknown): TabularMdp {
  const r = compileMdp(doc);
  if (!r.ok) throw new Error(JSON.stringify(r.issues, null, 1));
  return r.mdp;
}

function issuesOf(doc: unknown): MdpIssue[] {
  const r = compileMdp(doc);
  if (r.ok) throw new Error('expected the document to fail');
  return r.issues;
}

/** (code, path) pairs, for exact comparisons. */
const pairs = (issues: MdpIssue[]) => issues.map((i) => `${i.code} @ ${i.path ?? '-'}`);

const bandit = (extra: Partial<MdpDocument> = {}): MdpDocument => ({
  format: MDP_FORMAT,
  version: 1,
  name: 'bandit',
  states: [{ label: 'only' }],
  actions: { kind: 'box', dim: 1, lo: [-1], hi: [1], n: 4 },
  gamma: 0,
  initial: [1],
  rewards: { kind: 'formula', expr: '-(a - 0.3)^2' },
  transitions: { kind: 'formula', weight: '1' },
  ...extra,
});

describe('compileMdp: a table MDP', () => {
  it('builds CSR rows with repeats summed and terminated mass omitted', () => {
    const m = ok(twoState());
    expect(m.S).toBe(2);
    expect(m.N).toBe(2);
    expect(m.gamma).toBe(0.9);
    expect(m.stateLabels).toEqual(['A', 'B']);
    expect(m.actionLabels).toEqual(['stay', 'go']);
    expect([...m.rowPtr]).toEqual([0, 1, 3, 4, 5]);
    expect([...m.next]).toEqual([0, 0, 1, 1, 0]);
    expect(m.prob[0]).toBe(1);
    expect(m.prob[1]).toBeCloseTo(0.2, 15);
    expect(m.prob[2]).toBeCloseTo(0.8, 15);
    expect(m.prob[3]).toBeCloseTo(0.6, 15); // the terminated 0.4 is not stored
    expect(m.prob[4]).toBe(1);
  });

  it('adds per-outcome rewards p * reward to r(s, j), terminated outcomes included', () => {
    const m = ok(twoState());
    expect(m.reward[0]).toBe(0);
    expect(m.reward[1]).toBeCloseTo(-0.1 + 0.3 * 2, 15);
    expect(m.reward[2]).toBeCloseTo(1 + 0.4 * 5, 15);
    expect(m.reward[3]).toBe(0);
  });

  it('builds the cost from positions with the exponent p, and mu uniform', () => {
    const m = ok(twoState());
    expect([...m.cost]).toEqual([0, 1, 1, 0]);
    expect(m.actionDim).toBe(1);
    expect([...m.positions!]).toEqual([0, 1]);
    expect([...m.mu]).toEqual([0.5, 0.5]);
    expect([...m.rho0]).toEqual([1, 0]);
    const doc = twoState();
    doc.actions = { kind: 'discrete', labels: ['x', 'y', 'z'], positions: [[0, 0], [3, 4], [0, 1]] };
    doc.rewards = { kind: 'table', values: [[0, 0, 0], [0, 0, 0]] };
    doc.transitions = { kind: 'formula', weight: 'sn == s' };
    doc.costPower = 1;
    const m1 = ok(doc);
    expect(m1.cost[0 * 3 + 1]).toBeCloseTo(5, 15);
    expect(m1.cost[1 * 3 + 2]).toBeCloseTo(Math.sqrt(9 + 9), 14);
    expect(ok({ ...doc, costPower: 2 }).cost[1]).toBe(25);
  });

  it('uses a given cost matrix (positions then null) or the 0/1 cost', () => {
    const doc = twoState();
    doc.actions = { kind: 'discrete', labels: ['stay', 'go'], cost: [[0, 3], [2, 0]] };
    const m = ok(doc);
    expect([...m.cost]).toEqual([0, 3, 2, 0]);
    expect(m.positions).toBeNull();
    expect(m.actionDim).toBe(0);
    doc.actions = { kind: 'discrete', labels: ['p', 'q'] };
    expect([...ok(doc).cost]).toEqual([0, 1, 1, 0]);
    const withBoth = twoState();
    withBoth.actions = { kind: 'discrete', labels: ['a', 'b'], positions: [[0], [1]], cost: [[0, 7], [7, 0]] };
    const r = compileMdp(withBoth);
    expect(r.ok && r.warnings.map((w) => w.code)).toEqual(['cost-overrides-positions']);
    expect(r.ok && [...r.mdp.cost]).toEqual([0, 7, 7, 0]);
  });

  it('normalises a given reference measure', () => {
    expect([...ok({ ...twoState(), reference: [0.25, 0.75] }).mu]).toEqual([0.25, 0.75]);
  });

  it('compiles terminal states as zero-reward self-loops and warns about their ignored entries', () => {
    const doc = { ...twoState(), terminalStates: [1] };
    const r = compileMdp(doc);
    if (!r.ok) throw new Error('should compile');
    expect([...r.mdp.rowPtr]).toEqual([0, 1, 3, 4, 5]);
    expect([...r.mdp.next.slice(3)]).toEqual([1, 1]);
    expect([...r.mdp.prob.slice(3)]).toEqual([1, 1]);
    expect(r.mdp.reward[2]).toBe(0);
    expect(r.mdp.reward[3]).toBe(0);
    expect(pairs(r.warnings)).toEqual(['terminal-overridden @ transitions.entries[4]']);
    // a terminal state needs no entries at all
    const doc2 = twoState();
    (doc2.transitions as { entries: unknown[] }).entries.splice(4, 3);
    expect(compileMdp({ ...doc2, terminalStates: [1] }).ok).toBe(true);
    expect(pairs(issuesOf(doc2))).toEqual(['missing-outcomes @ transitions.entries', 'missing-outcomes @ transitions.entries']);
  });

  it('validateMdp returns [] for a clean document', () => {
    expect(validateMdp(twoState())).toEqual([]);
  });
});

describe('compileMdp: formulas and boxes', () => {
  it('evaluates the reward at the cell centres of a 1-D box', () => {
    const m = ok(bandit());
    expect(m.N).toBe(4);
    expect(m.grid).toEqual({ dim: 1, n: 4, lo: [-1], hi: [1], h: [0.5] });
    expect([...m.positions!]).toEqual([-0.75, -0.25, 0.25, 0.75]);
    expect([...m.reward]).toEqual([-1.1025, -0.3025, -0.0025000000000000022, -0.2025].map((x) => expect.closeTo(x, 14)));
    expect(m.cost[0 * 4 + 3]).toBeCloseTo(2.25, 14);
    expect(m.actionLabels).toEqual(['a=-0.75', 'a=-0.25', 'a=0.25', 'a=0.75']);
    expect([...m.rowPtr]).toEqual([0, 1, 2, 3, 4]);
    expect([...m.prob]).toEqual([1, 1, 1, 1]);
  });

  it('orders 2-D cells with a1 slowest and gives formulas a1, a2', () => {
    const grid = { dim: 2 as const, n: 2, lo: [0, 0], hi: [1, 2], h: [0.5, 1] };
    expect([...gridCenters(grid)]).toEqual([0.25, 0.5, 0.25, 1.5, 0.75, 0.5, 0.75, 1.5]);
    const m = ok(bandit({ actions: { kind: 'box', dim: 2, lo: [0, 0], hi: [1, 2], n: 2 }, rewards: { kind: 'formula', expr: '10 * a1 + a2 + 100 * j' } }));
    expect([...m.reward]).toEqual([3, 104, 208, 309]);
    expect(m.cost[0 * 4 + 3]).toBeCloseTo(0.25 + 1, 14);
    expect(actionCount({ kind: 'box', dim: 2, lo: [0, 0], hi: [1, 1], n: 7 })).toBe(49);
    expect(actionCount({ kind: 'discrete', labels: ['a', 'b', 'c'] })).toBe(3);
  });

  it('gives formula transitions sn, S, N; normalises; drops terminated outcomes; per-state rewards', () => {
    const doc: MdpDocument = {
      format: MDP_FORMAT,
      version: 1,
      name: 'walk',
      states: [{ label: '0' }, { label: '1' }, { label: '2' }],
      actions: { kind: 'discrete', labels: ['l', 'r'], positions: [[-1], [1]] },
      gamma: 0.5,
      initial: [1 / 3, 1 / 3, 1 / 3],
      rewards: { kind: 'formula', expr: 'a * (s + 1)', perState: { '2': 'S * 10 + N' } },
      transitions: { kind: 'formula', weight: 'abs(sn - s) <= 1 ? 1 + (sn == s + a) : 0', normalize: true, terminated: 'sn == 2' },
    };
    const m = ok(doc);
    expect([...m.reward]).toEqual([-1, 1, -2, 2, 32, 32]);
    // (0, l): sn 0 w 1, sn 1 w 1 -> 1/2, 1/2; (0, r): sn 0 w 1, sn 1 w 2 -> 1/3, 2/3
    // (1, l): sn 0 w 2, sn 1 w 1, sn 2 w 1 (terminated) -> 1/2, 1/4 stored; (1, r): 1, 1, 2 (terminated) -> 1/4, 1/4
    // (2, l): sn 1 w 2, sn 2 w 1 (terminated) -> 2/3 stored; (2, r): sn 1 w 1, sn 2 w 1 (terminated) -> 1/2 stored
    expect([...m.rowPtr]).toEqual([0, 2, 4, 6, 8, 9, 10]);
    expect([...m.next]).toEqual([0, 1, 0, 1, 0, 1, 0, 1, 1, 1]);
    expect([...m.prob]).toEqual([0.5, 0.5, 1 / 3, 2 / 3, 0.5, 0.25, 0.25, 0.25, 2 / 3, 0.5].map((x) => expect.closeTo(x, 15)));
  });

  it('checks un-normalised formula weights sum to 1', () => {
    const issues = issuesOf(bandit({ transitions: { kind: 'formula', weight: '0.5' } }));
    expect(pairs(issues)).toEqual(Array(4).fill('probability-sum @ transitions.weight'));
    expect(issues[0].message).toBe(
      'outcomes of (s=0, j=0) sum to 0.5; they must sum to 1 within 1e-9 (set normalize: true to divide by the sum)',
    );
  });
});

describe('compileMdp: every problem, with its location', () => {
  it('reports all problems of a broken table document at once', () => {
    const doc = twoState() as unknown as Record<string, any>;
    doc.format = 'something-else';
    doc.version = 2;
    doc.gamma = 1;
    doc.initial = [0.5, 0.6];
    doc.reference = [0, 1];
    doc.rewards.values[1][0] = NaN;
    doc.transitions.entries[0].p = -0.1;
    doc.transitions.entries[6].next = 5;
    doc.transitions.entries[4].p = 0.5; // row (1, 0) sums to 0.9
    const issues = issuesOf(doc);
    expect(pairs(issues)).toEqual([
      'format @ format',
      'version @ version',
      'gamma-range @ gamma',
      'initial-sum @ initial',
      'reference-positive @ reference[0]',
      'not-finite @ rewards.values[1][0]',
      'negative-probability @ transitions.entries[0].p',
      'index-range @ transitions.entries[6].next',
      'probability-sum @ transitions.entries',
    ]);
    const byCode = Object.fromEntries(issues.map((i) => [i.code, i]));
    expect(byCode['version'].message).toBe('version 2 was written by a newer workbench; this one reads version 1');
    expect(byCode['gamma-range'].message).toBe('gamma = 1; the discount must lie in [0, 1)');
    expect(byCode['initial-sum'].message).toBe('initial sums to 1.1; it must sum to 1 within 1e-9');
    expect(byCode['not-finite']).toMatchObject({ state: 1, action: 0, message: 'rewards.values[1][0] is NaN; every number must be finite' });
    expect(byCode['negative-probability']).toMatchObject({ state: 0, action: 0, field: 'p' });
    expect(byCode['index-range'].message).toBe('transitions.entries[6].next = 5 is not a state index (valid: 0..1)');
    expect(byCode['probability-sum']).toMatchObject({
      state: 1,
      action: 0,
      message: 'outcomes of (s=1, j=0) sum to 0.9 (including terminated mass 0.4); they must sum to 1 within 1e-9',
    });
    expect(issues.every((i) => i.severity === 'error')).toBe(true);
  });

  it.each([
    ['null', null],
    ['an array', []],
    ['a string', 'mdp'],
    ['a number', 42],
  ])('refuses %s as a document', (_what, doc) => {
    expect(pairs(issuesOf(doc))).toEqual(['not-object @ ']);
  });

  it('reports missing fields', () => {
    expect(pairs(issuesOf({ format: MDP_FORMAT, version: 1 }))).toEqual([
      'missing-field @ name',
      'missing-field @ states',
      'missing-field @ actions',
      'missing-field @ gamma',
      'missing-field @ initial',
    ]);
  });

  it('points a Gymnasium P table to the importer', () => {
    expect(issuesOf({ P: {}, initial_state_distrib: [] })[0].message).toMatch(/use the Gymnasium import/);
  });

  it('catches NaN and Infinity in documents built in JS', () => {
    const doc = twoState();
    doc.gamma = NaN;
    (doc.actions as { positions: number[][] }).positions[1][0] = Infinity;
    doc.transitions = { kind: 'table', entries: [...(doc.transitions as { entries: any[] }).entries] };
    (doc.transitions as { entries: any[] }).entries[2] = { s: 0, a: 1, next: 1, p: 0.3, reward: -Infinity };
    expect(pairs(issuesOf(doc))).toEqual([
      'not-finite @ actions.positions[1][0]',
      'not-finite @ gamma',
      'not-finite @ transitions.entries[2].reward',
    ]);
  });

  it('reports (s, j) pairs without outcomes and caps long lists', () => {
    const doc = twoState();
    doc.transitions = { kind: 'table', entries: [] };
    const issues = issuesOf(doc);
    expect(issues.map((i) => [i.code, i.state, i.action])).toEqual([
      ['missing-outcomes', 0, 0],
      ['missing-outcomes', 0, 1],
      ['missing-outcomes', 1, 0],
      ['missing-outcomes', 1, 1],
    ]);
    expect(issues[0].message).toBe('no transition entries for (s=0, j=0): every state-action pair needs its outcomes');
    const big = bandit({ states: Array.from({ length: 100 }, (_, s) => ({ label: `${s}` })), initial: [1, ...Array(99).fill(0)] });
    big.transitions = { kind: 'table', entries: [] };
    const many = issuesOf(big);
    expect(many.length).toBe(MAX_ISSUES_PER_CODE + 1);
    expect(many[MAX_ISSUES_PER_CODE]).toMatchObject({
      code: 'too-many-issues',
      field: 'missing-outcomes',
      message: `${400 - MAX_ISSUES_PER_CODE} more 'missing-outcomes' issues not listed (the first ${MAX_ISSUES_PER_CODE} are)`,
    });
  });

  it('checks action spaces', () => {
    const base = twoState();
    const withActions = (actions: unknown) => pairs(issuesOf({ ...base, actions }));
    expect(withActions({ kind: 'discrete', labels: [] })).toEqual(['empty @ actions.labels']);
    expect(withActions({ kind: 'discrete', labels: ['a', 'b'], positions: [[0, 1], [2]] })).toEqual([
      'position-dimension @ actions.positions[1]',
    ]);
    expect(withActions({ kind: 'discrete', labels: ['a', 'b'], positions: [[0, 1, 2], [2, 3, 4]] })).toEqual([
      'position-dimension @ actions.positions[0]',
    ]);
    expect(withActions({ kind: 'discrete', labels: ['a', 'b'], cost: [[0, 1]] })).toEqual(['cost-shape @ actions.cost']);
    expect(withActions({ kind: 'discrete', labels: ['a', 'b'], cost: [[0, -1], [1, 2]] })).toEqual([
      'cost-negative @ actions.cost[0][1]',
      'cost-diagonal @ actions.cost[1][1]',
    ]);
    expect(withActions({ kind: 'wheel' })).toEqual(['wrong-type @ actions.kind']);
    const box = (b: Record<string, unknown>) => pairs(issuesOf(bandit({ actions: { kind: 'box', dim: 1, lo: [-1], hi: [1], n: 4, ...b } as any })));
    expect(box({ lo: [1], hi: [1] })).toEqual(['box-bounds @ actions.lo[0]']);
    expect(box({ lo: [2], hi: [1] })).toEqual(['box-bounds @ actions.lo[0]']);
    expect(box({ n: 0 })).toEqual(['grid-size @ actions.n']);
    expect(box({ n: 2.5 })).toEqual(['grid-size @ actions.n']);
    expect(box({ n: MDP_LIMITS.maxGridCellsPerAxis + 1 })).toEqual(['grid-size @ actions.n']);
    expect(box({ dim: 2, lo: [0, 0], hi: [1, 1], n: 65 })).toEqual(['grid-size @ actions.n']);
    expect(issuesOf(bandit({ actions: { kind: 'box', dim: 2, lo: [0, 0], hi: [1, 1], n: 65 } }))[0].message).toBe(
      'actions.n = 65 gives 65^2 = 4225 cells; at most 4096 actions are allowed (n <= 64 in 2-D)',
    );
    expect(box({ dim: 2, lo: [0], hi: [1, 1] })).toEqual(['shape @ actions.lo']);
    expect(box({ dim: 3 })).toEqual(['wrong-type @ actions.dim']);
  });

  it('checks the reference measure, the initial distribution and the cost power', () => {
    expect(pairs(issuesOf({ ...twoState(), reference: [0.5, 0.6] }))).toEqual(['reference-sum @ reference']);
    expect(pairs(issuesOf({ ...twoState(), reference: [1] }))).toEqual(['shape @ reference']);
    expect(pairs(issuesOf({ ...twoState(), initial: [-0.5, 1.5] }))).toEqual(['initial-negative @ initial[0]']);
    expect(pairs(issuesOf({ ...twoState(), initial: [1] }))).toEqual(['shape @ initial']);
    expect(pairs(issuesOf({ ...twoState(), costPower: 0 }))).toEqual(['cost-power @ costPower']);
    expect(pairs(issuesOf({ ...twoState(), gamma: -0.1 }))).toEqual(['gamma-range @ gamma']);
    expect(pairs(issuesOf({ ...twoState(), terminalStates: [2] }))).toEqual(['index-range @ terminalStates[0]']);
    // within the tolerance is fine, beyond it is not
    expect(compileMdp({ ...twoState(), initial: [1 - 5e-10, 0] }).ok).toBe(true);
    expect(pairs(issuesOf({ ...twoState(), initial: [1 - 2e-9, 0] }))).toEqual(['initial-sum @ initial']);
  });

  it('reports formula syntax errors with their column and NaN/Inf results at their (s, j)', () => {
    const bad = issuesOf(bandit({ rewards: { kind: 'formula', expr: 'a + 2*b' } }));
    expect(bad).toEqual([
      {
        severity: 'error',
        code: 'formula-syntax',
        path: 'rewards.expr',
        field: 'expr',
        message: "rewards.expr: unknown variable 'b' at column 7; allowed: s, j, a, S, N",
      },
    ]);
    const nan = issuesOf(bandit({ rewards: { kind: 'formula', expr: 'log(a)' } }));
    expect(nan.map((i) => [i.code, i.path, i.state, i.action])).toEqual([
      ['formula-not-finite', 'rewards.expr', 0, 0],
      ['formula-not-finite', 'rewards.expr', 0, 1],
    ]);
    expect(nan[0].message).toBe('reward formula gives NaN at s=0, j=0, a=-0.75');
    const inf = issuesOf(bandit({ rewards: { kind: 'formula', expr: '1 / (a - 0.25)' } }));
    expect(inf.map((i) => [i.code, i.action, i.message])).toEqual([
      ['formula-not-finite', 2, 'reward formula gives Infinity at s=0, j=2, a=0.25'],
    ]);
    const tr = issuesOf(bandit({ transitions: { kind: 'formula', weight: 'sn - 1', normalize: true } }));
    expect(pairs(tr)).toEqual(Array(4).fill('negative-probability @ transitions.weight'));
    const both = issuesOf(bandit({ rewards: { kind: 'formula', expr: '(' }, transitions: { kind: 'formula', weight: 'x', terminated: '1 +' } }));
    expect(pairs(both)).toEqual(['formula-syntax @ rewards.expr', 'formula-syntax @ transitions.weight', 'formula-syntax @ transitions.terminated']);
    expect(pairs(issuesOf(bandit({ rewards: { kind: 'formula', expr: '0', perState: { '1': '0', x: '0' } } })))).toEqual([
      'index-range @ rewards.perState["1"]',
      'index-range @ rewards.perState["x"]',
    ]);
    expect(pairs(issuesOf(bandit({ transitions: { kind: 'formula', weight: 'sn == 5' } })))).toEqual(
      Array(4).fill('missing-outcomes @ transitions.weight'),
    );
  });

  it('checks sizes before allocating', () => {
    const t0 = Date.now();
    const tooManyStates = issuesOf({ ...twoState(), states: new Array(MDP_LIMITS.maxStates + 1) });
    expect(pairs(tooManyStates)[0]).toBe('too-large @ states');
    expect(tooManyStates[0].message).toBe('100001 states; the limit is 100000');
    const pairsLimit = issuesOf(
      bandit({
        states: Array.from({ length: 1000 }, (_, s) => ({ label: `${s}` })),
        initial: [1, ...Array(999).fill(0)],
        actions: { kind: 'box', dim: 2, lo: [0, 0], hi: [1, 1], n: 64 },
      }),
    );
    expect(pairs(pairsLimit)).toEqual(['too-large @ actions']);
    expect(pairsLimit[0].message).toBe('1000 states x 4096 actions = 4096000 state-action pairs; the limit is 4000000');
    const entries = new Array(MDP_LIMITS.maxTransitions + 1);
    expect(pairs(issuesOf({ ...twoState(), transitions: { kind: 'table', entries } }))).toEqual(['too-large @ transitions.entries']);
    const evals = issuesOf(
      bandit({
        states: Array.from({ length: 1000 }, (_, s) => ({ label: `${s}` })),
        initial: [1, ...Array(999).fill(0)],
        actions: { kind: 'box', dim: 1, lo: [0], hi: [1], n: 64 },
      }),
    );
    expect(pairs(evals)).toEqual(['too-large @ transitions.weight']);
    expect(pairs(issuesOf({ ...twoState(), actions: { kind: 'discrete', labels: new Array(MDP_LIMITS.maxActions + 1).fill('a') } }))).toEqual([
      'too-large @ actions.labels',
    ]);
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('describes odd values safely and reports unreadable documents', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const odd = issuesOf({ ...twoState(), actions: { kind: BigInt(1) }, rewards: { kind: cyclic }, transitions: { kind: Symbol('x') } });
    expect(odd.map((i) => i.message)).toEqual([
      "actions.kind must be 'discrete' or 'box', got bigint",
    ]);
    const odd2 = issuesOf({ ...twoState(), rewards: { kind: cyclic }, transitions: { kind: 'x'.repeat(100) } });
    expect(odd2.map((i) => i.message)).toEqual([
      "rewards.kind must be 'table' or 'formula', got object",
      `transitions.kind must be 'table' or 'formula', got "${'x'.repeat(40)}..."`,
    ]);
    const throwing = Object.defineProperty({ ...twoState() }, 'gamma', {
      enumerable: true,
      get() {
        throw new Error('boom');
      },
    });
    expect(issuesOf(throwing)).toEqual([
      { severity: 'error', code: 'unreadable', message: 'the document could not be read: boom' },
    ]);
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    expect(issuesOf(proxy)[0].code).toBe('unreadable');
  });

  it('never throws on mangled documents', () => {
    const garbage = [null, undefined, 0, -1, 1.5, NaN, '', 'x', [], [null], {}, { length: 3 }, true, Infinity, [[NaN]], { __proto__: null }, BigInt(2), Symbol('s'), () => 1];
    let seed = 7;
    const rand = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    const mutate = (x: unknown, depth: number): unknown => {
      if (rand() < 0.08 || depth > 6) return garbage[Math.floor(rand() * garbage.length)];
      if (Array.isArray(x)) return x.map((v) => (rand() < 0.3 ? mutate(v, depth + 1) : v));
      if (x && typeof x === 'object') {
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(x)) if (rand() > 0.05) out[k] = rand() < 0.3 ? mutate(v, depth + 1) : v;
        return out;
      }
      return x;
    };
    for (let t = 0; t < 300; t++) {
      const doc = mutate(t % 2 ? twoState() : bandit(), 0);
      const r = compileMdp(doc);
      if (!r.ok) {
        expect(r.issues.length).toBeGreaterThan(0);
        for (const i of r.issues) expect(typeof i.message).toBe('string');
      }
    }
  });
});
