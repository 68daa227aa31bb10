/**
 * Radix-2 complex FFT and Toeplitz matrix-vector products by circulant embedding (used by the
 * scaling-domain Sinkhorn on uniform 1-D grids, sinkhorn.ts).
 *
 * A Toeplitz matrix T (n x n, T_ij = t[i - j + n - 1], t of length 2n - 1) is the leading block of the
 * circulant of length L >= 2n - 1 (a power of two) with first column c[d mod L] = t[d + n - 1],
 * |d| <= n - 1, so y = T v is the first n entries of the cyclic convolution c * [v, 0]:
 *
 *     y = IFFT( FFT(c) ⊙ FFT([v, 0]) )[0 .. n)          O(L log L) instead of O(n^2)
 *
 * and T^T v uses conj(FFT(c)) (the reversed real sequence). Error: in floating point the computed y
 * satisfies |y_i - fl(y)_i| <= ||y - fl(y)||_2 <= FFT_ERROR_CONSTANT * u * log2(L) * ||t||_1 * ||v||_2
 * (u = 2^-53; the standard forward-error bound of an FFT convolution, with ||FFT c||_inf <= ||t||_1),
 * so an entry of y is accurate to a relative error rel only where that bound is <= rel * |y_i|: small
 * entries of y next to large ones are NOT computed accurately. `ToeplitzFft.apply` returns the bound
 * so that the caller can check it against the entries it needs.
 */

/** Constant of the a-posteriori FFT convolution bound (generous: the textbook constant is about 5). */
export const FFT_ERROR_CONSTANT = 8;

/** In-place radix-2 complex FFT of a fixed power-of-two length, twiddles and bit reversal precomputed. */
export class Fft {
  readonly L: number;
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;
  private readonly rev: Uint32Array;

  constructor(L: number) {
    if (!(L >= 1 && (L & (L - 1)) === 0)) throw new RangeError(`FFT length must be a power of two, got ${L}`);
    this.L = L;
    this.cos = new Float64Array(L >> 1);
    this.sin = new Float64Array(L >> 1);
    for (let k = 0; k < L >> 1; k++) {
      this.cos[k] = Math.cos((2 * Math.PI * k) / L);
      this.sin[k] = -Math.sin((2 * Math.PI * k) / L);
    }
    this.rev = new Uint32Array(L);
    const bits = Math.round(Math.log2(L));
    for (let i = 0; i < L; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) if (i & (1 << b)) r |= 1 << (bits - 1 - b);
      this.rev[i] = r;
    }
  }

  /** Forward transform X_k = sum_n x_n e^{-2 pi i k n / L}, in place on (re, im). */
  forward(re: Float64Array, im: Float64Array): void {
    const { L, cos, sin, rev } = this;
    for (let i = 0; i < L; i++) {
      const r = rev[i];
      if (r > i) {
        let t = re[i];
        re[i] = re[r];
        re[r] = t;
        t = im[i];
        im[i] = im[r];
        im[r] = t;
      }
    }
    for (let size = 2; size <= L; size <<= 1) {
      const half = size >> 1;
      const step = L / size;
      for (let start = 0; start < L; start += size) {
        for (let k = 0, tw = 0; k < half; k++, tw += step) {
          const wr = cos[tw];
          const wi = sin[tw];
          const p = start + k;
          const q = p + half;
          const xr = re[q] * wr - im[q] * wi;
          const xi = re[q] * wi + im[q] * wr;
          re[q] = re[p] - xr;
          im[q] = im[p] - xi;
          re[p] += xr;
          im[p] += xi;
        }
      }
    }
  }

  /** Inverse transform (with the 1/L), in place: conj(FFT(conj(x))) / L. */
  inverse(re: Float64Array, im: Float64Array): void {
    const L = this.L;
    for (let i = 0; i < L; i++) im[i] = -im[i];
    this.forward(re, im);
    const s = 1 / L;
    for (let i = 0; i < L; i++) {
      re[i] *= s;
      im[i] *= -s;
    }
  }
}

/** Smallest power of two >= x. */
export function nextPow2(x: number): number {
  let L = 1;
  while (L < x) L <<= 1;
  return L;
}

/**
 * Products with the n x n Toeplitz matrix T_ij = t[i - j + n - 1] and its transpose by FFT. The kernel's
 * spectrum is computed once (per `setKernel`); each apply costs two FFTs of length L = nextPow2(2n - 1).
 */
export class ToeplitzFft {
  readonly n: number;
  readonly L: number;
  private readonly fft: Fft;
  private readonly kr: Float64Array;
  private readonly ki: Float64Array;
  private readonly wr: Float64Array;
  private readonly wi: Float64Array;
  /** ||t||_1 of the current kernel */
  private norm1 = 0;

  constructor(n: number, t?: Float64Array) {
    this.n = n;
    this.L = nextPow2(Math.max(1, 2 * n - 1));
    this.fft = new Fft(this.L);
    this.kr = new Float64Array(this.L);
    this.ki = new Float64Array(this.L);
    this.wr = new Float64Array(this.L);
    this.wi = new Float64Array(this.L);
    if (t) this.setKernel(t);
  }

  /** Set t (length 2n - 1, t[d + n - 1] = T_{i, i - d}) and transform its circulant embedding. */
  setKernel(t: Float64Array): void {
    const { n, L, kr, ki } = this;
    if (t.length !== 2 * n - 1) throw new RangeError(`Toeplitz kernel has ${t.length} entries, expected ${2 * n - 1}`);
    kr.fill(0);
    ki.fill(0);
    let s = 0;
    for (let d = -(n - 1); d <= n - 1; d++) {
      const v = t[d + n - 1];
      kr[(d + L) % L] = v;
      s += Math.abs(v);
    }
    this.norm1 = s;
    this.fft.forward(kr, ki);
  }

  /**
   * y = T v (or T^T v with `transpose`), written to `out` (length n). Returns the a-posteriori bound on
   * max_i |y_i - fl(y)_i| (module comment).
   */
  apply(v: Float64Array, out: Float64Array, transpose = false): number {
    const { n, L, kr, ki, wr, wi, fft } = this;
    let v2 = 0;
    for (let j = 0; j < n; j++) {
      const x = v[j];
      wr[j] = x;
      v2 += x * x;
    }
    wr.fill(0, n);
    wi.fill(0);
    fft.forward(wr, wi);
    const sign = transpose ? -1 : 1;
    for (let k = 0; k < L; k++) {
      const a = wr[k];
      const b = wi[k];
      const c = kr[k];
      const d = sign * ki[k];
      wr[k] = a * c - b * d;
      wi[k] = a * d + b * c;
    }
    fft.inverse(wr, wi);
    for (let i = 0; i < n; i++) out[i] = wr[i];
    return FFT_ERROR_CONSTANT * 2 ** -53 * Math.log2(L) * this.norm1 * Math.sqrt(v2);
  }
}
