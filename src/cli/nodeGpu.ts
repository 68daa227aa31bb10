/**
 * The Node provider of WebGPU: Dawn through the `webgpu` package. The compute backend never imports
 * this file (src/compute takes a `GPU` or a `GPUDevice`); the CLI, the benchmarks and the node tests do.
 *
 * Adapter choice: a real Vulkan/Metal/D3D driver is preferred. When none gives an adapter and
 * VK_ICD_FILENAMES is unset, the provider points the Vulkan loader at SwiftShader (Chromium's CPU
 * Vulkan, `/usr/lib/chromium/vk_swiftshader_icd.json` or another known location) and tries again.
 * XDG_RUNTIME_DIR defaults to the OS temporary folder when unset (Dawn's loader complains otherwise).
 * Verified on the development machine: without the ICD variable the system's lavapipe is rejected by
 * Dawn ("shaderUniform*ArrayDynamicIndexing required"); with SwiftShader an adapter and device start.
 *
 * Dawn's warnings: probing a machine without a GPU driver makes Dawn print "vkCreateInstance: Found no
 * drivers!" and "VK_ERROR_INCOMPATIBLE_DRIVER" straight to the process's stderr (native code, so they
 * cannot be filtered from JavaScript). They are avoided where possible — on Linux, when no Vulkan ICD
 * manifest exists at all, the driver probe is skipped and SwiftShader is used directly — and otherwise
 * explained by one line after them (`explainDriverWarnings`).
 */
import { existsSync, readdirSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { create, globals } from 'webgpu';

export const SWIFTSHADER_ICDS = [
  '/usr/lib/chromium/vk_swiftshader_icd.json',
  '/usr/lib/chromium-browser/vk_swiftshader_icd.json',
  '/opt/google/chrome/vk_swiftshader_icd.json',
];

export interface NodeGpuOptions {
  /** Dawn toggles / options passed to `create`, e.g. ['enable-dawn-features=allow_unsafe_apis'] */
  dawnOptions?: string[];
  /** 'auto' (default): real driver first, SwiftShader as fallback; 'swiftshader': force the CPU adapter */
  prefer?: 'auto' | 'swiftshader';
  powerPreference?: GPUPowerPreference;
}

export interface NodeGpu {
  gpu: GPU;
  adapter: GPUAdapter;
  /** which path gave the adapter */
  source: 'driver' | 'swiftshader' | 'env';
  description: string;
}

let globalsInstalled = false;
/** every Dawn instance handed out stays referenced for the life of the process (see GpuContext) */
const instances: GPU[] = [];

/** Dawn's GPU* classes (GPUBufferUsage, GPUShaderStage, ...) as globals, once. */
export function installWebGpuGlobals(): void {
  if (globalsInstalled) return;
  const g = globalThis as Record<string, unknown>;
  for (const [k, v] of Object.entries(globals as Record<string, unknown>)) if (g[k] === undefined) g[k] = v;
  globalsInstalled = true;
}

/** Folders where the Vulkan loader looks for driver (ICD) manifests on Linux. */
export function vulkanIcdDirectories(env: Record<string, string | undefined> = process.env): string[] {
  const data = (env.XDG_DATA_DIRS || '/usr/local/share:/usr/share').split(':').filter(Boolean);
  const config = (env.XDG_CONFIG_DIRS || '/etc/xdg').split(':').filter(Boolean);
  return [
    ...config.map((d) => join(d, 'vulkan/icd.d')),
    '/etc/vulkan/icd.d',
    ...data.map((d) => join(d, 'vulkan/icd.d')),
    join(env.XDG_DATA_HOME || join(homedir(), '.local/share'), 'vulkan/icd.d'),
  ];
}

/** Whether any Vulkan driver manifest is installed (Linux); elsewhere the OS driver model decides, so true. */
export function vulkanDriverInstalled(platform: NodeJS.Platform = process.platform, dirs: string[] = vulkanIcdDirectories()): boolean {
  if (platform !== 'linux') return true;
  return dirs.some((d) => {
    try {
      return readdirSync(d).some((f) => f.endsWith('.json'));
    } catch {
      return false;
    }
  });
}

let explained = false;
/** One line after Dawn's driver-probe warnings saying what they mean (once per process). */
function explainDriverWarnings(fallback: string): void {
  if (explained) return;
  explained = true;
  process.stderr.write(
    `note: the Vulkan warnings above come from probing for a GPU driver; none gave a WebGPU adapter, so ${fallback} is used. ` +
      'They are harmless. For a real GPU install its Vulkan driver (see the README, "What a real GPU needs").\n',
  );
}

function findSwiftShader(): string | null {
  for (const p of SWIFTSHADER_ICDS) if (existsSync(p)) return p;
  return null;
}

async function tryAdapter(opts: NodeGpuOptions): Promise<{ gpu: GPU; adapter: GPUAdapter } | null> {
  const gpu = create(opts.dawnOptions ?? []) as unknown as GPU;
  instances.push(gpu);
  const adapter = await gpu.requestAdapter({ powerPreference: opts.powerPreference ?? 'high-performance' });
  return adapter ? { gpu, adapter } : null;
}

function describe(adapter: GPUAdapter): string {
  const i = adapter.info;
  return [i.vendor, i.architecture, i.device, i.description].filter((x) => x).join(' ') || 'unknown adapter';
}

/** A Dawn `GPU` with a working adapter (see the file comment for the order tried). */
export async function createNodeGpu(opts: NodeGpuOptions = {}): Promise<NodeGpu> {
  installWebGpuGlobals();
  if (!process.env.XDG_RUNTIME_DIR) process.env.XDG_RUNTIME_DIR = tmpdir();
  const envIcd = process.env.VK_ICD_FILENAMES;
  if (envIcd) {
    const r = await tryAdapter(opts);
    if (!r) throw new Error(`WebGPU: no adapter with VK_ICD_FILENAMES=${envIcd}`);
    return { ...r, source: 'env', description: describe(r.adapter) };
  }
  const swift = findSwiftShader();
  // no driver manifest at all: probing would only print Dawn's "Found no drivers!" warnings
  const probe = opts.prefer !== 'swiftshader' && (vulkanDriverInstalled() || !swift);
  if (probe) {
    const r = await tryAdapter(opts);
    if (r) return { ...r, source: 'driver', description: describe(r.adapter) };
  }
  if (!swift) throw new Error('WebGPU: no GPU driver gave an adapter and no SwiftShader ICD was found (install a Vulkan driver, or Chromium for its SwiftShader)');
  if (probe) explainDriverWarnings(`SwiftShader (${swift}, a CPU implementation of Vulkan)`);
  process.env.VK_ICD_FILENAMES = swift;
  const r = await tryAdapter(opts);
  if (!r) throw new Error(`WebGPU: SwiftShader (${swift}) gave no adapter`);
  return { ...r, source: 'swiftshader', description: describe(r.adapter) };
}

/** Just the `GPU` object (what `createWebGpuSession`'s GpuContext.create takes). */
export async function nodeGpu(opts: NodeGpuOptions = {}): Promise<GPU> {
  return (await createNodeGpu(opts)).gpu;
}
