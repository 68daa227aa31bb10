/**
 * `npm run bench`: figures and ratios, never assertions. Reference (f64 CPU) first, then the WebGPU
 * backend on whatever adapter Dawn finds (a real GPU where there is one, SwiftShader otherwise), with
 * the ratio against the reference where both exist.
 */
import { referenceBenchmarks } from './reference';
import { printRows } from './timing';
import { traceWriteBenchmarks } from './traceWrite';

async function main(): Promise<void> {
  console.log(`Wasserstein Workbench benchmarks — node ${process.version}, ${new Date().toISOString()}`);
  printRows('reference backend (f64, CPU)', referenceBenchmarks());
  printRows('trace storage (SQLite through the services)', await traceWriteBenchmarks());
  if (process.argv.includes('--reference-only')) return;
  const { webgpuBenchmarks } = await import('./webgpu');
  await webgpuBenchmarks();
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
