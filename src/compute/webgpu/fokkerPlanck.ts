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
  record(r: Recorder, refresh: boolean, w2: boolean): void {
    const { S, N } = r.shape;
    const SN = S * N;
    const p = (e: string) => this.shader.pipeline(e);
    // graph neighbours: 2 E directed edges, (k, 1/h^2) each, read per state
    const nbr = 4 * S * (N + 1 + 4 * r.shape.E);
    if (refresh) r.items(p('fpPhi'), SN, 4 * (2 * SN + N + 2 * S));
    r.items(p('fpRate'), SN, nbr + 4 * (SN * 2 + 2 * r.shape.E * S + SN + S));
    // dt from the rate maximum (one word per thread) in fpStep itself
    r.items(p('fpStep'), SN, nbr + 4 * (SN * 2 + 4 * r.shape.E * S + SN + S) + 4 * SN);
    if (w2) this.recordW2(r);
  }

  /** stCost(s) = W2^2(piOld(.|s), pi(.|s)) on sorted 1-D positions. */
  recordW2(r: Recorder): void {
    const { S, N } = r.shape;
    r.items(this.shader.pipeline('fpW2'), S, 4 * (2 * S * N + 3 * S * N + S));
  }
}
