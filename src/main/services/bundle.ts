/**
 * `bundle:*` — experiment bundles (format: src/shared/bundleFormat.ts).
 *
 * Export: the named experiments (with every finished run in them) and / or runs (with their
 * experiments), their MDP documents, each run's configuration, init, full trace (every stored row) and
 * policy snapshots, the app version and the sha-256 of the canonical content.
 *
 * Import, in one transaction (nothing is stored unless everything is):
 *   1. the text: size, JSON, nesting depth; format and version; checksum; shape (valibot); references
 *      between keys; every MDP document compiles and hashes to its contentHash; policy sizes match S * N
 *      (snapshots, init) — any failure refuses the whole bundle with a specific message;
 *   2. MDPs: found by content hash (reused) or inserted;
 *   3. experiments: found by uid (reused); a default experiment maps to the MDP's default here; else
 *      inserted with the bundle's uid;
 *   4. runs: a uid already present is skipped (importing a bundle twice adds nothing); else the run row
 *      (new id, the bundle's provenance: app version, config hash, times), its trace rows and snapshots.
 * Events go out after the commit.
 */
import { createHash } from 'node:crypto';
import { WorkbenchApiError, type BundleExportResult, type BundleImportResult, type RunInit } from '../../shared/api';
import {
  BUNDLE_FORMAT,
  BUNDLE_FORMAT_VERSION,
  BUNDLE_LIMITS,
  BundleError,
  bundleInconsistencies,
  checkBundle,
  traceCellFromBundle,
  traceCellToBundle,
  type Bundle,
  type BundleContent,
  type BundleRun,
} from '../../shared/bundleFormat';
import { METRIC_KEYS, type MetricKey } from '../../shared/methods';
import type { MdpDocument } from '../../shared/mdp/types';
import { utf8ByteLength } from '../../shared/apiSchemas';
import type { SqliteDatabase } from '../db';
import { notFound, parseJson, type CallsOf, type HandlerMap, type ServiceContext } from './context';
import { canonicalJson, mdpContentHash } from './mdps';
import { checkMdpDocument } from './mdpDocument';
import { defaultExperimentFor } from './membership';
import { METRIC_COLUMNS, loadRunRecord, policyFromBlob, policyProblem, policyToBlob } from './runs';

/** `sha256:` + the hex sha-256 of the canonical JSON of a bundle's content. */
export function bundleChecksum(content: unknown): string {
  return `sha256:${createHash('sha256').update(canonicalJson(content)).digest('hex')}`;
}

/** Parse and check a bundle's text completely (no database): the Bundle, or a BundleError. */
export function parseBundleText(text: string): Bundle {
  const bytes = utf8ByteLength(text);
  if (bytes > BUNDLE_LIMITS.maxBytes) throw new BundleError(`the bundle is ${bytes} bytes; at most ${BUNDLE_LIMITS.maxBytes} are read`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new BundleError(`the bundle is not valid JSON (damaged or truncated?): ${(e as Error).message.slice(0, 200)}`);
  }
  const bundle = checkBundle(value, { checksumOf: bundleChecksum });
  const problems: string[] = [];
  const sizes = new Map<number, { S: number; N: number }>();
  bundle.content.mdps.forEach((m, i) => {
    const checked = checkMdpDocument(m.document);
    if (!checked.ok) {
      problems.push(`content.mdps[${i}].document is not a valid MDP: ${checked.problems.slice(0, 3).join('; ')}`);
      return;
    }
    sizes.set(m.key, { S: checked.facts.states, N: checked.facts.actions });
    const hash = mdpContentHash(m.document);
    if (hash !== m.contentHash) problems.push(`content.mdps[${i}].contentHash does not match its document (${hash})`);
  });
  if (problems.length) throw new BundleError('the bundle is inconsistent', problems);
  problems.push(...bundleInconsistencies(bundle.content, sizes));
  bundle.content.runs.forEach((r, i) => {
    if (problems.length >= 20) return;
    const size = sizes.get(r.mdpKey)!;
    if (r.initPolicy) {
      const p = policyProblem(r.initPolicy, size.S, size.N);
      if (p) problems.push(`content.runs[${i}].initPolicy ${p}`);
    }
  });
  if (problems.length) throw new BundleError('the bundle is inconsistent', problems);
  return bundle;
}

const slug = (s: string): string =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60) || 'runs';

interface RunExportRow {
  id: number;
  uid: string | null;
  experiment_id: number | null;
  mdp_id: number;
  method: BundleRun['method'];
  label: string;
  options: string;
  backend: BundleRun['backend'];
  backend_segments: string;
  seed: number;
  max_iterations: number;
  status: string;
  error: string | null;
  diagnostics: string;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  wall_ms: number | null;
  tags: string;
  notes: string;
  app_version: string | null;
  config_hash: string | null;
  init: string | null;
  init_policy: Buffer | null;
}

/** Build the bundle of the given experiments / runs (the caller decides what to do with the text). */
export function buildBundle(sql: SqliteDatabase, appVersion: string, now: string, sel: { experimentIds?: number[]; runIds?: number[] }): BundleExportResult {
  const experimentIds = [...new Set(sel.experimentIds ?? [])];
  const runIds = [...new Set(sel.runIds ?? [])];
  if (!experimentIds.length && !runIds.length) throw new WorkbenchApiError('invalid-payload', 'name the experiments and / or runs to export');
  const expExists = sql.prepare<[number], number>('SELECT 1 FROM experiments WHERE id = ?').pluck();
  const runExists = sql.prepare<[number], number>('SELECT 1 FROM runs WHERE id = ?').pluck();
  for (const id of experimentIds) if (!expExists.get(id)) throw notFound('experiment', id);
  for (const id of runIds) if (!runExists.get(id)) throw notFound('run', id);

  return sql
    .transaction((): BundleExportResult => {
      // a read transaction: one consistent view while the app may keep writing
      const runRow = sql.prepare<[number], RunExportRow>('SELECT * FROM runs WHERE id = ?');
      const runsOfExperiment = sql.prepare<[number], number>('SELECT id FROM runs WHERE experiment_id = ? ORDER BY id').pluck();
      const ids = new Set<number>(runIds);
      for (const e of experimentIds) for (const id of runsOfExperiment.all(e)) ids.add(id);
      const rows: RunExportRow[] = [];
      const skippedActive: number[] = [];
      for (const id of [...ids].sort((a, b) => a - b)) {
        const r = runRow.get(id)!;
        if (r.status === 'queued' || r.status === 'running') skippedActive.push(id);
        else rows.push(r);
      }
      // experiments: the named ones and those of the runs
      const expIds = new Set<number>(experimentIds);
      for (const r of rows) if (r.experiment_id !== null) expIds.add(r.experiment_id);
      const expRow = sql.prepare<[number], { id: number; uid: string | null; name: string; notes: string; mdp_id: number | null; is_default: number; created_at: string }>(
        'SELECT id, uid, name, notes, mdp_id, is_default, created_at FROM experiments WHERE id = ?',
      );
      const exps = [...expIds].sort((a, b) => a - b).map((id) => expRow.get(id)!);
      const mdpIds = new Set<number>(rows.map((r) => r.mdp_id));
      for (const e of exps) if (e.mdp_id !== null) mdpIds.add(e.mdp_id);
      const mdpRow = sql.prepare<[number], { id: number; name: string; preset: string | null; document: string }>('SELECT id, name, preset, document FROM mdps WHERE id = ?');
      const mdpKey = new Map<number, number>();
      const content: BundleContent = { mdps: [], experiments: [], runs: [] };
      for (const id of [...mdpIds].sort((a, b) => a - b)) {
        const m = mdpRow.get(id)!;
        const document = JSON.parse(m.document) as MdpDocument;
        mdpKey.set(id, content.mdps.length + 1);
        content.mdps.push({ key: content.mdps.length + 1, name: m.name, preset: m.preset, contentHash: mdpContentHash(document), document });
      }
      const expKey = new Map<number, number>();
      for (const e of exps) {
        expKey.set(e.id, content.experiments.length + 1);
        content.experiments.push({
          key: content.experiments.length + 1,
          uid: e.uid ?? '',
          name: e.name,
          notes: e.notes,
          mdpKey: e.mdp_id === null ? null : mdpKey.get(e.mdp_id)!,
          isDefault: e.is_default === 1,
          createdAt: e.created_at,
        });
      }
      const cols = METRIC_KEYS.map((k) => METRIC_COLUMNS[k]);
      const traceOf = sql.prepare(`SELECT iteration, ${cols.join(', ')} FROM trace_points WHERE run_id = ? ORDER BY iteration`).raw();
      const snapsOf = sql.prepare<[number], { iteration: number; policy: Buffer }>('SELECT iteration, policy FROM policy_snapshots WHERE run_id = ? ORDER BY iteration');
      for (const r of rows) {
        if (r.experiment_id === null) continue; // (never left so by the services; such a run has no home to travel with)
        const cells = traceOf.all(r.id) as (number | null)[][];
        const iteration = cells.map((c) => c[0] as number);
        const columns: Partial<Record<MetricKey, ReturnType<typeof traceCellToBundle>[]>> = {};
        METRIC_KEYS.forEach((k, c) => {
          if (cells.some((row) => row[c + 1] !== null)) columns[k] = cells.map((row) => traceCellToBundle(row[c + 1]));
        });
        const options = parseJson<Record<string, number | string>>(r.options, {});
        content.runs.push({
          uid: r.uid ?? '',
          experimentKey: expKey.get(r.experiment_id)!,
          mdpKey: mdpKey.get(r.mdp_id)!,
          method: r.method,
          label: r.label,
          options,
          backend: r.backend,
          backendSegments: parseJson(r.backend_segments, []),
          seed: r.seed,
          maxIterations: r.max_iterations,
          status: r.status as BundleRun['status'],
          error: r.error,
          diagnostics: parseJson(r.diagnostics, {}),
          createdAt: r.created_at,
          startedAt: r.started_at,
          finishedAt: r.finished_at,
          wallMs: r.wall_ms,
          tags: parseJson<string[]>(r.tags, []),
          notes: r.notes,
          appVersion: r.app_version,
          configHash: r.config_hash,
          init: parseJson<RunInit | null>(r.init, null),
          initPolicy: r.init_policy ? policyFromBlob(r.init_policy) : null,
          trace: { iteration, columns },
          snapshots: snapsOf.all(r.id).map((s) => ({ iteration: s.iteration, policy: policyFromBlob(s.policy) })),
        });
      }
      const bundle: Bundle = {
        format: BUNDLE_FORMAT,
        formatVersion: BUNDLE_FORMAT_VERSION,
        appVersion,
        exportedAt: now,
        checksum: bundleChecksum(content),
        content,
      };
      const first = exps.find((e) => experimentIds.includes(e.id)) ?? exps[0];
      return {
        text: JSON.stringify(bundle),
        fileName: `wwb-bundle-${slug(first?.name ?? 'runs')}-${now.slice(0, 10)}.json`,
        mdps: content.mdps.length,
        experiments: content.experiments.length,
        runs: content.runs.length,
        skippedActive,
      };
    })
    .deferred();
}

/** Store a checked bundle (one IMMEDIATE transaction). Returns what happened and what to announce. */
export function storeBundle(
  sql: SqliteDatabase,
  bundle: Bundle,
  now: string,
): BundleImportResult & { createdMdpIds: number[]; touchedExperimentIds: number[] } {
  const c = bundle.content;
  const mdpByHash = sql.prepare<[string], number>('SELECT id FROM mdps WHERE content_hash = ? ORDER BY id LIMIT 1').pluck();
  const insertMdp = sql.prepare(
    `INSERT INTO mdps (name, document, states, actions, action_kind, preset, created_at, updated_at, content_hash)
     VALUES (@name, @document, @states, @actions, @actionKind, @preset, @now, @now, @hash)`,
  );
  const expByUid = sql.prepare<[string], number>('SELECT id FROM experiments WHERE uid = ?').pluck();
  const insertExp = sql.prepare('INSERT INTO experiments (name, notes, mdp_id, created_at, is_default, uid) VALUES (?, ?, ?, ?, 0, ?)');
  const runByUid = sql.prepare<[string], number>('SELECT id FROM runs WHERE uid = ?').pluck();
  const insertRun = sql.prepare(
    `INSERT INTO runs (experiment_id, mdp_id, method, label, options, backend, backend_segments, seed, max_iterations, status,
       iterations, last_iteration, error, diagnostics, final, created_at, started_at, finished_at, wall_ms, tags, notes,
       app_version, config_hash, uid, init, init_policy)
     VALUES (@experimentId, @mdpId, @method, @label, @options, @backend, @segments, @seed, @maxIterations, @status,
       @iterations, @lastIteration, @error, @diagnostics, @final, @createdAt, @startedAt, @finishedAt, @wallMs, @tags, @notes,
       @appVersion, @configHash, @uid, @init, @initPolicy)`,
  );
  const cols = METRIC_KEYS.map((k) => METRIC_COLUMNS[k]);
  const insertPoint = sql.prepare(`INSERT INTO trace_points (run_id, iteration, ${cols.join(', ')}) VALUES (?, ?, ${cols.map(() => '?').join(', ')})`);
  const insertSnapshot = sql.prepare('INSERT INTO policy_snapshots (run_id, iteration, S, N, policy) VALUES (?, ?, ?, ?, ?)');

  return sql
    .transaction(() => {
      const result = {
        runIds: [] as number[],
        runsSkipped: 0,
        mdpsCreated: 0,
        mdpsReused: 0,
        experimentsCreated: 0,
        experimentsReused: 0,
        idMap: {} as Record<string, number>,
        createdMdpIds: [] as number[],
        touchedExperimentIds: [] as number[],
      };
      const mdpId = new Map<number, number>();
      const mdpSize = new Map<number, { S: number; N: number }>();
      for (const m of c.mdps) {
        const checked = checkMdpDocument(m.document);
        if (!checked.ok) throw new BundleError(`MDP '${m.name}' is not valid`, checked.problems); // (checked before; a guard)
        mdpSize.set(m.key, { S: checked.facts.states, N: checked.facts.actions });
        const found = mdpByHash.get(m.contentHash);
        if (found !== undefined) {
          mdpId.set(m.key, found);
          result.mdpsReused++;
          continue;
        }
        const id = Number(
          insertMdp.run({ name: m.name, document: JSON.stringify(m.document), ...checked.facts, preset: m.preset, now, hash: m.contentHash }).lastInsertRowid,
        );
        mdpId.set(m.key, id);
        result.mdpsCreated++;
        result.createdMdpIds.push(id);
      }
      const expId = new Map<number, number>();
      for (const e of c.experiments) {
        const found = expByUid.get(e.uid);
        if (found !== undefined) {
          expId.set(e.key, found);
          result.experimentsReused++;
          continue;
        }
        if (e.isDefault && e.mdpKey !== null) {
          const d = defaultExperimentFor(sql, mdpId.get(e.mdpKey)!, now);
          expId.set(e.key, d.id);
          if (d.created) result.experimentsCreated++;
          else result.experimentsReused++;
          result.touchedExperimentIds.push(d.id);
          continue;
        }
        const id = Number(insertExp.run(e.name, e.notes, e.mdpKey === null ? null : mdpId.get(e.mdpKey)!, e.createdAt, e.uid).lastInsertRowid);
        expId.set(e.key, id);
        result.experimentsCreated++;
        result.touchedExperimentIds.push(id);
      }
      for (const r of c.runs) {
        const existing = runByUid.get(r.uid);
        if (existing !== undefined) {
          result.idMap[r.uid] = existing;
          result.runsSkipped++;
          continue;
        }
        const rows = r.trace.iteration.length;
        const columns = METRIC_KEYS.map((k) => r.trace.columns[k] ?? null);
        const lastRow = rows - 1;
        let final: string | null = null;
        if (rows > 0) {
          const f: Record<string, unknown> = { iteration: r.trace.iteration[lastRow] };
          METRIC_KEYS.forEach((k, i) => {
            const x = columns[i] ? traceCellFromBundle(columns[i]![lastRow]) : null;
            f[k] = k === 'trustViolated' ? (x === null ? null : x === 1) : x !== null && Number.isFinite(x) ? x : null;
          });
          final = JSON.stringify(f);
        }
        const size = mdpSize.get(r.mdpKey)!;
        const id = Number(
          insertRun.run({
            experimentId: expId.get(r.experimentKey)!,
            mdpId: mdpId.get(r.mdpKey)!,
            method: r.method,
            label: r.label,
            options: JSON.stringify(r.options),
            backend: r.backend,
            segments: JSON.stringify(r.backendSegments),
            seed: r.seed,
            maxIterations: r.maxIterations,
            status: r.status,
            iterations: rows,
            lastIteration: rows ? r.trace.iteration[lastRow] : null,
            error: r.error,
            diagnostics: JSON.stringify(r.diagnostics),
            final,
            createdAt: r.createdAt,
            startedAt: r.startedAt,
            finishedAt: r.finishedAt,
            wallMs: r.wallMs,
            tags: JSON.stringify(r.tags),
            notes: r.notes,
            appVersion: r.appVersion,
            configHash: r.configHash,
            uid: r.uid,
            init: r.init === null ? null : JSON.stringify(r.init),
            initPolicy: r.initPolicy ? policyToBlob(r.initPolicy) : null,
          }).lastInsertRowid,
        );
        const values: (number | null)[] = new Array<number | null>(METRIC_KEYS.length + 2);
        values[0] = id;
        for (let k = 0; k < rows; k++) {
          values[1] = r.trace.iteration[k];
          for (let i = 0; i < columns.length; i++) values[i + 2] = columns[i] ? traceCellFromBundle(columns[i]![k]) : null;
          insertPoint.run(values);
        }
        for (const s of r.snapshots) insertSnapshot.run(id, s.iteration, size.S, size.N, policyToBlob(s.policy));
        result.idMap[r.uid] = id;
        result.runIds.push(id);
        result.touchedExperimentIds.push(expId.get(r.experimentKey)!);
      }
      result.touchedExperimentIds = [...new Set(result.touchedExperimentIds)];
      return result;
    })
    .immediate();
}

export function createBundleHandlers(ctx: ServiceContext): HandlerMap<CallsOf<'bundle'>> {
  const { sql } = ctx;
  return {
    'bundle:export': (sel) => buildBundle(sql, ctx.appVersion, ctx.now(), sel),
    'bundle:import': ({ text }) => {
      let bundle: Bundle;
      try {
        bundle = parseBundleText(text);
      } catch (e) {
        if (e instanceof BundleError) throw new WorkbenchApiError('invalid-payload', `bundle refused, nothing was stored: ${e.message}`, e.problems);
        throw e;
      }
      const out = storeBundle(sql, bundle, ctx.now());
      if (out.createdMdpIds.length) ctx.events.emit('onMdpsChanged', { ids: out.createdMdpIds });
      if (out.touchedExperimentIds.length) ctx.events.emit('onExperimentsChanged', { ids: out.touchedExperimentIds });
      for (const id of out.runIds) ctx.events.emit('onRunChanged', loadRunRecord(sql, id));
      const { createdMdpIds: _m, touchedExperimentIds: _e, ...result } = out;
      return result;
    },
  };
}
