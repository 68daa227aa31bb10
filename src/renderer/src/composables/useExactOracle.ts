/**
 * The exact oracle of sampled runs (issue 15), for the charts that draw it faintly behind them.
 *
 * Problem: a run whose update reads a sampled estimator (options.estimator 'monte-carlo' or 'td') is
 * judged against the exact run of the same configuration: same MDP, method, options without the
 * estimator block, initial policy, and seed where the exact run reads one. Main finds it (runs:oracle);
 * this composable asks for the oracles of the runs a chart shows, keeps their traces current (live from
 * the compute worker when this page computes them, else stored), builds one dashed faint line per
 * distinct oracle ("exact oracle"), and computes a missing oracle on request (the same configuration,
 * estimator left out, started from the sampled run's iteration-0 policy).
 *
 * x of the oracle line: the oracle's own column when it has one (iteration, t, wall time); otherwise
 * (samples consumed: an exact run samples nothing) the x of the sampled run at the same iteration, so
 * the exact update k sits where the sampled update k sits.
 */
import { computed, ref, shallowRef, watch, type Ref } from 'vue';
import type { OracleAnswer, RunRecord, TraceColumns } from '../../../shared/api';
import { exactRunReadsSeed, isSampled } from '../../../shared/methodSpecs';
import type { IterationMetrics } from '../../../shared/methods';
import { api, describeError } from '../api/workbenchClient';
import { useRunsStore } from '../stores/runs';
import { useShellStore } from '../stores/shell';
import { useRunExecution } from './useRunExecution';
import { XYData, xyCount } from '../charts/xyData';

/** Legend name of the oracle line. */
export const ORACLE_LABEL = 'exact oracle';
const ORACLE_COLOR = '#6b7785';

type Columns = Partial<Record<keyof IterationMetrics, (number | null)[]>>;
interface TraceLike {
  iteration: number[];
  columns: Columns;
}

export interface OracleSeriesOptions {
  /** the chart's x: 'iteration' or a metric column ('samples', 't', 'wallMs', ...) */
  x: string;
  metric: keyof IterationMetrics;
  /** y as the chart draws it (log: null for v <= 0; symlog: transformed) */
  map?: (v: number) => number | null;
  /** x as the chart draws it (log / symlog axes: the transformed coordinate; null: not drawn) */
  mapX?: (v: number) => number | null;
  yAxisIndex?: number;
  /** the trace of a sampled run, for x columns the oracle lacks */
  traceOf?: (runId: number) => TraceLike | undefined;
}

export interface ExactOracle {
  /** the shown runs read a sampled estimator */
  sampled: Ref<boolean>;
  /** the distinct oracles found (run ids) */
  oracleIds: Ref<number[]>;
  /** sampled runs without a stored oracle */
  missing: Ref<RunRecord[]>;
  launching: Ref<boolean>;
  error: Ref<string | null>;
  /** oracle lines and their points in the chart's last build (shown next to the chart, read by the e2e) */
  drawn: Ref<{ lines: number; points: number }>;
  /** the dashed faint lines, one per oracle (empty when there is none) */
  series(o: OracleSeriesOptions): Record<string, unknown>[];
  /** compute the missing oracles (one run per distinct configuration) */
  compute(): Promise<void>;
}

export function useExactOracle(source: () => readonly RunRecord[]): ExactOracle {
  const runsStore = useRunsStore();
  const exec = useRunExecution();
  const shell = useShellStore();
  const answers = shallowRef(new Map<number, OracleAnswer>());
  const stored = shallowRef(new Map<number, TraceColumns>());
  const launching = ref(false);
  const error = ref<string | null>(null);
  const drawn = ref({ lines: 0, points: 0 });

  const sampledRuns = computed(() => source().filter((r) => isSampled(r.options as Record<string, unknown>)));
  // ask again when the sampled runs change or an exact run on their MDPs appears or changes status
  const askKey = computed(() => {
    const runs = sampledRuns.value;
    if (!runs.length) return '';
    const mdps = new Set(runs.map((r) => r.mdpId));
    const exact = runsStore.runs.filter((r) => mdps.has(r.mdpId) && !isSampled(r.options as Record<string, unknown>));
    return `${runs.map((r) => r.id).join(',')}|${exact.map((r) => `${r.id}:${r.status}`).join(',')}`;
  });
  watch(
    askKey,
    async (key) => {
      if (!key) {
        answers.value = new Map();
        return;
      }
      try {
        const next = new Map<number, OracleAnswer>();
        for (const r of sampledRuns.value) next.set(r.id, await api['runs:oracle']({ id: r.id }));
        if (key === askKey.value) answers.value = next;
        error.value = null;
      } catch (err) {
        error.value = describeError(err);
      }
    },
    { immediate: true },
  );

  const oracleIds = computed(() => [...new Set([...answers.value.values()].map((a) => a.oracleId).filter((v): v is number => v !== null))]);
  const missing = computed(() => sampledRuns.value.filter((r) => answers.value.get(r.id)?.oracleId === null));

  // stored traces, reloaded when an oracle's record changes (runs store invalidates its cache then)
  const loadKey = computed(() =>
    oracleIds.value
      .map((id) => {
        const r = runsStore.runs.find((x) => x.id === id);
        return `${id}:${r?.iterations ?? 0}:${r?.status ?? ''}`;
      })
      .join(','),
  );
  watch(
    loadKey,
    async () => {
      const ids = oracleIds.value;
      if (!ids.length) {
        stored.value = new Map();
        return;
      }
      try {
        stored.value = await runsStore.loadTraces(ids);
      } catch (err) {
        error.value = describeError(err);
      }
    },
    { immediate: true },
  );
  const liveVersion = computed(() => oracleIds.value.map((id) => exec.live.get(id)?.version ?? 0).join(','));
  const traceOf = (id: number): TraceLike | undefined => exec.trace(id) ?? stored.value.get(id);

  function series(o: OracleSeriesOptions): Record<string, unknown>[] {
    void liveVersion.value; // live oracles redraw with their batches
    const out: Record<string, unknown>[] = [];
    const many = oracleIds.value.length > 1;
    for (const id of oracleIds.value) {
      const tr = traceOf(id);
      if (!tr) continue;
      const ys = tr.columns[o.metric];
      if (!ys) continue;
      let xs: (number | null)[] | null = o.x === 'iteration' ? tr.iteration : (tr.columns[o.x as keyof IterationMetrics] ?? null);
      if (!xs || xs.every((v) => v === null)) {
        // map by iteration through the first sampled run of this oracle
        const runId = [...answers.value].find(([, a]) => a.oracleId === id)?.[0];
        const ref = runId !== undefined ? o.traceOf?.(runId) : undefined;
        const col = ref?.columns[o.x as keyof IterationMetrics];
        if (!ref || !col) continue;
        const at = new Map(ref.iteration.map((it, i) => [it, col[i]]));
        xs = tr.iteration.map((it) => at.get(it) ?? null);
      }
      const data = new XYData(ys.length);
      for (let i = 0; i < ys.length; i++) {
        const x0 = xs[i];
        if (x0 === null || x0 === undefined) continue;
        const x = o.mapX ? o.mapX(x0) : x0;
        if (x === null) continue;
        const y = ys[i];
        data.push(x, y === null || y === undefined ? null : o.map ? o.map(y) : y);
      }
      out.push({
        name: many ? `${ORACLE_LABEL} #${id}` : ORACLE_LABEL,
        type: 'line',
        showSymbol: false,
        data: data.data(),
        color: ORACLE_COLOR,
        lineStyle: { width: 1.4, type: 'dashed', opacity: 0.6 },
        yAxisIndex: o.yAxisIndex ?? 0,
        z: 1,
      });
    }
    // written, never read, by the chart's computed option: no dependency loop
    const points = out.reduce((n, sr) => n + xyCount(sr.data), 0);
    if (drawn.value.lines !== out.length || drawn.value.points !== points) drawn.value = { lines: out.length, points };
    return out;
  }

  async function compute(): Promise<void> {
    if (launching.value) return;
    launching.value = true;
    const selected = runsStore.selectedId;
    try {
      const started = new Set<string>();
      for (const r of missing.value) {
        const config = answers.value.get(r.id)?.config;
        if (!config) continue;
        const key = `${JSON.stringify(config.options)}|${exactRunReadsSeed(config.method) ? config.seed : ''}`;
        if (started.has(key)) continue;
        started.add(key);
        const document = (await api['mdps:get']({ id: config.mdpId })).document;
        const first = (await runsStore.loadSnapshots(r.id)).find((s) => s.iteration === 0);
        await exec.start({
          ...config,
          document,
          label: `exact oracle of #${r.id}`,
          backend: r.backend,
          init: first ? { kind: 'policy', policy: first.policy, source: `run ${r.id}, iteration 0` } : { kind: 'uniform' },
        });
      }
    } catch (err) {
      shell.notifyError('Could not compute the exact oracle', err);
    } finally {
      // starting a run selects it: keep the view on the run it was on
      runsStore.select(selected);
      launching.value = false;
    }
  }

  return { sampled: computed(() => sampledRuns.value.length > 0), oracleIds, missing, launching, error, drawn, series, compute };
}
