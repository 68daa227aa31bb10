/**
 * `runs:*` — runs, their traces and policy snapshots.
 *
 * Life cycle: runs:create → 'queued'; runs:start → 'running'; runs:appendTrace / runs:addSnapshot /
 * runs:recordBackend / runs:heartbeat while queued or running; runs:finish → completed | failed |
 * cancelled | interrupted | stalled (once: finishing a finished run with another status is a
 * 'conflict'; the same status again returns the record, so a retried finish is harmless).
 *
 * Ownership and leases. Every run has an owner ("<kind>:<host>:<pid>:<random>": the CLI process, the
 * app, a browser page) and a lease: each create/start/append/snapshot/backend/heartbeat call renews it
 * to now + leaseMs. `recoverInterruptedRuns` (every service start) and `sweepExpiredLeases` (the
 * server's periodic sweep) mark 'interrupted' only queued/running runs whose lease has expired, so two
 * servers and a CLI on one database never end each other's live runs, and a kill -9'd owner's run
 * becomes 'interrupted' once its lease runs out. Such a run keeps `lease_lapsed = 1`: when its owner
 * comes back (a page whose server was down longer than the lease) its next append or heartbeat
 * re-claims it ('running' again). runs:finish 'interrupted' from a caller that is not the owner is a
 * conflict while the lease holds.
 *
 * NaN in options. Options may hold NaN (gamma = NaN: "keep the MDP's own gamma"). JSON writes NaN as
 * null, so runs:create reads a null option as NaN, and a RunRecord's options carry null for NaN over
 * HTTP (NaN itself over IPC). The database stores the string 'NaN'.
 *
 * Non-finite metrics. JSON cannot carry NaN or ±Infinity (JSON.stringify writes null), and the IPC
 * clone can. The rule, identical on both transports:
 *  - a non-finite value (or null) in a metric that is always defined (J, Jplain, gap, tv, entropy,
 *    evalResidual, wallMs), and NaN in any metric, is stored as SQL NULL;
 *  - the first such value is recorded in the run's diagnostics as `nonFiniteMetric` (the key) and
 *    `nonFiniteIteration`;
 *  - `runs:finish` with status 'completed' on such a run stores 'failed' instead, with the error
 *    "non-finite <metric> at iteration <i> (stored as null)".
 * Null in the optional metrics (transportCost, kl, trustSlack, trustViolated, lambda, t) means "does
 * not apply" and is not a failure. An infinite optional metric is a legitimate value (kl = +Infinity
 * when an OT step puts mass where the old policy had none): it is stored as an SQL REAL infinity, read
 * back as Infinity over IPC and as null over JSON. NaN in an optional metric is a failure like above.
 *
 * Traces live in trace_points (WITHOUT ROWID, key (run_id, iteration)): appending a batch is one
 * transaction; reading a run is one clustered range scan; downsampling happens in SQL (row_number
 * stride, first and last kept) so long runs are not marshalled to JS only to be thrown away.
 */
import {
  WorkbenchApiError,
  type OracleAnswer,
  type PolicySnapshot,
  type RunInit,
  type RunRecord,
  type RunStatus,
  type RunTraceSummary,
  type TraceColumns,
} from '../../shared/api';
import {
  METRIC_KEYS,
  methodInfo,
  mdpFacts,
  resolveMethodOptions,
  type ComputeBackendId,
  type IterationMetrics,
  type MethodId,
  type MethodOptions,
  type MetricKey,
} from '../../shared/methods';
import { compileMdp } from '../../shared/mdp/compile';
import { exactOptionsOf, exactRunReadsSeed, isSampled } from '../../shared/methodSpecs';
import { createHash } from 'node:crypto';
import { canonicalJson, mdpContentHash } from './mdps';
import { traceStride } from '../../shared/traceStride';
import { notFound, parseJson, type CallsOf, type HandlerMap, type ServiceContext } from './context';
import type { SqliteDatabase } from '../db';
import { defaultExperimentFor, newUid } from './membership';

/** SQL column of each metric in trace_points. */
export const METRIC_COLUMNS: { readonly [K in MetricKey]: string } = {
  J: 'J',
  Jplain: 'Jplain',
  gap: 'gap',
  tv: 'tv',
  entropy: 'entropy',
  transportCost: 'transport_cost',
  kl: 'kl',
  trustSlack: 'trust_slack',
  trustViolated: 'trust_violated',
  lambda: 'lambda',
  evalResidual: 'eval_residual',
  policyChange: 'policy_change',
  t: 't',
  wallMs: 'wall_ms',
  samples: 'samples',
  estimatorBias: 'estimator_bias',
  estimatorRms: 'estimator_rms',
  sampledMoveCost: 'sampled_move_cost',
  exactMoveCost: 'exact_move_cost',
  sampledViolation: 'sampled_violation',
  exactViolation: 'exact_violation',
};

/** Metrics every method defines at every iteration: null there means the value was not finite. */
export const ALWAYS_DEFINED_METRICS: readonly MetricKey[] = ['J', 'Jplain', 'gap', 'tv', 'entropy', 'evalResidual', 'wallMs'];

type Segment = RunRecord['backendSegments'][number];
type Diagnostics = RunRecord['diagnostics'];

interface RunRow {
  id: number;
  experiment_id: number | null;
  mdp_id: number;
  mdp_name: string;
  method: MethodId;
  label: string;
  options: string;
  backend: ComputeBackendId;
  backend_segments: string;
  seed: number;
  max_iterations: number;
  status: RunStatus;
  iterations: number;
  last_iteration: number | null;
  error: string | null;
  diagnostics: string;
  final: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  wall_ms: number | null;
  owner: string | null;
  heartbeat_at: string | null;
  lease_expires_at: string | null;
  lease_lapsed: number;
  tags: string;
  notes: string;
  app_version: string | null;
  config_hash: string | null;
  uid: string | null;
  init: string | null;
}

function toRecord(r: RunRow): RunRecord {
  return {
    id: r.id,
    experimentId: r.experiment_id,
    mdpId: r.mdp_id,
    mdpName: r.mdp_name,
    method: r.method,
    label: r.label,
    options: optionsFromJson(r.options),
    backend: r.backend,
    backendSegments: parseJson<Segment[]>(r.backend_segments, []),
    seed: r.seed,
    maxIterations: r.max_iterations,
    status: r.status,
    iterations: r.iterations,
    error: r.error,
    diagnostics: parseJson<Diagnostics>(r.diagnostics, {}),
    final: parseJson<IterationMetrics | null>(r.final, null),
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    wallMs: r.wall_ms,
    owner: r.owner,
    leaseExpiresAt: r.status === 'queued' || r.status === 'running' ? r.lease_expires_at : null,
    tags: parseJson<string[]>(r.tags, []),
    notes: r.notes,
    appVersion: r.app_version,
    configHash: r.config_hash,
    uid: r.uid ?? '',
    init: parseJson<RunInit | null>(r.init, null),
  };
}

/** Every column of runs but the initial policy's BLOB (runs:init reads that), with the MDP's name. */
export const RUN_SELECT = `SELECT r.id, r.experiment_id, r.mdp_id, r.method, r.label, r.options, r.backend, r.backend_segments, r.seed,
  r.max_iterations, r.status, r.iterations, r.last_iteration, r.error, r.diagnostics, r.final, r.created_at, r.started_at,
  r.finished_at, r.wall_ms, r.owner, r.heartbeat_at, r.lease_expires_at, r.lease_lapsed, r.tags, r.notes, r.app_version,
  r.config_hash, r.uid, r.init, m.name AS mdp_name FROM runs r JOIN mdps m ON m.id = r.mdp_id`;

/** The record of a stored run (for services that change runs outside runs:*). */
export function loadRunRecord(sql: SqliteDatabase, id: number): RunRecord {
  const r = sql.prepare<[number], RunRow>(`${RUN_SELECT} WHERE r.id = ?`).get(id);
  if (!r) throw notFound('run', id);
  return toRecord(r);
}

/** Policies travel as float64 little-endian BLOBs (policy_snapshots.policy, runs.init_policy). */
export const policyToBlob = (policy: readonly number[]): Buffer => Buffer.from(Float64Array.from(policy).buffer);
export function policyFromBlob(blob: Buffer): number[] {
  const copy = new Uint8Array(blob); // aligned copy
  return Array.from(new Float64Array(copy.buffer, 0, copy.byteLength / 8));
}

/** Options are stored as JSON; NaN (e.g. gamma = NaN, "keep the MDP's own") is written as the string 'NaN'. */
function optionsToJson(options: MethodOptions): string {
  return JSON.stringify(options, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v));
}
function optionsFromJson(text: string): MethodOptions {
  const raw = parseJson<Record<string, number | string>>(text, {});
  for (const [k, v] of Object.entries(raw)) if (v === 'NaN') raw[k] = NaN;
  return raw;
}

/**
 * The configuration hash of a run: sha-256 (hex) of the canonical JSON of what the run was asked, the
 * MDP (by its content hash), the method, its resolved options (NaN written as the string 'NaN'), the
 * seed and the iteration budget. The backend is not part of it (the same question on another backend).
 */
export function runConfigHash(c: { mdpHash: string; method: string; options: MethodOptions; seed: number; maxIterations: number }): string {
  const options = JSON.parse(optionsToJson(c.options)) as unknown;
  return createHash('sha256')
    .update(canonicalJson({ mdp: c.mdpHash, method: c.method, options, seed: c.seed, maxIterations: c.maxIterations }))
    .digest('hex');
}

/** a > b in lexicographic order (equal lengths). */
function lexicographicallyAbove(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] > b[i];
  return false;
}

/** Tags as stored: trimmed, non-empty, distinct, in the order given. */
export function normaliseTags(tags: readonly string[]): string[] {
  const out: string[] = [];
  for (const t of tags) {
    const v = t.trim();
    if (v && !out.includes(v)) out.push(v);
  }
  return out;
}

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** The init of runs:create as the payload carries it. */
type RunInitPayload = { kind: 'uniform' } | { kind: 'random'; seed?: number } | { kind: 'policy'; policy: number[]; source?: string };

/** Why `policy` is not an S x N stochastic matrix (row-major), or null. */
export function policyProblem(policy: readonly number[], S: number, N: number): string | null {
  if (policy.length !== S * N) return `has ${policy.length} values; the MDP needs S * N = ${S} * ${N} = ${S * N}`;
  for (let s = 0; s < S; s++) {
    let total = 0;
    for (let j = 0; j < N; j++) {
      const v = policy[s * N + j];
      if (!Number.isFinite(v) || v < 0) return `entry (state ${s}, action ${j}) must be a finite number >= 0, got ${v}`;
      total += v;
    }
    if (Math.abs(total - 1) > 1e-9) return `row of state ${s} sums to ${total}, not 1 (tolerance 1e-9)`;
  }
  return null;
}

/** Downsampling rule of runs:trace (src/shared/traceStride.ts). */
export { traceStride };

/** Rows per multi-row INSERT of trace points (16 columns: 512 bound values, far below SQLite's limit). */
const INSERT_BLOCK = 32;

/** The error text of a run whose owner stopped renewing its lease. */
export const LEASE_LAPSED_ERROR = 'the process computing the run stopped before it finished (its lease expired)';

/** Default lease of a run, ms: an owner renews it with every append and at least every leaseMs / 3. */
export const DEFAULT_LEASE_MS = 30_000;

/**
 * The lease length: `WORKBENCH_LEASE_MS` from the environment when it is an integer in
 * [200, 86 400 000] (tests use a short one; a user with very long GPU batches a longer one), else
 * DEFAULT_LEASE_MS.
 */
export function leaseMsFromEnv(env: Record<string, string | undefined> = process.env): number {
  const raw = env.WORKBENCH_LEASE_MS;
  if (raw === undefined || raw === '') return DEFAULT_LEASE_MS;
  const n = Number(raw);
  return Number.isInteger(n) && n >= 200 && n <= 86_400_000 ? n : DEFAULT_LEASE_MS;
}

/**
 * Mark 'interrupted' every queued or running run whose lease has expired at `now` (ISO; rows without a
 * lease, from schema version 2, count as expired). Returns their ids. Runs whose owner is still
 * renewing are left alone.
 */
export function recoverInterruptedRuns(sql: SqliteDatabase, now: string = new Date().toISOString()): number[] {
  const expired = "status IN ('queued', 'running') AND (lease_expires_at IS NULL OR lease_expires_at <= @now)";
  return sql.transaction(() => {
    const ids = sql.prepare<{ now: string }, number>(`SELECT id FROM runs WHERE ${expired} ORDER BY id`).pluck().all({ now });
    if (ids.length)
      sql
        .prepare(
          `UPDATE runs SET status = 'interrupted', finished_at = @now, lease_lapsed = 1,
             error = COALESCE(error, @error) WHERE ${expired}`,
        )
        .run({ now, error: LEASE_LAPSED_ERROR });
    return ids;
  }).immediate();
}

export function createRunHandlers(ctx: ServiceContext): HandlerMap<CallsOf<'runs'>> {
  const { sql } = ctx;
  const SELECT = RUN_SELECT;
  const getRow = sql.prepare<[number], RunRow>(`${SELECT} WHERE r.id = ?`);
  const mdpSizes = sql.prepare<[number], { states: number; actions: number; action_kind: string; name: string }>(
    'SELECT states, actions, action_kind, name FROM mdps WHERE id = ?',
  );
  const experimentExists = sql.prepare<[number], number>('SELECT 1 FROM experiments WHERE id = ?').pluck();
  const mdpDocument = sql.prepare<[number], string>('SELECT document FROM mdps WHERE id = ?').pluck();
  const mdpHash = sql.prepare<[number], string | null>('SELECT content_hash FROM mdps WHERE id = ?').pluck();
  const insertRun = sql.prepare(
    `INSERT INTO runs (experiment_id, mdp_id, method, label, options, backend, backend_segments, seed, max_iterations,
       status, created_at, owner, heartbeat_at, lease_expires_at, app_version, config_hash, uid, init, init_policy)
     VALUES (@experimentId, @mdpId, @method, @label, @options, @backend, @segments, @seed, @maxIterations, 'queued', @now,
       @owner, @now, @leaseUntil, @appVersion, @configHash, @uid, @init, @initPolicy)`,
  );
  const setStarted = sql.prepare("UPDATE runs SET status = 'running', started_at = ? WHERE id = ?");
  const renewLease = sql.prepare('UPDATE runs SET heartbeat_at = @now, lease_expires_at = @leaseUntil WHERE id = @id');
  const setOwner = sql.prepare('UPDATE runs SET owner = ? WHERE id = ?');
  const reclaim = sql.prepare(
    `UPDATE runs SET status = CASE WHEN started_at IS NULL THEN 'queued' ELSE 'running' END, finished_at = NULL,
       error = NULL, lease_lapsed = 0 WHERE id = ? AND status = 'interrupted' AND lease_lapsed = 1`,
  );
  const storedPoints = sql
    .prepare(
      `SELECT iteration, ${METRIC_KEYS.map((k) => METRIC_COLUMNS[k]).join(', ')} FROM trace_points
       WHERE run_id = ? AND iteration BETWEEN ? AND ? ORDER BY iteration`,
    )
    .raw();
  const storedSnapshot = sql.prepare<[number, number], { S: number; N: number; policy: Buffer }>(
    'SELECT S, N, policy FROM policy_snapshots WHERE run_id = ? AND iteration = ?',
  );
  const setProgress = sql.prepare(
    'UPDATE runs SET iterations = iterations + @stored, last_iteration = @last, final = @final, diagnostics = @diagnostics WHERE id = @id',
  );
  const setSegments = sql.prepare('UPDATE runs SET backend_segments = ? WHERE id = ?');
  const setFinished = sql.prepare(
    `UPDATE runs SET status = @status, error = @error, diagnostics = @diagnostics, finished_at = @now, lease_lapsed = 0,
       wall_ms = COALESCE(@wallMs, wall_ms) WHERE id = @id`,
  );
  const insertPoint = sql.prepare(
    `INSERT INTO trace_points (run_id, iteration, ${METRIC_KEYS.map((k) => METRIC_COLUMNS[k]).join(', ')})
     VALUES (?, ?, ${METRIC_KEYS.map(() => '?').join(', ')})`,
  );
  const pointColumns = `run_id, iteration, ${METRIC_KEYS.map((k) => METRIC_COLUMNS[k]).join(', ')}`;
  const rowPlaceholders = `(${new Array(METRIC_KEYS.length + 2).fill('?').join(', ')})`;
  const insertBlock = sql.prepare(`INSERT INTO trace_points (${pointColumns}) VALUES ${new Array(INSERT_BLOCK).fill(rowPlaceholders).join(', ')}`);
  const blockValues: (number | null)[] = new Array<number | null>(INSERT_BLOCK * (METRIC_KEYS.length + 2));
  const snapshotExists = sql.prepare<[number, number], number>('SELECT 1 FROM policy_snapshots WHERE run_id = ? AND iteration = ?').pluck();
  const insertSnapshot = sql.prepare('INSERT INTO policy_snapshots (run_id, iteration, S, N, policy) VALUES (?, ?, ?, ?, ?)');
  const listSnapshots = sql.prepare<[number], { iteration: number; S: number; N: number; policy: Buffer }>(
    'SELECT iteration, S, N, policy FROM policy_snapshots WHERE run_id = ? ORDER BY iteration',
  );
  const deleteRun = sql.prepare('DELETE FROM runs WHERE id = ?');
  const initPolicyOf = sql.prepare<[number], Buffer | null>('SELECT init_policy FROM runs WHERE id = ?').pluck();
  /** the MDP's default experiment; announced (onExperimentsChanged) when it had to be made */
  const defaultExperiment = (mdpId: number): number => {
    const d = defaultExperimentFor(sql, mdpId, ctx.now());
    if (d.created) ctx.events.emit('onExperimentsChanged', { ids: [d.id] });
    return d.id;
  };
  /**
   * The stored form of a run's init: {kind, seed | source} as JSON and, for a given policy, its S * N
   * values (rows of non-negative finite entries summing to 1 within 1e-9, as the compute side checks).
   */
  const storedInit = (init: RunInitPayload | undefined, seed: number, S: number, N: number): { init: string | null; policy: Buffer | null } => {
    if (init === undefined) return { init: null, policy: null };
    if (init.kind === 'uniform') return { init: JSON.stringify({ kind: 'uniform' }), policy: null };
    if (init.kind === 'random') return { init: JSON.stringify({ kind: 'random', seed: init.seed ?? seed }), policy: null };
    const problem = policyProblem(init.policy, S, N);
    if (problem) throw new WorkbenchApiError('invalid-payload', `init.policy: ${problem}`);
    return { init: JSON.stringify(init.source === undefined ? { kind: 'policy' } : { kind: 'policy', source: init.source }), policy: policyToBlob(init.policy) };
  };
  const firstIteration = sql
    .prepare<[number], number>('SELECT iteration FROM trace_points WHERE run_id = ? ORDER BY iteration LIMIT 1')
    .pluck();
  // runs:summary, in SQLite over the run's (run_id, iteration) key range. A finite value is one within
  // ±DBL_MAX: NULL (NaN is stored as NULL) and ±Infinity are left out, as summariseRun (shared/stats) does.
  const finiteSql = (c: string) => `(${c} BETWEEN -1.7976931348623157e308 AND 1.7976931348623157e308)`;
  const summaryAggregate = sql.prepare<{ id: number; target: number }, { bestJ: number | null; bestGap: number | null; itersToGap: number | null; violations: number | null }>(
    `SELECT MAX(CASE WHEN ${finiteSql('J')} THEN J END) AS bestJ,
            MIN(CASE WHEN ${finiteSql('gap')} THEN gap END) AS bestGap,
            MIN(CASE WHEN ${finiteSql('gap')} AND gap <= @target THEN iteration END) AS itersToGap,
            SUM(trust_violated = 1) AS violations
     FROM trace_points WHERE run_id = @id`,
  );
  // the last finite value: a backward scan of the key range that stops at the first hit
  const lastFinite = (c: string) =>
    sql.prepare<[number], number>(`SELECT ${c} FROM trace_points WHERE run_id = ? AND ${finiteSql(c)} ORDER BY iteration DESC LIMIT 1`).pluck();
  const summaryLastJ = lastFinite('J');
  const summaryLastGap = lastFinite('gap');
  const summaryWallAt = sql.prepare<[number, number], number | null>('SELECT wall_ms FROM trace_points WHERE run_id = ? AND iteration = ?').pluck();
  const oracleCandidates = sql.prepare<[number, string, number], RunRow>(
    `${SELECT} WHERE r.mdp_id = ? AND r.method = ? AND r.id <> ? AND r.status <> 'failed' ORDER BY r.id DESC`,
  );
  const initialRow = sql.prepare<[number], { J: number | null; entropy: number | null }>(
    'SELECT J, entropy FROM trace_points WHERE run_id = ? AND iteration = 0',
  );

  const row = (id: number): RunRow => {
    const r = getRow.get(id);
    if (!r) throw notFound('run', id);
    return r;
  };
  const record = (id: number): RunRecord => toRecord(row(id));
  const changed = (id: number): RunRecord => {
    const rec = record(id);
    ctx.events.emit('onRunChanged', rec);
    return rec;
  };
  /** like claim, for calls that may also arrive after the run ended (snapshots): never throws */
  const claimQuietly = (r: RunRow, owner: string): void => {
    if (r.status === 'interrupted' && r.lease_lapsed === 1 && r.owner === owner) reclaim.run(r.id);
    renewLease.run({ id: r.id, now: ctx.now(), leaseUntil: new Date(ctx.nowMs() + ctx.leaseMs).toISOString() });
  };
  const requireActive = (r: RunRow, action: string): void => {
    if (r.status !== 'queued' && r.status !== 'running')
      throw new WorkbenchApiError('conflict', `cannot ${action}: run ${r.id} is already ${r.status}`);
  };
  const leaseUntil = (): string => new Date(ctx.nowMs() + ctx.leaseMs).toISOString();
  const leaseExpired = (r: RunRow): boolean => r.lease_expires_at === null || r.lease_expires_at <= ctx.now();
  /**
   * The caller computes run `r`: it must be queued/running, or interrupted by a lapsed lease and
   * `owner` its owner (then it is re-claimed). Renews the lease. Returns the current row.
   */
  const claim = (r: RunRow, owner: string, action: string): RunRow => {
    if (r.status === 'interrupted' && r.lease_lapsed === 1 && r.owner !== null && r.owner === owner) {
      reclaim.run(r.id);
      r = row(r.id);
    }
    requireActive(r, action);
    renewLease.run({ id: r.id, now: ctx.now(), leaseUntil: leaseUntil() });
    return r;
  };

  /** per metric: [key, is trustViolated, always defined] — the loop below runs once per stored value */
  const metricPlan = METRIC_KEYS.map((k) => [k, k === 'trustViolated', ALWAYS_DEFINED_METRICS.includes(k)] as const);
  /** the stored cells of point p, in the order of METRIC_KEYS, into values[2..] */
  const cellsOf = (p: IterationMetrics, values: (number | null)[]): { metric: string; iteration: number } | null => {
    let firstBad: { metric: string; iteration: number } | null = null;
    const rec = p as unknown as Record<string, unknown>;
    values[1] = p.iteration;
    for (let c = 0; c < metricPlan.length; c++) {
      const [key, isFlag, always] = metricPlan[c];
      const v = rec[key];
      if (isFlag) {
        values[c + 2] = v === true ? 1 : v === false ? 0 : null;
        continue;
      }
      if (typeof v === 'number' && (Number.isFinite(v) || (!always && (v === Infinity || v === -Infinity)))) values[c + 2] = v;
      else {
        values[c + 2] = null;
        if (firstBad === null && (always || (typeof v === 'number' && Number.isNaN(v)))) firstBad = { metric: key, iteration: p.iteration };
      }
    }
    return firstBad;
  };
  /**
   * Points at or below the stored last iteration must equal the stored rows (a retried batch whose
   * response was lost): returns how many leading points are already stored, or throws a conflict.
   */
  const alreadyStored = (r: RunRow, points: IterationMetrics[]): number => {
    const last = r.last_iteration;
    if (last === null || points[0].iteration > last) return 0;
    let k = 0;
    while (k < points.length && points[k].iteration <= last) k++;
    const rows = storedPoints.all(r.id, points[0].iteration, points[k - 1].iteration) as (number | null)[][];
    const values: (number | null)[] = new Array<number | null>(METRIC_KEYS.length + 2);
    let j = 0;
    for (let i = 0; i < k; i++) {
      const p = points[i];
      while (j < rows.length && (rows[j][0] as number) < p.iteration) j++;
      const stored = j < rows.length && rows[j][0] === p.iteration ? rows[j] : null;
      cellsOf(p, values);
      const same = stored !== null && values.every((v, c) => c === 0 || Object.is(v, stored[c - 1]) || v === stored[c - 1]);
      if (!same)
        throw new WorkbenchApiError(
          'conflict',
          stored === null
            ? `points[${i}].iteration ${p.iteration} is at or below the last stored iteration ${last} of run ${r.id} but was never stored; nothing was stored`
            : `points[${i}] (iteration ${p.iteration}) overlaps the stored trace of run ${r.id} with different values (last stored iteration ${last}); nothing was stored`,
        );
    }
    return k;
  };
  const appendTrace = sql.transaction((r: RunRow, points: IterationMetrics[]) => {
    const diagnostics = parseJson<Diagnostics>(r.diagnostics, {});
    let firstBad: { metric: string; iteration: number } | null = null;
    const width = METRIC_KEYS.length + 2;
    const values: (number | null)[] = new Array<number | null>(width);
    values[0] = r.id;
    // full blocks of INSERT_BLOCK rows through one multi-row statement (one binding call per block)
    let i = 0;
    for (; i + INSERT_BLOCK <= points.length; i += INSERT_BLOCK) {
      for (let k = 0; k < INSERT_BLOCK; k++) {
        const bad = cellsOf(points[i + k], values);
        if (firstBad === null) firstBad = bad;
        const base = k * width;
        for (let c = 0; c < width; c++) blockValues[base + c] = values[c];
      }
      insertBlock.run(blockValues);
    }
    for (; i < points.length; i++) {
      const bad = cellsOf(points[i], values);
      if (firstBad === null) firstBad = bad;
      insertPoint.run(values);
    }
    if (points.length === 0) return;
    const lastPoint = points[points.length - 1] as unknown as Record<string, unknown>;
    const final: Record<string, unknown> = { iteration: lastPoint.iteration };
    for (const key of METRIC_KEYS) {
      const v = lastPoint[key];
      final[key] = key === 'trustViolated' ? (typeof v === 'boolean' ? v : null) : finite(v) ? v : null;
    }
    if (firstBad && typeof diagnostics.nonFiniteMetric !== 'string') {
      diagnostics.nonFiniteMetric = firstBad.metric;
      diagnostics.nonFiniteIteration = firstBad.iteration;
    }
    setProgress.run({
      id: r.id,
      stored: points.length,
      last: points[points.length - 1].iteration,
      final: JSON.stringify(final),
      diagnostics: JSON.stringify(diagnostics),
    });
  });

  /**
   * runs:oracle: the exact run of run r's configuration (OracleAnswer in shared/api.ts). Candidates: same
   * MDP and method, not failed, no sampled estimator, the same options once the estimator block is left
   * out, the same seed when the exact run reads one, and the same iteration-0 row (the same initial
   * policy) when both have one. Ranked: same seed, completed, most iterations, newest.
   */
  const oracleOf = (r: RunRow): OracleAnswer => {
    const options = optionsFromJson(r.options);
    if (!isSampled(options)) return { sampled: false, oracleId: null, config: null };
    const exact = exactOptionsOf(options) as MethodOptions;
    const key = optionsToJson(exact);
    const canon = canonicalJson(JSON.parse(key));
    const own = initialRow.get(r.id);
    // the same initial policy evaluated in f64 on both sides agrees to round-off; a WebGPU row 0 is f32
    const close = (a: number | null, b: number | null, rel: number): boolean =>
      a === null || b === null ? a === b : Math.abs(a - b) <= rel * Math.max(1, Math.abs(a), Math.abs(b));
    const seeded = exactRunReadsSeed(r.method);
    let best: { row: RunRow; rank: number[] } | null = null;
    for (const c of oracleCandidates.all(r.mdp_id, r.method, r.id)) {
      if (seeded && c.seed !== r.seed) continue;
      const co = optionsFromJson(c.options);
      if (isSampled(co) || canonicalJson(JSON.parse(optionsToJson(exactOptionsOf(co) as MethodOptions))) !== canon) continue;
      const init = initialRow.get(c.id);
      const rel = r.backend === 'webgpu' || c.backend === 'webgpu' ? 1e-5 : 1e-9;
      if (own && init && !(close(own.J, init.J, rel) && close(own.entropy, init.entropy, rel))) continue;
      const rank = [c.seed === r.seed ? 1 : 0, c.status === 'completed' ? 1 : 0, c.iterations, c.id];
      if (!best || lexicographicallyAbove(rank, best.rank)) best = { row: c, rank };
    }
    return {
      sampled: true,
      oracleId: best ? best.row.id : null,
      config: { mdpId: r.mdp_id, method: r.method, options: exact, seed: r.seed, maxIterations: r.max_iterations },
    };
  };

  return {
    'runs:oracle': ({ id }) => oracleOf(row(id)),

    'runs:list': ({ mdpId, experimentId, status }) => {
      const where: string[] = [];
      const params: (number | string)[] = [];
      if (mdpId !== undefined) (where.push('r.mdp_id = ?'), params.push(mdpId));
      if (experimentId !== undefined) (where.push('r.experiment_id = ?'), params.push(experimentId));
      if (status !== undefined) (where.push('r.status = ?'), params.push(status));
      const rows = sql
        .prepare<(number | string)[], RunRow>(`${SELECT}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY r.id DESC`)
        .all(...params);
      return rows.map(toRecord);
    },

    'runs:get': ({ id }) => record(id),

    'runs:create': (p) => {
      const mdp = mdpSizes.get(p.mdpId);
      if (!mdp) throw notFound('MDP', p.mdpId);
      if (p.experimentId != null && !experimentExists.get(p.experimentId)) throw notFound('experiment', p.experimentId);
      // null = the option left out (the method spec's default, or "derived" / the MDP's gamma);
      // the cross-checks that need the MDP (radius <= max cost, NPG's alpha, Langevin's dt) run on its facts
      const documentText = mdpDocument.get(p.mdpId)!;
      const compiled = compileMdp(JSON.parse(documentText));
      const resolved = resolveMethodOptions(p.method, p.options, compiled.ok ? mdpFacts(compiled.mdp) : { N: mdp.actions });
      if (!resolved.ok) throw new WorkbenchApiError('invalid-payload', `invalid options for ${p.method}`, resolved.errors);
      const info = methodInfo(p.method)!;
      const problems: string[] = [];
      if (info.actions === 'box' && mdp.action_kind !== 'box')
        problems.push(`${p.method} needs a continuous action box; MDP '${mdp.name}' has discrete actions`);
      if (info.needsTau && !(Number(resolved.options.tau) > 0))
        problems.push(`${p.method} needs tau > 0 (entropy regularisation), got ${String(resolved.options.tau)}`);
      if (problems.length) throw new WorkbenchApiError('invalid-payload', `${p.method} cannot run on this MDP`, problems);
      const init = storedInit(p.init, p.seed, mdp.states, mdp.actions);
      const id = Number(
        insertRun.run({
          experimentId: p.experimentId ?? defaultExperiment(p.mdpId),
          uid: newUid(),
          init: init.init,
          initPolicy: init.policy,
          mdpId: p.mdpId,
          method: p.method,
          label: p.label ?? '',
          options: optionsToJson(resolved.options),
          backend: p.backend,
          segments: JSON.stringify([{ from: 0, backend: p.backend }] satisfies Segment[]),
          seed: p.seed,
          maxIterations: p.maxIterations,
          now: ctx.now(),
          owner: p.owner ?? ctx.owner,
          leaseUntil: leaseUntil(),
          appVersion: ctx.appVersion,
          configHash: runConfigHash({
            mdpHash: mdpHash.get(p.mdpId) ?? mdpContentHash(JSON.parse(documentText)),
            method: p.method,
            options: resolved.options,
            seed: p.seed,
            maxIterations: p.maxIterations,
          }),
        }).lastInsertRowid,
      );
      return changed(id);
    },

    'runs:start': ({ id, owner }) => {
      let r = row(id);
      if (r.status === 'running' && r.owner === (owner ?? ctx.owner)) {
        renewLease.run({ id, now: ctx.now(), leaseUntil: leaseUntil() });
        return record(id);
      }
      if (r.status !== 'queued' && !(r.status === 'interrupted' && r.lease_lapsed === 1))
        throw new WorkbenchApiError('conflict', `cannot start run ${id}: it is ${r.status}`);
      r = claim(r, owner ?? ctx.owner, `start run ${id}`);
      if (owner !== undefined && r.owner !== owner) setOwner.run(owner, id);
      if (r.status === 'queued') setStarted.run(ctx.now(), id);
      return changed(id);
    },

    'runs:appendTrace': ({ id, points, owner }) => {
      let previous: number | null = null;
      for (let i = 0; i < points.length; i++) {
        const it = points[i].iteration;
        if (previous !== null && it <= previous)
          throw new WorkbenchApiError(
            'conflict',
            `points[${i}].iteration ${it} is not after points[${i - 1}].iteration ${previous}; iterations must strictly increase; nothing was stored`,
          );
        previous = it;
      }
      const r = claim(row(id), owner ?? ctx.owner, 'append to the trace');
      const skip = alreadyStored(r, points);
      if (skip < points.length) {
        appendTrace.immediate(r, skip ? points.slice(skip) : points);
        const after = changed(id);
        return { stored: points.length - skip, iterations: after.iterations, lastIteration: after.final?.iteration ?? null };
      }
      return { stored: 0, iterations: r.iterations, lastIteration: r.last_iteration };
    },

    'runs:heartbeat': ({ id, owner }) => {
      let r = row(id);
      const who = owner ?? ctx.owner;
      if (r.status === 'queued' || r.status === 'running' || (r.status === 'interrupted' && r.lease_lapsed === 1 && r.owner === who)) {
        if (r.owner !== null && r.owner !== who && !leaseExpired(r))
          throw new WorkbenchApiError('conflict', `run ${id} is computed by ${r.owner}; its lease holds until ${String(r.lease_expires_at)}`);
        const was = r.status;
        r = claim(r, who, 'renew the lease');
        if (r.owner !== who) setOwner.run(who, id);
        r = row(id);
        if (was !== r.status) changed(id);
      }
      return {
        id,
        status: r.status,
        iterations: r.iterations,
        lastIteration: r.last_iteration,
        leaseExpiresAt: r.status === 'queued' || r.status === 'running' ? r.lease_expires_at : null,
        leaseMs: ctx.leaseMs,
      };
    },

    'runs:addSnapshot': ({ id, iteration, policy, owner }) => {
      const r = row(id);
      const mdp = mdpSizes.get(r.mdp_id)!;
      const S = mdp.states;
      const N = mdp.actions;
      if (policy.length !== S * N)
        throw new WorkbenchApiError('invalid-payload', `policy has ${policy.length} values; MDP ${r.mdp_id} needs S * N = ${S} * ${N} = ${S * N}`);
      const bytes = policyToBlob(policy);
      if (snapshotExists.get(id, iteration)) {
        // the same snapshot again (a retry after a lost response) is accepted; a different one is not
        const have = storedSnapshot.get(id, iteration)!;
        if (have.S === S && have.N === N && Buffer.compare(have.policy, bytes) === 0) return { stored: true };
        throw new WorkbenchApiError('conflict', `run ${id} already has a different snapshot at iteration ${iteration}`);
      }
      if (r.status === 'queued' || r.status === 'running' || r.lease_lapsed === 1) claimQuietly(r, owner ?? ctx.owner);
      insertSnapshot.run(id, iteration, S, N, bytes);
      return { stored: true };
    },

    'runs:recordBackend': ({ id, from, backend, reason, owner }) => {
      const r = claim(row(id), owner ?? ctx.owner, 'record a backend change');
      const segments = parseJson<Segment[]>(r.backend_segments, []);
      const last = segments[segments.length - 1];
      if (last && from < last.from)
        throw new WorkbenchApiError('conflict', `backend segment from iteration ${from} starts before the last one (${last.from})`);
      const segment: Segment = reason === undefined ? { from, backend } : { from, backend, reason };
      if (last && last.from === from) segments[segments.length - 1] = segment;
      else segments.push(segment);
      setSegments.run(JSON.stringify(segments), id);
      return changed(id);
    },

    'runs:finish': ({ id, status, error, diagnostics, wallMs, owner }) => {
      let r = row(id);
      const who = owner ?? ctx.owner;
      // a retried finish (its response was lost) finds the run already so
      if (r.status === status && r.owner === who) return record(id);
      if (status === 'interrupted' && r.owner !== null && r.owner !== who && !leaseExpired(r))
        throw new WorkbenchApiError('conflict', `cannot mark run ${id} interrupted: it is computed by ${r.owner} (its lease holds)`);
      if (r.status === 'interrupted' && r.lease_lapsed === 1 && r.owner === who) r = claim(r, who, `mark it ${status}`);
      requireActive(r, `mark it ${status}`);
      const stored = parseJson<Diagnostics>(r.diagnostics, {});
      const merged: Diagnostics = { ...stored, ...(diagnostics ?? {}) };
      let finalStatus: RunStatus = status;
      let finalError = error ?? null;
      if (typeof stored.nonFiniteMetric === 'string') {
        merged.nonFiniteMetric = stored.nonFiniteMetric;
        merged.nonFiniteIteration = stored.nonFiniteIteration ?? null;
        if (status === 'completed') {
          finalStatus = 'failed';
          const why = `non-finite ${stored.nonFiniteMetric} at iteration ${String(stored.nonFiniteIteration)} (stored as null)`;
          finalError = finalError ? `${finalError}; ${why}` : why;
        }
      }
      setFinished.run({
        id,
        status: finalStatus,
        error: finalError,
        diagnostics: JSON.stringify(merged),
        now: ctx.now(),
        wallMs: wallMs ?? null,
      });
      return changed(id);
    },

    'runs:trace': ({ ids, metrics, maxPoints, envelope }) => {
      // the schema admits METRIC_KEYS only ('iteration' is always returned)
      const keys: MetricKey[] = metrics && metrics.length ? [...new Set(metrics as MetricKey[])] : [...METRIC_KEYS];
      if (envelope && !keys.includes(envelope)) keys.push(envelope);
      const cols = keys.map((k) => METRIC_COLUMNS[k]).join(', ');
      const all = sql.prepare(`SELECT iteration, ${cols} FROM trace_points WHERE run_id = ? ORDER BY iteration`).raw();
      // contiguous iterations (the usual case): position k = iteration - first, a plain filtered range scan
      const sampledContiguous = sql
        .prepare(
          `SELECT iteration, ${cols} FROM trace_points
           WHERE run_id = ? AND ((iteration - ?) % ? = 0 OR iteration = ?) ORDER BY iteration`,
        )
        .raw();
      // gaps in the numbering: number the rows first
      const sampledByRow = sql
        .prepare(
          `SELECT iteration, ${cols} FROM (
             SELECT row_number() OVER (ORDER BY iteration) - 1 AS k, iteration, ${cols}
             FROM trace_points WHERE run_id = ?)
           WHERE k % ? = 0 OR k = ? ORDER BY iteration`,
        )
        .raw();
      // the min/max envelope: per bucket of `stride` rows, its first row (the strided sample above) and the
      // rows holding the smallest and the largest value of the envelope metric, so a spike between strided
      // rows is still drawn. Bucketed in SQL: one MIN and one MAX aggregate per bucket, whose bare columns
      // are those of the row where the extreme was found (SQLite's documented rule); nothing per stored row
      // runs in JavaScript, only the ~3 x budget rows kept come back. Buckets by iteration where the
      // numbering is contiguous (a plain range scan; parameters first, stride, id), else by row number
      // (stride, id). better-sqlite3 binds numbers as REAL, hence the casts.
      const envCol = envelope ? METRIC_COLUMNS[envelope] : null;
      const extremeRows = (fn: 'MIN' | 'MAX', position: string) =>
        sql
          .prepare(
            `SELECT iteration, ${cols}, ${fn}(${envCol}) FROM (
               SELECT ${position} / CAST(? AS INTEGER) AS b, iteration, ${cols} FROM trace_points WHERE run_id = ?)
             WHERE ${envCol} IS NOT NULL GROUP BY b`,
          )
          .raw();
      const byIterationPosition = '(iteration - CAST(? AS INTEGER))';
      const byRowPosition = '(row_number() OVER (ORDER BY iteration) - 1)';
      const bucketQueries = envCol
        ? {
            contiguous: [extremeRows('MIN', byIterationPosition), extremeRows('MAX', byIterationPosition)],
            numbered: [extremeRows('MIN', byRowPosition), extremeRows('MAX', byRowPosition)],
          }
        : null;
      const envelopeRows = (id: number, stride: number, strided: (number | null)[][], first: number | null): (number | null)[][] => {
        const byIteration = new Map<number, (number | null)[]>();
        for (const r of strided) byIteration.set(r[0] as number, r);
        const extremes =
          first === null ? bucketQueries!.numbered.map((q) => q.all(stride, id)) : bucketQueries!.contiguous.map((q) => q.all(first, stride, id));
        for (const q of extremes)
          for (const r of q as (number | null)[][]) {
            const it = r[0] as number;
            // drop the aggregate's own column
            if (!byIteration.has(it)) byIteration.set(it, r.slice(0, r.length - 1));
          }
        return [...byIteration.values()].sort((a, b) => (a[0] as number) - (b[0] as number));
      };
      const out: TraceColumns[] = [];
      for (const id of ids) {
        const r = row(id);
        const total = r.iterations;
        // with an envelope each bucket gives up to three rows (its first, its min, its max)
        const budget = maxPoints === undefined ? undefined : envelope ? Math.max(2, Math.floor((maxPoints - 1) / 3)) : maxPoints;
        const stride = maxPoints === undefined || budget === undefined || total <= maxPoints ? 1 : traceStride(total, budget);
        let rows: (number | null)[][];
        if (stride === 1) rows = all.all(id) as (number | null)[][];
        else {
          // every stride-th row and the last (the first row of each envelope bucket)
          const first = firstIteration.get(id) ?? 0;
          const contiguous = r.last_iteration !== null && r.last_iteration - first + 1 === total;
          rows = (contiguous ? sampledContiguous.all(id, first, stride, r.last_iteration) : sampledByRow.all(id, stride, total - 1)) as (number | null)[][];
          if (envelope) rows = envelopeRows(id, stride, rows, contiguous ? first : null);
        }
        const iteration = new Array<number>(rows.length);
        const columns: TraceColumns['columns'] = {};
        const arrays = keys.map(() => new Array<number | null>(rows.length));
        for (let i = 0; i < rows.length; i++) {
          const cells = rows[i];
          iteration[i] = cells[0] as number;
          for (let c = 0; c < keys.length; c++) arrays[c][i] = cells[c + 1];
        }
        keys.forEach((k, c) => (columns[k] = arrays[c]));
        out.push({ runId: id, iteration, columns, total, ...(envelope && stride > 1 ? { envelope } : {}) });
      }
      return out;
    },

    'runs:summary': ({ ids, gapTarget }) => {
      const out: RunTraceSummary[] = [];
      for (const id of ids) {
        const r = row(id);
        const a = summaryAggregate.get({ id, target: gapTarget }) ?? { bestJ: null, bestGap: null, itersToGap: null, violations: null };
        const finalJ = summaryLastJ.get(id) ?? null;
        const finalGap = summaryLastGap.get(id) ?? null;
        const w = a.itersToGap === null ? null : summaryWallAt.get(id, a.itersToGap);
        out.push({
          runId: id,
          total: r.iterations,
          finalJ,
          bestJ: a.bestJ,
          finalGap,
          bestGap: a.bestGap,
          itersToGap: a.itersToGap,
          timeToGapMs: typeof w === 'number' && Number.isFinite(w) ? w : null,
          violations: a.violations ?? 0,
        });
      }
      return out;
    },

    'runs:snapshots': ({ id }) => {
      row(id);
      return listSnapshots.all(id).map((s): PolicySnapshot => ({ runId: id, iteration: s.iteration, S: s.S, N: s.N, policy: policyFromBlob(s.policy) }));
    },

    'runs:delete': ({ id }) => {
      const deleted = deleteRun.run(id).changes > 0;
      if (deleted) ctx.events.emit('onRunsDeleted', { ids: [id] });
      return { deleted };
    },

    'runs:update': ({ id, label, tags, notes, experimentId }) => {
      const r = row(id);
      if (experimentId != null && !experimentExists.get(experimentId)) throw notFound('experiment', experimentId);
      const sets: string[] = [];
      const params: Record<string, string | number | null> = { id };
      if (label !== undefined) (sets.push('label = @label'), (params.label = label));
      if (tags !== undefined) (sets.push('tags = @tags'), (params.tags = JSON.stringify(normaliseTags(tags))));
      if (notes !== undefined) (sets.push('notes = @notes'), (params.notes = notes));
      // null: back to the MDP's default experiment (every run belongs to one)
      if (experimentId !== undefined) (sets.push('experiment_id = @experimentId'), (params.experimentId = experimentId ?? defaultExperiment(r.mdp_id)));
      if (sets.length) sql.prepare(`UPDATE runs SET ${sets.join(', ')} WHERE id = @id`).run(params);
      return changed(id);
    },

    // --- issue 9: bulk actions and the stored init (kept together at the end for easy merges)

    'runs:updateMany': ({ ids, addTags, removeTags, experimentId }) => {
      const unique = [...new Set(ids)];
      const rows = unique.map(row); // every id must exist before anything changes
      if (experimentId != null && !experimentExists.get(experimentId)) throw notFound('experiment', experimentId);
      const add = normaliseTags(addTags ?? []);
      const remove = new Set(normaliseTags(removeTags ?? []));
      const setTags = sql.prepare('UPDATE runs SET tags = ? WHERE id = ?');
      const setExperiment = sql.prepare('UPDATE runs SET experiment_id = ? WHERE id = ?');
      sql.transaction(() => {
        for (const r of rows) {
          if (add.length || remove.size) {
            const tags = normaliseTags([...parseJson<string[]>(r.tags, []), ...add]).filter((t) => !remove.has(t));
            if (tags.length > 50) throw new WorkbenchApiError('invalid-payload', `run ${r.id} would have ${tags.length} tags; at most 50; nothing was changed`);
            setTags.run(JSON.stringify(tags), r.id);
          }
          if (experimentId !== undefined) setExperiment.run(experimentId ?? defaultExperimentFor(sql, r.mdp_id, ctx.now()).id, r.id);
        }
      }).immediate();
      if (experimentId !== undefined) ctx.events.emit('onExperimentsChanged', { ids: experimentId === null ? [] : [experimentId] });
      return unique.map((id) => changed(id));
    },

    'runs:deleteMany': ({ ids }) => {
      const unique = [...new Set(ids)];
      const deleted = sql.transaction(() => unique.filter((id) => deleteRun.run(id).changes > 0)).immediate();
      if (deleted.length) ctx.events.emit('onRunsDeleted', { ids: deleted });
      return { deleted: deleted.length, ids: deleted };
    },

    'runs:init': ({ id }) => {
      const r = record(id);
      const blob = initPolicyOf.get(id) ?? null;
      return { id, init: r.init, policy: blob ? policyFromBlob(blob) : null };
    },
  };
}
