/// <reference lib="webworker" />
/**
 * Dedicated module worker that runs one ComputeSession (src/compute/session.ts) in small batches.
 *
 * Loop: compile the MDP document, open a session on the requested backend (WebGPU falls back to the f64
 * reference, and says why), then repeatedly run a batch sized to ~`batchMs` of work, post its metrics,
 * post a policy snapshot when an iteration target is crossed (iteration 0, powers of two, every ~5% of
 * the budget, and the last), and yield to the event loop so pause / resume / cancel are seen promptly.
 */
import { compileMdp } from '../../../shared/mdp/compile';
import { createSession } from '../../../compute/session';
import type { ComputeSession } from '../../../compute/types';
import type { FromWorker, ToWorker, WorkerStart } from './workerProtocol';

declare const self: DedicatedWorkerGlobalScope;

let paused = false;
let cancelled = false;
let wake: (() => void) | null = null;
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

function waitWhilePaused(): Promise<void> {
  if (!paused || cancelled) return Promise.resolve();
  return new Promise((resolve) => {
    wake = resolve;
  });
}

/** Next iteration count (> done) at which a snapshot is taken. */
function nextSnapshotTarget(done: number, max: number): number {
  const step = Math.max(1, Math.ceil(max / 20));
  let pow = 1;
  while (pow <= done) pow *= 2;
  const mult = (Math.floor(done / step) + 1) * step;
  return Math.min(pow, mult, max);
}

let lastSnapshotIteration = -1;
async function snapshot(session: ComputeSession, iteration: number): Promise<void> {
  if (iteration <= lastSnapshotIteration) return;
  lastSnapshotIteration = iteration;
  const pol = await session.policy();
  const copy = new Float64Array(pol);
  post({ type: 'snapshot', iteration, policy: copy }, [copy.buffer]);
}

function errorFields(err: unknown): { error: string; iteration: number | null; quantity: string | null } {
  const e = err as { name?: string; message?: string; iteration?: unknown; quantity?: unknown };
  return {
    error: e?.message ? String(e.message) : String(err),
    iteration: typeof e?.iteration === 'number' ? e.iteration : null,
    quantity: typeof e?.quantity === 'string' ? e.quantity : null,
  };
}

async function run(msg: WorkerStart): Promise<void> {
  const t0 = performance.now();
  let session: ComputeSession | null = null;
  let lastIteration = 0;
  try {
    const compiled = compileMdp(msg.document);
    if (!compiled.ok) {
      const first = compiled.issues.filter((i) => i.severity === 'error').slice(0, 3);
      throw new Error(`MDP does not compile: ${first.map((i) => `${i.path ?? ''} ${i.message}`.trim()).join('; ')}`);
    }
    const mdp = compiled.mdp;
    const gpu = msg.backend === 'webgpu' && 'gpu' in navigator ? navigator.gpu : undefined;
    let startReason: string | undefined;
    session = await createSession(
      mdp,
      { method: msg.method, options: msg.options, init: null, seed: msg.seed },
      {
        backend: msg.backend,
        gpu,
        onBackendChange: (change) => {
          if (change.from === 0) startReason = change.reason;
          if (change.from === 0 && change.backend === msg.backend) return;
          post({ type: 'backend', from: change.from, backend: change.backend, reason: change.reason });
        },
      },
    );
    post({ type: 'started', backend: session.backend, reason: startReason, S: mdp.S, N: mdp.N });

    const max = msg.maxIterations;
    const target = msg.batchMs ?? 30;
    const snapshotsAllowed = mdp.S * mdp.N <= 2_000_000;
    let done = 0;
    let batch = 1;
    let nextSnap = nextSnapshotTarget(0, max);
    if (snapshotsAllowed) await snapshot(session, 0);

    while (!session.done && done < max) {
      await yieldToEvents();
      if (paused) {
        post({ type: 'progress', iteration: lastIteration, maxIterations: max, batchSize: batch, paused: true });
        await waitWhilePaused();
      }
      if (cancelled) break;
      const size = Math.max(1, Math.min(batch, max - done, snapshotsAllowed ? nextSnap - done : Infinity));
      const b0 = performance.now();
      const points = await session.nextBatch(size);
      const elapsed = performance.now() - b0;
      if (points.length === 0) break;
      done += points.length;
      lastIteration = points[points.length - 1].iteration;
      post({ type: 'metrics', points });
      // adapt the batch to ~target ms (bounded growth, so a slow iteration is noticed quickly)
      const perIter = elapsed / points.length;
      const ideal = perIter > 0 ? target / perIter : batch * 2;
      batch = Math.max(1, Math.min(8192, Math.round(Math.min(ideal, batch * 4))));
      post({ type: 'progress', iteration: lastIteration, maxIterations: max, batchSize: batch, paused: false });
      if (snapshotsAllowed && done >= nextSnap && !session.done && done < max) {
        await snapshot(session, lastIteration);
        nextSnap = nextSnapshotTarget(done, max);
      }
    }
    if (snapshotsAllowed && done > 0) await snapshot(session, lastIteration);
    post({
      type: 'done',
      status: cancelled ? 'cancelled' : 'completed',
      iterations: done,
      diagnostics: session.diagnostics(),
      wallMs: performance.now() - t0,
    });
  } catch (err) {
    let diagnostics = {};
    try {
      diagnostics = session?.diagnostics() ?? {};
    } catch {
      /* session unusable */
    }
    const f = errorFields(err);
    post({ type: 'failed', ...f, iteration: f.iteration ?? (lastIteration || null), diagnostics, wallMs: performance.now() - t0 });
  } finally {
    try {
      session?.dispose();
    } catch {
      /* already gone */
    }
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
      paused = true;
      break;
    case 'resume':
      paused = false;
      wake?.();
      wake = null;
      break;
    case 'cancel':
      cancelled = true;
      paused = false;
      wake?.();
      wake = null;
      break;
  }
};
