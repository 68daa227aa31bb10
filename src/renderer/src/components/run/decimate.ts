import { XYData } from '../../charts/xyData';

/**
 * Decimation for drawing: at most `maxPoints` points of a series, keeping in every bucket of
 * consecutive points the one with the smallest and the one with the largest value (in x order), so
 * spikes and dips survive where a stride would skip them. Nulls (gaps in the line) are kept as the
 * bucket's break when the bucket has no value. The first and last points are always kept. The result is
 * series data for ECharts: x0, y0, x1, y1, ... with NaN for a break (charts/xyData.ts).
 */
export function envelope(xs: ArrayLike<number>, ys: ArrayLike<number | null | undefined>, maxPoints: number, map: (y: number) => number | null = (y) => y): Float64Array {
  const n = Math.min(xs.length, ys.length);
  const value = (i: number): number | null => {
    const y = ys[i];
    return typeof y === 'number' ? map(y) : null;
  };
  if (n <= maxPoints) {
    const out = new XYData(n);
    for (let i = 0; i < n; i++) out.push(xs[i], value(i));
    return out.data();
  }
  const out = new XYData(maxPoints);
  const buckets = Math.max(1, Math.floor((maxPoints - 2) / 2));
  const size = (n - 2) / buckets;
  out.push(xs[0], value(0));
  for (let b = 0; b < buckets; b++) {
    const lo = 1 + Math.floor(b * size);
    const hi = Math.min(n - 1, 1 + Math.floor((b + 1) * size));
    let iMin = -1;
    let iMax = -1;
    let vMin = Infinity;
    let vMax = -Infinity;
    for (let i = lo; i < hi; i++) {
      const v = value(i);
      if (v === null) continue;
      if (v < vMin) {
        vMin = v;
        iMin = i;
      }
      if (v > vMax) {
        vMax = v;
        iMax = i;
      }
    }
    if (iMin < 0) {
      if (lo < hi) out.push(xs[lo], null);
      continue;
    }
    if (iMin === iMax) out.push(xs[iMin], vMin);
    else if (iMin < iMax) {
      out.push(xs[iMin], vMin);
      out.push(xs[iMax], vMax);
    } else {
      out.push(xs[iMax], vMax);
      out.push(xs[iMin], vMin);
    }
  }
  out.push(xs[n - 1], value(n - 1));
  return out.data();
}

/**
 * A redraw limiter for live charts: `push()` applies the latest state at once when idle, then at most
 * once per `ms` (the state current at the end of the interval, so the last batch is always drawn);
 * `dispose()` drops a pending redraw (on unmount).
 */
export function liveRedraw(apply: () => void, ms: number): { push(): void; dispose(): void } {
  let timer: ReturnType<typeof setTimeout> | null = null;
  return {
    push() {
      if (timer) return;
      apply();
      timer = setTimeout(() => {
        timer = null;
        apply();
      }, ms);
    },
    dispose() {
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}
