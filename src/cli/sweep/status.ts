/**
 * Where every run of a sweep stands, from the files its tasks left (layout.ts) and, for Slurm, from
 * squeue / sacct / scontrol: done, failed, cancelled (ended by themselves or by the user: mergeable),
 * running, pending, interrupted (its task ended before the run did: killed at the time limit,
 * preempted, node failure), missing (never started, and nothing queued will start it).
 */
import { hostname } from 'node:os';
import { ACTIVE_STATES, jobView, type JobView, type TaskView } from './scheduler';
import { attemptsOf, errorOf, readEvidence, type ManifestRun, type RunEvidence, type Submission, type SweepManifest } from './layout';

/** Whether the local pool that ran a submission is still alive (on this host; another host's is assumed gone). */
function poolAlive(s: Submission): boolean {
  if (s.executor !== 'local' || !s.pool || s.pool.host !== hostname() || s.pool.pid === process.pid) return false;
  try {
    process.kill(s.pool.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export type RunState = 'done' | 'failed' | 'cancelled' | 'running' | 'pending' | 'interrupted' | 'missing';

export interface RunStatusRow {
  run: ManifestRun;
  state: RunState;
  attempt: number | null;
  task: number | null;
  /** the run's id in its shard, when the run ended and reported it */
  shardRunId: number | null;
  error: string | null;
}

export interface SweepStatus {
  rows: RunStatusRow[];
  counts: Record<RunState, number>;
  /** which scheduler tools answered, per job id */
  sources: Record<string, string[]>;
}

/** A run that ended with a JSON report of its stored run: a candidate for the merge. */
export const MERGEABLE: ReadonlySet<RunState> = new Set(['done', 'failed', 'cancelled']);

function stateFromEvidence(e: RunEvidence, task: TaskView | undefined, jobKnown: boolean): Omit<RunStatusRow, 'run'> {
  const base = { attempt: e.attempt, task: e.task, shardRunId: e.output?.runId ?? null };
  if (e.exitCode !== null) {
    const status = e.output?.status;
    if (e.exitCode === 0 && (status === 'completed' || status === 'stalled')) return { ...base, state: 'done', error: null };
    if (status === 'cancelled') return { ...base, state: 'cancelled', error: e.output?.error ?? 'cancelled' };
    if (status === 'failed' && base.shardRunId !== null) return { ...base, state: 'failed', error: e.output?.error ?? errorOf(e.stderr) };
    return { ...base, shardRunId: null, state: 'failed', error: `exit ${e.exitCode}: ${errorOf(e.stderr)}` };
  }
  const active = task !== undefined && ACTIVE_STATES.has(task.state);
  if (e.started) {
    if (active) return { ...base, state: 'running', error: null };
    const why = task ? `task ${e.task} ended ${task.state}${task.exitCode ? ` (exit ${task.exitCode})` : ''}` : `task ${e.task} ended`;
    return { ...base, state: 'interrupted', error: `${why} before the run finished` };
  }
  if (active) return { ...base, state: 'pending', error: null };
  return {
    ...base,
    state: 'missing',
    error: task ? `task ${e.task} is ${task.state} and never started this run` : jobKnown ? `task ${e.task} never started this run` : 'never started',
  };
}

/**
 * The state of every run. `liveJobs` = false skips the scheduler (the local pool after it ended, or a
 * status read where Slurm is not installed); runs are then judged from their files alone.
 */
export function sweepStatus(dir: string, manifest: SweepManifest, liveJobs = true): SweepStatus {
  const views = new Map<string, JobView>();
  const sources: Record<string, string[]> = {};
  if (liveJobs)
    for (const s of manifest.submissions)
      if (s.executor === 'slurm' && s.jobId) {
        const view = jobView(s.jobId, s.tasks.length);
        views.set(s.jobId, view);
        sources[s.jobId] = view.sources;
      }
  const rows: RunStatusRow[] = manifest.runs.map((run) => {
    const attempts = attemptsOf(manifest, run.key);
    if (attempts.length === 0) return { run, state: 'missing', attempt: null, task: null, shardRunId: null, error: 'never submitted' };
    const latest = attempts[0];
    const evidence = readEvidence(dir, run.key, latest.attempt, latest.task);
    const view = latest.submission.jobId ? views.get(latest.submission.jobId) : undefined;
    const task = liveJobs && poolAlive(latest.submission) ? { state: evidence.started ? 'RUNNING' : 'PENDING' } : view?.tasks.get(latest.task);
    return { run, ...stateFromEvidence(evidence, task, (view?.sources.length ?? 0) > 0) };
  });
  const counts: Record<RunState, number> = { done: 0, failed: 0, cancelled: 0, running: 0, pending: 0, interrupted: 0, missing: 0 };
  for (const r of rows) counts[r.state]++;
  return { rows, counts, sources };
}

export const describeRun = (r: ManifestRun): string =>
  `${r.key} ${r.method}${Object.keys(r.set).length ? ` ${Object.entries(r.set).map(([k, v]) => `${k}=${v}`).join(' ')}` : ''} seed=${r.seed} on ${r.mdpRef.ref}`;

export function formatStatus(name: string, status: SweepStatus): string {
  const c = status.counts;
  const lines = [
    `sweep '${name}': ${status.rows.length} runs: ${c.done} done, ${c.running} running, ${c.pending} pending, ${c.failed} failed, ` +
      `${c.interrupted} interrupted, ${c.cancelled} cancelled, ${c.missing} missing`,
  ];
  for (const r of status.rows)
    if (r.state !== 'done') lines.push(`  ${r.state.padEnd(11)} ${describeRun(r.run)}${r.error ? `: ${r.error}` : ''}`);
  const used = Object.entries(status.sources).map(([job, tools]) => `job ${job}: ${tools.length ? tools.join(', ') : 'no scheduler answer'}`);
  if (used.length) lines.push(`  (scheduler: ${used.join('; ')})`);
  return lines.join('\n');
}
