/**
 * WebGPU infrastructure of the compute backend: the device (`GpuContext`), a buffer pool keyed by size
 * and usage with byte counters (`BufferPool`, after TensorFlow.js's buffer manager: leaks are testable),
 * and a pipeline cache keyed by shader, entry point, layout and override constants (`PipelineCache`).
 *
 * Nothing here imports Node: the context takes a `GPU` (navigator.gpu in the browser, Dawn's in Node,
 * see src/cli/nodeGpu.ts) or an existing `GPUDevice`.
 */

/** Device limits the backend asks for (the adapter's own maxima, not the WebGPU defaults). */
const WANTED_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxStorageBuffersPerShaderStage',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupsPerDimension',
] as const;

export interface GpuContextOptions {
  label?: string;
  powerPreference?: GPUPowerPreference;
  /** optional features requested when the adapter has them (the benchmark asks for 'timestamp-query') */
  optionalFeatures?: GPUFeatureName[];
}

/** The device and its shared caches. `destroy()` trims the pool and destroys the device (if owned). */
export class GpuContext {
  readonly pool: BufferPool;
  readonly pipelines: PipelineCache;
  /** uncaptured validation / out-of-memory errors, newest last (tests assert this stays empty) */
  readonly errors: string[] = [];
  lostReason: string | null = null;
  private destroyed = false;
  /** the GPU / adapter the device came from: held so that they live as long as the device (Dawn in
   * Node crashes when its instance is collected under a live device) */
  private keepAlive: unknown[] = [];

  private constructor(
    readonly device: GPUDevice,
    readonly adapterDescription: string,
    private readonly owned: boolean,
  ) {
    this.pool = new BufferPool(device);
    this.pipelines = new PipelineCache(device);
    device.addEventListener?.('uncapturederror', (ev: Event) => {
      const e = (ev as GPUUncapturedErrorEvent).error;
      this.errors.push(e?.message ?? String(e));
    });
    void device.lost.then((info) => {
      this.lostReason = `${info.reason}: ${info.message}`;
    });
  }

  /** Request an adapter and a device with the adapter's limits. */
  static async create(gpu: GPU, opts: GpuContextOptions = {}): Promise<GpuContext> {
    const adapter = await gpu.requestAdapter({ powerPreference: opts.powerPreference ?? 'high-performance' });
    if (!adapter) throw new Error('WebGPU: no adapter available');
    const requiredLimits: Record<string, number> = {};
    for (const k of WANTED_LIMITS) {
      const v = (adapter.limits as unknown as Record<string, number>)[k];
      if (typeof v === 'number') requiredLimits[k] = v;
    }
    const requiredFeatures = (opts.optionalFeatures ?? []).filter((f) => adapter.features.has(f));
    const device = await adapter.requestDevice({ label: opts.label ?? 'wwb-compute', requiredLimits, requiredFeatures });
    const i = adapter.info;
    const desc = [i?.vendor, i?.architecture, i?.device, i?.description].filter((x) => x).join(' ');
    const ctx = new GpuContext(device, desc || 'unknown adapter', true);
    ctx.keepAlive = [gpu, adapter];
    return ctx;
  }

  /** Wrap a device the caller owns (destroy() then only trims the pool). */
  static fromDevice(device: GPUDevice): GpuContext {
    return new GpuContext(device, 'external device', false);
  }

  get limits(): GPUSupportedLimits {
    return this.device.limits;
  }

  get isLost(): boolean {
    return this.lostReason !== null;
  }

  /** Throw when the device was lost or reported an uncaptured error. */
  assertHealthy(): void {
    if (this.lostReason) throw new Error(`WebGPU device lost (${this.lostReason})`);
    if (this.errors.length) throw new Error(`WebGPU error: ${this.errors[this.errors.length - 1]}`);
  }

  /** Copy `size` bytes at `offset` of `src` (COPY_SRC) into a staging buffer and map it. */
  async readBack(src: GPUBuffer, offset: number, size: number): Promise<ArrayBuffer> {
    const bytes = alignTo(size, 4);
    const staging = this.pool.acquire(bytes, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST, 'readback');
    try {
      const enc = this.device.createCommandEncoder({ label: 'readback' });
      enc.copyBufferToBuffer(src, offset, staging, 0, bytes);
      this.device.queue.submit([enc.finish()]);
      await staging.mapAsync(GPUMapMode.READ, 0, bytes);
      const out = staging.getMappedRange(0, bytes).slice(0, size);
      staging.unmap();
      return out;
    } finally {
      this.pool.release(staging);
    }
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.pool.trim();
    this.pipelines.clear();
    if (this.owned) this.device.destroy();
    this.keepAlive = [];
  }
}

export function alignTo(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

/**
 * Buffers keyed by (size, usage). `acquire` re-uses a pooled buffer or creates one (sizes are rounded up
 * to 256 bytes so near sizes share); `release` returns it to the pool; `trim` destroys the pooled ones.
 * Counters: bytesInUse (acquired, not released) and bytesPooled (released, not trimmed).
 */
export class BufferPool {
  private readonly free = new Map<string, GPUBuffer[]>();
  private readonly sizes = new Map<GPUBuffer, number>();
  bytesInUse = 0;
  bytesPooled = 0;
  created = 0;

  constructor(private readonly device: GPUDevice) {}

  static key(size: number, usage: number): string {
    return `${size}:${usage}`;
  }

  acquire(size: number, usage: number, label: string): GPUBuffer {
    const bytes = Math.max(256, alignTo(size, 256));
    const list = this.free.get(BufferPool.key(bytes, usage));
    let buf = list?.pop();
    if (buf) {
      this.bytesPooled -= bytes;
      buf.label = label;
    } else {
      buf = this.device.createBuffer({ size: bytes, usage, label });
      this.created++;
    }
    this.sizes.set(buf, bytes);
    this.bytesInUse += bytes;
    return buf;
  }

  release(buf: GPUBuffer): void {
    const bytes = this.sizes.get(buf);
    if (bytes === undefined) throw new Error(`BufferPool: '${buf.label}' is not in use`);
    this.sizes.delete(buf);
    this.bytesInUse -= bytes;
    const key = BufferPool.key(bytes, buf.usage);
    let list = this.free.get(key);
    if (!list) this.free.set(key, (list = []));
    list.push(buf);
    this.bytesPooled += bytes;
  }

  /** Destroy every pooled (released) buffer. */
  trim(): void {
    for (const list of this.free.values()) for (const b of list) b.destroy();
    this.free.clear();
    this.bytesPooled = 0;
  }
}

export interface PipelineRequest {
  /** full WGSL source */
  code: string;
  /** short name of the shader, used in labels */
  name: string;
  entryPoint: string;
  layout: GPUPipelineLayout;
  /** a key that names the layout (pipelines with different layouts never share) */
  layoutKey: string;
  constants?: Record<string, number>;
}

/** Shader modules by source, pipelines by (source, entry point, layout, override constants). */
export class PipelineCache {
  private readonly modules = new Map<string, GPUShaderModule>();
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  private moduleIds = new Map<string, number>();
  hits = 0;
  misses = 0;

  constructor(private readonly device: GPUDevice) {}

  module(code: string, name: string): GPUShaderModule {
    let m = this.modules.get(code);
    if (!m) {
      m = this.device.createShaderModule({ code, label: `wgsl:${name}` });
      this.modules.set(code, m);
      this.moduleIds.set(code, this.moduleIds.size);
    }
    return m;
  }

  get(req: PipelineRequest): GPUComputePipeline {
    const module = this.module(req.code, req.name);
    const consts = req.constants ?? {};
    const ck = Object.keys(consts)
      .sort()
      .map((k) => `${k}=${consts[k]}`)
      .join(',');
    const key = `${this.moduleIds.get(req.code)}|${req.entryPoint}|${req.layoutKey}|${ck}`;
    let p = this.pipelines.get(key);
    if (p) {
      this.hits++;
      return p;
    }
    this.misses++;
    p = this.device.createComputePipeline({
      label: `${req.name}.${req.entryPoint}${ck ? `{${ck}}` : ''}`,
      layout: req.layout,
      compute: { module, entryPoint: req.entryPoint, constants: consts },
    });
    this.pipelines.set(key, p);
    return p;
  }

  /** Compile-check a module: resolves to the error messages (empty when it compiles). */
  async compileErrors(code: string, name: string): Promise<string[]> {
    const info = await this.module(code, name).getCompilationInfo();
    return info.messages.filter((m) => m.type === 'error').map((m) => `${name}:${m.lineNum}:${m.linePos} ${m.message}`);
  }

  get size(): number {
    return this.pipelines.size;
  }

  clear(): void {
    this.pipelines.clear();
    this.modules.clear();
    this.moduleIds.clear();
  }
}
