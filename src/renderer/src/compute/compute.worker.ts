/// <reference lib="webworker" />
/**
 * Dedicated module worker that runs one run through the run driver (src/compute/run/driver.ts): compile
 * the MDP document, parse the options by the method's spec, resolve the init, then let the driver batch,
 * snapshot, detect stalls and fall back between backends while this file only posts what the driver
 * reports (the sink) and turns pause / resume / cancel messages into the driver's RunControl.
 */
import { compileMdp } from '../../../shared/mdp/compile';
import { driveRun, RunControl, type RunOutcome, type RunSink } from '../../../compute/run/driver';
import { makeRunSpec } from '../../../compute/run/spec';
import { initialPolicyFor } from '../../../compute/initialPolicy';
import type { FromWorker, ToWorker, WorkerStart } from './workerProtocol';

declare const self: DedicatedWorkerGlobalScope;

let control: RunControl | null = null;
let running = false;

function post(msg: FromWorker, transfer: Transferable[] = []): void {
  self.postMessage(msg, transfer);
}

/** Yield one macrotask without the nested-setTimeout clamp, so queued control messages are handled. */
const channel = new MessageChannel();
const pending: (() => void)[] = [];
channel.port1.onmessage = () => pending.shift()?.();
function yieldToEvents(): Promise<void> {
  return new Promise((resolve) => {
    pending.push(resolve);
    channel.port2.postMessage(0);
  });
}

const sink: RunSink = {
  started: (info) => post({ type: 'started', ...info }),
  append: (points) => post({ type: 'metrics', points }),
  snapshot: (iteration, policy) => {
    const copy = new Float64Array(policy);
    post({ type: 'snapshot', iteration, policy: copy }, [copy.buffer]);
  },
  backend: (change) => post({ type: 'backend', ...change }),
  progress: (p) => post({ type: 'progress', ...p }),
  finish: (o: RunOutcome) => {
    if (o.status === 'failed')
      post({ type: 'failed', error: o.error ?? o.detail, iteration: o.divergedAt ?? (o.iterations || null), quantity: o.quantity, stopReason: o.stopReason, diagnostics: o.diagnostics, wallMs: o.wallMs });
    else post({ type: 'done', status: o.status, stopReason: o.stopReason, iterations: o.iterations, diagnostics: o.diagnostics, wallMs: o.wallMs });
  },
};

async function run(msg: WorkerStart): Promise<void> {
  const t0 = performance.now();
  try {
    const compiled = compileMdp(msg.document);
    if (!compiled.ok) {
      const first = compiled.issues.filter((i) => i.severity === 'error').slice(0, 3);
      throw new Error(`MDP does not compile: ${first.map((i) => `${i.path ?? ''} ${i.message}`.trim()).join('; ')}`);
    }
    const mdp = compiled.mdp;
    const init = initialPolicyFor(mdp, msg.init ?? { kind: 'uniform' }, msg.seed);
    if (!init.ok) throw new Error(init.error);
    const spec = makeRunSpec(msg.method, msg.options, { init: init.policy, seed: msg.seed, mdp });
    const gpu = msg.backend === 'webgpu' && 'gpu' in navigator ? navigator.gpu : undefined;
    control = new RunControl();
    await driveRun({ mdp, spec, maxIterations: msg.maxIterations, session: { backend: msg.backend, gpu }, sink, control, batchMs: msg.batchMs, yieldToEvents });
  } catch (err) {
    // before the driver started: the document, the options or the init
    post({ type: 'failed', error: err instanceof Error ? err.message : String(err), iteration: null, quantity: null, stopReason: 'failed', diagnostics: {}, wallMs: performance.now() - t0 });
  }
}

self.onmessage = (ev: MessageEvent<ToWorker>) => {
  const msg = ev.data;
  switch (msg.type) {
    case 'start':
      if (running) return;
      running = true;
      void run(msg).finally(() => (running = false));
      break;
    case 'pause':
      control?.pause();
      break;
    case 'resume':
      control?.resume();
      break;
    case 'cancel':
      control?.cancel();
      break;
  }
};
