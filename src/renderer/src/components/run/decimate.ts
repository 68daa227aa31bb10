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

/** Live chart redraws waiting for an animation frame, one per frame (see liveRedraw). */
const frameQueue: (() => void)[] = [];
let frameRequested = false;
function drainOne(): void {
  frameRequested = false;
  frameQueue.shift()?.();
  if (frameQueue.length) requestFrame();
}
function requestFrame(): void {
  if (frameRequested) return;
  frameRequested = true;
  requestAnimationFrame(drainOne);
}

/** Where liveRedraw runs its redraws: `run` queues one, `drop` takes it out again. */
export interface RedrawScheduler {
  run(draw: () => void): void;
  drop(draw: () => void): void;
}

/**
 * The page's scheduler: redraws of all live charts share one queue that runs at most one per animation
 * frame, so two charts (the gap chart and the small multiples, whose intervals line up) never lay
 * themselves out in the same frame.
 */
export const oneRedrawPerFrame: RedrawScheduler = {
  run(draw) {
    if (!frameQueue.includes(draw)) frameQueue.push(draw);
    requestFrame();
  },
  drop(draw) {
    const i = frameQueue.indexOf(draw);
    if (i >= 0) frameQueue.splice(i, 1);
  },
};

/**
 * A redraw limiter for live charts: `push()` draws the latest state at once when idle, then at most
 * once per `ms`: pushes inside an interval draw once, at its end, the state current then (so the last
 * batch is always drawn), and that draw starts the next interval. `dispose()` drops a pending redraw
 * (on unmount). Draws go through `scheduler` (by default one per animation frame across all charts).
 */
export function liveRedraw(apply: () => void, ms: number, scheduler: RedrawScheduler = oneRedrawPerFrame): { push(): void; dispose(): void } {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let dirty = false;
  const draw = (): void => apply();
  const arm = (): void => {
    timer = setTimeout(() => {
      timer = null;
      if (!dirty) return;
      dirty = false;
      scheduler.run(draw);
      arm();
    }, ms);
  };
  return {
    push() {
      if (timer) {
        dirty = true;
        return;
      }
      scheduler.run(draw);
      arm();
    },
    dispose() {
      if (timer) clearTimeout(timer);
      timer = null;
      dirty = false;
      scheduler.drop(draw);
    },
  };
}
