/**
 * WebGPU benchmarks through Dawn in Node (the same backend the app runs in Chromium): soft-VI sweeps
 * with achieved GB/s, update kernels and full iterations per method and size, dispatches per
 * iteration, and the ratio to the f64 reference at the same size.
 */
import { createNodeGpu } from '../src/cli/nodeGpu';
import { GpuContext } from '../src/compute/webgpu/context';
import { DEFAULT_BENCH_SIZES, runWebGpuBenchmarks, type BenchRecord } from '../src/compute/webgpu/bench';

export async function webgpuBenchmarks(): Promise<void> {
  let node;
  try {
    node = await createNodeGpu();
  } catch (error) {
    console.log(`\n## WebGPU: no adapter (${error instanceof Error ? error.message : String(error)}); skipped`);
    return;
  }
  const quick = process.argv.includes('--quick');
  const ctx = await GpuContext.create(node.gpu);
  console.log(`\n## WebGPU backend — adapter: ${node.description} (${node.source})`);
  if (node.source !== 'driver') console.log('   (a CPU emulation of a GPU: these figures say nothing about real-GPU speed)');
  const sizes = quick ? DEFAULT_BENCH_SIZES.filter((z) => z.S * z.N <= 1 << 14) : DEFAULT_BENCH_SIZES;
  const records = await runWebGpuBenchmarks(ctx, { sizes, budgetMs: quick ? 400 : 1500, log: (line) => console.log(`   ${line}`) });
  printRecords(records);
  console.log(`\nbuffer pool after the run: ${ctx.pool.bytesInUse} bytes in use, ${ctx.pool.bytesPooled} pooled`);
  ctx.destroy();
}

function printRecords(records: BenchRecord[]): void {
  console.log(`\n${'backend'.padEnd(9)} ${'size'.padEnd(16)} ${'per second'.padStart(12)} ${'GB/s'.padStart(8)} ${'disp/it'.padStart(8)} ${'vs ref'.padStart(8)}  what`);
  for (const r of records) {
    console.log(
      `${r.backend.padEnd(9)} ${r.size.padEnd(16)} ${r.perSecond.toPrecision(4).padStart(12)} ${(r.gbps !== undefined ? r.gbps.toPrecision(3) : '').padStart(8)} ${String(Math.round(r.dispatchesPerIteration * 10) / 10).padStart(8)} ${(r.speedupVsReference !== undefined ? `${r.speedupVsReference.toPrecision(3)}x` : '').padStart(8)}  ${r.name}`,
    );
  }
}
