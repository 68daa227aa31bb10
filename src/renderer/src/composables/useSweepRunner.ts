/**
 * Sweeps in the app: a checked SweepSpec (src/shared/sweepSpec.ts, the same parser and expansion as
 * `wwb sweep`) is expanded into its runs, which a local pool of K renderer workers computes, K at a
 * time. Each run is an ordinary run of `useRunExecution` (one compute worker, the one run driver, the
 * run's RunSync storing it), created in the sweep's own experiment, with the label `wwb sweep` gives it.
 *
 *   progress:  done (completed or stalled) / running / failed / cancelled / queued
 *   ETA:       mean wall time of the finished runs x (queued + running) / K   (null before the first)
 *   pause:     stop handing out runs (running ones go on); resume hands them out again
 *   cancel:    drop the queued runs (never created) and cancel the running ones
 *
 * Problem: keep at most K runs in flight, never start a run twice, keep counting right when a run
 * cannot even be created. Output: reactive progress for the sweep panel; runs in the Runs list as usual.
 */
import { defineStore } from 'pinia';
import { computed, reactive, ref, shallowRef } from 'vue';
import type { ExperimentRecord } from '../../../shared/api';
import type { MdpDocument } from '../../../shared/mdp/types';
import { compileMdp } from '../../../shared/mdp/compile';
import { expandSweep, formatSet, sweepRunCount, type SweepRun, type SweepSpec } from '../../../shared/sweepSpec';
import { randomPolicy } from '../../../compute/initialPolicy';
import { api } from '../api/workbenchClient';
import type { InitChoice } from '../compute/workerProtocol';
import { useRunExecution } from './useRunExecution';
import { useShellStore } from '../stores/shell';

/** The default pool size: the logical cores less one for the page, at least 1. */
export const defaultSweepWorkers = (): number =>
  Math.max(1, (typeof navigator !== 'undefined' && navigator.hardwareConcurrency ? navigator.hardwareConcurrency : 2) - 1);

/** Where a sweep's MDP ref points in this database (a saved MDP, or a preset saved for the sweep). */
export interface SweepMdpBinding {
  mdpId: number;
  document: MdpDocument;
}

export type SweepJobState = 'queued' | 'running' | 'completed' | 'stalled' | 'failed' | 'cancelled';
export type SweepState = 'running' | 'paused' | 'cancelling' | 'finished' | 'cancelled';

export interface SweepJob {
  run: SweepRun;
  label: string;
  state: SweepJobState;
  runId: number | null;
  /** wall time from dispatch to the stored final status, ms */
  ms: number | null;
}

export interface SweepProgress {
  total: number;
  done: number;
  running: number;
  failed: number;
  cancelled: number;
  queued: number;
  etaMs: number | null;
}

/** The label of a sweep run, the same as `wwb sweep` gives it (src/cli/sweep/index.ts). */
export const sweepRunLabel = (name: string, run: SweepRun): string => `${name}: ${run.method} ${formatSet(run.set)} seed ${run.seed}`.slice(0, 200);

/** The init of a sweep run as the worker takes it; `random:N` is drawn here, exactly as `wwb run --init random:N`. */
export function sweepInit(init: string, document: MdpDocument): InitChoice {
  if (init === 'uniform') return { kind: 'uniform' };
  if (init === 'random') return { kind: 'random' };
  const m = /^random:(\d+)$/.exec(init);
  if (!m) throw new Error(`unknown init '${init}'`);
  const compiled = compileMdp(document);
  if (!compiled.ok) throw new Error('the MDP does not compile');
  return { kind: 'policy', policy: Array.from(randomPolicy(compiled.mdp, Number(m[1]))), source: init };
}

export const useSweepRunner = defineStore('sweepRunner', () => {
  const exec = useRunExecution();
  const shell = useShellStore();
  const jobs = shallowRef<SweepJob[]>([]);
  const spec = shallowRef<SweepSpec | null>(null);
  const experiment = shallowRef<ExperimentRecord | null>(null);
  const state = ref<SweepState | null>(null);
  const workers = ref(1);
  const startedAt = ref(0);
  /** bumped on every job change (the progress computeds read it; jobs are plain objects) */
  const tick = ref(0);
  const counts = reactive({ running: 0 });
  let bindings = new Map<string, SweepMdpBinding>();
  let next = 0;

  const progress = computed<SweepProgress>(() => {
    void tick.value;
    const p: SweepProgress = { total: jobs.value.length, done: 0, running: 0, failed: 0, cancelled: 0, queued: 0, etaMs: null };
    let sum = 0;
    let n = 0;
    for (const j of jobs.value) {
      if (j.state === 'completed' || j.state === 'stalled') p.done++;
      else if (j.state === 'running') p.running++;
      else if (j.state === 'failed') p.failed++;
      else if (j.state === 'cancelled') p.cancelled++;
      else p.queued++;
      if (j.ms !== null && j.state !== 'cancelled') {
        sum += j.ms;
        n++;
      }
    }
    if (n > 0 && state.value !== 'cancelled' && state.value !== 'finished') p.etaMs = ((sum / n) * (p.queued + p.running)) / Math.max(1, workers.value);
    return p;
  });
  const active = computed(() => state.value === 'running' || state.value === 'paused' || state.value === 'cancelling');

  function changed(): void {
    tick.value++;
    if (counts.running === 0 && (state.value === 'running' || state.value === 'cancelling') && !jobs.value.some((j) => j.state === 'queued')) {
      state.value = state.value === 'cancelling' ? 'cancelled' : 'finished';
    }
  }

  function pump(): void {
    while (state.value === 'running' && counts.running < workers.value && next < jobs.value.length) {
      const job = jobs.value[next++];
      if (job.state !== 'queued') continue;
      void launch(job);
    }
    changed();
  }

  async function launch(job: SweepJob): Promise<void> {
    job.state = 'running';
    counts.running++;
    const t0 = performance.now();
    const binding = bindings.get(job.run.mdp.ref)!;
    const settle = (status: SweepJobState): void => {
      if (job.state !== 'running') return;
      job.state = status;
      job.ms = performance.now() - t0;
      counts.running--;
      pump();
    };
    let init: InitChoice;
    try {
      init = sweepInit(job.run.init, binding.document);
    } catch (err) {
      settle('failed');
      shell.notify('error', `${job.label}: ${(err as Error).message}`);
      return;
    }
    const rec = await exec.start({
      mdpId: binding.mdpId,
      document: binding.document,
      method: job.run.method,
      label: job.label,
      options: job.run.set,
      backend: job.run.backend,
      seed: job.run.seed,
      maxIterations: job.run.iterations,
      init,
      experimentId: experiment.value?.id ?? null,
      select: false,
      onSettled: (status) => settle(status),
    });
    if (!rec) return settle('failed');
    job.runId = rec.id;
    tick.value++;
    if (state.value === 'cancelling') exec.cancel(rec.id);
  }

  /**
   * Start a checked sweep: its experiment is created first (named as the spec says), then the runs are
   * handed out `poolSize` at a time. `mdps` binds every MDP ref of the spec.
   */
  async function start(s: SweepSpec, mdps: Map<string, SweepMdpBinding>, poolSize: number): Promise<boolean> {
    if (active.value) {
      shell.notify('error', 'A sweep is already running: pause, cancel or wait for it first');
      return false;
    }
    for (const m of s.mdps) if (!mdps.has(m.ref)) throw new Error(`unbound MDP ref ${m.ref}`);
    const count = sweepRunCount(s);
    let exp: ExperimentRecord;
    try {
      const only = s.mdps.length === 1 ? mdps.get(s.mdps[0].ref)!.mdpId : null;
      exp = await api['experiments:create']({
        name: s.experiment,
        notes: `Sweep '${s.name}' started from the launch panel: ${count} run${count === 1 ? '' : 's'}.`,
        mdpId: only,
      });
    } catch (err) {
      shell.notifyError('Could not create the sweep’s experiment', err);
      return false;
    }
    bindings = mdps;
    spec.value = s;
    experiment.value = exp;
    workers.value = Math.max(1, Math.floor(poolSize));
    jobs.value = expandSweep(s).map((run) => ({ run, label: sweepRunLabel(s.name, run), state: 'queued', runId: null, ms: null }));
    next = 0;
    counts.running = 0;
    startedAt.value = Date.now();
    state.value = 'running';
    pump();
    return true;
  }

  /** Stop handing out runs; the running ones finish. */
  function pause(): void {
    if (state.value === 'running') state.value = 'paused';
  }

  function resume(): void {
    if (state.value !== 'paused') return;
    state.value = 'running';
    pump();
  }

  /** Drop the queued runs and cancel the running ones. */
  function cancel(): void {
    if (!active.value) return;
    state.value = 'cancelling';
    for (const j of jobs.value) if (j.state === 'queued') j.state = 'cancelled';
    for (const j of jobs.value) if (j.state === 'running' && j.runId !== null) exec.cancel(j.runId);
    changed();
  }

  /** Change the pool size of the running sweep (takes effect as runs finish or immediately when larger). */
  function setWorkers(k: number): void {
    workers.value = Math.max(1, Math.floor(k));
    if (state.value === 'running') pump();
  }

  return { jobs, spec, experiment, state, workers, startedAt, progress, active, tick, start, pause, resume, cancel, setWorkers };
});
