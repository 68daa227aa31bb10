/**
 * The workbench services: ONE implementation of the contract (WorkbenchCalls), composed from the
 * per-domain handler maps. Both transports (Electron IPC, browser-mode HTTP) and the CLI use it.
 * Free of electron imports.
 *
 *   const db = openDatabase(resolveDatabasePath(process.argv, process.env));
 *   const service = createWorkbenchService(db, { version: '0.1.0', transport: 'browser' });
 *   service.handlers['mdps:save']({ document });          // typed, trusted caller: no validation
 *   service.invoke('runs:create', untrustedPayload);       // validated exactly like the transports
 *   service.events.subscribe((event, data) => ...);
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { WorkbenchApiError, type CallName, type CallPayload, type CallResult } from '../../shared/api';
import type { WorkbenchDatabase } from '../db';
import { createAppHandlers, type AppIdentity } from './app';
import type { HandlerMap, ServiceContext } from './context';
import { invokeCall, type CallOutcome } from './dispatch';
import { createEventHub, type WorkbenchEventHub } from './events';
import { createBundleHandlers } from './bundle';
import { createExperimentHandlers } from './experiments';
import { backfillMembership } from './membership';
import { backfillMdpHashes, createMdpHandlers } from './mdps';
import { createRunHandlers, leaseMsFromEnv, recoverInterruptedRuns } from './runs';

/** `{ [C in CallName]: (payload) => result }` — synchronous (better-sqlite3 is). */
export type WorkbenchHandlers = HandlerMap<CallName>;

export interface WorkbenchService {
  readonly handlers: WorkbenchHandlers;
  readonly events: WorkbenchEventHub;
  readonly db: WorkbenchDatabase;
  /** runs found queued/running with an expired lease at creation and marked 'interrupted' */
  readonly recoveredRunIds: readonly number[];
  /** the owner of runs created through this service without an explicit owner */
  readonly owner: string;
  /** the lease length, ms */
  readonly leaseMs: number;
  /** Mark 'interrupted' the runs whose lease has expired (emits onRunChanged for each); returns their ids. */
  sweepExpiredLeases(): number[];
  /** Stop the periodic sweep (if any). The database stays open: its owner closes it. */
  dispose(): void;
  /** Validate (schema + size) and run one call, as the transports do; never throws. */
  invoke(channel: string, payload: unknown, options?: { payloadBytes?: number }): CallOutcome;
  /** Typed call that throws WorkbenchApiError on failure (validated like `invoke`). */
  call<C extends CallName>(channel: C, payload: CallPayload<C>): CallResult<C>;
}

export interface WorkbenchServiceOptions {
  /**
   * Mark queued/running runs whose lease has expired 'interrupted' now (default true). Runs whose
   * owner still renews its lease (a CLI run, another server's page) are never touched.
   */
  recoverInterrupted?: boolean;
  /** clock, for tests */
  now?: () => Date;
  /** lease length in ms; default WORKBENCH_LEASE_MS from the environment, else 30 000 (see leaseMsFromEnv) */
  leaseMs?: number;
  /** what computes the runs created without an owner: 'cli', 'electron', 'browser' (default: the transport) */
  ownerKind?: string;
  /** sweep expired leases every this many ms (a server beside CLI runs); default: no periodic sweep */
  sweepIntervalMs?: number;
}

/** "<kind>:<host>:<pid>:<random>" — unique per process start. */
export function newOwnerId(kind: string): string {
  return `${kind}:${hostname()}:${process.pid}:${randomBytes(6).toString('hex')}`;
}

export function createWorkbenchService(
  db: WorkbenchDatabase,
  identity: AppIdentity,
  options: WorkbenchServiceOptions = {},
): WorkbenchService {
  const clock = options.now ?? (() => new Date());
  const ctx: ServiceContext = {
    db,
    sql: db.sqlite,
    events: createEventHub(),
    now: () => clock().toISOString(),
    nowMs: () => clock().getTime(),
    owner: newOwnerId(options.ownerKind ?? identity.transport),
    appVersion: identity.version,
    leaseMs: options.leaseMs ?? leaseMsFromEnv(),
  };
  backfillMdpHashes(db.sqlite);
  backfillMembership(db.sqlite, ctx.now());
  const recoveredRunIds = options.recoverInterrupted === false ? [] : recoverInterruptedRuns(db.sqlite, ctx.now());
  const handlers: WorkbenchHandlers = {
    ...createAppHandlers(ctx, identity),
    ...createMdpHandlers(ctx),
    ...createExperimentHandlers(ctx),
    ...createRunHandlers(ctx),
    ...createBundleHandlers(ctx),
  };
  const service: WorkbenchService = {
    handlers,
    events: ctx.events,
    db,
    recoveredRunIds,
    owner: ctx.owner,
    leaseMs: ctx.leaseMs,
    sweepExpiredLeases() {
      if (!db.sqlite.open) return [];
      const ids = recoverInterruptedRuns(db.sqlite, ctx.now());
      for (const id of ids) ctx.events.emit('onRunChanged', handlers['runs:get']({ id }));
      return ids;
    },
    dispose() {
      if (sweepTimer) clearInterval(sweepTimer);
      sweepTimer = null;
    },
    invoke: (channel, payload, opts) => invokeCall(handlers, channel, payload, opts),
    call: (channel, payload) => {
      // a trusted in-process caller: schema-checked like the transports, but not JSON-sized (that costs
      // a JSON.stringify of every trace batch; the size limit guards the transports' buffers)
      const outcome = invokeCall(handlers, channel, payload, { payloadBytes: 0 });
      if (!outcome.ok) throw new WorkbenchApiError(outcome.error.code, outcome.error.message, outcome.error.details ?? []);
      return outcome.result as CallResult<typeof channel>;
    },
  };
  let sweepTimer: ReturnType<typeof setInterval> | null = null;
  if (options.sweepIntervalMs !== undefined && options.sweepIntervalMs > 0) {
    sweepTimer = setInterval(() => {
      try {
        service.sweepExpiredLeases();
      } catch (e) {
        console.error('[workbench] lease sweep failed:', e);
      }
    }, options.sweepIntervalMs);
    sweepTimer.unref();
  }
  return service;
}

export { canonicalJson, mdpContentHash } from './mdps';
export { LEASE_LAPSED_ERROR, DEFAULT_LEASE_MS, leaseMsFromEnv } from './runs';
export { recoverInterruptedRuns, traceStride, METRIC_COLUMNS, ALWAYS_DEFINED_METRICS } from './runs';
export { invokeCall, toErrorBody, httpStatusFor, type CallOutcome } from './dispatch';
export { createEventHub, type WorkbenchEventHub, type EventListener } from './events';
export type { AppIdentity } from './app';
export { parseBundleText, buildBundle, storeBundle, bundleChecksum } from './bundle';
