/**
 * The run driver: the one loop that takes a run from its spec to its end, used by the renderer's compute
 * worker, the CLI and the tests, so a run from any of them produces the same trace and snapshots.
 *
 * Problem: run `maxIterations` updates of `spec.method` on `mdp` (row 0 is the initial policy, so a run
 * that is not stopped early has maxIterations + 1 rows), on the requested backend.
 * Solver:
 *   - the session comes from createSession (backend fallback to the f64 reference, reported to the sink);
 *   - batches are sized to about `batchMs` of work (bounded growth, so a slow iteration is noticed fast),
 *     and the loop yields to the event loop between batches so pause / resume / cancel are seen;
 *   - policy snapshots at iteration 0, at powers of two, every ~5% of the budget and at the last row
 *     (only when S·N ≤ SNAPSHOT_MAX_ENTRIES);
 *   - every row goes through the stall detector (stall.ts) and an overflow check (J, gap finite);
 *   - the end: 'completed' (budget used, or the method's own criterion met), 'stalled', 'cancelled', or
 *     'failed' (divergence, overflow, a stochastic / parametric method ending worse than it started,
 *     bad input). The diagnostics carry `stopReason`, `convergenceCriterion`, `converged` and the best
 *     and final J.
 * Output: the sink receives started / append / snapshot / backend / progress / finish in order; the
 * outcome is also returned.
 */
import type { TabularMdp } from '../../shared/mdp/types';
import { methodInfo, type ComputeBackendId, type IterationMetrics } from '../../shared/methods';
import { createSession, type SessionOptions } from '../session';
import { DivergenceError, type ComputeSession, type Diagnostics, type Policy, type RunSpec } from '../types';
import { F32_POLICY_ROUNDOFF, F64_POLICY_ROUNDOFF, StallDetector, f32GapTolerance, f64GapTolerance } from './stall';

/** Policies larger than this (S·N entries) are not snapshotted mid-run. */
export const SNAPSHOT_MAX_ENTRIES = 2_000_000;

export type RunEndStatus = 'completed' | 'cancelled' | 'stalled' | 'failed';

/**
 * Why the run stopped: 'converged' (the method's stated criterion), 'max-iterations', 'stalled',
 * 'cancelled', 'diverged' (NaN/Inf/overflow, named in `error`), 'worse-than-start', 'failed' (other).
 */
export type StopReason = 'converged' | 'max-iterations' | 'stalled' | 'cancelled' | 'diverged' | 'worse-than-start' | 'failed';

export interface RunOutcome {
  status: RunEndStatus;
  stopReason: StopReason;
  /** one line saying why, with the numbers */
  detail: string;
  converged: boolean;
  /** updates performed (the iteration of the last row; 0 when only row 0 exists) */
  iterations: number;
  final: IterationMetrics | null;
  diagnostics: Diagnostics;
  backend: ComputeBackendId;
  error: string | null;
  /** divergence: the iteration and quantity named by the error */
  divergedAt: number | null;
  quantity: string | null;
  wallMs: number;
}

export interface BackendChange {
  from: number;
  backend: ComputeBackendId;
  reason: string;
}

/** Where a run's results go (the worker posts them, the CLI stores them, tests collect them). */
export interface RunSink {
  started?(info: { backend: ComputeBackendId; reason?: string; S: number; N: number }): void | Promise<void>;
  /** consecutive rows, row 0 first */
  append(points: IterationMetrics[]): void | Promise<void>;
  snapshot(iteration: number, policy: Policy): void | Promise<void>;
  backend(change: BackendChange): void | Promise<void>;
  progress?(p: { iteration: number; maxIterations: number; batchSize: number; paused: boolean }): void | Promise<void>;
  finish(outcome: RunOutcome): void | Promise<void>;
}

/** Pause / resume / cancel from outside the loop (a worker message, a signal handler, a test). */
export class RunControl {
  private pausedFlag = false;
  private cancelledFlag = false;
  private wake: (() => void) | null = null;

  get paused(): boolean {
    return this.pausedFlag;
  }
  get cancelled(): boolean {
    return this.cancelledFlag;
  }
  pause(): void {
    this.pausedFlag = true;
  }
  resume(): void {
    this.pausedFlag = false;
    this.release();
  }
  cancel(): void {
    this.cancelledFlag = true;
    this.pausedFlag = false;
    this.release();
  }
  /** resolves when not paused (or cancelled) */
  waitWhilePaused(): Promise<void> {
    if (!this.pausedFlag || this.cancelledFlag) return Promise.resolve();
    return new Promise((resolve) => {
      this.wake = resolve;
    });
  }
  private release(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }
}

export interface DriveOptions {
  mdp: TabularMdp;
  spec: RunSpec;
  /** number of updates (the trace then has maxIterations + 1 rows unless the run stops early) */
  maxIterations: number;
  /** backend choice and fallback (createSession) */
  session: Omit<SessionOptions, 'onBackendChange'>;
  sink: RunSink;
  control?: RunControl;
  /** target wall time per batch, ms (default 30) */
  batchMs?: number;
  /** let queued events (control messages, signals) run between batches */
  yieldToEvents?: () => Promise<void>;
  /** snapshots on the schedule (default true) */
  snapshots?: boolean;
  now?: () => number;
}

const defaultNow = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());
const defaultYield = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/** Next iteration (> done) at which a snapshot is taken: a power of two or a multiple of ~5% of the budget. */
export function nextSnapshotTarget(done: number, max: number): number {
  const step = Math.max(1, Math.ceil(max / 20));
  let pow = 1;
  while (pow <= done) pow *= 2;
  const mult = (Math.floor(done / step) + 1) * step;
  return Math.min(pow, mult, max);
}

/** Methods whose J can fall below its start (noise, a step too large for a parametric family). */
const WATCH_WORSE_THAN_START = new Set(['langevin', 'gaussian-w2', 'gaussian-w2-newton', 'wpo-actor']);

/** Overflow check on a row: J and gap must be finite (a reward of 1e308 makes J = Infinity). */
function checkFinite(m: IterationMetrics): void {
  if (!Number.isFinite(m.J)) throw new DivergenceError(m.iteration, 'J', `overflowed to ${m.J} (rewards too large for double precision)`);
  if (!Number.isFinite(m.gap)) throw new DivergenceError(m.iteration, 'gap', `is ${m.gap} (J* or J overflowed)`);
}

export async function driveRun(o: DriveOptions): Promise<RunOutcome> {
  const { mdp, spec, sink } = o;
  const now = o.now ?? defaultNow;
  const control = o.control ?? new RunControl();
  const yieldToEvents = o.yieldToEvents ?? defaultYield;
  const info = methodInfo(spec.method)!;
  const max = o.maxIterations;
  const t0 = now();
  let session: ComputeSession | null = null;
  let last: IterationMetrics | null = null;
  let first: IterationMetrics | null = null;
  let best: IterationMetrics | null = null;
  let detector: StallDetector | null = null;
  let backendNow: ComputeBackendId = o.session.backend;
  const pendingChanges: BackendChange[] = [];
  /** set once the sink's finish is called: a sink that throws there is not finished twice */
  let finishing = false;

  const finish = async (
    status: RunEndStatus,
    stopReason: StopReason,
    detail: string,
    converged: boolean,
    err?: { error: string; divergedAt: number | null; quantity: string | null },
  ): Promise<RunOutcome> => {
    let diagnostics: Diagnostics = {};
    try {
      diagnostics = session?.diagnostics() ?? {};
    } catch {
      /* the session is unusable after a failure */
    }
    const tol = detector?.tolerance ?? null;
    diagnostics = {
      ...diagnostics,
      stopReason,
      stopDetail: detail,
      converged,
      convergenceCriterion: info.convergence,
      gapTolerance: tol,
      initialJ: first?.J ?? null,
      bestJ: best?.J ?? null,
      bestIteration: best?.iteration ?? null,
      finalJ: last?.J ?? null,
    };
    const outcome: RunOutcome = {
      status,
      stopReason,
      detail,
      converged,
      iterations: last?.iteration ?? 0,
      final: last,
      diagnostics,
      backend: session?.backend ?? backendNow,
      error: err?.error ?? null,
      divergedAt: err?.divergedAt ?? null,
      quantity: err?.quantity ?? null,
      wallMs: now() - t0,
    };
    finishing = true;
    await sink.finish(outcome);
    return outcome;
  };

  let snapshotsTaken = -1;
  const snapshot = async (iteration: number): Promise<void> => {
    if (!session || iteration <= snapshotsTaken) return;
    snapshotsTaken = iteration;
    await sink.snapshot(iteration, await session.policy());
  };

  try {
    let startReason: string | undefined;
    session = await createSession(mdp, spec, {
      ...o.session,
      onBackendChange: (change) => {
        backendNow = change.backend;
        if (change.from === 0) startReason = change.reason;
        // the requested backend, as requested: nothing to record; with a note (a sampled run's CPU / GPU
        // split) the run's first backend segment carries it
        if (change.from === 0 && change.backend === o.session.backend && change.reason === 'requested') return;
        pendingChanges.push(change);
      },
    });
    const f32 = session.backend === 'webgpu';
    const gamma = (spec.options as { gamma?: number }).gamma ?? mdp.gamma;
    const relTol = info.gapTolerance === null ? null : Math.max(info.gapTolerance, f32 ? f32GapTolerance(gamma) : f64GapTolerance(gamma));
    detector = new StallDetector(relTol, f32 ? F32_POLICY_ROUNDOFF : F64_POLICY_ROUNDOFF);
    await sink.started?.({ backend: session.backend, reason: startReason, S: mdp.S, N: mdp.N });
    const flushChanges = async (): Promise<void> => {
      while (pendingChanges.length) await sink.backend(pendingChanges.shift()!);
    };
    await flushChanges();

    const snapshotsAllowed = (o.snapshots ?? true) && mdp.S * mdp.N <= SNAPSHOT_MAX_ENTRIES;
    const target = o.batchMs ?? 30;
    const rowsWanted = max + 1;
    let rows = 0;
    let batch = 1;
    let nextSnap = nextSnapshotTarget(0, max);
    let stalled: string | null = null;

    while (!session.done && rows < rowsWanted && stalled === null) {
      await yieldToEvents();
      if (control.paused) {
        await sink.progress?.({ iteration: last?.iteration ?? 0, maxIterations: max, batchSize: batch, paused: true });
        await control.waitWhilePaused();
      }
      if (control.cancelled) break;
      // rows are iterations 0..max; snapshot targets are iterations
      const untilSnap = snapshotsAllowed && rows > 0 ? nextSnap + 1 - rows : Infinity;
      const size = Math.max(1, Math.min(batch, rowsWanted - rows, untilSnap));
      const b0 = now();
      const points = await session.nextBatch(size);
      const elapsed = now() - b0;
      await flushChanges();
      if (points.length === 0) break;
      for (const m of points) {
        checkFinite(m);
        if (first === null) first = m;
        if (best === null || m.J > best.J) best = m;
        stalled ??= detector.observe(m);
      }
      rows += points.length;
      last = points[points.length - 1];
      await sink.append(points);
      if (snapshotsAllowed && rows === points.length) await snapshot(0);
      const perIter = elapsed / points.length;
      const ideal = perIter > 0 ? target / perIter : batch * 2;
      batch = Math.max(1, Math.min(8192, Math.round(Math.min(ideal, batch * 4))));
      await sink.progress?.({ iteration: last.iteration, maxIterations: max, batchSize: batch, paused: false });
      if (snapshotsAllowed && last.iteration >= nextSnap && !session.done && rows < rowsWanted) {
        await snapshot(last.iteration);
        nextSnap = nextSnapshotTarget(last.iteration, max);
      }
    }
    if (snapshotsAllowed && last) await snapshot(last.iteration);

    if (!last) return await finish(control.cancelled ? 'cancelled' : 'failed', control.cancelled ? 'cancelled' : 'failed', 'no iteration was computed', false);
    const met = detector.meets(last.gap);
    if (control.cancelled) return await finish('cancelled', 'cancelled', `cancelled at iteration ${last.iteration}`, met);
    if (stalled === null && session.done) stalled = detector.doneWithoutCriterion(last);
    if (stalled !== null) return await finish('stalled', 'stalled', stalled, false);
    if (WATCH_WORSE_THAN_START.has(spec.method) && first && best && last.J < first.J) {
      const detail = `ended worse than it started: J went from ${first.J.toPrecision(8)} to ${last.J.toPrecision(8)} (best ${best.J.toPrecision(8)} at iteration ${best.iteration}); the step is too large for this problem`;
      return await finish('failed', 'worse-than-start', detail, false, { error: detail, divergedAt: null, quantity: 'J' });
    }
    const ownCriterion = info.gapTolerance === null;
    const converged = ownCriterion ? session.done : met;
    if (session.done) {
      const tol = detector.tolerance;
      const measured = tol === null ? '' : ` (gap ${last.gap.toExponential(3)} <= tolerance ${tol.toExponential(3)} on this backend)`;
      return await finish('completed', 'converged', `converged at iteration ${last.iteration}: ${info.convergence}${measured}`, converged);
    }
    return await finish(
      'completed',
      'max-iterations',
      `ran its ${max} updates; ${converged ? 'the convergence criterion is met' : `the convergence criterion is not met (gap ${last.gap.toExponential(3)})`}`,
      converged,
    );
  } catch (error) {
    if (finishing) throw error;
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof DivergenceError)
      return await finish('failed', 'diverged', message, false, { error: message, divergedAt: error.iteration, quantity: error.quantity });
    // bad input (MethodInputError) and backend failures without fallback end the run as failed too;
    // callers that must refuse before storing anything parse the options first (makeRunSpec)
    return await finish('failed', 'failed', message, false, { error: message, divergedAt: last?.iteration ?? null, quantity: null });
  } finally {
    try {
      session?.dispose();
    } catch {
      /* already gone */
    }
  }
}
