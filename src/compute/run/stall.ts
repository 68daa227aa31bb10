/**
 * The stall detector every run goes through (the run driver feeds it each trace row).
 *
 * Problem: a method can freeze its policy short of the optimum (a probability that underflowed to 0
 * under a multiplicative update, a step size that moves nothing, a discount so close to 1 that Q
 * barely changes) and, if its own stopping test only looks at the step, claim "converged".
 *
 * Rule: with scale = max(|J*|, gap_0) (J* = J_0 + gap_0 from row 0) and the method's relative gap
 * tolerance g (its spec's `gapTolerance`, at least the evaluation's round-off floor f64GapTolerance(gamma)
 * or, on f32 backends, f32GapTolerance(gamma)),
 *   - converged  ⇔ gap ≤ g · scale  (the stated criterion, written into the diagnostics);
 *   - stalled    ⇔ policyChange ≤ c for `patience` consecutive updates while gap > g · scale, or the
 *                  method declares itself done while gap > g · scale;
 * where c is round-off of the backend's policy (1e-14 in f64, 2e-7 in f32). Methods whose optimum is
 * not the tabular one (exact solvers' own tests, the Gaussian family) have g = null: their own
 * criterion decides and the detector never fires.
 */
import type { IterationMetrics } from '../../shared/methods';

export const F64_POLICY_ROUNDOFF = 1e-14;
export const F32_POLICY_ROUNDOFF = 2e-7;
/** relative gap an f32 evaluation can certify at a modest discount */
export const F32_GAP_TOLERANCE = 2e-6;

/**
 * The relative gap an f32 evaluation can certify at discount gamma: the evaluation's relative error is
 * about the f32 unit round-off 2^-24 times the condition number 1 / (1 - gamma), with a margin of 16
 * (FrozenLake 4x4 at gamma 0.99 on the GPU: OT-TRPO's fixed point sits at a relative gap of 3.4e-5).
 */
export function f32GapTolerance(gamma: number): number {
  return Math.max(F32_GAP_TOLERANCE, (16 * 2 ** -24) / (1 - gamma));
}

/** The same floor in f64 (2^-52 round-off): it matters only for discounts very close to 1. */
export function f64GapTolerance(gamma: number): number {
  return (16 * 2 ** -52) / (1 - gamma);
}
export const STALL_PATIENCE = 20;

export class StallDetector {
  private scale: number | null = null;
  private frozenFor = 0;
  /** the iteration at which the current frozen streak began */
  private frozenSince = 0;

  /**
   * @param relTolerance the method's relative gap tolerance (null: no gap criterion, never stalls)
   * @param roundoff the policy change below which a step counts as "no change"
   * @param patience consecutive frozen updates that make a stall
   */
  constructor(
    readonly relTolerance: number | null,
    readonly roundoff: number,
    readonly patience: number = STALL_PATIENCE,
  ) {}

  /** the absolute gap tolerance (null before row 0 or without a gap criterion) */
  get tolerance(): number | null {
    return this.relTolerance === null || this.scale === null ? null : this.relTolerance * this.scale;
  }

  /** does `gap` meet the stated criterion? (false without a gap criterion) */
  meets(gap: number): boolean {
    const tol = this.tolerance;
    return tol !== null && gap <= tol;
  }

  /** Feed one row; returns a description when the run has stalled, else null. */
  observe(m: IterationMetrics): string | null {
    if (this.scale === null) {
      const Jstar = m.J + m.gap;
      this.scale = Math.max(Math.abs(Jstar), Math.abs(m.gap), Number.MIN_VALUE);
      return null;
    }
    if (this.relTolerance === null || m.policyChange === null) return null;
    if (m.policyChange <= this.roundoff) {
      if (this.frozenFor === 0) this.frozenSince = m.iteration;
      this.frozenFor++;
    } else this.frozenFor = 0;
    if (this.frozenFor >= this.patience && !this.meets(m.gap)) return this.describe(m, `the policy changed by at most ${this.roundoff} for ${this.frozenFor} updates (since iteration ${this.frozenSince})`);
    return null;
  }

  /** The method said it is done: a stall when the gap criterion exists and is not met. */
  doneWithoutCriterion(m: IterationMetrics): string | null {
    if (this.relTolerance === null || this.meets(m.gap)) return null;
    return this.describe(m, 'the method reached a fixed point of its update');
  }

  private describe(m: IterationMetrics, what: string): string {
    return `stalled at iteration ${m.iteration}: ${what} while the gap ${m.gap.toExponential(3)} is above the tolerance ${this.tolerance!.toExponential(3)}`;
  }
}
