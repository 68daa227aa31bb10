/**
 * Counter-based random numbers: Philox4x32-10 (Salmon, Moraes, Dror & Shaw, SC'11; Random123), written
 * with 32-bit unsigned integer operations only (the 32x32 -> 64 multiply is split into 16-bit halves),
 * so a WGSL kernel reproduces the integer stream bit for bit.
 *
 *   round:   (hi0, lo0) = mulhilo(0xD2511F53, c0),  (hi1, lo1) = mulhilo(0xCD9E8D57, c2)
 *            c = (hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0)
 *   key bump between rounds: k0 += 0x9E3779B9, k1 += 0xBB67AE85 (mod 2^32); 10 rounds.
 *
 * Checked against Random123's known-answer vectors (rng.test.ts).
 *
 * Floats: uniform01(x) = ((x >>> 9) + 0.5) * 2^-23, in (0, 1) and exactly representable in f32 (24 bits), so
 * CPU (f64) and GPU (f32) uniforms are identical; standard normals by Box–Muller from two uniforms
 * (u0, u1): r = sqrt(-2 log u0), z0 = r cos(2 pi u1), z1 = r sin(2 pi u1) (these agree to f32 rounding).
 *
 * Stream layout used by the workbench (Langevin, ALGORITHMS.md §3):
 *   key     = (seed mod 2^32, floor(seed / 2^32) mod 2^32)
 *   counter = (step, state, particle, purpose)
 *     purpose 0 (NOISE): Langevin step `step` (1-based); (u0, u1) -> normals (z0, z1) for axes 0 and 1
 *     purpose 1 (INIT):  initial placement (step = 0): u0 picks the cell from the initial policy by its
 *                        inverse CDF, u1 (and u2 in 2-D) the offsets inside the cell.
 * One Philox call per (step, state, particle): no state is carried, so any subset of particles or steps
 * can be regenerated independently, on either backend.
 */

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

export const RNG_PURPOSE = { NOISE: 0, INIT: 1 } as const;

/** High 32 bits of the 64-bit product of two u32, using only 16-bit partial products (each < 2^32). */
export function mulhi32(a: number, b: number): number {
  const al = a & 0xffff;
  const ah = a >>> 16;
  const bl = b & 0xffff;
  const bh = b >>> 16;
  const t = al * bl; // < 2^32
  const u = ah * bl + (t >>> 16); // < 2^32
  const v = al * bh + (u & 0xffff); // < 2^32
  return (ah * bh + (u >>> 16) + (v >>> 16)) >>> 0;
}

/**
 * Philox4x32-10 of counter (c0..c3) under key (k0, k1); writes 4 u32 into `out` (a Uint32Array of 4) and
 * returns it. No allocation.
 */
export function philox4x32_10(
  c0: number,
  c1: number,
  c2: number,
  c3: number,
  k0: number,
  k1: number,
  out: Uint32Array,
): Uint32Array {
  let x0 = c0 >>> 0;
  let x1 = c1 >>> 0;
  let x2 = c2 >>> 0;
  let x3 = c3 >>> 0;
  let key0 = k0 >>> 0;
  let key1 = k1 >>> 0;
  for (let r = 0; r < 10; r++) {
    if (r > 0) {
      key0 = (key0 + W0) >>> 0;
      key1 = (key1 + W1) >>> 0;
    }
    const hi0 = mulhi32(M0, x0);
    const lo0 = Math.imul(M0, x0) >>> 0;
    const hi1 = mulhi32(M1, x2);
    const lo1 = Math.imul(M1, x2) >>> 0;
    const n0 = (hi1 ^ x1 ^ key0) >>> 0;
    const n2 = (hi0 ^ x3 ^ key1) >>> 0;
    x0 = n0;
    x1 = lo1;
    x2 = n2;
    x3 = lo0;
  }
  out[0] = x0;
  out[1] = x1;
  out[2] = x2;
  out[3] = x3;
  return out;
}

/** A u32 to a uniform in (0, 1), exactly representable in f32: ((x >>> 9) + 0.5) * 2^-23. */
export function uniform01(x: number): number {
  return ((x >>> 9) + 0.5) * 1.1920928955078125e-7;
}

/** The Philox key of a seed (integer 0 <= seed < 2^53). */
export function seedKey(seed: number): [number, number] {
  const s = Math.max(0, Math.floor(seed));
  return [s % 4294967296 >>> 0, Math.floor(s / 4294967296) % 4294967296 >>> 0];
}

/** Box–Muller: two standard normals from the first two words of a Philox block, into out[0], out[1]. */
export function boxMuller(u0: number, u1: number, out: Float64Array): Float64Array {
  const r = Math.sqrt(-2 * Math.log(uniform01(u0)));
  const a = 2 * Math.PI * uniform01(u1);
  out[0] = r * Math.cos(a);
  out[1] = r * Math.sin(a);
  return out;
}

/**
 * A convenience stream over consecutive counters (c0 = index, c1..c3 fixed) for tests and random
 * initialisations; the Langevin method addresses counters directly.
 */
export class PhiloxStream {
  private readonly key: [number, number];
  private readonly block = new Uint32Array(4);
  private index = 0;
  private used = 4;

  constructor(
    seed: number,
    private readonly c1 = 0,
    private readonly c2 = 0,
    private readonly c3 = 2,
  ) {
    this.key = seedKey(seed);
  }

  nextU32(): number {
    if (this.used === 4) {
      philox4x32_10(this.index++, this.c1, this.c2, this.c3, this.key[0], this.key[1], this.block);
      this.used = 0;
    }
    return this.block[this.used++];
  }

  /** uniform in (0, 1) */
  next(): number {
    return uniform01(this.nextU32());
  }
}
