/**
 * The WebGPU backend's entry point (lazily imported by src/compute/session.ts).
 *
 * `openWebGpuSession(gpu, mdp, spec)` runs a method on the GPU of `gpu` (navigator.gpu, or the Dawn GPU
 * of src/cli/nodeGpu.ts in Node). One GpuContext (device, buffer pool, pipeline cache) is shared per GPU
 * object and re-created after a device loss. Methods without kernels throw MethodInputError
 * ("not on webgpu yet") before any device is requested, so the caller falls back to the reference.
 */
import type { TabularMdp } from '../../shared/mdp/types';
import { MethodInputError, type ComputeSession, type RunSpec } from '../types';
import { GpuContext } from './context';
import { createWebGpuSession, WEBGPU_METHODS, type WebGpuSessionOptions } from './session';

export { BufferPool, GpuContext, PipelineCache } from './context';
export { createWebGpuSession, WEBGPU_METHODS, WebGpuSession, type WebGpuSessionOptions } from './session';
export { PhiloxPass } from './philox';

const contexts = new WeakMap<GPU, Promise<GpuContext>>();

/** The shared context of `gpu` (a fresh one after a device loss). */
export async function sharedGpuContext(gpu: GPU): Promise<GpuContext> {
  let p = contexts.get(gpu);
  if (p) {
    const ctx = await p.catch(() => null);
    if (ctx && !ctx.isLost) return ctx;
  }
  p = GpuContext.create(gpu, { label: 'wwb-compute' });
  contexts.set(gpu, p);
  p.catch(() => contexts.delete(gpu));
  return p;
}

export async function openWebGpuSession(
  gpu: GPU,
  mdp: TabularMdp,
  spec: RunSpec,
  opts: WebGpuSessionOptions = {},
): Promise<ComputeSession> {
  if (!WEBGPU_METHODS.includes(spec.method))
    throw new MethodInputError(`method '${spec.method}' is not on webgpu yet (use the reference backend)`);
  const ctx = await sharedGpuContext(gpu);
  return createWebGpuSession(ctx, mdp, spec, opts);
}
