/** Timing helpers for the benchmarks: warm up once, then take the median of `repeats` runs. */
export interface BenchRow {
  name: string;
  size: string;
  backend: string;
  ms: number;
  perSecond?: number;
  gbps?: number;
  note?: string;
}

export function timeIt(fn: () => unknown, repeats = 5): { ms: number } {
  fn();
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)] };
}

export function printRows(title: string, rows: BenchRow[]): void {
  console.log(`\n## ${title}`);
  for (const r of rows) {
    const rate = r.perSecond !== undefined ? `${r.perSecond.toPrecision(4)}/s` : '';
    const bw = r.gbps !== undefined ? `${r.gbps.toPrecision(3)} GB/s` : '';
    console.log(`${r.backend.padEnd(9)} ${r.size.padEnd(16)} ${r.ms.toFixed(3).padStart(10)} ms ${rate.padStart(12)} ${bw.padStart(11)}  ${r.name}${r.note ? ` — ${r.note}` : ''}`);
  }
}
