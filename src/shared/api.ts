/**
 * The one contract between the renderer and the main-process services. Every call is named
 * `domain:verb`, takes one JSON payload and returns one JSON result; every event is `onX`. The
 * Electron preload and the browser-mode bridge both carry exactly this, and the main process validates
 * every payload against `CALL_SCHEMAS` (src/shared/apiSchemas.ts) before a handler runs.
 */
import type { MdpDocument } from './mdp/types';
import type { ApiErrorCode } from './wire';
import type { CallPayloads, RUN_STATUSES } from './apiSchemas';

/** The payload type of a call, inferred from its schema. */
type P<C extends keyof CallPayloads> = CallPayloads[C];
import type { ComputeBackendId, IterationMetrics, MethodId, MethodOptions } from './methods';
import type { CommandId } from './commands';

/** 'stalled': the run stopped making progress (the run driver's stall rule); 'interrupted': its owner went away. */
export type RunStatus = (typeof RUN_STATUSES)[number];

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
  /** stored trace rows of its runs (what deleting it with its runs deletes) */
  traceRows: number;
  /** the MDP's default experiment: runs created or moved without an experiment join it */
  isDefault: boolean;
  /** random 128-bit hex id, kept by bundle export / import */
  uid: string;
}

/**
 * A run's initial policy as stored (null for runs of schema version 5 and earlier): uniform; random
 * (flat-Dirichlet rows from `seed`); or a given policy (its values: runs:init).
 */
export type RunInit = { kind: 'uniform' } | { kind: 'random'; seed: number } | { kind: 'policy'; source?: string };

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
  /** distinct non-empty tags, in the order given */
  tags: string[];
  /** markdown notes ('' when none) */
  notes: string;
  /** the workbench version that created the run (null for runs stored before schema version 5) */
  appVersion: string | null;
  /** sha-256 of the canonical {mdp content hash, method, options, seed, maxIterations}; see migrations/0005 */
  configHash: string | null;
  /** random 128-bit hex id, kept by bundle export / import (importing a run twice adds it once) */
  uid: string;
  /** the initial policy (null: not recorded, runs stored before schema version 6) */
  init: RunInit | null;
}

/** Columnar trace of one run: each metric is an array aligned with `iteration`. */
export interface TraceColumns {
  runId: number;
  iteration: number[];
  columns: Partial<Record<keyof IterationMetrics, (number | null)[]>>;
  /** total points stored (before any downsampling) */
  total: number;
  /**
   * set when the trace was downsampled with a min/max envelope of this metric: besides every stride-th
   * row, each bucket's rows with the smallest and the largest value are kept (spikes survive)
   */
  envelope?: keyof IterationMetrics;
}

/** runs:summary: one run's statistics over every stored row (finite values only; null when there is none). */
export interface RunTraceSummary {
  runId: number;
  /** stored rows the statistics cover */
  total: number;
  finalJ: number | null;
  /** the largest J */
  bestJ: number | null;
  finalGap: number | null;
  /** the smallest gap */
  bestGap: number | null;
  /** first iteration with gap <= the target, null when never reached */
  itersToGap: number | null;
  /** wall time (ms) of that row, null when never reached or not recorded */
  timeToGapMs: number | null;
  /** rows whose trust-region constraint was violated */
  violations: number;
}

export interface PolicySnapshot {
  runId: number;
  iteration: number;
  S: number;
  N: number;
  /** row-major S * N */
  policy: number[];
}

/**
 * Calls: channel name → [payload, result]. The payload types are inferred from the run-time schemas
 * (CALL_SCHEMAS in src/shared/apiSchemas.ts), so what the types promise is what the transports check.
 */
export interface WorkbenchCalls {
  'app:info': [P<'app:info'>, AppInfo];

  'mdps:list': [P<'mdps:list'>, MdpSummary[]];
  'mdps:get': [P<'mdps:get'>, MdpRecord];
  /** create (no id) or update; the document is validated and compiled before it is stored; an identical stored document (same content hash) is returned instead of a copy */
  'mdps:save': [P<'mdps:save'>, MdpRecord];
  'mdps:delete': [P<'mdps:delete'>, { deleted: boolean }];

  'experiments:list': [P<'experiments:list'>, ExperimentRecord[]];
  'experiments:create': [P<'experiments:create'>, ExperimentRecord];
  /** rename and/or edit the markdown notes */
  'experiments:update': [P<'experiments:update'>, ExperimentRecord];
  /**
   * runs 'keep' (default): its runs move to their MDP's default experiment (refused for a default
   * experiment that has runs); 'delete': its runs go too (traces, snapshots). One transaction.
   */
  'experiments:delete': [P<'experiments:delete'>, { deleted: boolean; runsDeleted: number; runsMoved: number }];

  'runs:list': [P<'runs:list'>, RunRecord[]];
  'runs:get': [P<'runs:get'>, RunRecord];
  /** `owner` defaults to the service's own owner */
  'runs:create': [P<'runs:create'>, RunRecord];
  /** mark running (the compute worker has started) */
  'runs:start': [P<'runs:start'>, RunRecord];
  /**
   * Append a batch of trace points (iterations strictly increasing). Idempotent: points at or below the
   * last stored iteration that equal the stored rows are skipped (a retry after a lost response), a
   * different value there is a conflict. Renews the lease; the owner re-claims a run whose lease lapsed.
   */
  'runs:appendTrace': [P<'runs:appendTrace'>, { stored: number; iterations: number; lastIteration: number | null }];
  /** renew the run's lease in quiet periods (paused); re-claims a run whose lease lapsed when `owner` is its owner */
  'runs:heartbeat': [
    P<'runs:heartbeat'>,
    { id: number; status: RunStatus; iterations: number; lastIteration: number | null; leaseExpiresAt: string | null; leaseMs: number },
  ];
  /** the same snapshot again is accepted (a retry); a different one at a stored iteration is a conflict */
  'runs:addSnapshot': [P<'runs:addSnapshot'>, { stored: boolean }];
  'runs:recordBackend': [P<'runs:recordBackend'>, RunRecord];
  /** once; the same status again by the run's owner returns the record (a retry) */
  'runs:finish': [P<'runs:finish'>, RunRecord];
  'runs:trace': [P<'runs:trace'>, TraceColumns[]];
  'runs:snapshots': [P<'runs:snapshots'>, PolicySnapshot[]];
  'runs:delete': [P<'runs:delete'>, { deleted: boolean }];
  /** edit a run's label, tags, notes or experiment (any stored run, running or not); experimentId null = the MDP's default */
  'runs:update': [P<'runs:update'>, RunRecord];
  /** the exact run of a sampled run's configuration (its oracle), if stored, and the configuration to compute it */
  'runs:oracle': [P<'runs:oracle'>, OracleAnswer];
  /** add / remove tags and / or move many runs at once (one transaction; every id must exist) */
  'runs:updateMany': [P<'runs:updateMany'>, RunRecord[]];
  /** delete many runs (one transaction); returns the ids that existed */
  'runs:deleteMany': [P<'runs:deleteMany'>, { deleted: number; ids: number[] }];
  /** the run's stored init with, for a given policy, its S * N values */
  'runs:init': [P<'runs:init'>, { id: number; init: RunInit | null; policy: number[] | null }];

  /** an experiment bundle (format: src/shared/bundleFormat.ts) of the named experiments and / or runs, as JSON text */
  'bundle:export': [P<'bundle:export'>, BundleExportResult];
  /** import a bundle: refused whole (nothing stored) when damaged; runs already present (same uid) are skipped */
  'bundle:import': [P<'bundle:import'>, BundleImportResult];
  /**
   * Per-run statistics of the full-resolution trace for Compare's summary table, computed where the trace
   * is stored (the page never downloads full traces to fill the table): final and best J and gap, the
   * first iteration whose gap is <= gapTarget with its wall time, and the count of trust violations.
   */
  'runs:summary': [P<'runs:summary'>, RunTraceSummary[]];
}

/**
 * runs:oracle. A run with a sampled estimator (issue 15) has as its oracle the exact run of the same
 * configuration: same MDP, method, options once the estimator block is left out, the same initial policy
 * (its iteration-0 row: J and entropy equal to 1e-9 relative, 1e-5 when either run is on WebGPU, f32) and the same seed, where the exact run reads
 * a seed (Langevin); the exact runs of the other methods do not depend on the seed, so any seed serves.
 */
export interface OracleAnswer {
  /** the run reads a sampled estimator; false: it is exact itself (oracleId and config null) */
  sampled: boolean;
  /** the matching exact run (same seed first, then completed, then most iterations, then newest), or null */
  oracleId: number | null;
  /** the runs:create fields of the oracle: the run's own with the estimator block left out */
  config: { mdpId: number; method: MethodId; options: MethodOptions; seed: number; maxIterations: number } | null;
}

export interface BundleExportResult {
  /** the bundle file's text (JSON) */
  text: string;
  fileName: string;
  mdps: number;
  experiments: number;
  runs: number;
  /** queued / running runs left out (a bundle holds finished runs only) */
  skippedActive: number[];
}

export interface BundleImportResult {
  /** ids in this database of the runs stored now, in bundle order */
  runIds: number[];
  /** runs of the bundle this database already had (same uid) */
  runsSkipped: number;
  mdpsCreated: number;
  mdpsReused: number;
  experimentsCreated: number;
  experimentsReused: number;
  /** bundle run uid → run id here, for every run of the bundle (imported now or before) */
  idMap: Record<string, number>;
}

export type CallName = keyof WorkbenchCalls;
export type CallPayload<C extends CallName> = WorkbenchCalls[C][0];
export type CallResult<C extends CallName> = WorkbenchCalls[C][1];

/** Events pushed from main to every renderer. */
export interface WorkbenchEvents {
  onRunChanged: RunRecord;
  onMdpsChanged: { ids: number[] };
  /** runs deleted (one at a time, in bulk, or with their experiment) */
  onRunsDeleted: { ids: number[] };
  /** experiments created, renamed, re-noted, deleted or with runs moved in or out */
  onExperimentsChanged: { ids: number[] };
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
  'experiments:update',
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
  'runs:update',
  'runs:oracle',
  'runs:updateMany',
  'runs:deleteMany',
  'runs:init',
  'bundle:export',
  'bundle:import',
  'runs:summary',
] as const satisfies readonly CallName[];

// Compile-time check that CALL_NAMES lists every call exactly.
type _MissingCalls = Exclude<CallName, (typeof CALL_NAMES)[number]>;
const _allCallsListed: _MissingCalls extends never ? true : never = true;
void _allCallsListed;

export const EVENT_NAMES = ['onRunChanged', 'onMdpsChanged', 'onRunsDeleted', 'onExperimentsChanged'] as const satisfies readonly EventName[];

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

// ---------------------------------------------------------------------------------------------------
// Desktop-only calls (Electron). Native dialogs, the menu's state and the context menu exist only in
// the desktop app: the preload exposes them as `window.workbenchDesktop`, which browser mode lacks
// (there the renderer keeps the web file pickers). Main validates every payload with
// DESKTOP_CALL_SCHEMAS (apiSchemas.ts) and checks the sender frame, as for the calls above.

/** A file the user picked (or opened from Recent / the OS): its text, read by main with a size cap. */
export interface OpenedFile {
  path: string;
  name: string;
  text: string;
}

export type ThemePreference = 'system' | 'light' | 'dark';

export interface DesktopInfo {
  versions: { electron: string; chrome: string; node: string; v8: string };
  logPath: string;
}

export interface DesktopCalls {
  /** native open dialog for *.mdp.json / *.json; null when cancelled; the file joins Recent */
  'desktop:openFile': [{ title: string }, OpenedFile | null];
  /** native save dialog; writes `text`; null when cancelled */
  'desktop:saveFile': [{ title: string; suggestedName: string; text: string }, { path: string } | null];
  /** the renderer's command state mirrored into the menu, the theme, and whether runs are active (close guard) */
  'desktop:syncState': [
    { enabled: Partial<Record<CommandId, boolean>>; theme: ThemePreference; activeRuns: number },
    Record<string, never>,
  ];
  /** native context menu: edit roles plus `items`; resolves with the chosen command or null */
  'desktop:contextMenu': [{ items: { id: CommandId; enabled: boolean }[]; editable: boolean; hasSelection: boolean }, { chosen: CommandId | null }];
  'desktop:info': [Record<string, never>, DesktopInfo];
  /** Help → Show Log File */
  'desktop:showLog': [Record<string, never>, Record<string, never>];
  /** open the documentation in the system browser: the README, or docs/methods.md (at a method's section) */
  'desktop:openDocs': [{ page: 'readme' | 'methods'; anchor?: string }, Record<string, never>];
}
export type DesktopCallName = keyof DesktopCalls;

export interface DesktopEvents {
  /** a menu item of a renderer command was clicked */
  onMenuCommand: { id: CommandId };
  /** a file arrived from Recent, the OS file association or a second launch */
  onOpenFile: OpenedFile;
}
export type DesktopEventName = keyof DesktopEvents;

export const DESKTOP_CALL_NAMES = [
  'desktop:openFile',
  'desktop:saveFile',
  'desktop:syncState',
  'desktop:contextMenu',
  'desktop:info',
  'desktop:showLog',
  'desktop:openDocs',
] as const satisfies readonly DesktopCallName[];
type _MissingDesktopCalls = Exclude<DesktopCallName, (typeof DESKTOP_CALL_NAMES)[number]>;
const _allDesktopCallsListed: _MissingDesktopCalls extends never ? true : never = true;
void _allDesktopCallsListed;

export const DESKTOP_EVENT_NAMES = ['onMenuCommand', 'onOpenFile'] as const satisfies readonly DesktopEventName[];

export type DesktopApi = {
  readonly [C in DesktopCallName]: (payload: DesktopCalls[C][0]) => Promise<DesktopCalls[C][1]>;
} & {
  on<E extends DesktopEventName>(event: E, listener: (data: DesktopEvents[E]) => void): () => void;
};

/** Largest MDP file the desktop app reads (the MDP format's own limits are far below). */
export const MAX_OPEN_FILE_BYTES = 16 * 1024 * 1024;
