/**
 * Runs methods in the compute worker and records them through the API. The UI thread receives only
 * metric batches, policy snapshots and lifecycle messages; every batch is forwarded to
 * `runs:appendTrace`, snapshots to `runs:addSnapshot`, and the run is closed with `runs:finish`. API
 * calls of one run go through one promise chain so that they reach the services in order.
 */
import { defineStore } from 'pinia';
import { reactive, ref } from 'vue';
import type { RunRecord } from '../../../shared/api';
import type { MdpDocument } from '../../../shared/mdp/types';
import {
  resolveMethodOptions,
  type ComputeBackendId,
  type IterationMetrics,
  type MethodId,
  type MethodOptions,
} from '../../../shared/methods';
import { api, describeError } from '../api/workbenchClient';
import type { FromWorker, InitChoice, ToWorker } from '../compute/workerProtocol';
import { useRunsStore } from '../stores/runs';
import { useShellStore } from '../stores/shell';

export interface LaunchParams {
  mdpId: number;
  document: MdpDocument;
  method: MethodId;
  label?: string;
  options: MethodOptions;
  backend: ComputeBackendId;
  seed: number;
  maxIterations: number;
  /** the run's init (default uniform) */
  init?: InitChoice;
}

export type LiveState = 'starting' | 'running' | 'pausing' | 'paused' | 'finishing' | 'completed' | 'failed' | 'cancelled';

/** Reactive, small: what progress bars and buttons need. */
export interface LiveRunState {
  runId: number;
  state: LiveState;
  iteration: number;
  maxIterations: number;
  backend: ComputeBackendId;
  backendNote: string | null;
  batchSize: number;
  error: string | null;
  /** bumped when new points arrive (charts watch this instead of the arrays) */
  version: number;
  points: number;
}

/** Plain (non-reactive) columns of the live trace. */
export interface LiveTrace {
  iteration: number[];
  columns: Record<keyof IterationMetrics, (number | null)[]>;
}

const LIVE_KEYS: (keyof IterationMetrics)[] = ['J', 'Jplain', 'gap', 'tv', 'entropy', 'transportCost', 'kl', 'lambda', 't', 'wallMs', 'evalResidual', 'trustSlack'];

function emptyTrace(): LiveTrace {
  const columns = {} as LiveTrace['columns'];
  for (const k of LIVE_KEYS) columns[k] = [];
  return { iteration: [], columns };
}

/** JSON cannot carry NaN: options equal to NaN (e.g. "keep the MDP's gamma") are left out of the record. */
export function storableOptions(options: MethodOptions): MethodOptions {
  const out: MethodOptions = {};
  for (const [k, v] of Object.entries(options)) if (!(typeof v === 'number' && Number.isNaN(v))) out[k] = v;
  return out;
}

export const useRunExecution = defineStore('runExecution', () => {
  const live = reactive(new Map<number, LiveRunState>());
  const traces = new Map<number, LiveTrace>();
  const workers = new Map<number, Worker>();
  const launching = ref(false);
  const runs = useRunsStore();
  const shell = useShellStore();

  function trace(id: number): LiveTrace | undefined {
    return traces.get(id);
  }

  async function start(p: LaunchParams): Promise<RunRecord | null> {
    const resolved = resolveMethodOptions(p.method, p.options);
    if (!resolved.ok) {
      shell.notify('error', resolved.errors.join('; '));
      return null;
    }
    launching.value = true;
    let rec: RunRecord;
    try {
      rec = await api['runs:create']({
        mdpId: p.mdpId,
        method: p.method,
        label: p.label,
        options: storableOptions(resolved.options),
        backend: p.backend,
        seed: p.seed,
        maxIterations: p.maxIterations,
      });
    } catch (err) {
      shell.notifyError('Could not create the run', err);
      return null;
    } finally {
      launching.value = false;
    }
    runs.upsert(rec);
    runs.select(rec.id);

    const id = rec.id;
    const state: LiveRunState = {
      runId: id,
      state: 'starting',
      iteration: 0,
      maxIterations: p.maxIterations,
      backend: p.backend,
      backendNote: null,
      batchSize: 1,
      error: null,
      version: 0,
      points: 0,
    };
    live.set(id, state);
    const s = live.get(id)!; // the reactive proxy
    const tr = emptyTrace();
    traces.set(id, tr);

    let chain: Promise<unknown> = Promise.resolve();
    const enqueue = (what: string, fn: () => Promise<unknown>): void => {
      chain = chain.then(fn).then(
        (res) => {
          if (res && typeof res === 'object' && 'id' in res && 'status' in res) runs.upsert(res as RunRecord);
        },
        (err) => shell.notify('error', `Run #${id}: ${what} failed: ${describeError(err)}`),
      );
    };

    let pending: IterationMetrics[] = [];
    let flushTimer: ReturnType<typeof setTimeout> | null = null;
    const flush = (): void => {
      if (flushTimer) clearTimeout(flushTimer);
      flushTimer = null;
      if (!pending.length) return;
      const points = pending;
      pending = [];
      enqueue('appendTrace', () => api['runs:appendTrace']({ id, points }));
    };

    let raf = 0;
    const bump = (): void => {
      if (raf) return;
      raf = requestAnimationFrame(() => {
        raf = 0;
        s.version++;
        s.points = tr.iteration.length;
      });
    };

    const worker = new Worker(new URL('../compute/compute.worker.ts', import.meta.url), { type: 'module', name: `run-${id}` });
    workers.set(id, worker);
    const t0 = performance.now();
    let finished = false;

    const finish = (status: 'completed' | 'failed' | 'cancelled', extra: { error?: string | null; diagnostics?: RunRecord['diagnostics']; wallMs?: number }): void => {
      if (finished) return;
      finished = true;
      flush();
      s.points = tr.iteration.length;
      s.version++;
      s.state = status === 'completed' ? 'finishing' : status;
      enqueue('finish', () =>
        api['runs:finish']({ id, status, error: extra.error ?? null, diagnostics: extra.diagnostics ?? {}, wallMs: Math.round(extra.wallMs ?? performance.now() - t0) }),
      );
      void chain.then(() => {
        s.state = status;
        runs.invalidate(id);
      });
      worker.terminate();
      workers.delete(id);
    };

    worker.onmessage = (ev: MessageEvent<FromWorker>) => {
      const m = ev.data;
      switch (m.type) {
        case 'started':
          s.state = 'running';
          s.backend = m.backend;
          enqueue('start', () => api['runs:start']({ id }));
          break;
        case 'backend':
          s.backend = m.backend;
          s.backendNote = m.reason ?? null;
          enqueue('recordBackend', () => api['runs:recordBackend']({ id, from: m.from, backend: m.backend, reason: m.reason }));
          break;
        case 'metrics':
          for (const pt of m.points) {
            tr.iteration.push(pt.iteration);
            for (const k of LIVE_KEYS) {
              const v = pt[k];
              tr.columns[k].push(typeof v === 'number' ? v : null);
            }
          }
          pending.push(...m.points);
          s.iteration = m.points[m.points.length - 1].iteration;
          if (pending.length >= 2000) flush();
          else if (!flushTimer) flushTimer = setTimeout(flush, 250);
          bump();
          break;
        case 'snapshot': {
          flush();
          const policy = Array.from(m.policy);
          const iteration = m.iteration;
          enqueue('addSnapshot', () => api['runs:addSnapshot']({ id, iteration, policy }));
          break;
        }
        case 'progress':
          s.iteration = m.iteration;
          s.batchSize = m.batchSize;
          // 'paused' only once the worker says it has stopped between batches
          if (m.paused && (s.state === 'pausing' || s.state === 'running')) s.state = 'paused';
          else if (!m.paused && s.state === 'paused') s.state = 'running';
          break;
        case 'done':
          s.iteration = tr.iteration.length ? tr.iteration[tr.iteration.length - 1] : 0;
          // 'stalled' becomes its own run status with the store's migration (D4); until then it is a
          // completed run whose diagnostics say stopReason 'stalled'
          finish(m.status === 'stalled' ? 'completed' : m.status, { diagnostics: m.diagnostics, wallMs: m.wallMs });
          break;
        case 'failed':
          s.error = m.error;
          finish('failed', { error: m.error, diagnostics: m.diagnostics, wallMs: m.wallMs });
          break;
      }
    };
    worker.onerror = (ev) => {
      ev.preventDefault();
      const msg = ev.message || 'the compute worker crashed';
      s.error = msg;
      finish('failed', { error: `compute worker error: ${msg}` });
    };

    const msg: ToWorker = {
      type: 'start',
      runId: id,
      document: JSON.parse(JSON.stringify(p.document)) as MdpDocument,
      method: p.method,
      options: resolved.options,
      seed: p.seed,
      maxIterations: p.maxIterations,
      backend: p.backend,
      init: p.init,
      batchMs: 30,
    };
    worker.postMessage(msg);
    cancelFallbacks.set(id, () => finish('cancelled', { error: 'cancelled (the worker did not answer)' }));
    return rec;
  }

  const cancelFallbacks = new Map<number, () => void>();

  function send(id: number, msg: ToWorker): void {
    workers.get(id)?.postMessage(msg);
  }

  function pause(id: number): void {
    const s = live.get(id);
    if (!s || s.state !== 'running') return;
    send(id, { type: 'pause' });
    s.state = 'pausing';
  }

  function resume(id: number): void {
    const s = live.get(id);
    if (!s || s.state !== 'paused') return;
    send(id, { type: 'resume' });
    s.state = 'running';
  }

  function cancel(id: number): void {
    const s = live.get(id);
    if (!s || !['running', 'pausing', 'paused', 'starting'].includes(s.state)) return;
    send(id, { type: 'cancel' });
    // a worker stuck inside one long batch is terminated after a grace period
    setTimeout(() => {
      if (workers.has(id)) cancelFallbacks.get(id)?.();
    }, 3000);
  }

  function isActive(id: number): boolean {
    const s = live.get(id);
    return !!s && ['starting', 'running', 'pausing', 'paused', 'finishing'].includes(s.state);
  }

  /** On unload: tell the services that runs of this window stop here. */
  function interruptAll(): void {
    for (const [id, w] of workers) {
      w.terminate();
      void api['runs:finish']({ id, status: 'interrupted', error: 'the window was closed or reloaded during the run' }).catch(() => undefined);
    }
    workers.clear();
  }

  return { live, launching, trace, start, pause, resume, cancel, isActive, interruptAll };
});
