/** The drawing envelope keeps extremes a stride would skip, and never more than it was asked for. */
import { describe, expect, it, vi } from 'vitest';
import { envelope, liveRedraw } from './decimate';

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
  it('draws the first batch at once, then at most once per interval, the last state at its end', () => {
    vi.useFakeTimers();
    try {
      const drawn: number[] = [];
      let state = 0;
      const r = liveRedraw(() => drawn.push(state), 500);
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
      state = 4;
      r.push();
      r.dispose();
      vi.advanceTimersByTime(1000);
      expect(drawn).toEqual([1, 3, 4]);
    } finally {
      vi.useRealTimers();
    }
  });
});
