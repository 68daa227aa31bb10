/**
 * Every SQL statement of the sweep merge, in one place (the schema is migrations/*.sql; when it changes,
 * this module is what follows). Writes to the target database go through the services (merge.ts); here
 * are only reads: of a shard (a workbench database a task wrote) and the two look-ups in the target that
 * the services do not offer (runs already merged from a sweep, MDPs by content).
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, openSync, readSync, closeSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseOpenError, openDatabase, SCHEMA_VERSION, type SqliteDatabase, type WorkbenchDatabase } from '../../main/db';
import { METRIC_COLUMNS } from '../../main/services';
import { METRIC_KEYS, type IterationMetrics } from '../../shared/methods';
import type { MdpDocument } from '../../shared/mdp/types';

const SQLITE_MAGIC = 'SQLite format 3\u0000';

/** Why a file cannot be a shard, from its first 100 bytes (no SQLite call, nothing written); null if it may be. */
export function shardHeaderProblem(file: string): string | null {
  if (!existsSync(file)) return 'the file does not exist';
  const header = Buffer.alloc(100);
  let n = 0;
  try {
    const fd = openSync(file, 'r');
    try {
      n = readSync(fd, header, 0, 100, 0);
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    return `cannot read it: ${(error as Error).message}`;
  }
  if (n < 100 || header.toString('latin1', 0, 16) !== SQLITE_MAGIC) return 'it is not a SQLite database (damaged or another kind of file)';
  const userVersion = header.readUInt32BE(60);
  if (userVersion === 0) return 'it is a SQLite database but not a workbench database (no schema version)';
  if (userVersion > SCHEMA_VERSION) return `it has workbench schema version ${userVersion}, newer than this build knows (${SCHEMA_VERSION})`;
  return null;
}

/**
 * Open a shard for reading: a private copy (with its write-ahead log, which a killed task may have left)
 * opened through the database layer, which migrates the copy to this build's schema. The shard itself
 * is never written.
 */
export function openShardCopy(file: string): { db: WorkbenchDatabase; dispose(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'wwb-shard-'));
  const copy = join(dir, 'shard.db');
  copyFileSync(file, copy);
  if (existsSync(`${file}-wal`)) copyFileSync(`${file}-wal`, `${copy}-wal`);
  let db: WorkbenchDatabase;
  try {
    db = openDatabase(copy);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    if (error instanceof DatabaseOpenError) throw new Error(error.message.replace(copy, file));
    throw error;
  }
  const problems = db.sqlite.pragma('quick_check', { simple: true });
  if (problems !== 'ok') {
    db.close();
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`the database is damaged (quick_check: ${String(problems)})`);
  }
  return {
    db,
    dispose() {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface ShardRun {
  id: number;
  method: string;
  label: string;
  options: string;
  backend: 'reference' | 'webgpu';
  backendSegments: string;
  seed: number;
  maxIterations: number;
  status: string;
  error: string | null;
  diagnostics: string;
  wallMs: number | null;
  iterations: number;
  experimentName: string | null;
  /** the stored init (JSON, null when not recorded) and, for a given policy, its values */
  init: string | null;
  initPolicy: Buffer | null;
  mdp: { document: string; preset: string | null };
}

export function readShardRun(sql: SqliteDatabase, id: number): ShardRun | undefined {
  return sql
    .prepare<[number], ShardRun & { mdpDocument: string; mdpPreset: string | null }>(
      `SELECT r.id, r.method, r.label, r.options, r.backend, r.backend_segments AS backendSegments, r.seed,
              r.max_iterations AS maxIterations, r.status, r.error, r.diagnostics, r.wall_ms AS wallMs, r.iterations,
              r.init, r.init_policy AS initPolicy, e.name AS experimentName, m.document AS mdpDocument, m.preset AS mdpPreset
       FROM runs r JOIN mdps m ON m.id = r.mdp_id LEFT JOIN experiments e ON e.id = r.experiment_id WHERE r.id = ?`,
    )
    .all(id)
    .map(({ mdpDocument, mdpPreset, ...rest }) => ({ ...rest, mdp: { document: mdpDocument, preset: mdpPreset } }))[0];
}

/** The runs of a shard that did not end (queued or running): what a killed task leaves. */
export function unfinishedShardRuns(sql: SqliteDatabase): { id: number; iterations: number }[] {
  return sql.prepare<[], { id: number; iterations: number }>("SELECT id, iterations FROM runs WHERE status IN ('queued', 'running') ORDER BY id").all();
}

/** A run's trace as the IterationMetrics the services append (trace_violated back to a boolean). */
export function* readShardTrace(sql: SqliteDatabase, runId: number, batch = 5000): Generator<IterationMetrics[]> {
  const columns = METRIC_KEYS.map((k) => `${METRIC_COLUMNS[k]} AS "${k}"`).join(', ');
  const stmt = sql.prepare<[number, number, number], Record<string, number | null>>(
    `SELECT iteration, ${columns} FROM trace_points WHERE run_id = ? AND iteration > ? ORDER BY iteration LIMIT ?`,
  );
  let after = -1;
  for (;;) {
    const rows = stmt.all(runId, after, batch);
    if (rows.length === 0) return;
    yield rows.map((row) => {
      const point: Record<string, number | boolean | null> = { ...row };
      point.trustViolated = row.trustViolated === null ? null : row.trustViolated !== 0;
      return point as unknown as IterationMetrics;
    });
    after = rows[rows.length - 1].iteration as number;
  }
}

export function readShardSnapshots(sql: SqliteDatabase, runId: number): { iteration: number; policy: number[] }[] {
  return sql
    .prepare<[number], { iteration: number; S: number; N: number; policy: Buffer }>('SELECT iteration, S, N, policy FROM policy_snapshots WHERE run_id = ? ORDER BY iteration')
    .all(runId)
    .map((s) => ({ iteration: s.iteration, policy: Array.from(new Float64Array(new Uint8Array(s.policy).buffer, 0, s.S * s.N)) }));
}

/** Runs of the target already merged from sweep `sweepId`: run key -> {id, attempt}. */
export function mergedRuns(sql: SqliteDatabase, sweepId: string): Map<string, { id: number; attempt: number }> {
  const rows = sql
    .prepare<[string], { id: number; key: string; attempt: number }>(
      `SELECT id, json_extract(diagnostics, '$.sweepRun') AS key, json_extract(diagnostics, '$.sweepAttempt') AS attempt
       FROM runs WHERE json_valid(diagnostics) AND json_extract(diagnostics, '$.sweepId') = ?`,
    )
    .all(sweepId);
  return new Map(rows.map((r) => [r.key, { id: r.id, attempt: r.attempt }]));
}

/**
 * sha256 of the MDP document in canonical JSON (keys sorted at every level): two documents with the
 * same content have the same hash whatever their key order.
 */
export function mdpContentHash(document: MdpDocument | unknown): string {
  const canonical = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(canonical);
    if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])]));
    return v;
  };
  return createHash('sha256').update(JSON.stringify(canonical(document))).digest('hex');
}

/** The target's MDPs by content hash (lowest id for duplicates). */
export function mdpsByContent(sql: SqliteDatabase): Map<string, number> {
  const out = new Map<string, number>();
  for (const row of sql.prepare<[], { id: number; document: string }>('SELECT id, document FROM mdps ORDER BY id').iterate()) {
    try {
      const hash = mdpContentHash(JSON.parse(row.document));
      if (!out.has(hash)) out.set(hash, row.id);
    } catch {
      // an unreadable stored document matches nothing
    }
  }
  return out;
}
