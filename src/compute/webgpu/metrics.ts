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

  record(r: Recorder): void {
    const { S, N } = r.shape;
    // pi, Q, piOld, pi* rows; V, d, dOld, rho0, d*, stCost; 8 columns written
    r.items(this.shader.pipeline('stateStats'), S, 4 * (4 * S * N + N + 14 * S));
    r.single(this.shader.pipeline('reduceMetrics'), 4 * 8 * S);
  }
}
