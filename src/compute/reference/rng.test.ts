import { describe, expect, it } from 'vitest';
import { mulhi32, philox4x32_10, PhiloxStream, uniform01 } from './rng';

describe('Philox4x32-10', () => {
  it("matches Random123's known-answer vectors", () => {
    const out = new Uint32Array(4);
    const hex = (o: Uint32Array) => Array.from(o, (x) => x.toString(16).padStart(8, '0'));
    expect(hex(philox4x32_10(0, 0, 0, 0, 0, 0, out))).toEqual(['6627e8d5', 'e169c58d', 'bc57ac4c', '9b00dbd8']);
    const F = 0xffffffff;
    expect(hex(philox4x32_10(F, F, F, F, F, F, out))).toEqual(['408f276d', '41c83b0e', 'a20bc7c6', '6d5451fd']);
    expect(hex(philox4x32_10(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, out))).toEqual([
      'd16cfe09',
      '94fdcceb',
      '5001e420',
      '24126ea1',
    ]);
  });

  it('mulhi32 equals the BigInt high word', () => {
    const vals = [0, 1, 0xffff, 0x10000, 0xd2511f53, 0xcd9e8d57, 0xffffffff, 0x80000000, 0x12345678];
    for (const a of vals)
      for (const b of vals) expect(mulhi32(a, b)).toBe(Number((BigInt(a) * BigInt(b)) >> 32n));
  });

  it('uniforms lie in (0, 1), are f32-exact, and have mean 1/2', () => {
    expect(uniform01(0)).toBeGreaterThan(0);
    expect(uniform01(0xffffffff)).toBeLessThan(1);
    expect(Math.fround(uniform01(0xdeadbeef))).toBe(uniform01(0xdeadbeef));
    const st = new PhiloxStream(42);
    let m = 0;
    const n = 100_000;
    for (let i = 0; i < n; i++) m += st.next();
    expect(Math.abs(m / n - 0.5)).toBeLessThan(0.005);
  });
});
