/**
 * The one contract between the renderer and the main-process services. Every call is named
 * `domain:verb`, takes one JSON payload and returns one JSON result; every event is `onX`. The
 * Electron preload and the browser-mode bridge both carry exactly this, and the main process validates
 * every payload against `CALL_SCHEMAS` (src/shared/apiSchemas.ts) before a handler runs.
 */
import type { MdpDocument } from './mdp/types';
import type { ApiErrorCode } from './wire';
import type { ComputeBackendId, IterationMetrics, MethodId, MethodOptions } from './methods';

/** 'stalled': the run stopped making progress (the run driver's stall rule); 'interrupted': its owner went away. */
export type RunStatus = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled' | 'interrupted' | 'stalled';

/** Who computes a run: "<kind>:<host>:<pid>:<random>" (the CLI, the app, a browser page). */
export type RunOwner = string;

export interface AppInfo {
  version: string;
  /** which transport carries this API */
  transport: 'electron' | 'browser';
  dbPath: string;
  schemaVersion: number;
  platform: string;
}

export interface MdpSummary {
  id: number;
  name: string;
  states: number;
  actions: number;
  actionKind: 'discrete' | 'box';
  preset: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface MdpRecord extends MdpSummary {
  document: MdpDocument;
}

export interface ExperimentRecord {
  id: number;
  name: string;
  notes: string;
  mdpId: number | null;
  createdAt: string;
  runCount: number;
}

export interface RunRecord {
  id: number;
  experimentId: number | null;
  mdpId: number;
  mdpName: string;
  method: MethodId;
  label: string;
  options: MethodOptions;
  backend: ComputeBackendId;
  /** which backend produced which iterations, e.g. [{from: 0, backend: 'webgpu'}, {from: 120, backend: 'reference'}] */
  backendSegments: { from: number; backend: ComputeBackendId; reason?: string }[];
  seed: number;
  maxIterations: number;
  status: RunStatus;
  iterations: number;
  error: string | null;
  diagnostics: Record<string, number | string | boolean | null>;
  final: IterationMetrics | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** wall time of the computation, ms */
  wallMs: number | null;
  /** the process or page computing the run (null for runs of schema version 2 and earlier) */
  owner: RunOwner | null;
  /** while queued/running: when the run counts as abandoned unless its owner renews the lease */
  leaseExpiresAt: string | null;
}

/** Columnar trace of one run: each metric is an array aligned with `iteration`. */
export interface TraceColumns {
  runId: number;
  iteration: number[];
  columns: Partial<Record<keyof IterationMetrics, (number | null)[]>>;
  /** total points stored (before any downsampling) */
  total: number;
}

export interface PolicySnapshot {
  runId: number;
  iteration: number;
  S: number;
  N: number;
  /** row-major S * N */
  policy: number[];
}

/** Calls: channel name → [payload, result]. */
export interface WorkbenchCalls {
  'app:info': [Record<string, never>, AppInfo];

  'mdps:list': [Record<string, never>, MdpSummary[]];
  'mdps:get': [{ id: number }, MdpRecord];
  /** create (no id) or update; the document is validated and compiled before it is stored */
  'mdps:save': [{ id?: number; document: MdpDocument; preset?: string | null }, MdpRecord];
  'mdps:delete': [{ id: number }, { deleted: boolean }];

  'experiments:list': [Record<string, never>, ExperimentRecord[]];
  'experiments:create': [{ name: string; notes?: string; mdpId?: number | null }, ExperimentRecord];
  'experiments:delete': [{ id: number }, { deleted: boolean }];

  'runs:list': [{ mdpId?: number; experimentId?: number; status?: RunStatus }, RunRecord[]];
  'runs:get': [{ id: number }, RunRecord];
  'runs:create': [
    {
      mdpId: number;
      experimentId?: number | null;
      method: MethodId;
      label?: string;
      options: MethodOptions;
      backend: ComputeBackendId;
      seed: number;
      maxIterations: number;
      /** defaults to the service's own owner */
      owner?: RunOwner;
    },
    RunRecord,
  ];
  /** mark running (the compute worker has started) */
  'runs:start': [{ id: number; owner?: RunOwner }, RunRecord];
  /**
   * Append a batch of trace points (iterations strictly increasing). Idempotent: points at or below the
   * last stored iteration that equal the stored rows are skipped (a retry after a lost response), a
   * different value there is a conflict. Renews the lease; the owner re-claims a run whose lease lapsed.
   */
  'runs:appendTrace': [{ id: number; points: IterationMetrics[]; owner?: RunOwner }, { stored: number; iterations: number; lastIteration: number | null }];
  /** renew the run's lease in quiet periods (paused); re-claims a run whose lease lapsed when `owner` is its owner */
  'runs:heartbeat': [{ id: number; owner?: RunOwner }, { id: number; status: RunStatus; iterations: number; lastIteration: number | null; leaseExpiresAt: string | null; leaseMs: number }];
  'runs:addSnapshot': [{ id: number; iteration: number; policy: number[]; owner?: RunOwner }, { stored: boolean }];
  'runs:recordBackend': [{ id: number; from: number; backend: ComputeBackendId; reason?: string; owner?: RunOwner }, RunRecord];
  'runs:finish': [
    {
      id: number;
      owner?: RunOwner;
      status: Exclude<RunStatus, 'queued' | 'running'>;
      error?: string | null;
      diagnostics?: Record<string, number | string | boolean | null>;
      wallMs?: number;
    },
    RunRecord,
  ];
  'runs:trace': [{ ids: number[]; metrics?: (keyof IterationMetrics)[]; maxPoints?: number }, TraceColumns[]];
  'runs:snapshots': [{ id: number }, PolicySnapshot[]];
  'runs:delete': [{ id: number }, { deleted: boolean }];
}

export type CallName = keyof WorkbenchCalls;
export type CallPayload<C extends CallName> = WorkbenchCalls[C][0];
export type CallResult<C extends CallName> = WorkbenchCalls[C][1];

/** Events pushed from main to every renderer. */
export interface WorkbenchEvents {
  onRunChanged: RunRecord;
  onMdpsChanged: { ids: number[] };
}
export type EventName = keyof WorkbenchEvents;

/** Every call name at run time (the preload builds one wrapper per entry; main registers one handler per entry). */
export const CALL_NAMES = [
  'app:info',
  'mdps:list',
  'mdps:get',
  'mdps:save',
  'mdps:delete',
  'experiments:list',
  'experiments:create',
  'experiments:delete',
  'runs:list',
  'runs:get',
  'runs:create',
  'runs:start',
  'runs:appendTrace',
  'runs:heartbeat',
  'runs:addSnapshot',
  'runs:recordBackend',
  'runs:finish',
  'runs:trace',
  'runs:snapshots',
  'runs:delete',
] as const satisfies readonly CallName[];

// Compile-time check that CALL_NAMES lists every call exactly.
type _MissingCalls = Exclude<CallName, (typeof CALL_NAMES)[number]>;
const _allCallsListed: _MissingCalls extends never ? true : never = true;
void _allCallsListed;

export const EVENT_NAMES = ['onRunChanged', 'onMdpsChanged'] as const satisfies readonly EventName[];

/**
 * The object the renderer sees as `window.workbench`, whatever the transport: one function per call,
 * plus event subscription. Rejections carry `ApiErrorBody` fields (code, message, details).
 */
export type WorkbenchApi = {
  readonly [C in CallName]: (payload: CallPayload<C>) => Promise<CallResult<C>>;
} & {
  on<E extends EventName>(event: E, listener: (data: WorkbenchEvents[E]) => void): () => void;
  readonly transport: 'electron' | 'browser';
};

/** Errors crossing the transport keep a code the renderer can show. */
export interface ApiErrorBody {
  /** see ERROR_HTTP_STATUS in src/shared/wire.ts */
  code: ApiErrorCode;
  message: string;
  details?: string[];
}

export class WorkbenchApiError extends Error {
  constructor(
    readonly code: ApiErrorBody['code'],
    message: string,
    readonly details: string[] = [],
  ) {
    super(message);
    this.name = 'WorkbenchApiError';
  }
}

/** Largest payload either transport accepts, in bytes of JSON. */
export const MAX_PAYLOAD_BYTES = 32 * 1024 * 1024;
