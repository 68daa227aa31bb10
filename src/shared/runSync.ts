/**
 * Lossless streaming of one run's results from the page to the services.
 *
 * Problem: the compute worker produces metric batches far faster than one HTTP call per batch can
 * carry them, the server may go away for a while (killed, restarted), and a response may be lost after
 * the server stored the batch. Nothing computed may be dropped, and the run must not stay 'running'
 * forever when the page goes.
 *
 * Solver: one ordered queue of operations per run (start, points, snapshot, backend change, finish),
 * sent strictly in order by a single pump, so the services see them in the order they happened:
 *  - consecutive point batches are coalesced into one `runs:appendTrace` of at most `maxBatchPoints`
 *    while the previous call is in flight (pipelined with the computation), and points wait up to
 *    `minIntervalMs` for company unless `flushPoints` are queued or a call waits behind them (each
 *    append notifies every open window, which re-reads the run; a few appends per second suffice);
 *  - a call that fails because the server is unreachable, busy or broken ('unavailable', 'internal')
 *    is retried with capped exponential back-off and the operation stays at the head of the queue; it
 *    is never dropped. Retrying is safe: appendTrace skips points it already stored with equal values,
 *    addSnapshot accepts the same snapshot again, start and finish are idempotent for their owner;
 *  - every call names the page's `owner`, so a run whose lease lapsed while the server was down is
 *    re-claimed by the page's next call;
 *  - bounded: above `maxQueuedPoints` unsent points `onBackpressure(true)` asks the worker to hold,
 *    below half of it `onBackpressure(false)` lets it go on;
 *  - a quiet run (paused, or a long GPU batch) renews its lease with `runs:heartbeat` every leaseMs / 3;
 *  - `finish()` resolves only after every operation before it was acknowledged.
 * Output: `SyncState` (connection, points stored vs computed, queue length), reported on each change.
 *
 * Platform-free (no DOM, no Vue): the page uses it with the browser/IPC transport, the tests with the
 * real services.
 */
import type { RunRecord, WorkbenchApi } from './api';
import type { ComputeBackendId, IterationMetrics } from './methods';

export type SyncConnection = 'online' | 'retrying' | 'failed';

export interface SyncState {
  /** 'retrying': the last call failed and is being retried; 'failed': a refusal that retrying cannot fix */
  connection: SyncConnection;
  /** points the worker produced for this run */
  computed: number;
  /** points the services confirmed as stored */
  stored: number;
  /** highest stored iteration */
  lastStored: number | null;
  /** points waiting to be sent */
  queued: number;
  /** true while the worker is asked to hold (the queue is full) */
  held: boolean;
  /** the last error, while connection is not 'online' */
  error: string | null;
}

type RunCalls = Pick<WorkbenchApi, 'runs:start' | 'runs:appendTrace' | 'runs:addSnapshot' | 'runs:recordBackend' | 'runs:finish' | 'runs:heartbeat'>;

export type FinishPayload = Omit<Parameters<WorkbenchApi['runs:finish']>[0], 'id' | 'owner'>;

type Op =
  | { kind: 'points'; points: IterationMetrics[] }
  | { kind: 'call'; what: string; send: () => Promise<unknown>; done?: (result: unknown) => void };

export interface RunSyncOptions {
  api: RunCalls;
  runId: number;
  owner: string;
  /** hold the worker above this many unsent points (default 200 000) */
  maxQueuedPoints?: number;
  /** largest appendTrace, points (default 20 000) */
  maxBatchPoints?: number;
  /** an append waits at most this long after the previous one for more points (default 250 ms) */
  minIntervalMs?: number;
  /** ... unless this many points are queued (default 2 000) */
  flushPoints?: number;
  /** delay before retry number `attempt` (1, 2, ...), ms; default 200 * 2^(attempt-1), at most 3 000 */
  retryDelayMs?: (attempt: number) => number;
  /** lease renewal period until the services report theirs, ms (default 10 000) */
  heartbeatMs?: number;
  onState?: (state: SyncState) => void;
  onBackpressure?: (hold: boolean) => void;
  /** a stored record came back (start, backend, finish) */
  onRecord?: (record: RunRecord) => void;
  /** timers (tests may pass their own) */
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

/** Error codes worth retrying: the server could not be reached, was busy, or failed internally. */
const RETRYABLE = new Set(['unavailable', 'internal']);

const codeOf = (e: unknown): string => (e && typeof e === 'object' && 'code' in e ? String((e as { code: unknown }).code) : 'internal');
const messageOf = (e: unknown): string => (e instanceof Error ? e.message : e && typeof e === 'object' && 'message' in e ? String((e as { message: unknown }).message) : String(e));

export class RunSync {
  private readonly queue: Op[] = [];
  private readonly opts: Required<Pick<RunSyncOptions, 'maxQueuedPoints' | 'maxBatchPoints' | 'retryDelayMs' | 'minIntervalMs' | 'flushPoints'>> &
    RunSyncOptions;
  private lastAppend = -Infinity;
  private waitTimer: unknown = null;
  private pumping = false;
  private attempt = 0;
  private retryTimer: unknown = null;
  private heartbeatTimer: unknown = null;
  private leaseMs: number;
  private lastAck = 0;
  private closed = false;
  private idleWaiters: (() => void)[] = [];
  readonly state: SyncState = { connection: 'online', computed: 0, stored: 0, lastStored: null, queued: 0, held: false, error: null };

  constructor(options: RunSyncOptions) {
    this.opts = {
      maxQueuedPoints: 200_000,
      maxBatchPoints: 20_000,
      minIntervalMs: 250,
      flushPoints: 2_000,
      retryDelayMs: (attempt) => Math.min(3_000, 200 * 2 ** (attempt - 1)),
      ...options,
    };
    this.leaseMs = options.heartbeatMs !== undefined ? options.heartbeatMs * 3 : 30_000;
    // the first heartbeat comes soon: it learns the services' lease length (the worker may take a while to start)
    this.heartbeatTimer = this.setTimer(() => void this.heartbeat(), Math.min(500, Math.floor(this.leaseMs / 3)));
  }

  private setTimer(fn: () => void, ms: number): unknown {
    return this.opts.setTimer ? this.opts.setTimer(fn, ms) : setTimeout(fn, ms);
  }
  private clearTimer(h: unknown): void {
    if (h === null) return;
    if (this.opts.clearTimer) this.opts.clearTimer(h);
    else clearTimeout(h as ReturnType<typeof setTimeout>);
  }

  private emit(): void {
    this.opts.onState?.({ ...this.state });
  }

  private updateBackpressure(): void {
    const q = this.state.queued;
    if (!this.state.held && q > this.opts.maxQueuedPoints) {
      this.state.held = true;
      this.opts.onBackpressure?.(true);
    } else if (this.state.held && q <= this.opts.maxQueuedPoints / 2) {
      this.state.held = false;
      this.opts.onBackpressure?.(false);
    }
  }

  /** Queue a call (start, snapshot, backend change) behind everything before it. */
  private enqueueCall(what: string, send: () => Promise<unknown>, done?: (result: unknown) => void): void {
    if (this.closed) return;
    this.queue.push({ kind: 'call', what, send, done });
    this.flushWaiting();
    this.pump();
  }

  start(): void {
    const { api, runId: id, owner } = this.opts;
    this.enqueueCall('start', () => api['runs:start']({ id, owner }), (r) => this.opts.onRecord?.(r as RunRecord));
  }

  /** Points from the worker, iterations increasing. */
  points(points: IterationMetrics[]): void {
    if (this.closed || points.length === 0) return;
    this.state.computed += points.length;
    this.state.queued += points.length;
    const tail = this.queue[this.queue.length - 1];
    // the head may be in flight: append to a later points op only
    if (tail && tail.kind === 'points' && this.queue.length > 1 && tail.points.length + points.length <= this.opts.maxBatchPoints) tail.points.push(...points);
    else this.queue.push({ kind: 'points', points: points.slice() });
    this.updateBackpressure();
    this.emit();
    if (this.state.queued >= this.opts.flushPoints) this.flushWaiting();
    this.pump();
  }

  snapshot(iteration: number, policy: number[]): void {
    const { api, runId: id, owner } = this.opts;
    this.enqueueCall('addSnapshot', () => api['runs:addSnapshot']({ id, iteration, policy, owner }));
  }

  backend(from: number, backend: ComputeBackendId, reason?: string): void {
    const { api, runId: id, owner } = this.opts;
    this.enqueueCall('recordBackend', () => api['runs:recordBackend']({ id, from, backend, reason, owner }), (r) => this.opts.onRecord?.(r as RunRecord));
  }

  /** Close the run once everything before has been stored; resolves with the stored record. */
  finish(payload: FinishPayload): Promise<RunRecord> {
    const { api, runId: id, owner } = this.opts;
    return new Promise((resolve) => {
      this.enqueueCall('finish', () => api['runs:finish']({ ...payload, id, owner }), (r) => {
        this.closed = true;
        this.clearTimer(this.heartbeatTimer);
        this.opts.onRecord?.(r as RunRecord);
        resolve(r as RunRecord);
      });
    });
  }

  /** Resolves when every queued operation has been acknowledged. */
  idle(): Promise<void> {
    if (this.queue.length === 0 && !this.pumping) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  /** Stop everything (the page goes away); unsent operations are abandoned. */
  dispose(): void {
    this.closed = true;
    this.queue.length = 0;
    this.clearTimer(this.retryTimer);
    this.clearTimer(this.heartbeatTimer);
    this.flushWaiting();
  }

  /** A call queued behind waiting points: send them now. */
  private flushWaiting(): void {
    if (this.waitTimer === null) return;
    this.clearTimer(this.waitTimer);
    this.waitTimer = null;
  }

  /** Send the next operation now instead of at the end of a back-off (e.g. the event socket reconnected). */
  retryNow(): void {
    if (this.retryTimer === null) return;
    this.clearTimer(this.retryTimer);
    this.retryTimer = null;
    this.pump();
  }

  private pump(): void {
    if (this.pumping || this.retryTimer !== null || this.waitTimer !== null || this.queue.length === 0) return;
    const head = this.queue[0];
    if (head.kind === 'points' && this.queue.every((op) => op.kind === 'points') && this.state.queued < this.opts.flushPoints) {
      const wait = this.lastAppend + this.opts.minIntervalMs - Date.now();
      if (wait > 0) {
        this.waitTimer = this.setTimer(() => {
          this.waitTimer = null;
          this.pump();
        }, wait);
        return;
      }
    }
    this.pumping = true;
    void this.sendHead().finally(() => {
      this.pumping = false;
      if (this.queue.length === 0) {
        const waiters = this.idleWaiters.splice(0);
        for (const w of waiters) w();
      } else this.pump();
    });
  }

  private async sendHead(): Promise<void> {
    const op = this.queue[0];
    const { api, runId: id, owner } = this.opts;
    try {
      if (op.kind === 'points') {
        // coalesce the following point batches (calls behind them keep their place)
        while (this.queue.length > 1 && this.queue[1].kind === 'points' && op.points.length + this.queue[1].points.length <= this.opts.maxBatchPoints) {
          op.points.push(...(this.queue[1] as { points: IterationMetrics[] }).points);
          this.queue.splice(1, 1);
        }
        const points = op.points;
        this.lastAppend = Date.now();
        const res = await api['runs:appendTrace']({ id, points, owner });
        this.state.stored = res.iterations;
        this.state.lastStored = res.lastIteration;
        this.state.queued -= points.length;
        this.queue.shift();
        this.updateBackpressure();
      } else {
        const result = await op.send();
        this.queue.shift();
        op.done?.(result);
      }
      this.ack();
    } catch (e) {
      this.fail(op, e);
    }
  }

  private ack(): void {
    this.attempt = 0;
    this.lastAck = Date.now();
    if (this.state.connection !== 'online' || this.state.error !== null) {
      this.state.connection = 'online';
      this.state.error = null;
    }
    this.emit();
  }

  private fail(op: Op, e: unknown): void {
    const code = codeOf(e);
    const what = op.kind === 'points' ? `storing ${op.points.length} points` : op.what;
    this.attempt++;
    this.state.error = `${what}: ${messageOf(e)}`;
    // refusals that retrying cannot fix keep the data and retry slowly, so a human can see them
    this.state.connection = RETRYABLE.has(code) ? 'retrying' : 'failed';
    this.emit();
    const delay = RETRYABLE.has(code) ? this.opts.retryDelayMs(this.attempt) : Math.max(5_000, this.opts.retryDelayMs(this.attempt));
    this.retryTimer = this.setTimer(() => {
      this.retryTimer = null;
      this.pump();
    }, delay);
  }

  private scheduleHeartbeat(): void {
    if (this.closed) return;
    const period = Math.max(100, Math.floor(this.leaseMs / 3));
    this.heartbeatTimer = this.setTimer(() => void this.heartbeat(), period);
  }

  private async heartbeat(): Promise<void> {
    this.heartbeatTimer = null;
    if (this.closed) return;
    const period = Math.floor(this.leaseMs / 3);
    // appends renew the lease themselves; only a quiet run needs the explicit call
    if (Date.now() - this.lastAck >= period || this.pumping) {
      try {
        const { api, runId: id, owner } = this.opts;
        const hb = await api['runs:heartbeat']({ id, owner });
        if (hb.leaseMs > 0) this.leaseMs = hb.leaseMs;
      } catch {
        /* the pump reports the connection; a missed heartbeat is renewed by the next call */
      }
    }
    this.scheduleHeartbeat();
  }
}
