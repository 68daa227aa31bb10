/**
 * Timing helpers for the benchmarks: warm up (at least `warmup` calls and `warmMs` ms, at most
 * max(200, warmup) calls, so that the JIT has compiled the hot loops before the first timed call; on a
 * loaded machine V8's optimising compiler can take a few hundred calls to finish), then time `repeats` runs: `ms` is their median,
 * `min` the best (the side-by-side table uses the best on both sides: on a shared machine it is the
 * figure least disturbed by other processes), `cpuMin` the least process CPU time of a run (all threads;
 * on a loaded machine it is the steadier measure of the work done, at millisecond-level resolution).
 */
export interface BenchRow {
  name: string;
  size: string;
  backend: string;
  ms: number;
  perSecond?: number;
  gbps?: number;
  note?: string;
}

export function timeIt(fn: () => unknown, repeats = 5, warmup = 2, warmMs = 60): { ms: number; min: number; cpuMin: number } {
  const w0 = performance.now();
  const maxCalls = Math.max(200, warmup);
  for (let calls = 0; warmup > 0 && (calls < warmup || (performance.now() - w0 < warmMs && calls < maxCalls)); calls++) fn();
  const times: number[] = [];
  let cpuMin = Infinity;
  for (let i = 0; i < repeats; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpuMin = Math.min(cpuMin, (c.user + c.system) / 1000);
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)], min: times[0], cpuMin };
}

export function printRows(title: string, rows: BenchRow[]): void {
  console.log(`\n## ${title}`);
  for (const r of rows) {
    const rate = r.perSecond !== undefined ? `${r.perSecond.toPrecision(4)}/s` : '';
    const bw = r.gbps !== undefined ? `${r.gbps.toPrecision(3)} GB/s` : '';
    console.log(`${r.backend.padEnd(9)} ${r.size.padEnd(16)} ${r.ms.toFixed(3).padStart(10)} ms ${rate.padStart(12)} ${bw.padStart(11)}  ${r.name}${r.note ? ` — ${r.note}` : ''}`);
  }
}
