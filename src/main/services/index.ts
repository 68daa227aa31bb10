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
import { WorkbenchApiError, type CallName, type CallPayload, type CallResult } from '../../shared/api';
import type { WorkbenchDatabase } from '../db';
import { createAppHandlers, type AppIdentity } from './app';
import type { HandlerMap, ServiceContext } from './context';
import { invokeCall, type CallOutcome } from './dispatch';
import { createEventHub, type WorkbenchEventHub } from './events';
import { createExperimentHandlers } from './experiments';
import { createMdpHandlers } from './mdps';
import { createRunHandlers, recoverInterruptedRuns } from './runs';

/** `{ [C in CallName]: (payload) => result }` — synchronous (better-sqlite3 is). */
export type WorkbenchHandlers = HandlerMap<CallName>;

export interface WorkbenchService {
  readonly handlers: WorkbenchHandlers;
  readonly events: WorkbenchEventHub;
  readonly db: WorkbenchDatabase;
  /** runs found queued/running at creation and marked 'interrupted' */
  readonly recoveredRunIds: readonly number[];
  /** Validate (schema + size) and run one call, as the transports do; never throws. */
  invoke(channel: string, payload: unknown, options?: { payloadBytes?: number }): CallOutcome;
  /** Typed call that throws WorkbenchApiError on failure (validated like `invoke`). */
  call<C extends CallName>(channel: C, payload: CallPayload<C>): CallResult<C>;
}

export interface WorkbenchServiceOptions {
  /**
   * Mark queued/running runs 'interrupted' now (default true: the app starting means nothing of a
   * previous session is still computing). A CLI that may run beside an open app should pass false.
   */
  recoverInterrupted?: boolean;
  /** clock, for tests */
  now?: () => Date;
}

export function createWorkbenchService(
  db: WorkbenchDatabase,
  identity: AppIdentity,
  options: WorkbenchServiceOptions = {},
): WorkbenchService {
  const clock = options.now ?? (() => new Date());
  const ctx: ServiceContext = { db, sql: db.sqlite, events: createEventHub(), now: () => clock().toISOString() };
  const recoveredRunIds = options.recoverInterrupted === false ? [] : recoverInterruptedRuns(db.sqlite, ctx.now());
  const handlers: WorkbenchHandlers = {
    ...createAppHandlers(ctx, identity),
    ...createMdpHandlers(ctx),
    ...createExperimentHandlers(ctx),
    ...createRunHandlers(ctx),
  };
  const service: WorkbenchService = {
    handlers,
    events: ctx.events,
    db,
    recoveredRunIds,
    invoke: (channel, payload, opts) => invokeCall(handlers, channel, payload, opts),
    call: (channel, payload) => {
      const outcome = invokeCall(handlers, channel, payload);
      if (!outcome.ok) throw new WorkbenchApiError(outcome.error.code, outcome.error.message, outcome.error.details ?? []);
      return outcome.result as CallResult<typeof channel>;
    },
  };
  return service;
}

export { recoverInterruptedRuns, traceStride, METRIC_COLUMNS, ALWAYS_DEFINED_METRICS } from './runs';
export { invokeCall, toErrorBody, httpStatusFor, type CallOutcome } from './dispatch';
export { createEventHub, type WorkbenchEventHub, type EventListener } from './events';
export type { AppIdentity } from './app';
