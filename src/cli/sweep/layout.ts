/**
 * The shards folder of a sweep: the one place where a sweep's state lives between `wwb sweep`, the
 * tasks that run it (local subprocesses or Slurm array tasks), `wwb sweep status`, `wwb merge` and
 * `wwb sweep resubmit`. Plain files on a (possibly shared) filesystem, each written by one writer:
 *
 *   DIR/sweep.json                 the manifest: sweep id, the spec, every run with its `wwb run` flags,
 *                                  and every submission (attempt number, job id, task -> run keys)
 *   DIR/mdps/*.json                MDP documents the runs read (parameterised presets, copied files)
 *   DIR/shards/aA-tT.db            attempt A, task T: the SQLite database its `wwb run`s write (one writer)
 *   DIR/results/KEY.aA.started     written when the task starts run KEY
 *   DIR/results/KEY.aA.json        `wwb run --json` output (runId, status, error)
 *   DIR/results/KEY.aA.err         its stderr
 *   DIR/results/KEY.aA.exit        its exit code, written after it ended
 *   DIR/logs/                      scheduler output of each task
 *   DIR/submit-aA.sh               the sbatch script of attempt A (Slurm)
 *
 * A run's state is read from its latest attempt: `.exit` present = it ended (done, failed or
 * cancelled, from the JSON); `.started` only = running while the task is alive, interrupted after;
 * nothing = pending while the job is queued, missing after.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { SweepBackend, SweepMdpRef } from '../../shared/sweepSpec';
import type { MethodId, MethodOptions } from '../../shared/methods';
import { UsageError } from '../args';

export const MANIFEST_FORMAT = 'wasserstein-workbench/sweep-shards';
export const MANIFEST_FILE = 'sweep.json';

export interface ManifestRun {
  key: string;
  /** the --mdp argument (preset:ID or an absolute file path) */
  mdpArg: string;
  mdpRef: SweepMdpRef;
  method: MethodId;
  set: Record<string, number | string>;
  options: MethodOptions;
  seed: number;
  iterations: number;
  backend: SweepBackend;
  init: string;
  label: string;
  /** sha256 of the MDP document the run must use (a shard with another one is foreign) */
  mdpHash?: string;
  /** `wwb run` arguments without --db (the task adds its shard) */
  argv: string[];
}

export interface SlurmSettings {
  partition?: string;
  time?: string;
  gpusPerTask?: number;
  maxParallel?: number;
  cpusPerTask: number;
  chunk: number;
}

export interface Submission {
  attempt: number;
  executor: 'local' | 'slurm';
  /** the Slurm array job id; null for the local pool */
  jobId: string | null;
  /** task index -> run keys it runs, in order */
  tasks: string[][];
  slurm?: SlurmSettings;
  /** the local pool's process and host (a status read from another shell sees it alive) */
  pool?: { pid: number; host: string };
  submittedAt: string;
}

export interface SweepManifest {
  format: typeof MANIFEST_FORMAT;
  version: 1;
  sweepId: string;
  name: string;
  experiment: string;
  createdAt: string;
  appVersion: string;
  /** node and wwb.js used by the tasks (absolute) */
  node: string;
  cli: string;
  spec: unknown;
  runs: ManifestRun[];
  submissions: Submission[];
}

export const paths = (dir: string) => ({
  manifest: join(dir, MANIFEST_FILE),
  mdps: join(dir, 'mdps'),
  shards: join(dir, 'shards'),
  results: join(dir, 'results'),
  logs: join(dir, 'logs'),
  shard: (attempt: number, task: number) => join(dir, 'shards', `a${attempt}-t${task}.db`),
  result: (key: string, attempt: number) => join(dir, 'results', `${key}.a${attempt}`),
  script: (attempt: number) => join(dir, `submit-a${attempt}.sh`),
});

export function ensureLayout(dir: string): void {
  const p = paths(dir);
  for (const d of [dir, p.mdps, p.shards, p.results, p.logs]) mkdirSync(d, { recursive: true });
}

export function writeManifest(dir: string, manifest: SweepManifest): void {
  const file = paths(dir).manifest;
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(manifest, null, 2)}\n`);
  renameSync(tmp, file);
}

export function readManifest(dir: string): SweepManifest {
  const file = paths(resolve(dir)).manifest;
  if (!existsSync(file)) throw new UsageError(`'${dir}' is not a sweep shards folder: ${MANIFEST_FILE} is missing`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UsageError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  const m = parsed as Partial<SweepManifest>;
  if (!m || m.format !== MANIFEST_FORMAT || m.version !== 1 || !Array.isArray(m.runs) || !Array.isArray(m.submissions) || typeof m.sweepId !== 'string')
    throw new UsageError(`${file} is not a sweep manifest (format ${MANIFEST_FORMAT}, version 1)`);
  return m as SweepManifest;
}

/** What one attempt of one run left behind. */
export interface RunEvidence {
  attempt: number;
  task: number;
  started: boolean;
  exitCode: number | null;
  /** parsed `wwb run --json` output, when it printed one */
  output: { runId: number | null; status: string; error?: string | null } | null;
  stderr: string;
}

/** The attempts that included `key`, latest first, with the task that ran it. */
export function attemptsOf(manifest: SweepManifest, key: string): { attempt: number; task: number; submission: Submission }[] {
  const out: { attempt: number; task: number; submission: Submission }[] = [];
  for (const submission of manifest.submissions) {
    const task = submission.tasks.findIndex((keys) => keys.includes(key));
    if (task >= 0) out.push({ attempt: submission.attempt, task, submission });
  }
  return out.sort((a, b) => b.attempt - a.attempt);
}

export function readEvidence(dir: string, key: string, attempt: number, task: number): RunEvidence {
  const base = paths(dir).result(key, attempt);
  const read = (suffix: string): string | null => {
    try {
      return readFileSync(`${base}${suffix}`, 'utf8');
    } catch {
      return null;
    }
  };
  const exitText = read('.exit');
  const exitCode = exitText === null || exitText.trim() === '' ? null : Number(exitText.trim());
  let output: RunEvidence['output'] = null;
  const json = read('.json');
  if (json && json.trim()) {
    try {
      const parsed = JSON.parse(json.trim().split('\n').pop()!) as Record<string, unknown>;
      output = {
        runId: typeof parsed.runId === 'number' ? parsed.runId : null,
        status: typeof parsed.status === 'string' ? parsed.status : 'unknown',
        error: typeof parsed.error === 'string' ? parsed.error : null,
      };
    } catch {
      output = null;
    }
  }
  return { attempt, task, started: read('.started') !== null, exitCode, output, stderr: (read('.err') ?? '').trim() };
}

/** The last non-empty lines of a stderr text, without the `wwb: ` prefix: the error to show. */
export function errorOf(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines.slice(-3).join(' / ').replace(/^wwb: /, '') || 'no error message';
}

/** Quote one word for bash. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
