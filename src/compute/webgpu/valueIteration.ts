/** Soft value iteration / value iteration sweeps on the iterate W (valueIteration.wgsl, ALGORITHMS.md §1). */
import type { GpuContext } from './context';
import { SessionShader, type Recorder } from './layout';
import wgsl from './valueIteration.wgsl?raw';

export class ValueIterationPass {
  readonly shader: SessionShader;

  constructor(ctx: GpuContext) {
    this.shader = new SessionShader(ctx, 'valueIteration', wgsl);
  }

  /** Q from the iterate only (the start: W = 0, Q = r). */
  recordQ(r: Recorder, S: number, N: number): void {
    r.items(this.shader.pipeline('viSweepQ'), S * N);
  }

  /** One Jacobi sweep W <- T W with its sup-norm change. */
  recordSweep(r: Recorder, S: number, N: number): void {
    this.recordQ(r, S, N);
    r.items(this.shader.pipeline('viSweepV'), S);
    r.single(this.shader.pipeline('viCheck'));
  }
}
