/**
 * Langevin particles (langevin.wgsl with the Philox prelude, ALGORITHMS.md §3): placement, gradient
 * refresh, one Euler–Maruyama step with reflection, and the histogram that is the policy.
 */
import type { GpuContext } from './context';
import { SessionShader, type Recorder } from './layout';
import { PHILOX_WGSL } from './philox';
import wgsl from './langevin.wgsl?raw';

export class LangevinPass {
  readonly shader: SessionShader;

  constructor(ctx: GpuContext) {
    this.shader = new SessionShader(ctx, 'langevin', `${PHILOX_WGSL}\n${wgsl}`);
  }

  /** Place S * M particles from the current policy and replace the policy by their histogram. */
  recordPlace(r: Recorder): void {
    const { S, N, M } = r.shape;
    r.items(this.shader.pipeline('lgPlace'), S * M, 4 * (S * M * (N + 2)));
    r.items(this.shader.pipeline('lgHist'), S, 4 * (2 * S * M + S * N));
  }

  /** One step (with the gradient refreshed inside it when `refresh`), then the histogram. */
  recordStep(r: Recorder, refresh: boolean): void {
    const { S, N, M } = r.shape;
    const p = (e: string, c: Record<string, number> = {}) => this.shader.pipeline(e, c);
    // positions read and written, the gradient gathered at 2 neighbouring cells per particle; on a refresh
    // the step recomputes those from Q (4 reads each) and also writes the stored gradient (Q and mu read)
    const refreshBytes = refresh ? 4 * (4 * S * N + N + 8 * S * M) : 0;
    r.items(refresh ? p('lgStep', { REFRESH: 1 }) : p('lgStep'), S * M, 4 * (6 * S * M) + refreshBytes);
    // the histogram, and the step counter advanced (TICK: no separate tick dispatch)
    r.items(this.shader.pipeline('lgHist', { TICK: 1 }), S, 4 * (2 * S * M + 2 * S * N));
  }
}
