/**
 * What one iteration of a method records on the GPU: the method's update passes (each pass's class
 * beside its .wgsl), then the evaluation of the new policy and its metric row. The session records
 * this into its command buffers; the benchmark's cost model records the same plan without a pass
 * (Recorder with pass = null) to count dispatches and bytes at sizes this adapter cannot hold.
 */
import type { MethodId } from '../../shared/methods';
import type { GpuContext } from './context';
import type { Recorder } from './layout';
import { PolicyEvaluationPass } from './policyEvaluation';
import { MetricsPass } from './metrics';
import { KlUpdatesPass } from './klUpdates';
import { OtTrustRegionPass } from './otTrustRegion';
import { FokkerPlanckPass } from './fokkerPlanck';
import { SinkhornJkoPass } from './sinkhorn';
import { LangevinPass } from './langevin';
import { ValueIterationPass } from './valueIteration';

export interface GpuPasses {
  evaluation: PolicyEvaluationPass;
  metrics: MetricsPass;
  kl?: KlUpdatesPass;
  ot?: OtTrustRegionPass;
  fp?: FokkerPlanckPass;
  sinkhorn?: SinkhornJkoPass;
  langevin?: LangevinPass;
  vi?: ValueIterationPass;
}

/**
 * The passes `method` records (pipelines come from the context's cache). `lineCost`: the actions lie on a
 * sorted line with cost |x_j - x_k|^p, p = 1 or 2 (the OT dual's O(N) max-plus path); `sinkhornLinePow`:
 * that p for JKO, whose Sinkhorn then computes the cost from the positions (0: the cost matrix).
 */
export function createPasses(ctx: GpuContext, method: MethodId, N: number, opts: { lineCost?: boolean; sinkhornLinePow?: number } = {}): GpuPasses {
  const otLike = method === 'ot-trpo' || method === 'wpo-song';
  const isVi = method === 'soft-value-iteration' || method === 'value-iteration';
  return {
    evaluation: new PolicyEvaluationPass(ctx),
    metrics: new MetricsPass(ctx),
    kl: method === 'npg' || method === 'kl-trpo' ? new KlUpdatesPass(ctx) : undefined,
    ot: otLike ? new OtTrustRegionPass(ctx, opts.lineCost ?? false) : undefined,
    fp: method === 'wasserstein-flow' ? new FokkerPlanckPass(ctx) : undefined,
    sinkhorn: method === 'jko-sinkhorn' ? new SinkhornJkoPass(ctx, N, opts.sinkhornLinePow ?? 0) : undefined,
    langevin: method === 'langevin' ? new LangevinPass(ctx) : undefined,
    vi: isVi ? new ValueIterationPass(ctx) : undefined,
  };
}

export interface IterationSettings {
  method: MethodId;
  /** Q refresh period of the flow and of Langevin */
  qEvery: number;
  /** 1-D action graph (the flow's exact W2 of the step) / 1-D Langevin grid */
  flow1d: boolean;
  lg1d: boolean;
  /** recorded BiCGSTAB iterations of the values and of the occupancy solve */
  evalIterations: number;
  occIterations: number;
  /** Sinkhorn inner iterations per JKO step, for the byte count only */
  sinkhornInner: number;
}

/**
 * Record one iteration: row 0 (`first`: the initial policy, and for value iteration its soft-greedy
 * start) or update number `u` followed by the evaluation and the metric row.
 */
export function recordIteration(r: Recorder, ps: GpuPasses, st: IterationSettings, first: boolean, u: number): void {
  recordUpdate(r, ps, st, first, u);
  ps.evaluation.record(r, st.evalIterations, st.occIterations);
  // the flow's and Langevin's step cost on a line: W2^2(piOld, pi) in the metric row's kernel
  const w2 = !first && ((st.method === 'wasserstein-flow' && st.flow1d) || (st.method === 'langevin' && st.lg1d));
  ps.metrics.record(r, w2);
}

/** The part of an iteration before the evaluation: the method's update `u` (or row 0's set-up). */
export function recordUpdate(r: Recorder, ps: GpuPasses, st: IterationSettings, first: boolean, u: number): void {
  if (first) {
    if (ps.vi) {
      // the iterate W = 0 and its soft-greedy policy (Q = r)
      ps.vi.recordQ(r);
      ps.evaluation.recordGreedyPolicy(r);
    }
    // Langevin: the initial policy is the histogram of the placed particles
    ps.langevin?.recordPlace(r);
  } else {
    switch (st.method) {
      case 'npg':
        ps.kl!.recordNpg(r, u === 0);
        break;
      case 'kl-trpo':
        ps.kl!.recordTrustRegion(r);
        break;
      case 'ot-trpo':
      case 'wpo-song':
        ps.ot!.record(r);
        break;
      case 'wasserstein-flow':
        ps.fp!.record(r, u % st.qEvery === 0);
        break;
      case 'jko-sinkhorn':
        ps.sinkhorn!.record(r, st.sinkhornInner);
        break;
      case 'langevin':
        ps.langevin!.recordStep(r, u % st.qEvery === 0);
        break;
      case 'soft-value-iteration':
      case 'value-iteration':
        // the sweep and the greedy policy of its Q
        ps.vi!.recordSweep(r);
        break;
      default:
        throw new Error(`no GPU plan for ${st.method}`);
    }
  }
}
