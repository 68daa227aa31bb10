/**
 * pi* of a run, computed once per (MDP, gamma, tau) in a worker (src/renderer/src/compute/optimum.worker.ts)
 * and cached for the page: the policy view draws it next to pi. The solve is the reference one, so pi* is
 * the policy the run's gap J* - J is measured against.
 */
import type { MdpDocument } from '../../../shared/mdp/types';
import type { RunRecord } from '../../../shared/api';
import type { OptimumAnswer, OptimumRequest } from '../compute/optimum.worker';

export interface OptimumPolicy {
  S: number;
  N: number;
  policy: Float64Array;
  J: number;
  gamma: number | null;
  tau: number;
}

const cache = new Map<string, Promise<OptimumPolicy>>();
let worker: Worker | null = null;
let nextId = 1;
const waiting = new Map<number, { resolve: (v: OptimumPolicy) => void; reject: (e: Error) => void; gamma: number | null; tau: number }>();

function ensureWorker(): Worker {
  if (worker) return worker;
  worker = new Worker(new URL('../compute/optimum.worker.ts', import.meta.url), { type: 'module', name: 'optimum' });
  worker.onmessage = (ev: MessageEvent<OptimumAnswer>) => {
    const a = ev.data;
    const w = waiting.get(a.id);
    if (!w) return;
    waiting.delete(a.id);
    if (a.ok) w.resolve({ S: a.S, N: a.N, policy: a.policy, J: a.J, gamma: w.gamma, tau: w.tau });
    else w.reject(new Error(a.error));
  };
  return worker;
}

/** The run's gamma (null = the MDP's) and tau (0 for the plain objective) as the run stored them. */
export function runProblem(run: RunRecord): { gamma: number | null; tau: number } {
  const g = run.options.gamma;
  const t = run.options.tau;
  return { gamma: typeof g === 'number' && Number.isFinite(g) ? g : null, tau: typeof t === 'number' && t > 0 ? t : 0 };
}

export function optimumFor(run: RunRecord, document: MdpDocument): Promise<OptimumPolicy> {
  const { gamma, tau } = runProblem(run);
  const key = `${run.mdpId}|${gamma ?? 'mdp'}|${tau}`;
  let p = cache.get(key);
  if (!p) {
    const id = nextId++;
    p = new Promise<OptimumPolicy>((resolve, reject) => {
      waiting.set(id, { resolve, reject, gamma, tau });
      const msg: OptimumRequest = { id, document: JSON.parse(JSON.stringify(document)) as MdpDocument, tau, ...(gamma === null ? {} : { gamma }) };
      ensureWorker().postMessage(msg);
    });
    p.catch(() => cache.delete(key));
    cache.set(key, p);
  }
  return p;
}
