/**
 * WebGPU benchmarks through Dawn in Node (the same backend the app runs in Chromium): soft-VI sweeps
 * with achieved GB/s, update kernels and full iterations per method and size, dispatches per
 * iteration, the ratio to the f64 reference at the same size, and the cost model (counted dispatches,
 * submits, readbacks and bytes per iteration against the unavoidable minimum, estimated H200 time).
 */
import { createNodeGpu } from '../src/cli/nodeGpu';
import { GpuContext } from '../src/compute/webgpu/context';
import { COST_METHODS, DEFAULT_BENCH_SIZES, formatCostModel, formatKernelTimes, kernelTimes, runWebGpuBenchmarks, webGpuCostModel, type BenchRecord, type CostRecord, type KernelTime } from '../src/compute/webgpu/bench';

export interface WebGpuBenchReport {
  adapter: string;
  source: string;
  emulation: boolean;
  records: BenchRecord[];
  cost: CostRecord[];
  /** per-kernel GPU times of one iteration (timestamp queries), when the device has them */
  kernels: KernelTime[];
}

/**
 * The WebGPU section. On an emulated adapter (SwiftShader) every size is limited to S * N <= 256 and
 * the budget per measurement to 150 ms (the emulation is slow and says nothing about GPU speed); with
 * `quick` on a real GPU, S * N <= 2^14.
 */
export async function webgpuBenchmarks(quick: boolean): Promise<WebGpuBenchReport | null> {
  const krylov = krylovArg(process.argv);
  let node;
  try {
    node = await createNodeGpu();
  } catch (error) {
    console.log(`\n## WebGPU: no adapter (${error instanceof Error ? error.message : String(error)}); skipped`);
    return null;
  }
  const ctx = await GpuContext.create(node.gpu, { optionalFeatures: ['timestamp-query'] });
  const emulation = node.source !== 'driver';
  console.log(`\n## WebGPU backend — adapter: ${node.description} (${node.source})${emulation ? ' — EMULATION' : ''}`);
  if (emulation) console.log('   (a CPU emulation of a GPU, limited to small sizes: these figures say nothing about real-GPU speed)');
  const maxSN = emulation ? 256 : quick ? 1 << 14 : Infinity;
  const sizes = DEFAULT_BENCH_SIZES.filter((z) => z.S * z.N <= maxSN);
  const budgetMs = emulation ? 150 : quick ? 400 : 1500;
  const records = await runWebGpuBenchmarks(ctx, { sizes, budgetMs, log: (line) => console.log(`   ${line}`) });
  printRecords(records);
  // the cost model: counted dispatches, submits, readbacks and bytes per iteration against the minimum,
  // and the estimated time on a named GPU (small sizes and short batches under emulation).
  // --quick: the plans alone at S=10^4, N=1024 with K BiCGSTAB iterations recorded per solve (an assumed
  // warm-started steady state; --krylov=K sets it, 4 by default). Measured for reference: JKO on Taxi
  // (S=500, gamma 0.99) uses 47/43 iterations cold (64 recorded), then 23/26, 18/18, 16/13 per values/occupancy
  // solve warm-started (session diagnostics evalIterationsUsed / occIterationsUsed).
  const assumed = krylov ?? 4;
  console.log(
    `\n## WebGPU cost model (counted, not timed: ${quick ? `plans at S=10^4, N=1024 assuming ${assumed} BiCGSTAB iterations per solve${krylov === undefined ? ' (--krylov=K to change)' : ''}` : `a session at the small size, the plan at S=10^4, N=1024${krylov !== undefined ? ` assuming ${krylov} BiCGSTAB iterations per solve` : ''}`})`,
  );
  const cost = await webGpuCostModel(
    ctx,
    quick ? { planOnly: true, krylovIterations: assumed } : emulation ? { small: { S: 16, N: 8 }, batch: 2, warm: 1, krylovIterations: krylov } : { krylovIterations: krylov },
  );
  console.log(formatCostModel(cost));
  // per-kernel GPU times by timestamp queries: measured GB/s per entry point against the device's peak.
  // Emulated: two methods at S=64, N=16 (the figures only show the table works); a real GPU: every method
  // at S=2048, N=256 (--quick) or S=10^4, N=1024.
  const kernels: KernelTime[] = [];
  if (ctx.device.features.has('timestamp-query')) {
    const size = emulation ? { S: 64, N: 16 } : quick ? { S: 2048, N: 256 } : { S: 10000, N: 1024 };
    const methods = emulation ? (['npg', 'ot-trpo'] as const) : COST_METHODS;
    console.log(`\n## WebGPU per-kernel times, one iteration (timestamp queries${emulation ? '; EMULATION: says nothing about a GPU' : ''})`);
    for (const method of methods) {
      const rows = await kernelTimes(ctx, { method, ...size });
      if (rows) kernels.push(...rows);
    }
    console.log(formatKernelTimes(kernels, node.description));
  } else console.log('\n## WebGPU per-kernel times: this device has no timestamp-query feature; skipped');
  console.log(`\nbuffer pool after the run: ${ctx.pool.bytesInUse} bytes in use, ${ctx.pool.bytesPooled} pooled`);
  ctx.destroy();
  return { adapter: node.description, source: node.source, emulation, records, cost, kernels };
}

/** `--krylov=K`: BiCGSTAB iterations per solve the cost model's plans assume (a positive integer). */
export function krylovArg(argv: readonly string[]): number | undefined {
  const a = argv.find((x) => x.startsWith('--krylov='));
  if (a === undefined) return undefined;
  const v = a.slice('--krylov='.length);
  const k = Number(v);
  if (!/^[0-9]+$/.test(v) || !Number.isSafeInteger(k) || k < 1 || k > 1024)
    throw new Error(`--krylov must be a whole number of BiCGSTAB iterations per solve from 1 to 1024, got "${v}"`);
  return k;
}

function printRecords(records: BenchRecord[]): void {
  console.log(`\n${'backend'.padEnd(9)} ${'size'.padEnd(16)} ${'per second'.padStart(12)} ${'GB/s'.padStart(8)} ${'disp/it'.padStart(8)} ${'vs ref'.padStart(8)}  what`);
  for (const r of records) {
    console.log(
      `${r.backend.padEnd(9)} ${r.size.padEnd(16)} ${r.perSecond.toPrecision(4).padStart(12)} ${(r.gbps !== undefined ? r.gbps.toPrecision(3) : '').padStart(8)} ${String(Math.round(r.dispatchesPerIteration * 10) / 10).padStart(8)} ${(r.speedupVsReference !== undefined ? `${r.speedupVsReference.toPrecision(3)}x` : '').padStart(8)}  ${r.name}`,
    );
  }
}
