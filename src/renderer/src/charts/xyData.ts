/**
 * Line-series data in the form ECharts reads fastest: one flat Float64Array x0, y0, x1, y1, ... with NaN
 * where a y is missing (a break in the line, as null is in [x, y] pairs).
 *
 * Why: ECharts deep-copies every option it is given and parses each data item; [x, y] pairs cost an
 * array each to copy, to parse and to collect, which made drawing 10 runs of 1,500 points a task of a
 * few hundred milliseconds on a loaded machine. A typed array is copied in one go and read as columns.
 */
export class XYData {
  private buf: Float64Array;
  private n = 0;

  constructor(capacity: number) {
    this.buf = new Float64Array(2 * Math.max(1, capacity));
  }

  /** append a point (x or y null or undefined: a break) */
  push(x: number | null | undefined, y: number | null | undefined): void {
    if (2 * this.n + 2 > this.buf.length) {
      const grown = new Float64Array(this.buf.length * 2);
      grown.set(this.buf);
      this.buf = grown;
    }
    this.buf[2 * this.n] = x === null || x === undefined ? NaN : x;
    this.buf[2 * this.n + 1] = y === null || y === undefined ? NaN : y;
    this.n++;
  }

  /** points pushed */
  get length(): number {
    return this.n;
  }

  /** the series' `data` (a copy trimmed to the points pushed) */
  data(): Float64Array {
    return this.buf.slice(0, 2 * this.n);
  }
}

/** [x, y] pairs as series data. */
export function xyFromPairs(pairs: readonly (readonly [number, number | null])[]): Float64Array {
  const out = new XYData(pairs.length);
  for (const [x, y] of pairs) out.push(x, y);
  return out.data();
}

/** Points in series data made by XYData (for notes that count them). */
export function xyCount(data: unknown): number {
  return data instanceof Float64Array ? data.length / 2 : Array.isArray(data) ? data.length : 0;
}
