/** Shared set-up of the WebGPU tests: one Dawn context per test file (real adapter, no mocks). */
import { expect } from 'vitest';
import { createNodeGpu } from '../../src/cli/nodeGpu';
import { GpuContext } from '../../src/compute/webgpu/context';

let ctxPromise: Promise<GpuContext> | null = null;

export function gpuContext(): Promise<GpuContext> {
  if (!ctxPromise) {
    ctxPromise = (async () => {
      const { gpu } = await createNodeGpu();
      return GpuContext.create(gpu, { label: 'wwb-test' });
    })();
  }
  return ctxPromise;
}

/** afterEach of the session suites: no buffer left acquired, none left pooled after trim, no device errors. */
export async function expectPoolDrained(): Promise<void> {
  const ctx = await gpuContext();
  expect(ctx.pool.bytesInUse).toBe(0);
  ctx.pool.trim();
  expect(ctx.pool.bytesPooled).toBe(0);
  expect(ctx.errors).toEqual([]);
}

/** Relative difference |a - b| / max(|a|, |b|, floor). */
export function relDiff(a: number, b: number, floor = 1e-12): number {
  return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), floor);
}

/** Average TV between two policies (rows of length N) under weights w (default uniform). */
export function policyTv(a: ArrayLike<number>, b: ArrayLike<number>, S: number, N: number, w?: ArrayLike<number>): number {
  let tv = 0;
  for (let s = 0; s < S; s++) {
    let row = 0;
    for (let j = 0; j < N; j++) row += Math.abs(a[s * N + j] - b[s * N + j]);
    tv += (w ? w[s] : 1 / S) * 0.5 * row;
  }
  return tv;
}

/** Largest per-state TV between two policies. */
export function maxRowTv(a: ArrayLike<number>, b: ArrayLike<number>, S: number, N: number): number {
  let worst = 0;
  for (let s = 0; s < S; s++) {
    let row = 0;
    for (let j = 0; j < N; j++) row += Math.abs(a[s * N + j] - b[s * N + j]);
    worst = Math.max(worst, 0.5 * row);
  }
  return worst;
}
