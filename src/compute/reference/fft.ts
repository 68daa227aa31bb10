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
    // sizes 2 and 4 together (twiddles 1 and -i: no multiplication), then the general radix-2 stages
    if (L >= 4) {
      for (let p = 0; p < L; p += 4) {
        const ar = re[p] + re[p + 1];
        const ai = im[p] + im[p + 1];
        const br = re[p] - re[p + 1];
        const bi = im[p] - im[p + 1];
        const cr = re[p + 2] + re[p + 3];
        const ci = im[p + 2] + im[p + 3];
        const dr = re[p + 2] - re[p + 3];
        const di = im[p + 2] - im[p + 3];
        re[p] = ar + cr;
        im[p] = ai + ci;
        re[p + 2] = ar - cr;
        im[p + 2] = ai - ci;
        // (dr + i di) * (-i) = di - i dr
        re[p + 1] = br + di;
        im[p + 1] = bi - dr;
        re[p + 3] = br - di;
        im[p + 3] = bi + dr;
      }
    }
    for (let size = L >= 4 ? 8 : 2; size <= L; size <<= 1) {
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
 * spectrum is computed once (per `setKernel`). Each product is a real convolution of length L =
 * nextPow2(2n - 1), done as two complex FFTs of length L/2 (the real input packed as
 * z_m = x_{2m} + i x_{2m+1}, and the spectrum split into its even and odd halves and recombined with
 * the twiddles e^{-2 pi i k / L}), half the work of complex transforms of length L.
 */
export class ToeplitzFft {
  readonly n: number;
  readonly L: number;
  private readonly fft: Fft;
  private readonly half: Fft | null;
  private readonly kr: Float64Array;
  private readonly ki: Float64Array;
  private readonly wr: Float64Array;
  private readonly wi: Float64Array;
  /** cos and sin of 2 pi k / L, k <= L / 4 */
  private readonly tc: Float64Array;
  private readonly ts: Float64Array;
  /** ||t||_1 of the current kernel */
  private norm1 = 0;

  constructor(n: number, t?: Float64Array) {
    this.n = n;
    this.L = nextPow2(Math.max(1, 2 * n - 1));
    const L = this.L;
    this.fft = new Fft(L);
    this.half = L >= 4 ? new Fft(L >> 1) : null;
    this.kr = new Float64Array(L);
    this.ki = new Float64Array(L);
    this.wr = new Float64Array(L);
    this.wi = new Float64Array(L);
    this.tc = new Float64Array((L >> 2) + 1);
    this.ts = new Float64Array((L >> 2) + 1);
    for (let k = 0; k <= L >> 2; k++) {
      this.tc[k] = Math.cos((2 * Math.PI * k) / L);
      this.ts[k] = Math.sin((2 * Math.PI * k) / L);
    }
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
    const { n, L } = this;
    let v2 = 0;
    for (let j = 0; j < n; j++) v2 += v[j] * v[j];
    if (this.half) this.applyReal(v, out, transpose);
    else this.applyComplex(v, out, transpose);
    return FFT_ERROR_CONSTANT * 2 ** -53 * Math.log2(L) * this.norm1 * Math.sqrt(v2);
  }

  /** The product through complex transforms of length L (lengths below 4). */
  private applyComplex(v: Float64Array, out: Float64Array, transpose: boolean): void {
    const { n, L, kr, ki, wr, wi, fft } = this;
    for (let j = 0; j < n; j++) wr[j] = v[j];
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
  }

  /**
   * The product through complex transforms of length M = L/2: Z = FFT_M(x_even + i x_odd), then for each
   * pair (k, M - k) the real spectrum X_k = (Z_k + conj Z_{M-k})/2 - i e^{-2 pi i k/L} (Z_k - conj Z_{M-k})/2,
   * Y_k = K_k X_k, and its packed inverse Z'_k = (Y_k + conj Y_{M-k})/2 + i e^{2 pi i k/L} (Y_k - conj Y_{M-k})/2,
   * so that IFFT_M(Z') = y_even + i y_odd.
   */
  private applyReal(v: Float64Array, out: Float64Array, transpose: boolean): void {
    const { n, L, kr, ki, wr, wi, tc, ts } = this;
    const half = this.half!;
    const M = L >> 1;
    for (let m = 0; m < M; m++) {
      const e = 2 * m;
      wr[m] = e < n ? v[e] : 0;
      wi[m] = e + 1 < n ? v[e + 1] : 0;
    }
    half.forward(wr, wi);
    const sg = transpose ? -1 : 1;
    // k = 0 with M: X_0 = Re Z_0 + Im Z_0, X_M = Re Z_0 - Im Z_0 (both real)
    {
      const x0 = wr[0] + wi[0];
      const xm = wr[0] - wi[0];
      const y0r = kr[0] * x0;
      const y0i = sg * ki[0] * x0;
      const ymr = kr[M] * xm;
      const ymi = sg * ki[M] * xm;
      // Q = (Y_0 + conj Y_M)/2, R = (Y_0 - conj Y_M)/2, Z'_0 = Q + i R
      const qr = 0.5 * (y0r + ymr);
      const qi = 0.5 * (y0i - ymi);
      const rr = 0.5 * (y0r - ymr);
      const ri = 0.5 * (y0i + ymi);
      wr[0] = qr - ri;
      wi[0] = qi + rr;
    }
    for (let k = 1; k <= M >> 1; k++) {
      const kp = M - k;
      // twiddle angle 2 pi k / L (k <= L/4 here)
      const c = tc[k];
      const s = ts[k];
      const ar = wr[k];
      const ai = wi[k];
      const br = wr[kp];
      const bi = wi[kp];
      const pr = 0.5 * (ar + br);
      const pi = 0.5 * (ai - bi);
      const dr = 0.5 * (ar - br);
      const di = 0.5 * (ai + bi);
      // X_k and X_{M-k}
      const xr = pr + c * di - s * dr;
      const xi = pi - c * dr - s * di;
      const xpr = pr - c * di + s * dr;
      const xpi = -pi - c * dr - s * di;
      // Y = K X (K conjugated for the transpose)
      const k1r = kr[k];
      const k1i = sg * ki[k];
      const k2r = kr[kp];
      const k2i = sg * ki[kp];
      const yr = k1r * xr - k1i * xi;
      const yi = k1r * xi + k1i * xr;
      const ypr = k2r * xpr - k2i * xpi;
      const ypi = k2r * xpi + k2i * xpr;
      // packed inverse
      const qr = 0.5 * (yr + ypr);
      const qi = 0.5 * (yi - ypi);
      const rr = 0.5 * (yr - ypr);
      const ri = 0.5 * (yi + ypi);
      wr[k] = qr - c * ri - s * rr;
      wi[k] = qi + c * rr - s * ri;
      if (kp !== k) {
        wr[kp] = qr + c * ri + s * rr;
        wi[kp] = -qi + c * rr - s * ri;
      }
    }
    half.inverse(wr, wi);
    for (let m = 0; m < M; m++) {
      const e = 2 * m;
      if (e < n) out[e] = wr[m];
      if (e + 1 < n) out[e + 1] = wi[m];
    }
  }
}
