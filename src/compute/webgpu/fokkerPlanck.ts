/**
 * One explicit Scharfetter–Gummel step of the Fokker–Planck flow (fokkerPlanck.wgsl, ALGORITHMS.md §2),
 * with the CFL time step reduced on the GPU (the step's exact 1-D W2^2 is in the metric row's kernel).
 */
import type { GpuContext } from './context';
import { SessionShader, type Recorder } from './layout';
import wgsl from './fokkerPlanck.wgsl?raw';

export class FokkerPlanckPass {
  readonly shader: SessionShader;

  constructor(ctx: GpuContext) {
    this.shader = new SessionShader(ctx, 'fokkerPlanck', wgsl);
  }

  /**
   * `refresh`: re-read Phi = Q + tau log mu and w(s) (every qEvery steps). The 1-D transport cost of the
   * step is computed by the metric row's stateStats (MetricsPass, w2).
   */
  record(r: Recorder, refresh: boolean): void {
    const { S, N } = r.shape;
    const SN = S * N;
    const p = (e: string, c: Record<string, number> = {}) => this.shader.pipeline(e, c);
    // graph neighbours: 2 E directed edges, (k, 1/h^2) each, read per state
    const nbr = 4 * S * (N + 1 + 4 * r.shape.E);
    // the refresh (Phi = Q + tau log mu and w(s) from Q and d, written for fpStep) is fused into fpRate:
    // it reads Q and mu where the plain step reads Phi, and writes Phi and w
    r.items(refresh ? p('fpRate', { REFRESH: 1 }) : p('fpRate'), SN, nbr + 4 * (SN * 2 + 2 * r.shape.E * S + SN + S) + (refresh ? 4 * (SN + N + 2 * S) : 0));
    // dt from the rate maximum (one word per thread) in fpStep itself
    r.items(p('fpStep'), SN, nbr + 4 * (SN * 2 + 4 * r.shape.E * S + SN + S) + 4 * SN);
  }
}
