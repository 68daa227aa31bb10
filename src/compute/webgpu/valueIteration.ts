/** Soft value iteration / value iteration sweeps on the iterate W (valueIteration.wgsl, ALGORITHMS.md §1). */
import type { GpuContext } from './context';
import { SessionShader, type Recorder } from './layout';
import wgsl from './valueIteration.wgsl?raw';

export class ValueIterationPass {
  readonly shader: SessionShader;

  constructor(ctx: GpuContext) {
    this.shader = new SessionShader(ctx, 'valueIteration', wgsl);
  }

  /** Q from the iterate only (the start: W = 0, Q = r). */
  recordQ(r: Recorder): void {
    const { S, N, nnz } = r.shape;
    r.items(this.shader.pipeline('viSweepQ'), S * N, 4 * (3 * S * N + 1 + 3 * nnz));
  }

  /**
   * One Jacobi sweep W <- T W with its sup-norm change, and pi <- the (soft-)greedy policy of the same Q
   * (viSweepRow: the Q row read once for both).
   */
  recordSweep(r: Recorder): void {
    const { S, N } = r.shape;
    this.recordQ(r);
    r.workgroups(this.shader.pipeline('viSweepRow'), S, 4 * (2 * S * N + N + 2 * S));
  }
}
