/**
 * Talking to Slurm: the sbatch array script, submission, and what squeue / sacct / scontrol say about
 * an array job's tasks. Only the command-line tools every Slurm installation has; no scheduler of our own.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { UsageError } from '../args';
import { paths, shellQuote, type SlurmSettings, type SweepManifest } from './layout';

/** Split keys into tasks of `chunk` runs each (the last may be shorter). */
export function chunkRuns(keys: string[], chunk: number): string[][] {
  const tasks: string[][] = [];
  for (let i = 0; i < keys.length; i += chunk) tasks.push(keys.slice(i, i + chunk));
  return tasks;
}

/**
 * The sbatch array script of one attempt: task T runs its runs one after the other with `wwb run`, each
 * into the task's own shard (one SQLite writer per file; nothing is written by two nodes), and leaves
 * `.started`, `.json`, `.err` and `.exit` files per run for `wwb sweep status` and `wwb merge`.
 */
export function sbatchScript(dir: string, manifest: SweepManifest, attempt: number, tasks: string[][], settings: SlurmSettings): string {
  const p = paths(dir);
  const byKey = new Map(manifest.runs.map((r) => [r.key, r]));
  const runCount = tasks.reduce((n, t) => n + t.length, 0);
  const directives = [
    `--job-name=${shellQuote(`wwb-${manifest.name}`.replace(/\s+/g, '_').slice(0, 64))}`,
    `--array=0-${tasks.length - 1}${settings.maxParallel ? `%${settings.maxParallel}` : ''}`,
    `--output=${shellQuote(`${p.logs}/a${attempt}-t%a.out`)}`,
    `--ntasks=1`,
    `--cpus-per-task=${settings.cpusPerTask}`,
    ...(settings.partition ? [`--partition=${shellQuote(settings.partition)}`] : []),
    ...(settings.time ? [`--time=${shellQuote(settings.time)}`] : []),
    ...(settings.gpusPerTask ? [`--gres=gpu:${settings.gpusPerTask}`] : []),
  ];
  const lines = [
    '#!/bin/bash',
    ...directives.map((d) => `#SBATCH ${d}`),
    `# Wasserstein Workbench sweep '${manifest.name}' (${manifest.sweepId}), attempt ${attempt}:`,
    `# ${runCount} run${runCount === 1 ? '' : 's'} in ${tasks.length} array task${tasks.length === 1 ? '' : 's'}. A task runs its runs one after the other with 'wwb run',`,
    `# into its own SQLite shard in ${p.shards} (shared filesystem, one writer per file).`,
    `#   progress: wwb sweep status ${dir}`,
    `#   results:  wwb merge ${dir} --db FILE`,
    `# Node 22 and the built workbench must be at these paths on the compute nodes (or set WWB_NODE, WWB_CLI).`,
    'set -u',
    `NODE="\${WWB_NODE:-${manifest.node}}"`,
    `WWB="\${WWB_CLI:-${manifest.cli}}"`,
    `SWEEP=${shellQuote(dir)}`,
    `ATTEMPT=${attempt}`,
    'TASK="${SLURM_ARRAY_TASK_ID:?submit this script with sbatch (it is an array job)}"',
    'SHARD="$SWEEP/shards/a$ATTEMPT-t$TASK.db"',
    'failed=0',
    'wwb_run() {',
    '  local key="$1" out code',
    '  shift',
    '  out="$SWEEP/results/$key.a$ATTEMPT"',
    '  : >"$out.started"',
    '  "$NODE" "$WWB" run "$@" --db "$SHARD" --json >"$out.json" 2>"$out.err"',
    '  code=$?',
    '  echo "$code" >"$out.exit"',
    '  [ "$code" -eq 0 ] || failed=1',
    '}',
    'case "$TASK" in',
  ];
  tasks.forEach((keys, t) => {
    const calls = keys.map((key) => {
      const run = byKey.get(key);
      if (!run) throw new Error(`unknown run key ${key}`);
      return `wwb_run ${key} ${run.argv.map(shellQuote).join(' ')}`;
    });
    lines.push(`  ${t})`, ...calls.map((c) => `    ${c}`), '    ;;');
  });
  lines.push('  *) echo "array task $TASK has no runs" >&2; exit 2 ;;', 'esac', 'exit $failed', '');
  return lines.join('\n');
}

function tool(command: string, args: string[]): { ok: boolean; stdout: string; stderr: string; missing: boolean } {
  const r = spawnSync(command, args, { encoding: 'utf8', timeout: 60_000 });
  const missing = (r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
  return { ok: !r.error && r.status === 0, stdout: r.stdout ?? '', stderr: (r.stderr ?? '').trim() || (r.error?.message ?? ''), missing };
}

/** Submit the script with sbatch; returns the job id. */
export function submit(dir: string, attempt: number, script: string): string {
  const file = paths(dir).script(attempt);
  writeFileSync(file, script, { mode: 0o755 });
  const r = tool('sbatch', ['--parsable', file]);
  if (r.missing) throw new UsageError("sbatch not found: --executor slurm runs on a Slurm login node (or use --dry-run to see the script)");
  if (!r.ok) throw new UsageError(`sbatch refused the job: ${r.stderr || r.stdout}`);
  const id = r.stdout.trim().split(';')[0];
  if (!/^\d+$/.test(id)) throw new UsageError(`sbatch did not print a job id (got '${r.stdout.trim()}')`);
  return id;
}

export interface TaskView {
  /** scheduler state: PENDING, RUNNING, COMPLETED, FAILED, TIMEOUT, CANCELLED, PREEMPTED, NODE_FAIL, ... */
  state: string;
  exitCode?: string;
  reason?: string;
}

export interface JobView {
  /** task index -> what the scheduler says; tasks it does not know are absent */
  tasks: Map<number, TaskView>;
  /** the squeue / sacct / scontrol lines read, for the status report */
  sources: string[];
}

/** Tasks of array job `jobId` that squeue lists (pending or running) and what sacct or scontrol know of the rest. */
export function jobView(jobId: string, taskCount: number): JobView {
  const tasks = new Map<number, TaskView>();
  const sources: string[] = [];
  // finished tasks: sacct where accounting exists, else scontrol (which remembers jobs for MinJobAge)
  const acct = tool('sacct', ['-n', '-P', '-X', '-j', jobId, '-o', 'JobID,State,ExitCode']);
  if (acct.ok && acct.stdout.trim()) {
    sources.push('sacct');
    for (const line of acct.stdout.trim().split('\n')) {
      const [id, state, exitCode] = line.split('|');
      const m = /^\d+_(\d+)$/.exec(id ?? '');
      if (m) tasks.set(Number(m[1]), { state: (state ?? '').split(' ')[0], exitCode });
    }
  } else {
    const ctl = tool('scontrol', ['show', 'job', '-o', jobId]);
    if (ctl.ok) {
      sources.push('scontrol');
      for (const line of ctl.stdout.trim().split('\n')) {
        const task = /\bArrayTaskId=(\d+)\b/.exec(line);
        const state = /\bJobState=(\S+)/.exec(line);
        if (task && state) tasks.set(Number(task[1]), { state: state[1], exitCode: /\bExitCode=(\S+)/.exec(line)?.[1], reason: /\bReason=(\S+)/.exec(line)?.[1] });
      }
    }
  }
  // squeue is the truth for what is still queued or running
  const q = tool('squeue', ['-h', '-r', '-j', jobId, '-o', '%i|%T|%r']);
  if (q.ok) {
    sources.push('squeue');
    for (const line of q.stdout.trim().split('\n')) {
      const [id, state, reason] = line.split('|');
      const m = /^\d+_(\d+)$/.exec(id ?? '');
      if (m && Number(m[1]) < taskCount) tasks.set(Number(m[1]), { state: state ?? 'UNKNOWN', reason });
    }
  }
  return { tasks, sources };
}

export const ACTIVE_STATES = new Set(['PENDING', 'CONFIGURING', 'RUNNING', 'COMPLETING', 'SUSPENDED', 'REQUEUED', 'RESIZING', 'SIGNALING', 'STAGE_OUT']);
