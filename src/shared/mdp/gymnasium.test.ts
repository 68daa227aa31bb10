import { describe, expect, it } from 'vitest';
import { compileMdp } from './compile';
import { exportGymnasium, importGymnasium } from './gymnasium';
import { MDP_FORMAT, type MdpDocument, type MdpIssue, type TabularMdp } from './types';

/** A tiny Gymnasium-style model: state 1 is Gymnasium's terminal convention. */
const tinyLists = {
  P: [
    [
      [[0.5, 0, 0.0, false], [0.25, 0, 2.0, false], [0.25, 1, 1.0, true]],
      [[1.0, 1, -1.0, true]],
    ],
    [[[1.0, 1, 0, true]], [[1.0, 1, 0, true]]],
  ],
  initial_state_distrib: [1, 0],
};

/** The same as json.dumps writes a dict of dicts. */
const tinyDicts = {
  P: {
    '0': {
      '0': [[0.5, 0, 0.0, false], [0.25, 0, 2.0, false], [0.25, 1, 1.0, true]],
      '1': [[1.0, 1, -1.0, true]],
    },
    '1': { '1': [[1.0, 1, 0, true]], '0': [[1.0, 1, 0, true]] },
  },
  initial_state_distrib: [1.0, 0.0],
  nS: 2,
  nA: 2,
};

function imported(json: unknown, opts = {}): MdpDocument {
  const r = importGymnasium(json, opts);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.document;
}

function compiled(doc: MdpDocument): TabularMdp {
  const r = compileMdp(doc);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.mdp;
}

function importIssues(json: unknown): MdpIssue[] {
  const r = importGymnasium(json);
  if (r.ok) throw new Error('expected the import to fail');
  return r.issues;
}

const pairs = (issues: MdpIssue[]) => issues.map((i) => `${i.code} @ ${i.path ?? '-'}`);

describe('importGymnasium', () => {
  it('merges repeated outcomes, keeps rewards per outcome and detects terminal states', () => {
    const doc = imported(tinyLists, { name: 'tiny', gamma: 0.9 });
    expect(doc).toEqual({
      format: MDP_FORMAT,
      version: 1,
      name: 'tiny',
      states: [{ label: 's0' }, { label: 's1' }],
      actions: { kind: 'discrete', labels: ['a0', 'a1'] },
      gamma: 0.9,
      initial: [1, 0],
      rewards: { kind: 'table', values: [[0, 0], [0, 0]] },
      transitions: {
        kind: 'table',
        entries: [
          { s: 0, a: 0, next: 0, p: 0.75, reward: 0.5 / 0.75 },
          { s: 0, a: 0, next: 1, p: 0.25, terminated: true, reward: 1 },
          { s: 0, a: 1, next: 1, p: 1, terminated: true, reward: -1 },
        ],
      },
      terminalStates: [1],
    });
    const m = compiled(doc);
    expect(m.reward[0]).toBeCloseTo(0.25 * 2 + 0.25 * 1, 15);
    expect(m.reward[1]).toBe(-1);
    expect([...m.rowPtr]).toEqual([0, 1, 1, 2, 3]);
    expect([...m.next]).toEqual([0, 1, 1]);
    expect([...m.prob]).toEqual([0.75, 1, 1]);
  });

  it('reads objects keyed by index strings exactly like lists', () => {
    expect(imported(tinyDicts)).toEqual(imported(tinyLists));
    expect(imported(tinyDicts).gamma).toBe(0.99);
  });

  it('accepts 0/1 for terminated and the old "isd" key', () => {
    const json = { P: [[[[1, 0, 1, 0]]]], isd: [1] };
    const doc = imported(json);
    expect(compiled(doc).reward[0]).toBe(1);
  });

  it('reports inconsistent and malformed tables with paths', () => {
    expect(pairs(importIssues({ ...tinyLists, nS: 3, nA: 1 }))).toEqual(['shape @ nS', 'shape @ nA']);
    expect(pairs(importIssues({ P: [[[[1, 0, 0, false]]], [[[1, 0, 0, false]], [[1, 0, 0, false]]]], initial_state_distrib: [1, 0] }))).toEqual([
      'shape @ P[1]',
    ]);
    expect(pairs(importIssues({ P: { '0': { '0': [[1, 0, 0, false]] }, x: {} }, initial_state_distrib: [1, 0] }))).toEqual([
      'index-range @ P["x"]',
    ]);
    expect(
      pairs(
        importIssues({
          P: [[[[0.5, 0, 0, false], [0.4, 0, 0, false]], [[1, 0, 0]], [[1, 3, 0, false]], [[-1, 0, 0, false], [2, 0, 0, false]], []]],
          initial_state_distrib: [1],
        }),
      ),
    ).toEqual([
      'probability-sum @ P[0][0]',
      'shape @ P[0][1][0]',
      'index-range @ P[0][2][0][1]',
      'negative-probability @ P[0][3][0][0]',
      'missing-outcomes @ P[0][4]',
    ]);
    expect(pairs(importIssues({ P: [[[[1, 0, 0, 'no']]]], initial_state_distrib: [1] }))).toEqual(['wrong-type @ P[0][0][0][3]']);
    expect(pairs(importIssues({ P: [[[[1, 0, 0, false]]]] }))).toEqual(['missing-field @ initial_state_distrib']);
    expect(pairs(importIssues({ P: [[[[1, 0, 0, false]]]], initial_state_distrib: [0.5] }))).toEqual(['initial-sum @ initial_state_distrib']);
    expect(pairs(importIssues({ P: [[[[1, 0, 0, false]]]], initial_state_distrib: [1, 0] }))).toEqual(['shape @ initial_state_distrib']);
    expect(pairs(importIssues({ initial_state_distrib: [1] }))).toEqual(['missing-field @ P']);
    expect(pairs(importIssues('P'))).toEqual(['not-object @ ']);
    expect(importIssues({ ...tinyLists, nS: BigInt(2) })[0].message).toBe('nS = bigint but P has 2 states');
    const throwing = Object.defineProperty({}, 'P', { enumerable: true, get: () => { throw new Error('nope'); } });
    expect(importIssues(throwing)).toEqual([{ severity: 'error', code: 'unreadable', message: 'the Gymnasium model could not be read: nope' }]);
    expect(pairs(importIssues({ P: [] , initial_state_distrib: []}))).toEqual(['empty @ P']);
    const r = importGymnasium(tinyLists, { gamma: 1 });
    expect(!r.ok && pairs(r.issues)).toEqual(['gamma-range @ gamma']);
  });
});

describe('exportGymnasium', () => {
  it('writes per-outcome rewards r(s,j) + own reward and terminal states in the Gymnasium convention', () => {
    const doc: MdpDocument = {
      format: MDP_FORMAT,
      version: 1,
      name: 'x',
      states: [{ label: 'A' }, { label: 'B' }],
      actions: { kind: 'discrete', labels: ['u', 'v'] },
      gamma: 0.5,
      initial: [1, 0],
      rewards: { kind: 'table', values: [[1, 2], [0, 0]] },
      transitions: {
        kind: 'table',
        entries: [
          { s: 0, a: 0, next: 0, p: 0.5 },
          { s: 0, a: 0, next: 0, p: 0.25, reward: 4 },
          { s: 0, a: 0, next: 1, p: 0.25, terminated: true },
          { s: 0, a: 1, next: 1, p: 1, reward: -1 },
        ],
      },
      terminalStates: [1],
    };
    const r = exportGymnasium(doc);
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.json).toEqual({
      P: [
        [
          [[0.75, 0, 1 + 1 / 0.75, false], [0.25, 1, 1, true]].map((o) => o.map((v) => (typeof v === 'number' ? expect.closeTo(v, 14) : v))),
          [[1, 1, 1, false]],
        ],
        [[[1, 1, 0, true]], [[1, 1, 0, true]]],
      ],
      initial_state_distrib: [1, 0],
      nS: 2,
      nA: 2,
    });
    const back = compiled(imported(r.json, { gamma: 0.5 }));
    const m = compiled(doc);
    expect([...back.reward]).toEqual([...m.reward].map((x) => expect.closeTo(x, 14)));
    expect([...back.rowPtr]).toEqual([...m.rowPtr]);
  });

  it('refuses documents that do not compile', () => {
    const r = exportGymnasium({ format: MDP_FORMAT } as unknown as MdpDocument);
    expect(r.ok).toBe(false);
  });

  it('exports formula transitions (terminated formula included) and round-trips them', () => {
    const doc: MdpDocument = {
      format: MDP_FORMAT,
      version: 1,
      name: 'line',
      states: [{ label: '0' }, { label: '1' }, { label: '2' }],
      actions: { kind: 'box', dim: 1, lo: [-1], hi: [1], n: 3 },
      gamma: 0.9,
      initial: [1, 0, 0],
      rewards: { kind: 'formula', expr: '-a^2 + s' },
      transitions: { kind: 'formula', weight: 'exp(-(sn - s - a)^2)', normalize: true, terminated: 'sn == 2' },
    };
    const r = exportGymnasium(doc);
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.json.P[0][2].map((o) => [o[1], o[3]])).toEqual([
      [0, false],
      [1, false],
      [2, true],
    ]);
    const back = compiled(imported(r.json, { gamma: 0.9 }));
    const m = compiled(doc);
    expect([...back.reward]).toEqual([...m.reward].map((x) => expect.closeTo(x, 13)));
    expect([...back.rowPtr]).toEqual([...m.rowPtr]);
    expect([...back.next]).toEqual([...m.next]);
    expect([...back.prob]).toEqual([...m.prob].map((x) => expect.closeTo(x, 14)));
  });
});
