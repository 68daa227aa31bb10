/** NPG / mirror descent and the exact KL trust-region step (klUpdates.wgsl, ALGORITHMS.md §7). */
import type { GpuContext } from './context';
import { recordSearch, SessionShader, type Recorder } from './layout';
import wgsl from './klUpdates.wgsl?raw';

export class KlUpdatesPass {
  readonly shader: SessionShader;

  constructor(ctx: GpuContext) {
    this.shader = new SessionShader(ctx, 'klUpdates', wgsl);
  }

  /** pi <- pi^(1-alpha) (mu exp(Q/tau))^alpha, per state. */
  recordNpg(r: Recorder, S: number): void {
    r.items(this.shader.pipeline('npgUpdate'), S);
  }

  /** beta by the GPU bracket search, then pi <- pi exp(A/beta) / Z. */
  recordTrustRegion(r: Recorder, S: number): void {
    recordSearch(r, this.shader, S, 'klInit', 'klCand', 'klBracket');
    r.items(this.shader.pipeline('klApply'), S);
  }
}
