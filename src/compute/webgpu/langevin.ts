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
  recordPlace(r: Recorder, S: number, M: number): void {
    r.items(this.shader.pipeline('lgPlace'), S * M);
    r.items(this.shader.pipeline('lgHist'), S);
  }

  /** One step (with a gradient refresh when `refresh`), then the histogram. */
  recordStep(r: Recorder, S: number, N: number, M: number, refresh: boolean): void {
    const p = (e: string) => this.shader.pipeline(e);
    if (refresh) r.items(p('lgGrad'), S * N);
    r.single(p('lgTick'));
    r.items(p('lgStep'), S * M);
    r.items(p('lgHist'), S);
  }
}
