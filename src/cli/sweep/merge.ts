/**
 * `wwb merge DIR --db F`: bring the finished runs of a sweep's shards into a workbench database.
 *
 * Through the services (runs:create / start / recordBackend / appendTrace / addSnapshot / finish,
 * mdps:save, experiments:create), so a merged run is stored exactly as an app run is; the SQL that reads
 * shards lives in shardSql.ts.
 *
 *  - Idempotent: each merged run carries `sweepId`, `sweepRun` (its key) and `sweepAttempt` in its
 *    diagnostics; a run already merged from the same or a later attempt is skipped, one merged from an
 *    earlier attempt (say a diverged run that was resubmitted) is replaced by the later attempt's.
 *  - Ids are remapped (the target assigns them); MDPs are deduplicated by content hash (sha256 of the
 *    canonical document), so the 6 copies of one preset in 6 shards become one MDP.
 *  - A shard is checked whole before anything of it is stored: its header (a workbench SQLite file),
 *    integrity, and that every run the sweep expects from it is that run (method, options, seed,
 *    iterations, MDP content). A corrupt or foreign shard is refused with the reason, and nothing is
 *    merged from it. Each shard's runs are stored in one transaction: all of them or none.
 *  - Runs that did not end (interrupted by the scheduler, missing, still running) are listed with their
 *    error and not merged; `wwb sweep resubmit DIR --failed` runs them again.
 */
import { openDatabase, DatabaseOpenError, type WorkbenchDatabase } from '../../main/db';
import { createWorkbenchService, type WorkbenchService } from '../../main/services';
import { APP_VERSION } from '../../main/version';
import type { CallPayload, RunStatus } from '../../shared/api';
import type { MdpDocument } from '../../shared/mdp/types';
import type { ComputeBackendId } from '../../shared/methods';
import { UsageError } from '../args';
import { paths, readManifest, type ManifestRun, type SweepManifest } from './layout';
import {
  mdpContentHash,
  mdpsByContent,
  mergedRuns,
  openShardCopy,
  readShardRun,
  readShardSnapshots,
  readShardTrace,
  shardHeaderProblem,
  type ShardRun,
} from './shardSql';
import { policyFromBlob } from '../../main/services/runs';
import { describeRun, MERGEABLE, sweepStatus, type RunStatusRow } from './status';

export interface MergeSummary {
  sweepId: string;
  name: string;
  target: string;
  experiment: { id: number; name: string } | null;
  stored: { key: string; runId: number; status: string; error: string | null }[];
  replaced: { key: string; oldRunId: number; runId: number }[];
  alreadyMerged: string[];
  mdpsStored: number;
  mdpsReused: number;
  refusedShards: { shard: string; reason: string; keys: string[] }[];
  notMerged: { key: string; state: string; error: string | null; description: string }[];
}

/** Options as comparable JSON: NaN (stored as 'NaN', or null over JSON) as null, keys sorted. */
function normaliseOptions(options: Record<string, unknown>): string {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(options).sort()) {
    const v = options[key];
    out[key] = v === 'NaN' || (typeof v === 'number' && Number.isNaN(v)) ? null : v;
  }
  return JSON.stringify(out);
}

/** Why `shardRun` is not the run `expected` (a foreign shard), or null. */
function mismatch(shardRun: ShardRun | undefined, expected: ManifestRun & { mdpHash?: string }, shardRunId: number): string | null {
  if (!shardRun) return `it has no run ${shardRunId}, which the task reported for ${expected.key}`;
  const problems: string[] = [];
  if (shardRun.method !== expected.method) problems.push(`method ${shardRun.method}, expected ${expected.method}`);
  if (shardRun.seed !== expected.seed) problems.push(`seed ${shardRun.seed}, expected ${expected.seed}`);
  if (shardRun.maxIterations !== expected.iterations) problems.push(`${shardRun.maxIterations} iterations, expected ${expected.iterations}`);
  let options: Record<string, unknown> = {};
  try {
    options = JSON.parse(shardRun.options) as Record<string, unknown>;
  } catch {
    problems.push('unreadable options');
  }
  if (normaliseOptions(options) !== normaliseOptions(expected.options)) problems.push(`options ${shardRun.options}, expected ${JSON.stringify(expected.options)}`);
  if (expected.mdpHash) {
    let hash = '';
    try {
      hash = mdpContentHash(JSON.parse(shardRun.mdp.document));
    } catch {
      hash = 'unreadable';
    }
    if (hash !== expected.mdpHash) problems.push(`a different MDP than ${expected.mdpRef.ref}`);
  }
  return problems.length ? `run ${shardRunId} is not ${expected.key} of this sweep (${problems.join('; ')})` : null;
}

function openTarget(file: string): WorkbenchDatabase {
  try {
    return openDatabase(file);
  } catch (error) {
    if (error instanceof DatabaseOpenError) throw new UsageError(error.message);
    throw error;
  }
}

function findOrCreateExperiment(service: WorkbenchService, name: string): { id: number; name: string } {
  const existing = service.call('experiments:list', {}).find((e) => e.name === name);
  if (existing) return { id: existing.id, name };
  const created = service.call('experiments:create', { name, notes: `Sweep merged by wwb merge (Wasserstein Workbench ${APP_VERSION}).` });
  return { id: created.id, name };
}

export function mergeSweep(dir: string, target: string, options: { liveJobs?: boolean } = {}): MergeSummary {
  const manifest: SweepManifest = readManifest(dir);
  const status = sweepStatus(dir, manifest, options.liveJobs ?? true);
  const summary: MergeSummary = {
    sweepId: manifest.sweepId,
    name: manifest.name,
    target,
    experiment: null,
    stored: [],
    replaced: [],
    alreadyMerged: [],
    mdpsStored: 0,
    mdpsReused: 0,
    refusedShards: [],
    notMerged: [],
  };
  for (const row of status.rows)
    if (!MERGEABLE.has(row.state) || row.shardRunId === null)
      summary.notMerged.push({ key: row.run.key, state: row.state, error: row.error, description: describeRun(row.run) });

  // group the mergeable runs by shard
  const byShard = new Map<string, RunStatusRow[]>();
  for (const row of status.rows) {
    if (!MERGEABLE.has(row.state) || row.shardRunId === null || row.attempt === null || row.task === null) continue;
    const file = paths(dir).shard(row.attempt, row.task);
    byShard.set(file, [...(byShard.get(file) ?? []), row]);
  }

  const db = openTarget(target);
  try {
    const service = createWorkbenchService(db, { version: APP_VERSION, transport: 'browser' }, { recoverInterrupted: false });
    const merged = mergedRuns(db.sqlite, manifest.sweepId);
    const mdpIds = mdpsByContent(db.sqlite);
    let experiment: { id: number; name: string } | null = null;

    for (const [file, rows] of byShard) {
      const refuse = (reason: string) => summary.refusedShards.push({ shard: file, reason, keys: rows.map((r) => r.run.key) });
      const header = shardHeaderProblem(file);
      if (header) {
        refuse(header);
        continue;
      }
      let shard: ReturnType<typeof openShardCopy>;
      try {
        shard = openShardCopy(file);
      } catch (error) {
        refuse((error as Error).message);
        continue;
      }
      try {
        const runs = rows.map((row) => ({ row, shardRun: readShardRun(shard.db.sqlite, row.shardRunId!) }));
        const foreign = runs.map(({ row, shardRun }) => mismatch(shardRun, row.run, row.shardRunId!)).find((m) => m !== null);
        if (foreign) {
          refuse(`foreign shard: ${foreign}`);
          continue;
        }
        const storeShard = db.sqlite.transaction(() => {
          for (const { row, shardRun } of runs) {
            const run = shardRun!;
            const attempt = row.attempt!;
            const previous = merged.get(row.run.key);
            if (previous && previous.attempt >= attempt) {
              summary.alreadyMerged.push(row.run.key);
              continue;
            }
            experiment ??= findOrCreateExperiment(service, run.experimentName ?? manifest.experiment);
            const document = JSON.parse(run.mdp.document) as MdpDocument;
            const hash = mdpContentHash(document);
            let mdpId = mdpIds.get(hash);
            if (mdpId === undefined) {
              mdpId = service.call('mdps:save', { document, preset: run.mdp.preset }).id;
              mdpIds.set(hash, mdpId);
              summary.mdpsStored++;
            } else summary.mdpsReused++;
            const options = JSON.parse(run.options) as Record<string, number | string | null>;
            for (const [k, v] of Object.entries(options)) if (v === 'NaN') options[k] = null; // runs:create reads null as NaN
            const created = service.call('runs:create', {
              mdpId,
              experimentId: experiment.id,
              method: run.method as ManifestRun['method'],
              label: row.run.label,
              options: options as Record<string, number | string>,
              backend: run.backend,
              seed: run.seed,
              maxIterations: run.maxIterations,
              ...initOf(run),
            });
            const id = created.id;
            service.call('runs:start', { id });
            for (const segment of JSON.parse(run.backendSegments) as { from: number; backend: ComputeBackendId; reason?: string }[])
              service.call('runs:recordBackend', { id, ...segment });
            for (const points of readShardTrace(shard.db.sqlite, run.id)) service.call('runs:appendTrace', { id, points });
            for (const s of readShardSnapshots(shard.db.sqlite, run.id)) service.call('runs:addSnapshot', { id, iteration: s.iteration, policy: s.policy });
            const diagnostics = { ...(JSON.parse(run.diagnostics) as Record<string, number | string | boolean | null>), sweepId: manifest.sweepId, sweepRun: row.run.key, sweepAttempt: attempt };
            const finalStatus = (run.status === 'queued' || run.status === 'running' ? 'interrupted' : run.status) as Exclude<RunStatus, 'queued' | 'running'>;
            service.call('runs:finish', { id, status: finalStatus, error: run.error, diagnostics, wallMs: run.wallMs ?? undefined });
            if (previous) {
              service.call('runs:delete', { id: previous.id });
              summary.replaced.push({ key: row.run.key, oldRunId: previous.id, runId: id });
            }
            merged.set(row.run.key, { id, attempt });
            summary.stored.push({ key: row.run.key, runId: id, status: finalStatus, error: run.error });
          }
        });
        try {
          storeShard.immediate();
        } catch (error) {
          refuse(`storing its runs failed, nothing of it was kept: ${(error as Error).message}`);
          summary.stored = summary.stored.filter((s) => !rows.some((r) => r.run.key === s.key));
        }
      } finally {
        shard.dispose();
      }
    }
    summary.experiment = experiment ?? (summary.alreadyMerged.length ? findExperiment(service, manifest.experiment) : null);
    return summary;
  } finally {
    db.close();
  }
}

function findExperiment(service: WorkbenchService, name: string): { id: number; name: string } | null {
  const e = service.call('experiments:list', {}).find((x) => x.name === name);
  return e ? { id: e.id, name } : null;
}

export function formatMergeSummary(s: MergeSummary): string {
  const lines = [
    `merged sweep '${s.name}' (${s.sweepId}) into ${s.target}:`,
    `  ${s.stored.length} run${s.stored.length === 1 ? '' : 's'} stored${s.replaced.length ? ` (${s.replaced.length} replacing an earlier attempt)` : ''}, ` +
      `${s.alreadyMerged.length} already merged, ${s.notMerged.length} not finished, ${s.refusedShards.length} shard${s.refusedShards.length === 1 ? '' : 's'} refused`,
    `  MDPs: ${s.mdpsStored} stored, ${s.mdpsReused} found by content hash` + (s.experiment ? `; experiment '${s.experiment.name}' (id ${s.experiment.id})` : ''),
  ];
  if (s.stored.length) lines.push(`  stored: ${s.stored.map((r) => `${r.key}->run ${r.runId}${r.status === 'completed' ? '' : ` (${r.status})`}`).join(', ')}`);
  for (const r of s.stored) if (r.status !== 'completed' && r.error) lines.push(`  ${r.status}: ${r.key} (run ${r.runId}): ${r.error}`);
  for (const r of s.refusedShards) lines.push(`  refused ${r.shard} (${r.keys.join(', ')}): ${r.reason}`);
  for (const r of s.notMerged) lines.push(`  not merged: ${r.description}: ${r.state}${r.error ? ` (${r.error})` : ''}`);
  return lines.join('\n');
}

/** The runs:create init of a shard run, as the shard recorded it (nothing when it did not). */
function initOf(run: ShardRun): { init?: NonNullable<CallPayload<'runs:create'>['init']> } {
  if (!run.init) return {};
  const init = JSON.parse(run.init) as { kind: string; seed?: number; source?: string };
  if (init.kind === 'uniform') return { init: { kind: 'uniform' } };
  if (init.kind === 'random') return { init: { kind: 'random', ...(typeof init.seed === 'number' ? { seed: init.seed } : {}) } };
  if (init.kind === 'policy' && run.initPolicy)
    return { init: { kind: 'policy', policy: policyFromBlob(run.initPolicy), ...(init.source ? { source: init.source } : {}) } };
  return {};
}
