/**
 * `runs:*` — runs, their traces and policy snapshots.
 *
 * Life cycle: runs:create → 'queued'; runs:start → 'running'; runs:appendTrace / runs:addSnapshot /
 * runs:recordBackend while queued or running; runs:finish → completed | failed | cancelled |
 * interrupted (once: finishing a finished run is a 'conflict'). At start-up every run still queued or
 * running is marked 'interrupted' (`recoverInterruptedRuns`), keeping the trace it had stored.
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
  type PolicySnapshot,
  type RunRecord,
  type RunStatus,
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
import { notFound, parseJson, type CallsOf, type HandlerMap, type ServiceContext } from './context';
import type { SqliteDatabase } from '../db';

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
  };
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

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * Downsampling rule of runs:trace: of `total` points keep those with 0-based position k where
 * k % stride == 0, plus the last; at most maxPoints in all.
 */
export function traceStride(total: number, maxPoints: number): number {
  if (total <= maxPoints) return 1;
  if (maxPoints <= 2) return Math.max(1, total); // first and last only
  return Math.ceil((total - 1) / (maxPoints - 2));
}

/** Mark every queued or running run 'interrupted' (start-up after a crash or a closed app). Returns their ids. */
export function recoverInterruptedRuns(sql: SqliteDatabase, now: string = new Date().toISOString()): number[] {
  const ids = sql
    .prepare<[], number>("SELECT id FROM runs WHERE status IN ('queued', 'running') ORDER BY id")
    .pluck()
    .all();
  if (ids.length)
    sql
      .prepare(
        `UPDATE runs SET status = 'interrupted', finished_at = ?,
           error = COALESCE(error, 'the app stopped before the run finished')
         WHERE status IN ('queued', 'running')`,
      )
      .run(now);
  return ids;
}

export function createRunHandlers(ctx: ServiceContext): HandlerMap<CallsOf<'runs'>> {
  const { sql } = ctx;
  const SELECT = 'SELECT r.*, m.name AS mdp_name FROM runs r JOIN mdps m ON m.id = r.mdp_id';
  const getRow = sql.prepare<[number], RunRow>(`${SELECT} WHERE r.id = ?`);
  const mdpSizes = sql.prepare<[number], { states: number; actions: number; action_kind: string; name: string }>(
    'SELECT states, actions, action_kind, name FROM mdps WHERE id = ?',
  );
  const experimentExists = sql.prepare<[number], number>('SELECT 1 FROM experiments WHERE id = ?').pluck();
  const mdpDocument = sql.prepare<[number], string>('SELECT document FROM mdps WHERE id = ?').pluck();
  const insertRun = sql.prepare(
    `INSERT INTO runs (experiment_id, mdp_id, method, label, options, backend, backend_segments, seed, max_iterations,
       status, created_at)
     VALUES (@experimentId, @mdpId, @method, @label, @options, @backend, @segments, @seed, @maxIterations, 'queued', @now)`,
  );
  const setStarted = sql.prepare("UPDATE runs SET status = 'running', started_at = ? WHERE id = ?");
  const setProgress = sql.prepare(
    'UPDATE runs SET iterations = iterations + @stored, last_iteration = @last, final = @final, diagnostics = @diagnostics WHERE id = @id',
  );
  const setSegments = sql.prepare('UPDATE runs SET backend_segments = ? WHERE id = ?');
  const setFinished = sql.prepare(
    `UPDATE runs SET status = @status, error = @error, diagnostics = @diagnostics, finished_at = @now,
       wall_ms = COALESCE(@wallMs, wall_ms) WHERE id = @id`,
  );
  const insertPoint = sql.prepare(
    `INSERT INTO trace_points (run_id, iteration, ${METRIC_KEYS.map((k) => METRIC_COLUMNS[k]).join(', ')})
     VALUES (?, ?, ${METRIC_KEYS.map(() => '?').join(', ')})`,
  );
  const snapshotExists = sql.prepare<[number, number], number>('SELECT 1 FROM policy_snapshots WHERE run_id = ? AND iteration = ?').pluck();
  const insertSnapshot = sql.prepare('INSERT INTO policy_snapshots (run_id, iteration, S, N, policy) VALUES (?, ?, ?, ?, ?)');
  const listSnapshots = sql.prepare<[number], { iteration: number; S: number; N: number; policy: Buffer }>(
    'SELECT iteration, S, N, policy FROM policy_snapshots WHERE run_id = ? ORDER BY iteration',
  );
  const deleteRun = sql.prepare('DELETE FROM runs WHERE id = ?');
  const firstIteration = sql
    .prepare<[number], number>('SELECT iteration FROM trace_points WHERE run_id = ? ORDER BY iteration LIMIT 1')
    .pluck();

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
  const requireActive = (r: RunRow, action: string): void => {
    if (r.status !== 'queued' && r.status !== 'running')
      throw new WorkbenchApiError('conflict', `cannot ${action}: run ${r.id} is already ${r.status}`);
  };

  /** per metric: [key, is trustViolated, always defined] — the loop below runs once per stored value */
  const metricPlan = METRIC_KEYS.map((k) => [k, k === 'trustViolated', ALWAYS_DEFINED_METRICS.includes(k)] as const);
  const appendTrace = sql.transaction((r: RunRow, points: IterationMetrics[]) => {
    const diagnostics = parseJson<Diagnostics>(r.diagnostics, {});
    let firstBad: { metric: string; iteration: number } | null = null;
    const values: (number | null)[] = new Array<number | null>(METRIC_KEYS.length + 2);
    values[0] = r.id;
    for (const p of points) {
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
      insertPoint.run(values);
    }
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

  return {
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
      const compiled = compileMdp(JSON.parse(mdpDocument.get(p.mdpId)!));
      const resolved = resolveMethodOptions(p.method, p.options, compiled.ok ? mdpFacts(compiled.mdp) : { N: mdp.actions });
      if (!resolved.ok) throw new WorkbenchApiError('invalid-payload', `invalid options for ${p.method}`, resolved.errors);
      const info = methodInfo(p.method)!;
      const problems: string[] = [];
      if (info.actions === 'box' && mdp.action_kind !== 'box')
        problems.push(`${p.method} needs a continuous action box; MDP '${mdp.name}' has discrete actions`);
      if (info.needsTau && !(Number(resolved.options.tau) > 0))
        problems.push(`${p.method} needs tau > 0 (entropy regularisation), got ${String(resolved.options.tau)}`);
      if (problems.length) throw new WorkbenchApiError('invalid-payload', `${p.method} cannot run on this MDP`, problems);
      const id = Number(
        insertRun.run({
          experimentId: p.experimentId ?? null,
          mdpId: p.mdpId,
          method: p.method,
          label: p.label ?? '',
          options: optionsToJson(resolved.options),
          backend: p.backend,
          segments: JSON.stringify([{ from: 0, backend: p.backend }] satisfies Segment[]),
          seed: p.seed,
          maxIterations: p.maxIterations,
          now: ctx.now(),
        }).lastInsertRowid,
      );
      return changed(id);
    },

    'runs:start': ({ id }) => {
      const r = row(id);
      if (r.status === 'running') return record(id);
      if (r.status !== 'queued') throw new WorkbenchApiError('conflict', `cannot start run ${id}: it is ${r.status}`);
      setStarted.run(ctx.now(), id);
      return changed(id);
    },

    'runs:appendTrace': ({ id, points }) => {
      const r = row(id);
      requireActive(r, 'append to the trace');
      let previous = r.last_iteration;
      for (let i = 0; i < points.length; i++) {
        const it = points[i].iteration;
        if (previous !== null && it <= previous) {
          throw new WorkbenchApiError(
            'conflict',
            i === 0
              ? `points[0].iteration ${it} overlaps the stored trace of run ${id} (last stored iteration ${previous}); nothing was stored`
              : `points[${i}].iteration ${it} is not after points[${i - 1}].iteration ${previous}; iterations must strictly increase; nothing was stored`,
          );
        }
        previous = it;
      }
      appendTrace.immediate(r, points);
      const after = changed(id);
      return { stored: points.length, iterations: after.iterations };
    },

    'runs:addSnapshot': ({ id, iteration, policy }) => {
      const r = row(id);
      const mdp = mdpSizes.get(r.mdp_id)!;
      const S = mdp.states;
      const N = mdp.actions;
      if (policy.length !== S * N)
        throw new WorkbenchApiError('invalid-payload', `policy has ${policy.length} values; MDP ${r.mdp_id} needs S * N = ${S} * ${N} = ${S * N}`);
      if (snapshotExists.get(id, iteration))
        throw new WorkbenchApiError('conflict', `run ${id} already has a snapshot at iteration ${iteration}`);
      const bytes = Buffer.from(Float64Array.from(policy).buffer);
      insertSnapshot.run(id, iteration, S, N, bytes);
      return { stored: true };
    },

    'runs:recordBackend': ({ id, from, backend, reason }) => {
      const r = row(id);
      requireActive(r, 'record a backend change');
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

    'runs:finish': ({ id, status, error, diagnostics, wallMs }) => {
      const r = row(id);
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

    'runs:trace': ({ ids, metrics, maxPoints }) => {
      // the schema admits METRIC_KEYS only ('iteration' is always returned)
      const keys: MetricKey[] = metrics && metrics.length ? [...new Set(metrics as MetricKey[])] : [...METRIC_KEYS];
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
      const out: TraceColumns[] = [];
      for (const id of ids) {
        const r = row(id);
        const total = r.iterations;
        const stride = maxPoints === undefined ? 1 : traceStride(total, maxPoints);
        let rows: (number | null)[][];
        if (stride === 1) rows = all.all(id) as (number | null)[][];
        else {
          const first = firstIteration.get(id) ?? 0;
          rows = (
            r.last_iteration !== null && r.last_iteration - first + 1 === total
              ? sampledContiguous.all(id, first, stride, r.last_iteration)
              : sampledByRow.all(id, stride, total - 1)
          ) as (number | null)[][];
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
        out.push({ runId: id, iteration, columns, total });
      }
      return out;
    },

    'runs:snapshots': ({ id }) => {
      row(id);
      return listSnapshots.all(id).map((s): PolicySnapshot => {
        const copy = new Uint8Array(s.policy); // aligned copy
        return { runId: id, iteration: s.iteration, S: s.S, N: s.N, policy: Array.from(new Float64Array(copy.buffer, 0, s.S * s.N)) };
      });
    },

    'runs:delete': ({ id }) => ({ deleted: deleteRun.run(id).changes > 0 }),
  };
}
