import { describe, expect, it } from 'vitest';
import { Fft, ToeplitzFft } from './fft';
import { testRandom } from './testing';

describe('FFT', () => {
  it('matches the O(L^2) discrete Fourier transform, and inverse(forward(x)) = x', () => {
    const L = 64;
    const rnd = testRandom(21);
    const re = Float64Array.from({ length: L }, () => rnd() - 0.5);
    const im = Float64Array.from({ length: L }, () => rnd() - 0.5);
    const r0 = Float64Array.from(re);
    const i0 = Float64Array.from(im);
    const f = new Fft(L);
    f.forward(re, im);
    let err = 0;
    for (let k = 0; k < L; k++) {
      let sr = 0;
      let si = 0;
      for (let n = 0; n < L; n++) {
        const a = (-2 * Math.PI * k * n) / L;
        sr += r0[n] * Math.cos(a) - i0[n] * Math.sin(a);
        si += r0[n] * Math.sin(a) + i0[n] * Math.cos(a);
      }
      err = Math.max(err, Math.abs(sr - re[k]), Math.abs(si - im[k]));
    }
    expect(err).toBeLessThan(1e-13);
    f.inverse(re, im);
    for (let n = 0; n < L; n++) {
      expect(Math.abs(re[n] - r0[n])).toBeLessThan(1e-15);
      expect(Math.abs(im[n] - i0[n])).toBeLessThan(1e-15);
    }
  });

  it('refuses a length that is not a power of two', () => {
    expect(() => new Fft(48)).toThrow(/power of two/);
  });
});

describe('Toeplitz products by FFT', () => {
  for (const n of [1, 7, 100, 257]) {
    it(`n = ${n}: T v and T^T v equal the dense products within the stated bound`, () => {
      const rnd = testRandom(22 + n);
      const t = Float64Array.from({ length: 2 * n - 1 }, () => rnd() * 2 - 0.5);
      const v = Float64Array.from({ length: n }, () => rnd() - 0.3);
      const T = new ToeplitzFft(n, t);
      for (const transpose of [false, true]) {
        const y = new Float64Array(n);
        const bound = T.apply(v, y, transpose);
        let err = 0;
        for (let i = 0; i < n; i++) {
          let acc = 0;
          for (let j = 0; j < n; j++) acc += (transpose ? t[j - i + n - 1] : t[i - j + n - 1]) * v[j];
          err = Math.max(err, Math.abs(acc - y[i]));
        }
        expect(err).toBeLessThanOrEqual(bound);
        expect(err).toBeLessThan(1e-12);
      }
    });
  }
});
