/** Line-series data as one flat typed array: points in order, NaN for a break, any number of points. */
import { describe, expect, it } from 'vitest';
import { XYData, xyCount, xyFromPairs } from './xyData';

describe('flat x, y series data', () => {
  it('keeps the points in order, a missing x or y as NaN, and grows past its first capacity', () => {
    const d = new XYData(2);
    d.push(0, 1);
    d.push(1, null);
    d.push(null, 3);
    for (let i = 3; i < 10; i++) d.push(i, i * i);
    const data = d.data();
    expect(d.length).toBe(10);
    expect(data).toBeInstanceOf(Float64Array);
    expect(data.length).toBe(20);
    expect(Array.from(data.slice(0, 6))).toEqual([0, 1, 1, NaN, NaN, 3]);
    expect(data[18]).toBe(9);
    expect(data[19]).toBe(81);
    expect(xyCount(data)).toBe(10);
  });

  it('reads [x, y] pairs the same way', () => {
    expect(Array.from(xyFromPairs([[1, 2], [3, null]]))).toEqual([1, 2, 3, NaN]);
    expect(xyCount([[1, 2]])).toBe(1);
    expect(xyCount(undefined)).toBe(0);
  });
});
