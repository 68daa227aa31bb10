import { describe, expect, it } from 'vitest';
import mdpFormatDoc from '../../../docs/mdp-format.md?raw';
import { compileMdp } from './compile';

/** The ```json blocks of docs/mdp-format.md are complete documents: they must compile. */
describe('docs/mdp-format.md examples', () => {
  const blocks = [...mdpFormatDoc.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1]);

  it('has the two complete examples', () => {
    expect(blocks.length).toBe(2);
  });

  it('the table example compiles to the stated model', () => {
    const r = compileMdp(JSON.parse(blocks[0]));
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect([...r.mdp.reward]).toEqual([0, -0.1, 1, 0]);
    expect([...r.mdp.rowPtr]).toEqual([0, 1, 3, 4, 5]);
    expect([...r.mdp.next]).toEqual([0, 0, 1, 1, 0]);
    expect([...r.mdp.prob]).toEqual([1, 0.2, 0.8, 0.9, 1]);
    expect(r.warnings).toEqual([]);
  });

  it('the formula example compiles to 64 cells', () => {
    const r = compileMdp(JSON.parse(blocks[1]));
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.mdp.N).toBe(64);
    expect(r.mdp.reward[0]).toBeCloseTo(-((-1 + 0.5 / 32 - 0.3) ** 2), 15);
  });
});
