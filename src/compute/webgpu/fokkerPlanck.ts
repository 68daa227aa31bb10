/**
 * One explicit Scharfetter–Gummel step of the Fokker–Planck flow (fokkerPlanck.wgsl, ALGORITHMS.md §2),
 * with the CFL time step reduced on the GPU, and the exact 1-D W2^2 of the step.
 */
import type { GpuContext } from './context';
import { SessionShader, type Recorder } from './layout';
import wgsl from './fokkerPlanck.wgsl?raw';

export class FokkerPlanckPass {
  readonly shader: SessionShader;

  constructor(ctx: GpuContext) {
    this.shader = new SessionShader(ctx, 'fokkerPlanck', wgsl);
  }

  /** `refresh`: re-read Phi = Q + tau log mu and w(s) (every qEvery steps); `w2`: 1-D transport cost. */
  record(r: Recorder, S: number, N: number, refresh: boolean, w2: boolean): void {
    const p = (e: string) => this.shader.pipeline(e);
    if (refresh) r.items(p('fpPhi'), S * N);
    r.items(p('fpRate'), S * N);
    r.single(p('fpDt'));
    r.items(p('fpStep'), S * N);
    if (w2) this.recordW2(r, S);
  }

  /** stCost(s) = W2^2(piOld(.|s), pi(.|s)) on sorted 1-D positions. */
  recordW2(r: Recorder, S: number): void {
    r.items(this.shader.pipeline('fpW2'), S);
  }
}
