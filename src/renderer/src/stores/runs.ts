/** Saved runs: the list (kept current by onRunChanged), the selection, and cached traces/snapshots. */
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { PolicySnapshot, RunRecord, TraceColumns } from '../../../shared/api';
import type { ComputeBackendId, MethodId, MethodOptions } from '../../../shared/methods';
import { api, describeError } from '../api/workbenchClient';

export const TRACE_MAX_POINTS = 4000;

/** A run configuration for the launch panel to show, edit and start ("duplicate as new"). */
export interface LaunchDraft {
  mdpId: number;
  method: MethodId;
  options: MethodOptions;
  backend: ComputeBackendId;
  seed: number;
  maxIterations: number;
  label: string;
  /** the init the panel can express: uniform, or random with the run's seed */
  init: 'uniform' | 'random';
  /** where it came from, for the panel's notice */
  from: number;
}

export const useRunsStore = defineStore('runs', () => {
  const runs = ref<RunRecord[]>([]);
  const loaded = ref(false);
  const listError = ref<string | null>(null);
  const selectedId = ref<number | null>(null);
  /** completed traces, by run id; dropped when the run changes */
  const traces = shallowRef(new Map<number, TraceColumns>());
  const snapshots = shallowRef(new Map<number, PolicySnapshot[]>());

  const selected = computed(() => runs.value.find((r) => r.id === selectedId.value) ?? null);

  function upsert(rec: RunRecord): void {
    const i = runs.value.findIndex((r) => r.id === rec.id);
    if (i >= 0) {
      const before = runs.value[i];
      runs.value.splice(i, 1, rec);
      if (before.iterations !== rec.iterations || before.status !== rec.status) invalidate(rec.id);
    } else {
      runs.value.unshift(rec);
    }
  }

  function invalidate(id: number): void {
    if (traces.value.has(id)) {
      const t = new Map(traces.value);
      t.delete(id);
      traces.value = t;
    }
    if (snapshots.value.has(id)) {
      const s = new Map(snapshots.value);
      s.delete(id);
      snapshots.value = s;
    }
  }

  async function refresh(): Promise<void> {
    try {
      const list = await api['runs:list']({});
      runs.value = [...list].sort((a, b) => b.id - a.id);
      listError.value = null;
    } catch (err) {
      listError.value = describeError(err);
    } finally {
      loaded.value = true;
    }
  }

  let subscribed = false;
  function subscribe(): void {
    if (subscribed) return;
    subscribed = true;
    api.on('onRunChanged', (rec) => upsert(rec));
    api.on('onRunsDeleted', ({ ids }) => forget(ids));
  }

  /** drop deleted runs from the list and the caches (their ids are never reused) */
  function forget(ids: number[]): void {
    const gone = new Set(ids);
    if (runs.value.some((r) => gone.has(r.id))) runs.value = runs.value.filter((r) => !gone.has(r.id));
    for (const id of ids) invalidate(id);
    if (selectedId.value !== null && gone.has(selectedId.value)) selectedId.value = null;
  }

  /** a configuration handed to the launch panel (it applies and clears it) */
  const launchDraft = ref<LaunchDraft | null>(null);
  function requestLaunch(draft: LaunchDraft | null): void {
    launchDraft.value = draft;
  }

  async function loadTraces(ids: number[]): Promise<Map<number, TraceColumns>> {
    const missing = ids.filter((id) => !traces.value.has(id));
    if (missing.length) {
      const got = await api['runs:trace']({ ids: missing, maxPoints: TRACE_MAX_POINTS });
      const t = new Map(traces.value);
      for (const tc of got) t.set(tc.runId, tc);
      traces.value = t;
    }
    const out = new Map<number, TraceColumns>();
    for (const id of ids) {
      const tc = traces.value.get(id);
      if (tc) out.set(id, tc);
    }
    return out;
  }

  async function loadSnapshots(id: number): Promise<PolicySnapshot[]> {
    const have = snapshots.value.get(id);
    if (have) return have;
    const got = await api['runs:snapshots']({ id });
    const s = new Map(snapshots.value);
    s.set(id, got);
    snapshots.value = s;
    return got;
  }

  async function remove(id: number): Promise<void> {
    await api['runs:delete']({ id });
    forget([id]);
  }

  function select(id: number | null): void {
    selectedId.value = id;
  }

  return {
    runs, loaded, listError, selectedId, selected, traces, snapshots, upsert, refresh, subscribe, loadTraces, loadSnapshots, remove, select, invalidate,
    forget, launchDraft, requestLaunch,
  };
});
