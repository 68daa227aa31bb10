/**
 * The traces Compare draws and summarises, loaded by the view itself:
 *  - display traces: only the metric and the x column, downsampled in SQL to DISPLAY_POINTS rows with a
 *    min/max envelope of the metric (per bucket its first, smallest and largest row, so spikes survive);
 *  - summaries: final / best J and gap, the iteration and time a gap target is reached and the trust
 *    violations over every stored row, computed in main (runs:summary, a few numbers per run), asked for
 *    after the chart's frame; the page never downloads full-resolution traces for the table.
 * Both are cached per run, keyed by what was asked and by the run's stored row count, so a finished run
 * is read once. Nothing loads while `active` is false (Compare kept alive but hidden).
 */
import { shallowRef, watch, type Ref } from 'vue';
import { api } from '../../api/workbenchClient';
import type { RunRecord, RunTraceSummary, TraceColumns } from '../../../../shared/api';
import type { MetricKey } from '../../../../shared/methods';
import type { CompareMetric, CompareX } from '../../stores/compare';

/** Rows per run for display: ~500 buckets of up to three rows (first, min, max): about one bucket per 2 px. */
export const DISPLAY_POINTS = 1500;
const CACHE_LIMIT = 120;

function remember<T>(cache: Map<string, T>, key: string, t: T): void {
  cache.delete(key);
  cache.set(key, t);
  while (cache.size > CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
}

export function useCompareTraces(
  runs: Ref<RunRecord[]>,
  metric: Ref<CompareMetric>,
  x: Ref<CompareX>,
  active: Ref<boolean>,
  gapTarget: Ref<number>,
  onError: (what: string, err: unknown) => void,
) {
  const display = shallowRef(new Map<number, TraceColumns>());
  const summary = shallowRef(new Map<number, RunTraceSummary>());
  const loading = shallowRef(false);
  const displayCache = new Map<string, TraceColumns>();
  const summaryCache = new Map<string, RunTraceSummary>();
  let generation = 0;
  let summaryGeneration = 0;

  /** the summary table's statistics, computed in main; cached per (run, stored rows, gap target) */
  async function loadSummary(rs: RunRecord[]): Promise<void> {
    const gen = ++summaryGeneration;
    const target = gapTarget.value;
    const sKey = (r: RunRecord) => `${r.id}:${r.iterations}:${target}`;
    const need = rs.filter((r) => !summaryCache.has(sKey(r)));
    if (need.length) {
      const got = await api['runs:summary']({ ids: need.map((r) => r.id), gapTarget: target });
      for (const s of got) {
        const r = need.find((n) => n.id === s.runId);
        if (r) remember(summaryCache, sKey(r), s);
      }
    }
    if (gen !== summaryGeneration) return;
    summary.value = new Map(rs.flatMap((r) => (summaryCache.has(sKey(r)) ? [[r.id, summaryCache.get(sKey(r))!] as const] : [])));
  }

  async function load(): Promise<void> {
    const gen = ++generation;
    const rs = runs.value;
    if (!rs.length) {
      display.value = new Map();
      summary.value = new Map();
      return;
    }
    const m = metric.value;
    const xv = x.value;
    const dKey = (r: RunRecord) => `${r.id}:${r.iterations}:${m}:${xv}`;
    loading.value = true;
    try {
      const need = rs.filter((r) => !displayCache.has(dKey(r)));
      if (need.length) {
        const metrics: MetricKey[] = xv === 'iteration' || xv === m ? [m] : [m, xv];
        const got = await api['runs:trace']({ ids: need.map((r) => r.id), metrics, maxPoints: DISPLAY_POINTS, envelope: m });
        for (const t of got) {
          const r = need.find((n) => n.id === t.runId);
          if (r) remember(displayCache, dKey(r), t);
        }
      }
      if (gen !== generation) return;
      display.value = new Map(rs.flatMap((r) => (displayCache.has(dKey(r)) ? [[r.id, displayCache.get(dKey(r))!] as const] : [])));
      // after the chart's frame: the summary table's statistics (small, computed in main)
      await new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0)));
      if (gen !== generation) return;
      await loadSummary(rs);
    } catch (err) {
      if (gen === generation) onError('Could not load traces', err);
    } finally {
      if (gen === generation) loading.value = false;
    }
  }

  watch(
    () => (active.value ? `${runs.value.map((r) => `${r.id}:${r.iterations}`).join(',')}|${metric.value}|${x.value}` : null),
    (key) => {
      if (key !== null) void load();
    },
    { immediate: true },
  );
  // a new gap target asks for the summaries only (the traces stay)
  watch(gapTarget, () => {
    if (active.value && runs.value.length) loadSummary(runs.value).catch((err) => onError('Could not load the run summaries', err));
  });
  return { display, summary, loading };
}
