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

  record(r: Recorder, S: number): void {
    r.workgroups(this.shader.pipeline('jkoStep'), S);
  }
}
