/**
 * The entropic JKO step by log-domain generalised Sinkhorn (sinkhorn.wgsl, ALGORITHMS.md §4): one
 * workgroup per state, every inner iteration inside one dispatch. MAXN sizes the workgroup arrays.
 */
import type { GpuContext } from './context';
import { SessionShader, type Recorder } from './layout';
import wgsl from './sinkhorn.wgsl?raw';

/** Workgroup memory one state needs (three rows of N floats plus the reduction scratch). */
export function sinkhornWorkgroupBytes(N: number): number {
  return (3 * N + 80) * 4;
}

export class SinkhornJkoPass {
  readonly shader: SessionShader;

  constructor(ctx: GpuContext, N: number) {
    this.shader = new SessionShader(ctx, 'sinkhorn', wgsl, { MAXN: Math.max(N, 1) });
  }

  /** `inner`: the inner iterations expected per step (bytes: the cost matrix is read twice per inner iteration). */
  record(r: Recorder, inner: number): void {
    const { S, N } = r.shape;
    r.workgroups(this.shader.pipeline('jkoStep'), S, 4 * S * (inner * (2 * N * N + 3 * N) + 4 * N));
  }
}
