/**
 * Downsampling rule of runs:trace: of `total` points keep those with 0-based position k where
 * k % stride == 0, plus the last; at most maxPoints in all. Shared so that a view can tell the strided
 * rows (common to every run of the same length) from the envelope's extra rows.
 */
export function traceStride(total: number, maxPoints: number): number {
  if (total <= maxPoints) return 1;
  if (maxPoints <= 2) return Math.max(1, total); // first and last only
  return Math.ceil((total - 1) / (maxPoints - 2));
}
