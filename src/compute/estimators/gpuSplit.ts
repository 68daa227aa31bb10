/**
 * A sampled run on the WebGPU backend (issue 15): the estimator runs on the CPU and the update on the
 * GPU, one update per submit.
 *
 * Per update u (1, 2, ...), when the method reads Q this update (every update, or every qEvery-th for
 * the flows, as on the reference):
 *   1. read back pi (f32), and the GPU's exact evaluation of pi: Q, V and the occupancy d;
 *   2. estimate Q-hat, V-hat, d-hat on the CPU with the run's estimator (factory.ts: the same code and the
 *      same Philox counters (seed, update, row, rollout, step) as the reference, so the samples are the
 *      reference's whenever the f32 policy puts every uniform on the same side of its CDF steps);
 *   3. write Q-hat, V-hat, d-hat over the GPU's Q, V, d and record one GPU iteration: the method's update
 *      reads the estimate, then the GPU evaluates the new policy exactly (warm-started from the estimate)
 *      and computes the row's metrics, all exact as on the reference;
 *   4. add the sampled metrics: samples so far, the advantage error against the exact evaluation read in
 *      step 1 (advantageError: bias and RMS under the exact occupancy), and for the trust regions the
 *      move's cost under d-hat and under the exact d, per state from the GPU's state costs (OT) or from
 *      KL(pi_new(.|s) || pi_old(.|s)) of the read-back policies (KL trust region).
 * Updates in between (qEvery > 1) reuse the estimate on the GPU: nothing is sampled, no error recorded.
 * As on the reference, a fixed point of a noisy update is not convergence (the GPU session is told so).
 */
import type { TabularMdp } from '../../shared/mdp/types';
import type { IterationMetrics } from '../../shared/methods';
import type { ComputeSession, Diagnostics, Policy, RunSpec } from '../types';
import type { WebGpuSession } from '../webgpu/session';
import { klRow } from '../reference/evaluation';
import { createRunEstimator, type RunEstimator } from './factory';
import { advantageError } from './monteCarlo';

/** Radius test of the GPU rows (f32): a cost within 1e-5 relative of the radius is on the boundary. */
const F32_RADIUS_SLACK = 1e-5;

export class SampledGpuSession implements ComputeSession {
  readonly backend = 'webgpu' as const;
  readonly method: RunSpec['method'];
  /** how the run splits across devices, for its backend segment */
  readonly backendNote: string;
  private readonly sampled: RunEstimator;
  private readonly qEvery: number;
  private readonly radius: number | null;
  private started = false;
  private updates = 0;
  private samples = 0;

  constructor(
    private readonly gpu: WebGpuSession,
    private readonly mdp: TabularMdp,
    spec: RunSpec,
  ) {
    this.method = spec.method;
    this.sampled = createRunEstimator(mdp, spec, gpu.gamma, gpu.tau)!;
    const o = spec.options as { qEvery?: number; eps?: number; delta?: number };
    this.qEvery = this.method === 'wasserstein-flow' || this.method === 'langevin' ? (o.qEvery ?? 1) : 1;
    this.radius = this.method === 'ot-trpo' || this.method === 'wpo-song' ? (o.eps ?? null) : this.method === 'kl-trpo' ? (o.delta ?? null) : null;
    this.backendNote = `estimator on the CPU, update on the GPU: ${this.sampled.describe('CPU')}`;
  }

  get done(): boolean {
    return this.gpu.done;
  }

  async nextBatch(maxIterations: number): Promise<IterationMetrics[]> {
    const out: IterationMetrics[] = [];
    for (let k = 0; k < maxIterations && !this.gpu.done; k++) {
      const row = await this.step();
      if (!row) break;
      out.push(row);
    }
    return out;
  }

  private async step(): Promise<IterationMetrics | null> {
    const gpu = this.gpu;
    if (!this.started) {
      this.started = true;
      const [first] = await gpu.nextBatch(1);
      return first ? { ...first, samples: 0 } : null;
    }
    const { S, N } = this.mdp;
    const reads = this.updates % this.qEvery === 0;
    let extra: Partial<IterationMetrics> = { estimatorBias: null, estimatorRms: null };
    let exactD: Float64Array | null = null;
    let sampledD: Float64Array | null = null;
    let piOld: Float64Array | null = null;
    if (reads) {
      piOld = Float64Array.from(await gpu.policy());
      const Q = await gpu.readWork('Q', S * N);
      const V = await gpu.readWork('V', S);
      exactD = await gpu.readWork('d', S);
      const est = this.sampled.estimator.estimate(this.updates + 1, piOld);
      this.samples += est.samples;
      sampledD = Float64Array.from(est.d);
      gpu.writeWork('Q', est.Q);
      gpu.writeWork('V', est.V);
      gpu.writeWork('d', est.d);
      const err = advantageError(S, N, exactD, Q, V, est.Q, est.V);
      extra = { estimatorBias: err.bias, estimatorRms: err.rms };
    }
    const [row] = await gpu.nextBatch(1);
    if (!row) return null;
    this.updates++;
    const m: IterationMetrics = { ...row, ...extra, samples: this.samples };
    if (reads && this.radius !== null && exactD && sampledD && piOld) {
      let perState: Float64Array;
      if (this.method === 'kl-trpo') {
        const pi = await gpu.policy();
        perState = new Float64Array(S);
        for (let s = 0; s < S; s++) perState[s] = klRow(pi, s * N, piOld, s * N, N);
      } else perState = await gpu.readWork('stCost', S);
      let cs = 0;
      let ce = 0;
      for (let s = 0; s < S; s++) {
        cs += sampledD[s] * perState[s];
        ce += exactD[s] * perState[s];
      }
      const r = this.radius;
      const over = (c: number): number => (c > r * (1 + F32_RADIUS_SLACK) ? 1 : 0);
      Object.assign(m, { sampledMoveCost: cs, exactMoveCost: ce, sampledViolation: over(cs), exactViolation: over(ce) });
    }
    return m;
  }

  policy(): Promise<Policy> {
    return this.gpu.policy();
  }

  diagnostics(): Diagnostics {
    return {
      ...this.gpu.diagnostics(),
      estimator: this.sampled.describe('CPU; the update on the GPU'),
      ...(this.sampled.truncationBiasBound !== undefined ? { truncationBiasBound: this.sampled.truncationBiasBound } : {}),
    };
  }

  dispose(): void {
    this.gpu.dispose();
  }
}
