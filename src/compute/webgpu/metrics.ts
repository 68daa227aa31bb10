/**
 * The §8 metric row of the current policy (metrics.wgsl): per-state terms in parallel, then one
 * workgroup sums them into row ctrl[ROW] of the metrics block (16 f32, layout ROW in session.ts).
 */
import type { GpuContext } from './context';
import { SessionShader, type Recorder } from './layout';
import wgsl from './metrics.wgsl?raw';

export class MetricsPass {
  readonly shader: SessionShader;

  constructor(ctx: GpuContext) {
    this.shader = new SessionShader(ctx, 'metrics', wgsl);
  }

  /**
   * `w2`: the step's transport cost is the exact 1-D W2^2 between piOld and pi (flow and Langevin on a
   * line), walked by stateStats from the rows it already reads, instead of a stored stCost.
   */
  record(r: Recorder, w2 = false): void {
    const { S, N } = r.shape;
    // pi, Q, piOld, pi* rows; V, d, dOld, rho0, d*, stCost; 8 columns written; W2 walks pi and piOld
    // again with the sorted order and the positions
    r.items(w2 ? this.shader.pipeline('stateStats', { W2: 1 }) : this.shader.pipeline('stateStats'), S, 4 * (4 * S * N + N + 14 * S) + (w2 ? 4 * 5 * S * N : 0));
    r.single(this.shader.pipeline('reduceMetrics'), 4 * 8 * S);
  }
}
