/**
 * The OT trust-region step (otTrustRegion.wgsl, ALGORITHMS.md §5): lambda* by the GPU bracket search
 * on clo(lambda), the tie pass, t* and the mass move (split for OT-TRPO, lowest index for WPO).
 */
import type { GpuContext } from './context';
import { OT_SEARCH, recordSearch, SessionShader, type Recorder } from './layout';
import wgsl from './otTrustRegion.wgsl?raw';

export class OtTrustRegionPass {
  readonly shader: SessionShader;

  /** `line`: 1-D sorted positions with cost |x_j - x_k|^p (p = 1, 2): the O(N) max-plus kernels (otCandLine, otTiesLine). */
  constructor(
    ctx: GpuContext,
    readonly line: boolean,
  ) {
    this.shader = new SessionShader(ctx, 'otTrustRegion', wgsl);
  }

  record(r: Recorder): void {
    const { S, N } = r.shape;
    const SN = S * N;
    const L = OT_SEARCH.nCand;
    r.workgroups(this.shader.pipeline('otSpread'), S, 4 * SN);
    if (this.line) {
      // per candidate and state: Q row and V (twice: the envelope and its queries), the positions, pi,
      // the envelope scratch written and read (2N + 2 words each way), one cost entry per j; max A once
      const perCand = 4 * S * (2 * N + 2 + 2 * N + N + 2 * (2 * N + 2) + N);
      recordSearch(r, this.shader, OT_SEARCH, 'otCandLine', 'otBracket', L * (perCand + 4 * S) + 4 * (SN + S), S);
      // two envelopes, then per (s, j) the window (a few entries on a smooth A; counted as 4 reads of A
      // and cost each) and three aux words written
      r.items(this.shader.pipeline('otTiesLine'), S, 4 * S * (N + 1) + 2 * 4 * S * (4 * N + 2 + 2 * (2 * N + 2)) + 4 * (2 * 4 * 2 * SN + 4 * SN));
    } else {
      // targetOf scans the state's Q row and a cost row twice per (s, j): 4 N^2 floats per state and call
      const target = 4 * 4 * S * N * N;
      recordSearch(r, this.shader, OT_SEARCH, 'otCand', 'otBracket', L * (target + 4 * (SN + S)));
      r.items(this.shader.pipeline('otTies'), SN, 4 * target + 4 * 3 * SN);
    }
    r.workgroups(this.shader.pipeline('otStateCosts'), S, 4 * (3 * SN + 2 * N + 3 * S));
    r.single(this.shader.pipeline('otSplit'), 4 * 2 * S);
    r.items(this.shader.pipeline('otApply'), S, 4 * (7 * SN + S));
  }
}
