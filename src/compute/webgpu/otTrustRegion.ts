/**
 * The OT trust-region step (otTrustRegion.wgsl, ALGORITHMS.md §5): lambda* by the GPU bracket search
 * on clo(lambda), the tie pass, t* and the mass move (split for OT-TRPO, lowest index for WPO).
 */
import type { GpuContext } from './context';
import { recordSearch, SessionShader, type Recorder } from './layout';
import wgsl from './otTrustRegion.wgsl?raw';

export class OtTrustRegionPass {
  readonly shader: SessionShader;

  constructor(ctx: GpuContext) {
    this.shader = new SessionShader(ctx, 'otTrustRegion', wgsl);
  }

  record(r: Recorder, S: number, N: number): void {
    recordSearch(r, this.shader, S, 'otInit', 'otCand', 'otBracket');
    r.items(this.shader.pipeline('otTies'), S * N);
    r.single(this.shader.pipeline('otSplit'));
    r.items(this.shader.pipeline('otApply'), S);
  }
}
