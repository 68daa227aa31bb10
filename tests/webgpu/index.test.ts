/**
 * The backend entry point used by src/compute/session.ts: a shared context per GPU, the "not on webgpu
 * yet" error before any device is touched, and a lost device surfacing as an error from nextBatch (the
 * caller's cue to continue on the reference backend).
 */
import { expect, it } from 'vitest';
import { createNodeGpu } from '../../src/cli/nodeGpu';
import { openWebGpuSession, sharedGpuContext } from '../../src/compute/webgpu/index';
import { MethodInputError } from '../../src/compute/types';
import { randomMdp, specFor } from '../../src/compute/reference/testing';

it('openWebGpuSession: shared context, fallback errors, device loss', async () => {
  const { gpu, source, description } = await createNodeGpu();
  console.log(`adapter: ${description} (${source})`);
  await expect(openWebGpuSession(gpu, randomMdp(3, 3, 1), specFor('policy-iteration', {}))).rejects.toBeInstanceOf(MethodInputError);
  const mdp = randomMdp(4, 3, 2);
  const s = await openWebGpuSession(gpu, mdp, specFor('npg', { tau: 0.1, eta: 0.5 }), { batch: 4 });
  const ctx = await sharedGpuContext(gpu);
  expect(await sharedGpuContext(gpu)).toBe(ctx);
  // uncaptured validation errors are collected on the context
  ctx.device.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.STORAGE, label: 'invalid-on-purpose' });
  await ctx.device.queue.onSubmittedWorkDone();
  await new Promise((r) => setTimeout(r, 50));
  expect(ctx.errors.length).toBe(1);
  ctx.errors.length = 0;
  const rows = await s.nextBatch(3);
  expect(rows.map((r) => r.iteration)).toEqual([0, 1, 2]);
  expect(s.backend).toBe('webgpu');
  ctx.device.destroy();
  await ctx.device.lost;
  expect(ctx.isLost).toBe(true);
  await expect(s.nextBatch(2)).rejects.toThrow();
  s.dispose();
  // a fresh context after the loss
  const ctx2 = await sharedGpuContext(gpu);
  expect(ctx2).not.toBe(ctx);
  const s2 = await openWebGpuSession(gpu, mdp, specFor('npg', { tau: 0.1, eta: 0.5 }));
  expect((await s2.nextBatch(2)).length).toBe(2);
  s2.dispose();
  ctx2.pool.trim();
  expect(ctx2.pool.bytesInUse + ctx2.pool.bytesPooled).toBe(0);
  ctx2.destroy();
});
