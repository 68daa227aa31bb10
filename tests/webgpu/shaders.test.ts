/** Every WGSL module of the session compiles on the real adapter, and the Params layouts agree. */
import { afterAll, describe, expect, it } from 'vitest';
import { COMMON_WGSL, PARAM_FIELDS, SessionShader } from '../../src/compute/webgpu/layout';
import evaluationWgsl from '../../src/compute/webgpu/policyEvaluation.wgsl?raw';
import metricsWgsl from '../../src/compute/webgpu/metrics.wgsl?raw';
import klWgsl from '../../src/compute/webgpu/klUpdates.wgsl?raw';
import otWgsl from '../../src/compute/webgpu/otTrustRegion.wgsl?raw';
import fpWgsl from '../../src/compute/webgpu/fokkerPlanck.wgsl?raw';
import sinkhornWgsl from '../../src/compute/webgpu/sinkhorn.wgsl?raw';
import viWgsl from '../../src/compute/webgpu/valueIteration.wgsl?raw';
import langevinWgsl from '../../src/compute/webgpu/langevin.wgsl?raw';
import { PHILOX_WGSL } from '../../src/compute/webgpu/philox';
import { GATE_WRITERS } from '../../src/compute/webgpu/policyEvaluation';
import { gpuContext } from './gpu';

const MODULES: [string, string][] = [
  ['policyEvaluation', evaluationWgsl],
  ['metrics', metricsWgsl],
  ['klUpdates', klWgsl],
  ['otTrustRegion', otWgsl],
  ['fokkerPlanck', fpWgsl],
  ['sinkhorn', sinkhornWgsl],
  ['valueIteration', viWgsl],
  ['langevin', PHILOX_WGSL + '\n' + langevinWgsl],
];

describe('WGSL modules', () => {
  afterAll(async () => {
    const ctx = await gpuContext();
    ctx.pool.trim();
    expect(ctx.pool.bytesInUse).toBe(0);
    expect(ctx.pool.bytesPooled).toBe(0);
    ctx.destroy();
  });

  it('Params in common.wgsl matches PARAM_FIELDS', () => {
    const body = COMMON_WGSL.slice(COMMON_WGSL.indexOf('struct Params {'), COMMON_WGSL.indexOf('};'));
    const names = [...body.matchAll(/(\w+): (u32|f32)/g)].map((m) => [m[1], m[2] === 'u32' ? 'u' : 'f']);
    expect(names).toEqual(PARAM_FIELDS.map(([n, k]) => [n, k]));
  });

  for (const [name, src] of MODULES) {
    it(`${name} compiles and its entry points build pipelines`, async () => {
      const ctx = await gpuContext();
      const sh = new SessionShader(ctx, name, src, name === 'sinkhorn' ? { MAXN: 16 } : {});
      const errors = await ctx.pipelines.compileErrors(sh.code, name);
      expect(errors).toEqual([]);
      const entries = [...sh.code.matchAll(/@compute[^\n]*\n\s*fn (\w+)/g)].map((m) => m[1]);
      expect(entries.length).toBeGreaterThan(0);
      // the gate's writer binds the gate layout (layout.ts sessionGateLayout), every other kernel the plain one
      for (const e of entries) sh.pipeline(e, {}, name === 'policyEvaluation' && GATE_WRITERS.has(e));
      await ctx.device.queue.onSubmittedWorkDone();
      // (error scopes crash this Dawn build; uncaptured errors land in ctx.errors)
      expect(ctx.errors).toEqual([]);
    });
  }
});
