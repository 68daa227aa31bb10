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

  /** One step (with a gradient refresh when `refresh`), then the histogram. */
  recordStep(r: Recorder, refresh: boolean): void {
    const { S, N, M } = r.shape;
    const p = (e: string) => this.shader.pipeline(e);
    if (refresh) r.items(p('lgGrad'), S * N, 4 * (4 * S * N + N));
    // positions read and written, the gradient gathered at 2 neighbouring cells per particle
    r.items(p('lgStep'), S * M, 4 * (6 * S * M));
    // the histogram, and the step counter advanced (TICK: no separate tick dispatch)
    r.items(this.shader.pipeline('lgHist', { TICK: 1 }), S, 4 * (2 * S * M + 2 * S * N));
  }
}
