/** NPG / mirror descent and the exact KL trust-region step (klUpdates.wgsl, ALGORITHMS.md §7). */
import type { GpuContext } from './context';
import { KL_SEARCH, recordSearch, SessionShader, WG, type Recorder } from './layout';
import wgsl from './klUpdates.wgsl?raw';

export class KlUpdatesPass {
  readonly shader: SessionShader;

  constructor(ctx: GpuContext) {
    this.shader = new SessionShader(ctx, 'klUpdates', wgsl);
  }

  /** pi <- pi^(1-alpha) (mu exp(Q/tau))^alpha, per state. */
  recordNpg(r: Recorder, first: boolean): void {
    const { S, N } = r.shape;
    // Q and the logits read, logits, pi and piOld written (the first step reads pi instead of logits)
    r.workgroups(this.shader.pipeline(first ? 'npgUpdateFirst' : 'npgUpdate'), S, 4 * (5 * S * N + N + S));
  }

  /** beta by the GPU bracket search, then pi <- pi exp(A/beta) / Z. */
  recordTrustRegion(r: Recorder): void {
    const { S, N } = r.shape;
    // klCandRow: one workgroup per state reads its pi and Q rows twice (maximum, tiles) and V twice, the
    // candidates and d once, and writes one value per (candidate, state)
    const L = KL_SEARCH.nCand;
    recordSearch(r, this.shader, KL_SEARCH, 'klCandRow', 'klBracket', 4 * (4 * S * N + 3 * S + 2 * L * S), S * WG);
    r.items(this.shader.pipeline('klApply'), S, 4 * (5 * S * N + 2 * S));
  }
}
