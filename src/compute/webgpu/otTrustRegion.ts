/**
 * The OT trust-region step (otTrustRegion.wgsl, ALGORITHMS.md §5): lambda* by the GPU bracket search
 * on clo(lambda), the tie pass, t* and the mass move (split for OT-TRPO, lowest index for WPO).
 */
import type { GpuContext } from './context';
import { N_CAND, recordSearch, SessionShader, type Recorder } from './layout';
import wgsl from './otTrustRegion.wgsl?raw';

export class OtTrustRegionPass {
  readonly shader: SessionShader;

  constructor(ctx: GpuContext) {
    this.shader = new SessionShader(ctx, 'otTrustRegion', wgsl);
  }

  record(r: Recorder): void {
    const { S, N } = r.shape;
    const SN = S * N;
    // targetOf scans the state's Q row and a cost row twice per (s, j): 4 N^2 floats per state and call
    const target = 4 * 4 * S * N * N;
    r.workgroups(this.shader.pipeline('otSpread'), S, 4 * SN);
    recordSearch(r, this.shader, S, 'otInit', 'otCand', 'otBracket', N_CAND * (target + 4 * (SN + S)), 4 * 2 * N_CAND);
    r.items(this.shader.pipeline('otTies'), SN, 4 * target + 4 * 3 * SN);
    r.workgroups(this.shader.pipeline('otStateCosts'), S, 4 * (3 * SN + 2 * N + 3 * S));
    r.single(this.shader.pipeline('otSplit'), 4 * 2 * S);
    r.items(this.shader.pipeline('otApply'), S, 4 * (7 * SN + S));
  }
}
