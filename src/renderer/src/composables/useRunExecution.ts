/**
 * Runs methods in the compute worker and records them through the API. The UI thread receives only
 * metric batches, policy snapshots and lifecycle messages; everything is handed to the run's `RunSync`
 * (src/shared/runSync.ts): one ordered, bounded, retrying queue that stores every batch
 * (appendTrace), snapshot, backend change and finally `runs:finish` — the latter only after every batch
 * before it was acknowledged. When the queue is full the worker is paused (backpressure) and resumed
 * when it has drained; when the server is away the worker keeps computing up to that bound and the
 * unsent batches are delivered once it is back. The page owns its runs (`PAGE_OWNER`): its calls renew
 * the runs' leases and re-claim a run whose lease lapsed while the server was down.
 */
import { defineStore } from 'pinia';
import { reactive, ref, watch } from 'vue';
import type { CallPayload, RunRecord } from '../../../shared/api';
import type { MdpDocument } from '../../../shared/mdp/types';
import {
  resolveMethodOptions,
  type ComputeBackendId,
  type IterationMetrics,
  type MethodId,
  type MethodOptions,
} from '../../../shared/methods';
import { api, eventConnection } from '../api/workbenchClient';
import { RunSync, type SyncConnection } from '../../../shared/runSync';
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
  /** the experiment the run belongs to (a sweep's); absent = the services' default */
  experimentId?: number | null;
  /** select the new run in the Runs view (default true; a sweep's runs are not selected one by one) */
  select?: boolean;
  /** called once, when the run's final status is stored (or could not be: 'failed') */
  onSettled?: (status: 'completed' | 'failed' | 'cancelled' | 'stalled', runId: number) => void;
}

export type LiveState = 'starting' | 'running' | 'pausing' | 'paused' | 'finishing' | 'completed' | 'failed' | 'cancelled' | 'stalled';

/** This page's identity as the owner of the runs it computes ("<kind>:<host>:<pid>:<random>"). */
export const PAGE_OWNER = `page:${typeof location === 'undefined' ? 'worker' : location.host}:0:${Array.from(
  crypto.getRandomValues(new Uint8Array(6)),
  (b) => b.toString(16).padStart(2, '0'),
).join('')}`;

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
  /** points the services confirmed as stored (persisted progress) */
  stored: number;
  /** the connection to the services as this run sees it */
  connection: SyncConnection;
  /** the worker is held because too many results wait to be stored */
  held: boolean;
  /** why storing is retried or failed, null while online */
  syncError: string | null;
  /** performance.now() when the worker said 'started' (null before): ETA and iterations per second */
  startedMs: number | null;
  /** iterations per second over the last few seconds (null until two readings exist) */
  itPerSec: number | null;
  /** iteration of the latest policy snapshot the worker sent (the policy view follows it), null before */
  snapshotIteration: number | null;
}

/** The latest policy snapshot of a live run, kept in memory (row-major S x N). */
export interface LiveSnapshot {
  iteration: number;
  S: number;
  N: number;
  policy: Float64Array;
}

/** The live state's numbers (points, iteration, rate) are written at most this often (ms). */
const LIVE_TICK_MS = 100;

/** Plain (non-reactive) columns of the live trace. */
export interface LiveTrace {
  iteration: number[];
  columns: Record<keyof IterationMetrics, (number | null)[]>;
}

const LIVE_KEYS: (keyof IterationMetrics)[] = [
  'J',
  'Jplain',
  'gap',
  'tv',
  'entropy',
  'transportCost',
  'kl',
  'lambda',
  't',
  'wallMs',
  'evalResidual',
  'trustSlack',
  'trustViolated',
  'policyChange',
];

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

/** The init as runs:create records it (a policy flattened row-major; the service checks its shape). */
function recordedInit(init: InitChoice | undefined): CallPayload<'runs:create'>['init'] {
  if (!init || init.kind === 'uniform') return { kind: 'uniform' };
  if (init.kind === 'random') return { kind: 'random' };
  const flat = (init.policy as (number | number[])[]).flat();
  return { kind: 'policy', policy: flat, ...(init.source ? { source: init.source.slice(0, 1000) } : {}) };
}

export const useRunExecution = defineStore('runExecution', () => {
  const live = reactive(new Map<number, LiveRunState>());
  const traces = new Map<number, LiveTrace>();
  const liveSnaps = new Map<number, LiveSnapshot>();
  const shapes = new Map<number, { S: number; N: number }>();
  const workers = new Map<number, Worker>();
  const syncs = new Map<number, RunSync>();
  const controls = new Map<number, { pause(): void; resume(): void }>();
  const launching = ref(false);
  const runs = useRunsStore();
  const shell = useShellStore();
  // the event socket is back: the server is, too; send what waits now instead of after the back-off
  watch(eventConnection, (c) => {
    if (c === 'open') for (const sync of syncs.values()) sync.retryNow();
  });

  function trace(id: number): LiveTrace | undefined {
    return traces.get(id);
  }

  /** The latest snapshot of a run computed in this window (read `live.get(id).snapshotIteration` to follow it). */
  function latestSnapshot(id: number): LiveSnapshot | undefined {
    return liveSnaps.get(id);
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
        owner: PAGE_OWNER,
        // recorded with the run: a re-run starts from the same policy
        init: recordedInit(p.init),
        ...(p.experimentId != null ? { experimentId: p.experimentId } : {}),
      });
    } catch (err) {
      shell.notifyError('Could not create the run', err);
      return null;
    } finally {
      launching.value = false;
    }
    runs.upsert(rec);
    if (p.select !== false) runs.select(rec.id);

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
      stored: 0,
      connection: 'online',
      held: false,
      syncError: null,
      startedMs: null,
      itPerSec: null,
      snapshotIteration: null,
    };
    live.set(id, state);
    const s = live.get(id)!; // the reactive proxy
    const tr = emptyTrace();
    traces.set(id, tr);

    const sync = new RunSync({
      api,
      runId: id,
      owner: PAGE_OWNER,
      onState: (st) => {
        s.stored = st.stored;
        s.connection = st.connection;
        s.held = st.held;
        s.syncError = st.error;
      },
      onBackpressure: (hold) => {
        heldByQueue = hold;
        if (hold && !userPaused) worker.postMessage({ type: 'pause' } satisfies ToWorker);
        if (!hold && !userPaused) worker.postMessage({ type: 'resume' } satisfies ToWorker);
      },
      onRecord: (r) => runs.upsert(r),
    });
    syncs.set(id, sync);
    let userPaused = false;
    let heldByQueue = false;
    controls.set(id, {
      pause: () => {
        userPaused = true;
        if (!heldByQueue) worker.postMessage({ type: 'pause' } satisfies ToWorker);
      },
      resume: () => {
        userPaused = false;
        if (!heldByQueue) worker.postMessage({ type: 'resume' } satisfies ToWorker);
      },
    });

    /**
     * The worker's batches and progress messages arrive tens of times a second; the reactive state that
     * views read (version, points, iteration, batch size, rate) is written from them at most once per
     * LIVE_TICK_MS, in an animation frame, so every view that shows a live number re-renders (and the
     * page re-lays out) a few times a second instead of once per message.
     */
    let tick: ReturnType<typeof setTimeout> | null = null;
    let raf = 0;
    let lastTick = -Infinity;
    let pending: { iteration?: number; batchSize?: number; points: boolean } = { points: false };
    // iterations per second: the points counted between readings at least a second apart
    let rateMark: { at: number; points: number } | null = null;
    const apply = (): void => {
      raf = 0;
      lastTick = performance.now();
      const p = pending;
      pending = { points: false };
      if (p.iteration !== undefined && s.iteration !== p.iteration) s.iteration = p.iteration;
      if (p.batchSize !== undefined && s.batchSize !== p.batchSize) s.batchSize = p.batchSize;
      if (!p.points) return;
      s.version++;
      s.points = tr.iteration.length;
      const now = lastTick;
      if (!rateMark) rateMark = { at: now, points: s.points };
      else if (now - rateMark.at >= 1000) {
        s.itPerSec = ((s.points - rateMark.points) * 1000) / (now - rateMark.at);
        rateMark = { at: now, points: s.points };
      }
    };
    const bump = (): void => {
      if (raf || tick) return;
      const wait = lastTick + LIVE_TICK_MS - performance.now();
      if (wait <= 0) raf = requestAnimationFrame(apply);
      else
        tick = setTimeout(() => {
          tick = null;
          raf = requestAnimationFrame(apply);
        }, wait);
    };
    /** drop a pending tick and write what it would have written now (the run's end) */
    const flushTick = (): void => {
      if (tick) clearTimeout(tick);
      if (raf) cancelAnimationFrame(raf);
      tick = null;
      apply();
    };

    const worker = new Worker(new URL('../compute/compute.worker.ts', import.meta.url), { type: 'module', name: `run-${id}` });
    workers.set(id, worker);
    const t0 = performance.now();
    let finished = false;

    type FinalStatus = 'completed' | 'failed' | 'cancelled' | 'stalled';
    const finish = (status: FinalStatus, extra: { error?: string | null; diagnostics?: RunRecord['diagnostics']; wallMs?: number }): void => {
      if (finished) return;
      finished = true;
      pending.points = true;
      flushTick();
      s.state = 'finishing';
      worker.terminate();
      workers.delete(id);
      controls.delete(id);
      // stored only after every batch before it was acknowledged
      void sync
        .finish({ status, error: extra.error ?? null, diagnostics: extra.diagnostics ?? {}, wallMs: Math.round(extra.wallMs ?? performance.now() - t0) })
        .then(
          (r) => {
            s.state = status;
            syncs.delete(id);
            liveSnaps.delete(id);
            shapes.delete(id);
            runs.upsert(r);
            runs.invalidate(id);
            p.onSettled?.(status, id);
          },
          () => p.onSettled?.('failed', id),
        );
    };

    worker.onmessage = (ev: MessageEvent<FromWorker>) => {
      const m = ev.data;
      switch (m.type) {
        case 'started':
          s.state = 'running';
          s.startedMs = performance.now();
          shapes.set(id, { S: m.S, N: m.N });
          s.backend = m.backend;
          sync.start();
          break;
        case 'backend':
          s.backend = m.backend;
          s.backendNote = m.reason ?? null;
          sync.backend(m.from, m.backend, m.reason);
          break;
        case 'metrics':
          for (const pt of m.points) {
            tr.iteration.push(pt.iteration);
            for (const k of LIVE_KEYS) {
              const v = pt[k];
              tr.columns[k].push(typeof v === 'number' ? v : typeof v === 'boolean' ? Number(v) : null);
            }
          }
          sync.points(m.points);
          pending.iteration = m.points[m.points.length - 1].iteration;
          pending.points = true;
          bump();
          break;
        case 'snapshot': {
          sync.snapshot(m.iteration, Array.from(m.policy));
          const shape = shapes.get(id);
          if (shape) {
            liveSnaps.set(id, { iteration: m.iteration, S: shape.S, N: shape.N, policy: m.policy });
            s.snapshotIteration = m.iteration;
          }
          break;
        }
        case 'progress':
          pending.iteration = m.iteration;
          pending.batchSize = m.batchSize;
          bump();
          // 'paused' only once the worker says it has stopped between batches, and only for the user's pause
          if (m.paused && userPaused && (s.state === 'pausing' || s.state === 'running')) s.state = 'paused';
          else if (!m.paused && s.state === 'paused') s.state = 'running';
          break;
        case 'done': {
          pending.iteration = tr.iteration.length ? tr.iteration[tr.iteration.length - 1] : 0;
          // D4: the worker reports completed | cancelled | stalled and why it stopped
          const stopReason = m.stopReason;
          const status = m.status as FinalStatus;
          const detail = typeof m.diagnostics.stopDetail === 'string' ? m.diagnostics.stopDetail : null;
          const diagnostics = stopReason === undefined ? m.diagnostics : { ...m.diagnostics, stopReason };
          finish(status, { diagnostics, wallMs: m.wallMs, error: status === 'stalled' ? (detail ?? 'the run stopped making progress') : null });
          break;
        }
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
    controls.get(id)?.pause();
    s.state = 'pausing';
  }

  function resume(id: number): void {
    const s = live.get(id);
    if (!s || s.state !== 'paused') return;
    controls.get(id)?.resume();
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

  /**
   * On unload: the runs this page computes (and only those: it names itself as their owner) stop here.
   * Results still queued are lost with the page; what was acknowledged is stored. If the call does not
   * get through (the server is down), the run's lease expires and the services mark it interrupted.
   */
  function interruptAll(): void {
    for (const [id, w] of workers) {
      w.terminate();
      syncs.get(id)?.dispose();
      void api['runs:finish']({ id, owner: PAGE_OWNER, status: 'interrupted', error: 'the window was closed or reloaded during the run' }).catch(
        () => undefined,
      );
    }
    workers.clear();
    syncs.clear();
  }

  return { live, launching, trace, latestSnapshot, start, pause, resume, cancel, isActive, interruptAll };
});
