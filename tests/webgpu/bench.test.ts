/** The benchmark functions run end to end at a tiny size and return well-formed records. */
import { afterAll, expect, it } from 'vitest';
import { benchMethods, benchSoftViSweeps } from '../../src/compute/webgpu/bench';
import { gpuContext } from './gpu';

afterAll(async () => (await gpuContext()).destroy());

it('bench records at S=8 N=8', async () => {
  const ctx = await gpuContext();
  const sizes = [{ S: 8, N: 8 }];
  const recs = [...(await benchSoftViSweeps(ctx, { sizes, budgetMs: 100 })), ...(await benchMethods(ctx, { sizes, budgetMs: 100 }, ['wasserstein-flow', 'ot-trpo']))];
  console.log(JSON.stringify(recs));
  expect(recs.length).toBeGreaterThanOrEqual(4);
  expect(recs.some((r) => r.name === 'wasserstein-flow-iteration' && r.backend === 'webgpu')).toBe(true);
  for (const r of recs) {
    expect(r.perSecond).toBeGreaterThan(0);
    expect(['webgpu', 'reference']).toContain(r.backend);
  }
  expect(recs.find((r) => r.backend === 'webgpu' && r.name === 'soft-vi-sweep')!.gbps).toBeGreaterThan(0);
  expect(ctx.pool.bytesInUse).toBe(0);
  ctx.pool.trim();
  expect(ctx.pool.bytesPooled).toBe(0);
});
