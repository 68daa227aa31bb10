/**
 * A small seeded generator for the random families (Garnet, random bandits, generated maps): the same
 * seed gives the same instance on every machine (integer arithmetic only, no Math.random).
 */
import { seededRandom } from '../../shared/stats';

/** mulberry32: a 32-bit state, period 2^32; uniform doubles in [0, 1) with 32 random bits. */
export function seededUniform(seed: number): () => number {
  // the project's one mulberry32 (src/shared/stats.ts) with the seed mixed as these families always did,
  // so every seed gives the instance it gave before
  return seededRandom(Math.floor(seed) ^ 0x9e3779b9);
}

/** Standard normal draws by Box-Muller from a uniform source. */
export function normalFrom(u: () => number): () => number {
  return () => {
    const u1 = 1 - u(); // (0, 1]
    const u2 = u();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  };
}

/** k distinct integers from 0..n-1 (partial Fisher-Yates over a sparse swap map), in draw order. */
export function sampleDistinct(u: () => number, n: number, k: number): number[] {
  const swapped = new Map<number, number>();
  const out: number[] = [];
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(u() * (n - i));
    const vj = swapped.get(j) ?? j;
    const vi = swapped.get(i) ?? i;
    swapped.set(j, vi);
    out.push(vj);
  }
  return out;
}
