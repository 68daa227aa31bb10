/**
 * Policy evaluation and occupancy on the GPU (policyEvaluation.wgsl): V, Q of the current policy and
 * its normalised occupancy d, warm-started, stopping on the GPU. 'fused' runs all sweeps inside one
 * workgroup (one dispatch per solve, small problems); 'sweeps' records `sweeps` Jacobi sweeps (three
 * dispatches each) and `pairs` occupancy pairs over the whole device; finished solves skip the rest.
 */
import type { GpuContext } from './context';
import { SessionShader, type Recorder } from './layout';
import wgsl from './policyEvaluation.wgsl?raw';

export type EvaluationMode = 'fused' | 'sweeps';

export class PolicyEvaluationPass {
  readonly shader: SessionShader;

  constructor(ctx: GpuContext) {
    this.shader = new SessionShader(ctx, 'policyEvaluation', wgsl);
  }

  record(r: Recorder, S: number, N: number, mode: EvaluationMode, sweeps: number, pairs: number): void {
    const p = (e: string) => this.shader.pipeline(e);
    if (mode === 'fused') {
      r.single(p('evalFused'));
      r.single(p('occFused'));
      r.single(p('occFinish'));
      return;
    }
    r.single(p('evalBegin'));
    for (let i = 0; i < sweeps; i++) {
      r.items(p('qFromV'), S * N);
      r.items(p('vFromPolicy'), S);
      r.single(p('evalCheck'));
    }
    r.items(p('qFromVFinal'), S * N);
    r.single(p('occBegin'));
    for (let i = 0; i < pairs; i++) {
      r.items(p('occSweepAB'), S);
      r.items(p('occSweepBA'), S);
      r.single(p('occCheck'));
    }
    r.single(p('occFinish'));
  }

  /** pi <- soft-greedy (tau > 0) or greedy (lowest index) policy of the current Q. */
  recordGreedyPolicy(r: Recorder, S: number): void {
    r.items(this.shader.pipeline('greedyPolicy'), S);
  }
}
