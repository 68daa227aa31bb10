import { describe, expect, it } from 'vitest';
import { compileMdp } from '../../shared/mdp/compile';
import { exportGymnasium, importGymnasium } from '../../shared/mdp/gymnasium';
import type { MdpDocument, TabularMdp, TransitionEntry } from '../../shared/mdp/types';
import { PRESETS, presetById, taxiDecode, taxiEncode } from './index';

function compiled(doc: MdpDocument): TabularMdp {
  const r = compileMdp(doc);
  if (!r.ok) throw new Error(JSON.stringify(r.issues.slice(0, 5)));
  expect(r.warnings).toEqual([]);
  return r.mdp;
}

/** Row (s, j) of the compiled P as {next: prob}. */
function row(m: TabularMdp, s: number, j: number): Record<number, number> {
  const out: Record<number, number> = {};
  const r = s * m.N + j;
  for (let k = m.rowPtr[r]; k < m.rowPtr[r + 1]; k++) out[m.next[k]] = m.prob[k];
  return out;
}

function entriesOf(doc: MdpDocument, s: number, a: number): TransitionEntry[] {
  if (doc.transitions.kind !== 'table') throw new Error('table expected');
  return doc.transitions.entries.filter((e) => e.s === s && e.a === a);
}

const build = (id: string, params?: Record<string, number>) => {
  const p = presetById(id);
  if (!p) throw new Error(`no preset ${id}`);
  return p.build(params);
};

describe('the preset registry', () => {
  it('holds the required presets under unique ids', () => {
    const ids = PRESETS.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of [
      'bandit-quadratic',
      'bandit-bimodal',
      'bandit-cosine',
      'bandit-2d',
      'chain',
      'gridworld',
      'frozenlake-4x4',
      'frozenlake-8x8',
      'cliffwalking',
      'taxi',
      'nav-1d',
    ]) {
      expect(presetById(id)?.id).toBe(id);
    }
    expect(presetById('nope')).toBeUndefined();
  });

  it.each(PRESETS.map((p) => [p.id, p] as const))('%s compiles without errors or warnings, with canvas positions', (_id, p) => {
    const doc = p.build();
    const m = compiled(doc);
    expect(m.gamma).toBeGreaterThanOrEqual(0);
    expect(m.gamma).toBeLessThan(1);
    if (p.category !== 'bandit') expect(m.gamma).toBeGreaterThanOrEqual(0.9);
    for (const st of doc.states) {
      expect(Number.isFinite(st.x)).toBe(true);
      expect(Number.isFinite(st.y)).toBe(true);
    }
    // the document survives JSON
    expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
    // rows are sub-stochastic
    for (let r = 0; r < m.S * m.N; r++) {
      let sum = 0;
      for (let k = m.rowPtr[r]; k < m.rowPtr[r + 1]; k++) sum += m.prob[k];
      expect(sum).toBeLessThanOrEqual(1 + 1e-12);
    }
  });

  it('checks parameters', () => {
    expect(() => build('bandit-quadratic', { n: 1 })).toThrow("preset 'bandit-quadratic': parameter 'n' = 1 is outside [2, 1024]");
    expect(() => build('bandit-quadratic', { n: 3.5 })).toThrow("parameter 'n' must be an integer");
    expect(() => build('chain', { size: 3 })).toThrow("unknown parameter 'size' (known: states, slip)");
    expect(() => build('nav-1d', { states: 5, target: 7 })).toThrow(RangeError);
  });
});

describe('bandits', () => {
  it('bandit-quadratic: r(a) = -(a - 0.3)^2 at the centres of 64 cells on [-1, 1], gamma 0', () => {
    const m = compiled(build('bandit-quadratic'));
    expect(m.S).toBe(1);
    expect(m.N).toBe(64);
    expect(m.gamma).toBe(0);
    expect(m.grid?.h[0]).toBeCloseTo(2 / 64, 15);
    for (let j = 0; j < 64; j++) {
      const a = -1 + (j + 0.5) * (2 / 64);
      expect(m.reward[j]).toBeCloseTo(-((a - 0.3) ** 2), 14);
    }
    expect(compiled(build('bandit-quadratic', { n: 128 })).N).toBe(128);
  });

  it('bandit-bimodal peaks near -0.5, bandit-cosine at 0, bandit-2d at (0.3, -0.2)', () => {
    const argmax = (m: TabularMdp) => m.reward.indexOf(Math.max(...m.reward));
    const bi = compiled(build('bandit-bimodal', { n: 40 }));
    // centres -0.525 and -0.475 tie to double precision (the second peak's tail is ~1e-21): lowest index
    expect(bi.positions![argmax(bi)]).toBeCloseTo(-0.525, 12);
    expect(bi.reward[argmax(bi)]).toBeCloseTo(Math.exp(-(0.025 ** 2) / 0.02), 14);
    const a = bi.positions!;
    expect(bi.reward[30]).toBeCloseTo(0.8 * Math.exp(-((a[30] - 0.5) ** 2) / 0.02) + Math.exp(-((a[30] + 0.5) ** 2) / 0.02), 14);
    const cos = compiled(build('bandit-cosine', { n: 41 }));
    expect(cos.positions![argmax(cos)]).toBeCloseTo(0, 14);
    expect(cos.reward[argmax(cos)]).toBe(1);
    const b2 = compiled(build('bandit-2d'));
    expect(b2.N).toBe(32 * 32);
    const j = argmax(b2);
    // cell centres are -1 + (k + 1/2) / 16: the best is (0.28125, -0.21875), unique on this grid
    expect([b2.positions![2 * j], b2.positions![2 * j + 1]]).toEqual([0.28125, -0.21875]);
    expect(b2.reward.filter((r) => r === b2.reward[j]).length).toBe(1);
    const [x, y] = [0.28125 - 0.3, -0.21875 + 0.2];
    expect(b2.reward[j]).toBeCloseTo(-(x * x + x * y + 2 * y * y), 15);
  });
});

describe('FrozenLake (Gymnasium FrozenLake-v1, is_slippery=True)', () => {
  it('4x4: sizes, terminal holes and goal, start state', () => {
    const doc = build('frozenlake-4x4');
    const m = compiled(doc);
    expect([m.S, m.N]).toEqual([16, 4]);
    expect(m.actionLabels).toEqual(['left', 'down', 'right', 'up']);
    expect(doc.terminalStates).toEqual([5, 7, 11, 12, 15]);
    expect([...m.rho0]).toEqual([1, ...Array(15).fill(0)]);
    for (const t of [5, 7, 11, 12, 15]) for (let j = 0; j < 4; j++) expect(row(m, t, j)).toEqual({ [t]: 1 });
  });

  it('4x4 state 14, action 2 (right): 15 with prob 1/3, reward 1, terminated; 10 and 14 with 1/3', () => {
    const doc = build('frozenlake-4x4');
    const es = entriesOf(doc, 14, 2);
    expect(es).toEqual([
      { s: 14, a: 2, next: 14, p: 1 / 3 },
      { s: 14, a: 2, next: 15, p: 1 / 3, terminated: true, reward: 1 },
      { s: 14, a: 2, next: 10, p: 1 / 3 },
    ]);
    const m = compiled(doc);
    expect(m.reward[14 * 4 + 2]).toBeCloseTo(1 / 3, 15);
    expect(row(m, 14, 2)).toEqual({ 10: 1 / 3, 14: 1 / 3 });
  });

  it('4x4 other known transitions', () => {
    const m = compiled(build('frozenlake-4x4'));
    expect(row(m, 0, 0)).toEqual({ 0: 2 / 3, 4: 1 / 3 }); // left: up/left stay, down to 4
    expect(row(m, 0, 2)).toEqual({ 4: 1 / 3, 1: 1 / 3, 0: 1 / 3 });
    expect(row(m, 1, 1)).toEqual({ 0: 1 / 3, 2: 1 / 3 }); // down into hole 5 terminates
    expect(m.reward[1 * 4 + 1]).toBe(0);
    expect(row(m, 10, 1)).toEqual({ 9: 1 / 3, 14: 1 / 3 }); // right into 11 (hole) terminates
    const det = compiled(build('frozenlake-4x4', { slippery: 0 }));
    expect(row(det, 14, 2)).toEqual({});
    expect(det.reward[14 * 4 + 2]).toBe(1);
  });

  it('8x8: the standard map', () => {
    const doc = build('frozenlake-8x8');
    const m = compiled(doc);
    expect([m.S, m.N]).toEqual([64, 4]);
    expect(doc.terminalStates).toEqual([19, 29, 35, 41, 42, 46, 49, 52, 54, 59, 63]);
    expect(m.reward[62 * 4 + 2]).toBeCloseTo(1 / 3, 15);
    expect(m.reward[55 * 4 + 1]).toBeCloseTo(1 / 3, 15);
    // right from (7, 6): the goal 63 (terminated, reward 1), down stays at 62, up into the hole 54 (terminated)
    expect(row(m, 62, 2)).toEqual({ 62: 1 / 3 });
  });
});

describe('CliffWalking (Gymnasium CliffWalking-v0)', () => {
  it('sizes, start, step and cliff rewards, goal termination', () => {
    const doc = build('cliffwalking');
    const m = compiled(doc);
    expect([m.S, m.N]).toEqual([48, 4]);
    expect(m.actionLabels).toEqual(['up', 'right', 'down', 'left']);
    expect(m.rho0[36]).toBe(1);
    // up from the start
    expect(row(m, 36, 0)).toEqual({ 24: 1 });
    expect(m.reward[36 * 4 + 0]).toBe(-1);
    // right from the start: into the cliff, back to the start with -100, not terminated
    expect(row(m, 36, 1)).toEqual({ 36: 1 });
    expect(m.reward[36 * 4 + 1]).toBe(-100);
    // down from (2, 5) falls into the cliff too
    expect(row(m, 29, 2)).toEqual({ 36: 1 });
    expect(m.reward[29 * 4 + 2]).toBe(-100);
    // down from (2, 11) enters the goal: -1 and terminated (no stored mass)
    expect(row(m, 35, 2)).toEqual({});
    expect(m.reward[35 * 4 + 2]).toBe(-1);
    // left at the wall stays
    expect(row(m, 0, 3)).toEqual({ 0: 1 });
    // unit compass positions: turning costs 2, reversing 4
    expect(m.cost[0 * 4 + 1]).toBe(2);
    expect(m.cost[0 * 4 + 2]).toBe(4);
  });
});

describe('Taxi (Gymnasium Taxi-v3)', () => {
  const doc = build('taxi');
  const m = compiled(doc);
  const t = (row: number, col: number, pass: number, dest: number) => taxiEncode(row, col, pass, dest);

  it('sizes, encoding and the initial distribution', () => {
    expect([m.S, m.N]).toEqual([500, 6]);
    expect(t(3, 1, 2, 0)).toBe(328);
    expect(taxiDecode(328)).toEqual({ row: 3, col: 1, pass: 2, dest: 0 });
    const starts = [...m.rho0].filter((p) => p > 0);
    expect(starts.length).toBe(300);
    for (const p of starts) expect(p).toBeCloseTo(1 / 300, 15);
    expect(m.rho0[t(0, 0, 0, 0)]).toBe(0); // passenger already at the destination
    expect(m.rho0[t(0, 0, 4, 1)]).toBe(0); // passenger in the taxi
    expect(m.rho0[t(2, 2, 1, 3)]).toBeCloseTo(1 / 300, 15);
    expect([...m.cost]).toEqual(Array.from({ length: 36 }, (_, k) => (k % 7 === 0 ? 0 : 1)));
  });

  it('moves, walls, pickups and dropoffs', () => {
    const r = (s: number, a: number) => m.reward[s * 6 + a];
    // south / north clamp at the map edge
    expect(row(m, t(4, 2, 1, 0), 0)).toEqual({ [t(4, 2, 1, 0)]: 1 });
    expect(row(m, t(1, 2, 1, 0), 1)).toEqual({ [t(0, 2, 1, 0)]: 1 });
    // east from (0, 1) is blocked by the wall "|R: | : :G|", from (0, 2) it is open
    expect(row(m, t(0, 1, 2, 3), 2)).toEqual({ [t(0, 1, 2, 3)]: 1 });
    expect(row(m, t(0, 2, 2, 3), 2)).toEqual({ [t(0, 3, 2, 3)]: 1 });
    // west from (4, 1) is blocked ("|Y| : |B: |"), from (4, 3) too, from (4, 4) open
    expect(row(m, t(4, 1, 0, 1), 3)).toEqual({ [t(4, 1, 0, 1)]: 1 });
    expect(row(m, t(4, 3, 0, 1), 3)).toEqual({ [t(4, 3, 0, 1)]: 1 });
    expect(row(m, t(4, 4, 0, 1), 3)).toEqual({ [t(4, 3, 0, 1)]: 1 });
    expect(r(t(4, 4, 0, 1), 3)).toBe(-1);
    // pickup at Y with the passenger at Y
    expect(row(m, t(4, 0, 2, 1), 4)).toEqual({ [t(4, 0, 4, 1)]: 1 });
    expect(r(t(4, 0, 2, 1), 4)).toBe(-1);
    // illegal pickup
    expect(row(m, t(1, 1, 0, 1), 4)).toEqual({ [t(1, 1, 0, 1)]: 1 });
    expect(r(t(1, 1, 0, 1), 4)).toBe(-10);
    // dropoff at the destination: +20, terminated
    expect(row(m, t(0, 4, 4, 1), 5)).toEqual({});
    expect(r(t(0, 4, 4, 1), 5)).toBe(20);
    // dropoff at another stand: the passenger waits there, -1
    expect(row(m, t(0, 4, 4, 0), 5)).toEqual({ [t(0, 4, 1, 0)]: 1 });
    expect(r(t(0, 4, 4, 0), 5)).toBe(-1);
    // dropoff elsewhere: -10, nothing changes
    expect(row(m, t(2, 2, 4, 0), 5)).toEqual({ [t(2, 2, 4, 0)]: 1 });
    expect(r(t(2, 2, 4, 0), 5)).toBe(-10);
    // exactly 4 terminating (state, action) pairs
    let empty = 0;
    for (let k = 0; k < 3000; k++) if (m.rowPtr[k + 1] === m.rowPtr[k]) empty++;
    expect(empty).toBe(4);
  });
});

describe('chain, grid world, navigation', () => {
  it('chain: slip and rewards', () => {
    const m = compiled(build('chain', { states: 4, slip: 0.1 }));
    expect(row(m, 0, 0)).toEqual({ 0: 0.9, 1: 0.1 });
    expect(row(m, 1, 1)).toEqual({ 2: 0.9, 0: 0.1 });
    expect(row(m, 3, 1)).toEqual({ 3: 0.9, 2: 0.1 });
    expect([...m.reward]).toEqual([0.1, 0, 0, 0, 0, 0, 0, 1]);
    expect([...m.cost]).toEqual([0, 4, 4, 0]);
  });

  it('grid world: slip to the sides, goal and pits terminate', () => {
    const doc = build('gridworld');
    const m = compiled(doc);
    expect([m.S, m.N]).toEqual([25, 4]);
    expect(doc.terminalStates).toEqual([8, 16, 24]);
    expect(row(m, 0, 0)).toEqual({ 0: expect.closeTo(0.9, 15), 1: 0.1 }); // up at the top wall
    expect(row(m, 6, 1)).toEqual({ 7: 0.8, 1: 0.1, 11: 0.1 });
    // right from 23 enters the goal 24 with 0.8: reward 0.8 * 1 - 0.01
    expect(m.reward[23 * 4 + 1]).toBeCloseTo(0.8 - 0.01, 15);
    expect(row(m, 23, 1)).toEqual({ 18: 0.1, 23: 0.1 });
    // down from 3 enters the pit 8 with 0.8
    expect(m.reward[3 * 4 + 2]).toBeCloseTo(-0.8 - 0.01, 15);
  });

  it('nav-1d: normalised Gaussian landing, target reward minus action cost', () => {
    const m = compiled(build('nav-1d', { states: 5, target: 3, n: 4, sigma: 0.5, actionCost: 0.1 }));
    expect([m.S, m.N]).toEqual([5, 4]);
    const centres = [-1.5, -0.5, 0.5, 1.5];
    for (let s = 0; s < 5; s++) {
      for (let j = 0; j < 4; j++) {
        const a = centres[j];
        expect(m.reward[s * 4 + j]).toBeCloseTo((s === 3 ? 1 : 0) - 0.1 * a * a, 14);
        const w = [0, 1, 2, 3, 4].map((sn) => Math.exp(-((sn - s - a) ** 2) / (2 * 0.25)));
        const z = w.reduce((x, y) => x + y, 0);
        const got = row(m, s, j);
        for (let sn = 0; sn < 5; sn++) expect(got[sn]).toBeCloseTo(w[sn] / z, 14);
      }
    }
  });
});

describe('Gymnasium round trips of the toy-text presets', () => {
  it.each(['frozenlake-4x4', 'cliffwalking', 'taxi'])('%s: export then import compiles to the same model', (id) => {
    const doc = build(id);
    const out = exportGymnasium(doc);
    if (!out.ok) throw new Error('export failed');
    const back = importGymnasium(JSON.parse(JSON.stringify(out.json)), { gamma: doc.gamma });
    if (!back.ok) throw new Error(JSON.stringify(back.issues.slice(0, 3)));
    const a = compiled(doc);
    const b = compiled(back.document);
    expect([...b.rowPtr]).toEqual([...a.rowPtr]);
    expect([...b.next]).toEqual([...a.next]);
    expect([...b.prob]).toEqual([...a.prob].map((x) => expect.closeTo(x, 15)));
    expect([...b.reward]).toEqual([...a.reward].map((x) => expect.closeTo(x, 13)));
    expect([...b.rho0]).toEqual([...a.rho0]);
  });

  it('FrozenLake 4x4 export matches Gymnasium P[14][2] and P[5][0]', () => {
    const out = exportGymnasium(build('frozenlake-4x4'));
    if (!out.ok) throw new Error('export failed');
    expect(out.json.P[14][2]).toEqual([
      [1 / 3, 10, 0, false],
      [1 / 3, 14, 0, false],
      [1 / 3, 15, 1, true],
    ]);
    expect(out.json.P[5][0]).toEqual([[1, 5, 0, true]]);
  });
});
