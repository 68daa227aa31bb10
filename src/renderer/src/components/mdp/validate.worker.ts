/// <reference lib="webworker" />
/**
 * Live validation of big designs off the main thread: the designer store posts the document (with a
 * request id) and gets back `compileMdp`'s result, the same issues and messages as on the main thread,
 * and the compile time. Compiling a 10^4-state grid world (some 10^5 outcomes) takes a good part of a
 * second, which on the main thread would freeze the canvas after every edit.
 */
import { compileMdp } from '../../../../shared/mdp/compile';
import type { CompileResult } from '../../../../shared/mdp/types';

declare const self: DedicatedWorkerGlobalScope;

export interface ValidateRequest {
  id: number;
  doc: unknown;
}
export interface ValidateReply {
  id: number;
  result: CompileResult;
  ms: number;
}

self.onmessage = (e: MessageEvent<ValidateRequest>) => {
  const t0 = performance.now();
  const result = compileMdp(e.data.doc);
  const reply: ValidateReply = { id: e.data.id, result, ms: performance.now() - t0 };
  const m = result.ok ? result.mdp : null;
  // the model's arrays move to the main thread instead of being copied
  const transfer = m ? [m.rho0, m.mu, m.reward, m.rowPtr, m.next, m.prob, m.cost, m.positions].filter((a) => a !== null).map((a) => a.buffer as ArrayBuffer) : [];
  self.postMessage(reply, [...new Set(transfer)]);
};
