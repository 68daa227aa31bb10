/// <reference lib="webworker" />
/**
 * The exact optimum pi* of a run's problem, off the UI thread: compile the MDP document and solve it
 * with the reference solver every run's gap is measured against (`solveOptimum`: soft value iteration
 * polished by exact policy iteration; the soft-optimal policy for tau > 0, the greedy one with the
 * lowest-index tie-break for tau = 0). One request per message; the answer carries the request id.
 */
import { compileMdp } from '../../../shared/mdp/compile';
import { solveOptimum } from '../../../compute/reference/solvers';
import type { MdpDocument } from '../../../shared/mdp/types';

declare const self: DedicatedWorkerGlobalScope;

export interface OptimumRequest {
  id: number;
  document: MdpDocument;
  /** absent = the MDP's own gamma */
  gamma?: number;
  tau: number;
}

export type OptimumAnswer =
  | { id: number; ok: true; S: number; N: number; policy: Float64Array; J: number }
  | { id: number; ok: false; error: string };

self.onmessage = (ev: MessageEvent<OptimumRequest>) => {
  const { id, document, gamma, tau } = ev.data;
  try {
    const compiled = compileMdp(document);
    if (!compiled.ok) throw new Error(`the MDP does not compile: ${compiled.issues.slice(0, 2).map((i) => i.message).join('; ')}`);
    const mdp = compiled.mdp;
    const opt = solveOptimum(mdp, gamma ?? mdp.gamma, tau);
    const policy = Float64Array.from(opt.policy);
    self.postMessage({ id, ok: true, S: mdp.S, N: mdp.N, policy, J: opt.J } satisfies OptimumAnswer, [policy.buffer]);
  } catch (err) {
    self.postMessage({ id, ok: false, error: (err as Error).message } satisfies OptimumAnswer);
  }
};
