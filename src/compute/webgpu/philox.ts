/**
 * The GPU side of the counter-based RNG (Philox4x32-10, see src/compute/reference/rng.ts): `PHILOX_WGSL`
 * is prepended to kernels that draw random numbers (Langevin), and `PhiloxPass` evaluates blocks for
 * given counters (tests compare them bit for bit with the reference's integer stream).
 */
import philoxWgsl from './philox.wgsl?raw';
import katWgsl from './philoxKat.wgsl?raw';
import type { GpuContext } from './context';

export const PHILOX_WGSL = philoxWgsl;

export class PhiloxPass {
  private readonly layout: GPUBindGroupLayout;
  private readonly pipeline: GPUComputePipeline;

  constructor(private readonly ctx: GpuContext) {
    const dev = ctx.device;
    this.layout = dev.createBindGroupLayout({
      label: 'philox-layout',
      entries: [
        { binding: 0, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'uniform' } },
        { binding: 1, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'read-only-storage' } },
        { binding: 2, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'storage' } },
      ],
    });
    const pl = dev.createPipelineLayout({ label: 'philox-pipeline-layout', bindGroupLayouts: [this.layout] });
    this.pipeline = ctx.pipelines.get({
      code: `${philoxWgsl}\n${katWgsl}`,
      name: 'philox',
      entryPoint: 'philoxBlocks',
      layout: pl,
      layoutKey: 'philox-v1',
    });
  }

  /** Philox blocks of `counters` (4 u32 each) under the key: 4 u32 per counter. */
  async blocks(counters: Uint32Array, key: [number, number]): Promise<Uint32Array> {
    const count = counters.length / 4;
    const { pool, device } = this.ctx;
    const uni = pool.acquire(16, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST, 'philox:params');
    const cin = pool.acquire(counters.byteLength, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST, 'philox:counters');
    const out = pool.acquire(counters.byteLength, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC, 'philox:words');
    try {
      device.queue.writeBuffer(uni, 0, new Uint32Array([count, key[0] >>> 0, key[1] >>> 0, 0]));
      device.queue.writeBuffer(cin, 0, counters.slice());
      const bg = device.createBindGroup({
        label: 'philox-bind-group',
        layout: this.layout,
        entries: [
          { binding: 0, resource: { buffer: uni } },
          { binding: 1, resource: { buffer: cin } },
          { binding: 2, resource: { buffer: out } },
        ],
      });
      const enc = device.createCommandEncoder({ label: 'philox' });
      const pass = enc.beginComputePass({ label: 'philox' });
      pass.setPipeline(this.pipeline);
      pass.setBindGroup(0, bg);
      pass.dispatchWorkgroups(Math.ceil(count / 64));
      pass.end();
      device.queue.submit([enc.finish()]);
      return new Uint32Array(await this.ctx.readBack(out, 0, counters.byteLength));
    } finally {
      pool.release(uni);
      pool.release(cin);
      pool.release(out);
    }
  }
}
