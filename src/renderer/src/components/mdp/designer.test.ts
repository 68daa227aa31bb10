import { describe, expect, it } from 'vitest';
import { presetById } from '../../../../compute/presets';
import { exportGymnasium } from '../../../../shared/mdp/gymnasium';
import type { MdpDocument } from '../../../../shared/mdp/types';
import { parseImport } from './importFile';
import { autoLayout, detectGrid, isTaxi } from './layout';

const build = (spec: string): MdpDocument => presetById(spec)!.build();

describe('reading a dropped or opened file', () => {
  it('a native document and a Gymnasium table give a preview with S, N and issues', () => {
    const doc = build('chain');
    const native = parseImport(JSON.stringify(doc), 'chain.json');
    expect([native.source, native.S, native.N, native.errors.length]).toEqual(['native', 8, 2, 0]);
    const gym = exportGymnasium(build('frozenlake-4x4'));
    if (!gym.ok) throw new Error('export failed');
    const g = parseImport(JSON.stringify(gym.json), 'lake.json');
    expect([g.source, g.S, g.N, g.errors.length, g.document.name]).toEqual(['gymnasium', 16, 4, 0, 'lake']);
    const broken = { ...doc, gamma: 2 };
    expect(parseImport(JSON.stringify(broken), 'b.json').errors.map((i) => i.path)).toContain('gamma');
  });

  it('malformed and hostile files are refused with a message naming the file', () => {
    expect(() => parseImport('{"P": ', 'x.json')).toThrow(/^x\.json is not valid JSON/);
    expect(() => parseImport('[1,2]', 'x.json')).toThrow(/x\.json: expected a JSON object .* got an array/);
    expect(() => parseImport('null', 'x.json')).toThrow(/got null/);
    expect(() => parseImport('{"hello": 1}', 'x.json')).toThrow(/x\.json is neither a 'wasserstein-workbench\/mdp' document nor a Gymnasium model/);
    const doc = build('chain');
    expect(() => parseImport(JSON.stringify({ ...doc, version: 9 }), 'v.json')).toThrow(/unsupported format version 9/);
    expect(() => parseImport(JSON.stringify({ ...doc, states: [null] }), 's.json')).toThrow(/states\[0\] must be an object/);
    expect(() => parseImport(JSON.stringify({ ...doc, actions: { kind: 'weird' } }), 'a.json')).toThrow(/actions\.kind/);
    // a prototype key is an ordinary own property of the parsed object: nothing global changes
    parseImport(JSON.stringify({ ...doc, ['__proto__']: { polluted: 1 } }), 'p.json');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('structure of a design', () => {
  it('grid worlds are recognised with their walls, holes, cliffs, start and goal', () => {
    const cliff = detectGrid(build('cliffwalking'))!;
    expect([cliff.rows, cliff.cols]).toEqual([4, 12]);
    expect(cliff.kind.filter((k) => k === 'cliff')).toHaveLength(10);
    expect(cliff.kind[36]).toBe('start');
    expect(cliff.kind[47]).toBe('goal');
    const lake = detectGrid(build('frozenlake-8x8'))!;
    expect(lake.kind.filter((k) => k === 'hole')).toHaveLength(10);
    const gen = build('gridworld-gen?rows=10&cols=10&walls=0.3&seed=4');
    const g = detectGrid(gen)!;
    expect([g.rows, g.cols]).toEqual([10, 10]);
    expect(Array.from(g.stateAt).filter((s) => s < 0)).toHaveLength(100 - gen.states.length);
  });

  it('graphs that only sit on a lattice are not grids; Taxi is recognised; dagre lays out graphs', () => {
    expect(detectGrid(build('garnet?S=100&seed=2'))).toBeNull();
    expect(detectGrid(build('chain'))).toBeNull();
    expect(isTaxi(build('taxi'), 'taxi')).toBe(true);
    expect(isTaxi(build('cliffwalking'), 'cliffwalking')).toBe(false);
    const doc = build('garnet?S=12&N=2&branching=2&seed=1');
    for (const st of doc.states) delete st.x;
    expect(autoLayout(doc)).toBe(true);
    const pts = new Set(doc.states.map((st) => `${st.x},${st.y}`));
    expect(pts.size).toBe(12);
    expect(autoLayout(build('garnet?S=400'))).toBe(false);
  });
});
