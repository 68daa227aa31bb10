/**
 * The local executor: a pool of K workers on this machine, each run a `wwb run` subprocess writing its
 * own shard (no two processes ever write one SQLite file), leaving the same per-run files a Slurm task
 * leaves (layout.ts), so status, merge and resubmit do not care which executor ran a sweep.
 *
 * Progress goes to stderr (done / running / failed, ETA from the mean time of the runs done so far).
 * Cancelling (Ctrl-C, or the AbortSignal) stops handing out runs, ends the running subprocesses, and
 * marks every unfinished run cancelled: a started one in its shard (through the services, keeping the
 * trace it stored), a never-started one by its result files.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { openDatabase } from '../../main/db';
import { createWorkbenchService } from '../../main/services';
import { APP_VERSION } from '../../main/version';
import { paths, type Submission, type SweepManifest } from './layout';
import { unfinishedShardRuns } from './shardSql';

export const defaultWorkers = (): number => Math.max(1, availableParallelism() - 1);

export interface PoolProgress {
  total: number;
  done: number;
  failed: number;
  running: number;
  cancelled: number;
  etaMs: number | null;
}

export interface PoolResult extends PoolProgress {
  wasCancelled: boolean;
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h ? `${h}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}` : `${m}:${String(sec).padStart(2, '0')}`;
}

export const formatProgress = (p: PoolProgress): string =>
  `${p.done + p.failed + p.cancelled}/${p.total}: ${p.done} done, ${p.running} running, ${p.failed} failed` +
  (p.cancelled ? `, ${p.cancelled} cancelled` : '') +
  (p.etaMs !== null ? `, ETA ${formatDuration(p.etaMs)}` : '');

/** Mark the unfinished runs of a shard cancelled, through the services; returns their ids. */
function cancelInShard(shard: string): number[] {
  let db;
  try {
    db = openDatabase(shard);
  } catch {
    return []; // the run never got as far as creating its shard
  }
  try {
    const service = createWorkbenchService(db, { version: APP_VERSION, transport: 'browser' }, { recoverInterrupted: false });
    const ids = unfinishedShardRuns(db.sqlite).map((r) => r.id);
    for (const id of ids) service.call('runs:finish', { id, status: 'cancelled', error: 'the sweep was cancelled' });
    return ids;
  } finally {
    db.close();
  }
}

export async function runLocalPool(
  dir: string,
  manifest: SweepManifest,
  submission: Submission,
  workers: number,
  options: { signal?: AbortSignal; onProgress?: (p: PoolProgress) => void } = {},
): Promise<PoolResult> {
  const p = paths(dir);
  const byKey = new Map(manifest.runs.map((r) => [r.key, r]));
  const queue = submission.tasks.map((keys, task) => ({ task, keys }));
  const total = queue.reduce((n, t) => n + t.keys.length, 0);
  const state = { done: 0, failed: 0, cancelled: 0, running: 0 };
  const durations: number[] = [];
  const children = new Set<ChildProcess>();
  let cancelled = options.signal?.aborted ?? false;

  const report = () => {
    const finished = state.done + state.failed;
    const remaining = total - finished - state.cancelled;
    const mean = durations.length ? durations.reduce((a, b) => a + b, 0) / durations.length : null;
    const etaMs = mean === null || cancelled ? null : (mean * remaining) / Math.max(1, Math.min(workers, remaining));
    options.onProgress?.({ total, ...state, etaMs });
  };
  const onAbort = () => {
    cancelled = true;
    for (const child of children) child.kill('SIGTERM');
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });

  const runOne = (key: string, task: number): Promise<void> =>
    new Promise((resolveRun) => {
      const run = byKey.get(key)!;
      const base = p.result(key, submission.attempt);
      const shard = p.shard(submission.attempt, task);
      writeFileSync(`${base}.started`, '');
      const out = openSync(`${base}.json`, 'w');
      const err = openSync(`${base}.err`, 'w');
      const began = Date.now();
      const child = spawn(manifest.node, [manifest.cli, 'run', ...run.argv, '--db', shard, '--json'], { stdio: ['ignore', out, err] });
      children.add(child);
      state.running++;
      report();
      child.on('close', (code, signal) => {
        children.delete(child);
        closeSync(out);
        closeSync(err);
        state.running--;
        if (cancelled && code !== 0) {
          const ids = cancelInShard(shard);
          writeFileSync(`${base}.json`, `${JSON.stringify({ runId: ids[ids.length - 1] ?? null, status: 'cancelled', error: 'the sweep was cancelled' })}\n`);
          writeFileSync(`${base}.exit`, `${code ?? 130}\n`);
          state.cancelled++;
        } else {
          writeFileSync(`${base}.exit`, `${code ?? (signal ? 128 + 15 : 1)}\n`);
          if (code === 0) state.done++;
          else state.failed++;
          durations.push(Date.now() - began);
        }
        report();
        resolveRun();
      });
      child.on('error', (error) => {
        writeFileSync(`${base}.err`, `wwb: cannot start ${manifest.node}: ${error.message}\n`);
      });
    });

  const worker = async () => {
    for (;;) {
      if (cancelled) return;
      const next = queue.shift();
      if (!next) return;
      for (const key of next.keys) {
        if (cancelled) break;
        await runOne(key, next.task);
      }
    }
  };
  report();
  await Promise.all(Array.from({ length: Math.max(1, Math.min(workers, queue.length)) }, worker));
  options.signal?.removeEventListener('abort', onAbort);

  if (cancelled) {
    // runs never started: cancelled by their result files (nothing in any shard)
    for (const keys of submission.tasks)
      for (const key of keys) {
        const base = p.result(key, submission.attempt);
        try {
          writeFileSync(`${base}.exit`, '130\n', { flag: 'wx' });
          writeFileSync(`${base}.json`, `${JSON.stringify({ runId: null, status: 'cancelled', error: 'the sweep was cancelled before this run started' })}\n`);
          state.cancelled++;
        } catch {
          // it ran (its .exit exists)
        }
      }
  }
  const result: PoolResult = { total, ...state, etaMs: null, wasCancelled: cancelled };
  return result;
}
