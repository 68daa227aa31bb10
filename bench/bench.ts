/**
 * `npm run bench`: figures and ratios, never assertions.
 *
 *  1. side by side: the f64 reference kernels against numpy / scipy / POT on the same inputs in the same
 *     run, with the difference of the answers (bench/sideBySide.ts; peers skipped, and said so, where
 *     /usr/bin/python3 with numpy, scipy and POT is missing);
 *  2. further reference (f64, CPU) figures, and trace storage (points per second written through the
 *     services into SQLite, and how much storing slows a run);
 *  3. the WebGPU backend on whatever adapter Dawn finds (a real GPU where there is one, SwiftShader
 *     otherwise, labelled as an emulation), with the ratio against the reference where both exist.
 *
 * Flags: --quick (fewer sizes and repeats, small WebGPU sizes: under 2 minutes on a 2-core machine
 * without a GPU), --reference-only (no WebGPU), --json FILE (every figure as JSON, for tracking),
 * --only GROUP[,GROUP] (only those side-by-side rows, e.g. `--only policy-eval`; the other sections are
 * skipped).
 */
import { writeFileSync } from 'node:fs';
import { referenceBenchmarks } from './reference';
import { printSideBySide, SIDE_BY_SIDE_GROUPS, sideBySide, type SideBySideGroup } from './sideBySide';
import { printRows } from './timing';
import { traceWriteBenchmarks } from './traceWrite';

function flagValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const quick = process.argv.includes('--quick');
  const jsonFile = flagValue('--json');
  if (process.argv.includes('--json') && (!jsonFile || jsonFile.startsWith('--'))) throw new Error('--json needs a file name');
  let only: SideBySideGroup[] | undefined;
  if (process.argv.includes('--only')) {
    const list = flagValue('--only');
    const ids = !list || list.startsWith('--') ? [] : list.split(',');
    const bad = ids.filter((id) => !(SIDE_BY_SIDE_GROUPS as readonly string[]).includes(id));
    if (ids.length === 0 || bad.length > 0) {
      throw new Error(`--only needs a comma-separated list of ${SIDE_BY_SIDE_GROUPS.join(', ')}${bad.length ? ` (not: ${bad.join(', ')})` : ''}`);
    }
    only = ids as SideBySideGroup[];
  }
  console.log(`Wasserstein Workbench benchmarks — node ${process.version}, ${new Date().toISOString()}${quick ? ' (quick)' : ''}`);
  const side = sideBySide(quick, (line) => console.log(`   ${line}`), only);
  printSideBySide(side);
  let reference: unknown = null;
  let storage: unknown = null;
  if (!only) {
    const referenceRows = referenceBenchmarks(quick);
    printRows('reference backend (f64, CPU)', referenceRows);
    const storageRows = await traceWriteBenchmarks();
    printRows('trace storage (SQLite through the services)', storageRows);
    reference = referenceRows;
    storage = storageRows;
  }
  let webgpu: unknown = null;
  if (!only && !process.argv.includes('--reference-only')) {
    const { webgpuBenchmarks } = await import('./webgpu');
    webgpu = await webgpuBenchmarks(quick);
  }
  const seconds = (performance.now() - t0) / 1000;
  console.log(`\ntotal ${seconds.toFixed(1)} s`);
  if (jsonFile) {
    const report = { date: new Date().toISOString(), node: process.version, quick, only: only ?? null, seconds, sideBySide: side, reference, storage, webgpu };
    writeFileSync(jsonFile, JSON.stringify(report, null, 1));
    console.log(`figures written to ${jsonFile}`);
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
