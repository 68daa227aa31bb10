import { describe, expect, it } from 'vitest';
import { compileMdp } from '../../shared/mdp/compile';
import type { MdpDocument, TabularMdp } from '../../shared/mdp/types';
import { solveOptimum } from '../reference/solvers';
import { PresetParamError, parsePresetSpec, presetById, presetSpec, randomFrozenLakeMap } from './index';

function compiled(doc: MdpDocument): TabularMdp {
  const r = compileMdp(doc);
  if (!r.ok) throw new Error(JSON.stringify(r.issues.slice(0, 5)));
  return r.mdp;
}

function build(spec: string): MdpDocument {
  const p = presetById(spec);
  if (!p) throw new Error(`no preset ${spec}`);
  return p.build();
}

describe('Garnet', () => {
  it('rows sum to 1, every (s, a) has exactly b distinct next states, rewards follow the law', () => {
    const doc = build('garnet?S=50&N=4&branching=3&seed=1');
    const m = compiled(doc);
    expect([m.S, m.N]).toEqual([50, 4]);
    for (let row = 0; row < m.S * m.N; row++) {
      const lo = m.rowPtr[row], hi = m.rowPtr[row + 1];
      expect(hi - lo).toBe(3);
      const nexts = new Set(Array.from(m.next.subarray(lo, hi)));
      expect(nexts.size).toBe(3);
      let sum = 0;
      for (let k = lo; k < hi; k++) {
        expect(m.prob[k]).toBeGreaterThan(0);
        sum += m.prob[k];
      }
      expect(Math.abs(sum - 1)).toBeLessThan(1e-12);
    }
    for (const r of m.reward) expect(r >= 0 && r < 1).toBe(true);
    const bern = compiled(build('garnet?S=30&N=3&branching=2&law=2&seed=4'));
    expect(new Set(bern.reward)).toEqual(new Set([0, 1]));
  });

  it('is reproducible from its seed and changes with it', () => {
    expect(JSON.stringify(build('garnet?S=20&seed=7'))).toBe(JSON.stringify(build('garnet?S=20&seed=7')));
    expect(JSON.stringify(build('garnet?S=20&seed=7'))).not.toBe(JSON.stringify(build('garnet?S=20&seed=8')));
  });

  it('branching = S reaches every state; b > S is refused by name', () => {
    const m = compiled(build('garnet?S=5&N=2&branching=5&seed=3'));
    for (let row = 0; row < 10; row++) expect(m.rowPtr[row + 1] - m.rowPtr[row]).toBe(5);
    expect(() => build('garnet?S=5&branching=6')).toThrow(/branching b = 6 exceeds the number of states S = 5/);
  });
});

describe('random bandits', () => {
  it('one state, K arms, gamma 0; the exact optimum picks the best mean; scale multiplies the means', () => {
    const a = compiled(build('random-bandit?arms=12&seed=5'));
    const b = compiled(build('random-bandit?arms=12&seed=5&scale=3'));
    expect([a.S, a.N, a.gamma]).toEqual([1, 12, 0]);
    for (let j = 0; j < 12; j++) expect(b.reward[j]).toBeCloseTo(3 * a.reward[j], 12);
    const best = Math.max(...a.reward);
    expect(solveOptimum(a, a.gamma, 0).J).toBeCloseTo(best, 12);
  });
});

describe('maps with a path', () => {
  it('random FrozenLake maps: S and G in the corners, reproducible, and solvable (optimum > 0)', () => {
    const map = randomFrozenLakeMap(8, 0.7, 11);
    expect(map[0][0]).toBe('S');
    expect(map[7][7]).toBe('G');
    expect(randomFrozenLakeMap(8, 0.7, 11)).toEqual(map);
    const m = compiled(build('frozenlake-random?size=8&p=0.7&seed=11&slippery=0'));
    expect(solveOptimum(m, m.gamma, 0).J).toBeGreaterThan(0);
  });

  it('grid world generator: walls are not states, start/goal as asked, deterministic optimum reaches the goal', () => {
    const doc = build('gridworld-gen?rows=7&cols=9&walls=0.2&holes=0.1&slip=0&seed=2&stepReward=0&goalReward=1&holeReward=-1');
    const m = compiled(doc);
    expect(m.S).toBeLessThan(63);
    expect(doc.states[0].label).toBe('start');
    expect(doc.states.find((s) => s.label === 'goal')).toBeDefined();
    // deterministic, no step cost: the value of the start is gamma^(d-1) for the BFS distance d to the goal
    const J = solveOptimum(m, m.gamma, 0).J;
    expect(J).toBeGreaterThan(0);
    expect(J).toBeLessThanOrEqual(1);
    const big = compiled(build('gridworld-gen?rows=100&cols=100&walls=0&holes=0'));
    expect(big.S).toBe(10_000);
  });

  it('generator inputs out of the grid or without a path get a specific error', () => {
    expect(() => build('gridworld-gen?rows=4&cols=4&startRow=7')).toThrow(/startRow = 7 is outside the grid \(0..3\)/);
    expect(() => build('gridworld-gen?startRow=0&startCol=0&goalRow=0&goalCol=0')).toThrow(/start and the goal are the same cell/);
    expect(() => build('gridworld-gen?walls=0.6&holes=0.5')).toThrow(PresetParamError);
  });
});

describe('parameterised preset specs', () => {
  it('gridworld?size=8&slip=0.2 builds an 8x8 grid; parameters can be read back', () => {
    const p = presetById('gridworld?size=8&slip=0.2');
    expect(p?.id).toBe('gridworld?size=8&slip=0.2');
    expect(p?.build().states).toHaveLength(64);
    expect(p?.params.find((x) => x.key === 'size')?.default).toBe(8);
    expect(parsePresetSpec('garnet?S=50&N=4&branching=3&seed=1')).toEqual({ id: 'garnet', params: { S: 50, N: 4, branching: 3, seed: 1 } });
    expect(presetSpec('gridworld', { size: 8, slip: 0.2 })).toBe('gridworld?size=8');
  });

  it('unknown ids give undefined; unknown, repeated, non-numeric and out-of-range parameters a PresetParamError', () => {
    expect(presetById('nope?x=1')).toBeUndefined();
    expect(() => presetById('gridworld?colour=3')).toThrow(/preset 'gridworld': unknown parameter 'colour' \(known: size, slip\)/);
    expect(() => presetById('gridworld?size=abc')).toThrow(/parameter 'size' must be a finite number, got 'abc'/);
    expect(() => presetById('gridworld?size=2')).toThrow(/parameter 'size' = 2 is outside \[3, 30\]/);
    expect(() => presetById('gridworld?size=4&size=5')).toThrow(/given twice/);
    expect(() => presetById('gridworld?size')).toThrow(/expected key=value/);
    expect(() => presetById('gridworld?size=4.5')).toThrow(PresetParamError);
  });
});
