/** Shared by the sweep tests: the built CLI, a sweep file, and reading merged runs back from a real SQLite file. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';

export const root = resolve(__dirname, '../..');
export const cli = join(root, 'out/main/wwb.js');

export function ensureBuilt(): void {
  if (!existsSync(cli)) execFileSync('npx', ['electron-vite', 'build'], { cwd: root, stdio: 'ignore' });
  process.env.WWB_CLI = cli;
  process.env.WWB_NODE = process.execPath;
}

export const tempDir = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));

export function writeSpec(dir: string, spec: unknown, name = 'sweep.json'): string {
  const file = join(dir, name);
  writeFileSync(file, typeof spec === 'string' ? spec : JSON.stringify(spec, null, 2));
  return file;
}

/** stdout / stderr collector for commandSweep / commandMerge */
export function captureIo() {
  const io = { stdout: '', stderr: '', out: (t: string) => void (io.stdout += t), err: (t: string) => void (io.stderr += t) };
  return io;
}

export interface StoredRun {
  key: string;
  attempt: number;
  method: string;
  seed: number;
  status: string;
  options: string;
  iterations: number;
  experiment: string | null;
  /** runs.init as stored (JSON) */
  init: string | null;
  mdpId: number;
  /** every trace column except wall_ms, in iteration order */
  trace: unknown[][];
  snapshots: { iteration: number; policy: Buffer }[];
  diagnostics: Record<string, unknown>;
}

/** The runs a merge stored, by sweep run key (timings left out: trace wall_ms, run wall_ms and dates). */
export function storedRuns(dbFile: string): Map<string, StoredRun> {
  const db = new Database(dbFile, { readonly: true });
  try {
    const columns = (db.prepare('PRAGMA table_info(trace_points)').all() as { name: string }[]).map((c) => c.name).filter((c) => c !== 'wall_ms' && c !== 'run_id');
    const rows = db
      .prepare(
        `SELECT r.id, r.method, r.seed, r.status, r.options, r.iterations, r.diagnostics, r.mdp_id AS mdpId, r.init, e.name AS experiment
         FROM runs r LEFT JOIN experiments e ON e.id = r.experiment_id ORDER BY r.id`,
      )
      .all() as { id: number; method: string; seed: number; status: string; options: string; iterations: number; diagnostics: string; mdpId: number; init: string | null; experiment: string | null }[];
    const out = new Map<string, StoredRun>();
    for (const r of rows) {
      const diagnostics = JSON.parse(r.diagnostics) as Record<string, unknown>;
      const key = String(diagnostics.sweepRun);
      out.set(key, {
        key,
        attempt: Number(diagnostics.sweepAttempt),
        method: r.method,
        seed: r.seed,
        status: r.status,
        options: r.options,
        iterations: r.iterations,
        experiment: r.experiment,
        init: r.init,
        mdpId: r.mdpId,
        trace: db.prepare(`SELECT ${columns.join(', ')} FROM trace_points WHERE run_id = ? ORDER BY iteration`).raw().all(r.id) as unknown[][],
        snapshots: db.prepare('SELECT iteration, policy FROM policy_snapshots WHERE run_id = ? ORDER BY iteration').all(r.id) as { iteration: number; policy: Buffer }[],
        diagnostics,
      });
    }
    return out;
  } finally {
    db.close();
  }
}

export const count = (dbFile: string, table: string): number => {
  const db = new Database(dbFile, { readonly: true });
  try {
    return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
};

/** Bit-identical (timings aside): same keys, and per key the same trace values (Object.is), snapshots bytes, options, status. */
export function expectSameRuns(a: Map<string, StoredRun>, b: Map<string, StoredRun>, expect: (v: unknown) => { toEqual(x: unknown): void; toBe(x: unknown): void }): void {
  expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
  for (const [key, x] of a) {
    const y = b.get(key)!;
    expect({ key, method: x.method, seed: x.seed, status: x.status, options: x.options, iterations: x.iterations }).toEqual({
      key,
      method: y.method,
      seed: y.seed,
      status: y.status,
      options: y.options,
      iterations: y.iterations,
    });
    expect(x.trace.length).toBe(y.trace.length);
    for (let i = 0; i < x.trace.length; i++)
      for (let c = 0; c < x.trace[i].length; c++)
        if (!Object.is(x.trace[i][c], y.trace[i][c])) expect(`${key} row ${i} column ${c}: ${String(x.trace[i][c])}`).toBe(`${key} row ${i} column ${c}: ${String(y.trace[i][c])}`);
    expect(x.snapshots.map((s) => [s.iteration, s.policy.toString('hex')])).toEqual(y.snapshots.map((s) => [s.iteration, s.policy.toString('hex')]));
  }
}
