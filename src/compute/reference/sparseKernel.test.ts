import { describe, expect, it } from 'vitest';
import {
  evaluatePolicy,
  lastShiftedProductNorm2,
  policyTransitionMatrix,
  regularisedReward,
  shiftedProductDots,
  solveEvaluationSystem,
  uniformPolicy,
  type StateMatrix,
} from './evaluation';
import { wasmKernelUnavailableReason, wasmSparseKernel } from './sparseKernel';
import { randomMdp, testRandom } from './testing';

/** A random CSR matrix: row lengths 0..maxRow (odd and even, empty rows), repeated columns allowed. */
function randomSparse(S: number, maxRow: number, seed: number): StateMatrix {
  const rnd = testRandom(seed);
  const rowPtr = new Uint32Array(S + 1);
  const cols: number[] = [];
  const vals: number[] = [];
  for (let s = 0; s < S; s++) {
    const len = Math.floor(rnd() * (maxRow + 1));
    for (let k = 0; k < len; k++) {
      cols.push(Math.floor(rnd() * S));
      vals.push(rnd() * 2 - 0.5);
    }
    rowPtr[s + 1] = cols.length;
  }
  return { S, rowPtr, col: Uint32Array.from(cols), val: Float64Array.from(vals) };
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

describe('WebAssembly sparse kernel', () => {
  it('compiles here (Node has WebAssembly)', () => {
    expect(wasmKernelUnavailableReason()).toBe('');
    expect(wasmSparseKernel()).not.toBeNull();
  });

  it('equals the TypeScript product (I - g M) z + c d and its two dots on random sparse matrices (to 1e-12; in fact bit for bit)', () => {
    const kernel = wasmSparseKernel()!;
    for (const [S, maxRow, seed] of [
      [1, 3, 1],
      [7, 0, 2],
      [50, 5, 3],
      [1000, 13, 4],
      [3001, 2, 5],
    ]) {
      const m = randomSparse(S, maxRow, seed);
      const rnd = testRandom(seed + 100);
      const z = Float64Array.from({ length: S }, () => rnd() * 4 - 2);
      const d = Float64Array.from({ length: S }, () => rnd());
      const w = Float64Array.from({ length: S }, () => rnd() - 0.5);
      for (const [g, c] of [
        [0.9, 0.37],
        [0.999, -2.5],
        [0, 1],
      ]) {
        const out = new Float64Array(S);
        const wo = shiftedProductDots(m, g, z, c, d, out, w);
        const oo = lastShiftedProductNorm2();
        const loaded = kernel.load(m, 4)!;
        const [kz, kd, kout, kw] = loaded.vectors;
        kz.set(z);
        kd.set(d);
        kw.set(w);
        const kwo = loaded.shiftedProductDots(g, kz, c, kd, kout, kw);
        expect(maxDiff(kout, out)).toBeLessThanOrEqual(1e-12);
        expect(Array.from(kout)).toEqual(Array.from(out)); // same operations in the same order
        expect(kwo).toBe(wo);
        expect(loaded.lastNorm2).toBe(oo);
      }
    }
  });

  it('refuses vectors that are not its own, and stays correct when a smaller problem follows a large one', () => {
    const kernel = wasmSparseKernel()!;
    const big = randomSparse(60_000, 12, 6);
    const loadedBig = kernel.load(big, 8)!;
    const own = loadedBig.vectors;
    expect(() => loadedBig.shiftedProductDots(0.9, new Float64Array(60_000), 0, own[1], own[2], own[3])).toThrow(/its own load/);
    const held = kernel.memoryBytes;
    const small = randomSparse(200, 6, 7);
    const loaded = kernel.load(small, 4)!;
    expect(kernel.memoryBytes).toBeLessThan(held); // re-created smaller (wasm memory cannot shrink)
    const [kz, kd, kout, kw] = loaded.vectors;
    const rnd = testRandom(8);
    for (let i = 0; i < 200; i++) {
      kz[i] = rnd();
      kd[i] = rnd();
      kw[i] = rnd();
    }
    const out = new Float64Array(200);
    const wo = shiftedProductDots(small, 0.8, Float64Array.from(kz), 0.5, Float64Array.from(kd), out, Float64Array.from(kw));
    expect(loaded.shiftedProductDots(0.8, kz, 0.5, kd, kout, kw)).toBe(wo);
    expect(Array.from(kout)).toEqual(Array.from(out));
  });

  it('BiCGSTAB on the wasm kernel (products and vector passes) gives the TypeScript kernel answer (S = 10^4, to 1e-12; in fact bit for bit) in the same number of products', () => {
    const S = 10_000;
    const mdp = randomMdp(S, 4, 41, { branching: 3 });
    const pi = uniformPolicy(mdp);
    const M = policyTransitionMatrix(mdp, pi);
    const c = regularisedReward(mdp, pi, 0.1);
    const Vw = new Float64Array(S);
    const Vt = new Float64Array(S);
    const rw = solveEvaluationSystem(M, c, 0.9, Vw, 1e-12);
    const rt = solveEvaluationSystem(M, c, 0.9, Vt, 1e-12, { kernel: 'typescript' });
    expect(rw.kernel).toBe('wasm');
    expect(rt.kernel).toBe('typescript');
    expect(rw.converged && rt.converged).toBe(true);
    expect(rw.matvecs).toBe(rt.matvecs);
    expect(maxDiff(Vw, Vt)).toBeLessThanOrEqual(1e-12);
    expect(Array.from(Vw)).toEqual(Array.from(Vt));
  });

  it('a warm start from the previous policy gives the cold-start answer (to 1e-10) in fewer products', () => {
    const S = 5000;
    const N = 4;
    const mdp = randomMdp(S, N, 42, { branching: 3 });
    const rnd = testRandom(43);
    const previous = uniformPolicy(mdp);
    const pi = Float64Array.from(previous);
    for (let s = 0; s < S; s++) {
      // a small policy step: move some mass to action 0
      const eta = 0.05 * rnd();
      for (let j = 0; j < N; j++) pi[s * N + j] = (1 - eta) * pi[s * N + j] + (j === 0 ? eta : 0);
    }
    const before = evaluatePolicy(mdp, previous, 0.95, 0.1, null, 1e-12, { solver: 'iterative' });
    const cold = evaluatePolicy(mdp, pi, 0.95, 0.1, null, 1e-12, { solver: 'iterative' });
    const warm = evaluatePolicy(mdp, pi, 0.95, 0.1, before.V, 1e-12, { solver: 'iterative' });
    expect(warm.kernel).toBe('wasm');
    expect(warm.matvecs!).toBeLessThan(cold.matvecs!);
    expect(maxDiff(warm.V, cold.V)).toBeLessThan(1e-10);
    expect(warm.residual).toBeLessThan(1e-11);
    expect(before.V).not.toBe(warm.V); // the warm start is copied, not overwritten
  });
});
