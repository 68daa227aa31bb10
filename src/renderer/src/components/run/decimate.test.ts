/** The drawing envelope keeps extremes a stride would skip, and never more than it was asked for. */
import { describe, expect, it, vi } from 'vitest';
import { envelope, liveRedraw, type RedrawScheduler } from './decimate';

/** the flat x0, y0, x1, y1, ... series data as [x, y] pairs (NaN, a break, as null) */
function pairs(xy: Float64Array): [number, number | null][] {
  const out: [number, number | null][] = [];
  for (let i = 0; i < xy.length; i += 2) out.push([xy[i], Number.isNaN(xy[i + 1]) ? null : xy[i + 1]]);
  return out;
}

describe('envelope decimation', () => {
  it('keeps every point of a short series and the spike of a long one', () => {
    expect(pairs(envelope([0, 1, 2], [3, null, 5], 10))).toEqual([
      [0, 3],
      [1, null],
      [2, 5],
    ]);
    const n = 100_000;
    const xs = Array.from({ length: n }, (_, i) => i);
    const ys = xs.map((i) => (i === 54_321 ? 1e3 : i === 77_777 ? -1e3 : Math.sin(i / 1000)));
    const out = pairs(envelope(xs, ys, 1000));
    expect(out.length).toBeLessThanOrEqual(1000);
    expect(out).toContainEqual([54_321, 1e3]);
    expect(out).toContainEqual([77_777, -1e3]);
    expect(out[0]).toEqual([0, 0]);
    expect(out[out.length - 1][0]).toBe(n - 1);
    for (let i = 1; i < out.length; i++) expect(out[i][0]).toBeGreaterThan(out[i - 1][0]);
  });
});

describe('live redraw limiter', () => {
  /** draws at once (the page's scheduler waits for an animation frame) */
  const now: RedrawScheduler = { run: (draw) => draw(), drop: () => undefined };

  it('draws the first batch at once, then at most once per interval, the last state at its end', () => {
    vi.useFakeTimers();
    try {
      const drawn: number[] = [];
      let state = 0;
      const r = liveRedraw(() => drawn.push(state), 500, now);
      state = 1;
      r.push();
      expect(drawn).toEqual([1]);
      state = 2;
      r.push();
      state = 3;
      r.push();
      expect(drawn).toEqual([1]);
      vi.advanceTimersByTime(500);
      expect(drawn).toEqual([1, 3]);
      // that draw started the next interval: a batch right after it waits for the interval's end
      state = 4;
      r.push();
      expect(drawn).toEqual([1, 3]);
      vi.advanceTimersByTime(500);
      expect(drawn).toEqual([1, 3, 4]);
      // an interval without batches draws nothing; the next batch after it draws at once
      vi.advanceTimersByTime(500);
      expect(drawn).toEqual([1, 3, 4]);
      state = 5;
      r.push();
      expect(drawn).toEqual([1, 3, 4, 5]);
      // dispose drops the pending draw
      state = 6;
      r.push();
      r.dispose();
      vi.advanceTimersByTime(1000);
      expect(drawn).toEqual([1, 3, 4, 5]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('runs the draws of several charts one per animation frame', () => {
    const frames: FrameRequestCallback[] = [];
    vi.stubGlobal('requestAnimationFrame', (f: FrameRequestCallback) => frames.push(f));
    vi.useFakeTimers();
    try {
      const drawn: string[] = [];
      const a = liveRedraw(() => drawn.push('a'), 500);
      const b = liveRedraw(() => drawn.push('b'), 1000);
      const c = liveRedraw(() => drawn.push('c'), 1000);
      a.push();
      b.push();
      c.push();
      a.push();
      expect(drawn).toEqual([]);
      // one frame, one draw; a chart queued twice draws once
      frames.shift()!(0);
      expect(drawn).toEqual(['a']);
      c.dispose();
      frames.shift()!(16);
      expect(drawn).toEqual(['a', 'b']);
      expect(frames).toEqual([]);
      a.dispose();
      b.dispose();
    } finally {
      vi.useRealTimers();
      vi.unstubAllGlobals();
    }
  });
});
