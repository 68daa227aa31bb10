/**
 * Compare view state: which runs, which metric, the x axis (iteration or any metric), the scale of each
 * axis; traces are loaded by the compare view itself (downsampled in SQL with a min/max envelope).
 */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { IterationMetrics, MetricKey } from '../../../shared/methods';
import type { AxisScale } from '../charts/axisScale';

export type CompareMetric = Extract<keyof IterationMetrics, 'gap' | 'J' | 'Jplain' | 'tv' | 'entropy' | 'transportCost' | 'kl' | 'lambda' | 'trustSlack' | 'evalResidual' | 'estimatorRms' | 'exactMoveCost'>;
/**
 * x axes: the iteration or any stored metric ('t' flow time, 'wallMs' wall time, 'samples' state-action
 * steps sampled by sampled estimators, which compares methods at equal sample budgets, or any other)
 */
export type CompareX = 'iteration' | MetricKey;

export const COMPARE_METRICS: { id: CompareMetric; label: string; log: boolean }[] = [
  { id: 'gap', label: 'gap J* − J', log: true },
  { id: 'J', label: 'J (regularised)', log: false },
  { id: 'Jplain', label: 'J (plain)', log: false },
  { id: 'tv', label: 'TV to π*', log: true },
  { id: 'entropy', label: 'entropy', log: false },
  { id: 'transportCost', label: 'transport cost', log: true },
  { id: 'kl', label: 'KL(π_new‖π_old)', log: true },
  { id: 'lambda', label: 'λ (dual)', log: false },
  { id: 'trustSlack', label: 'trust slack', log: false },
  { id: 'evalResidual', label: 'evaluation residual', log: true },
  { id: 'estimatorRms', label: 'advantage RMS error (sampled)', log: true },
  { id: 'exactMoveCost', label: 'move cost, exact occupancy (sampled)', log: true },
];

/** Labels of the x axes (every metric can be one). */
export const X_LABELS: Record<CompareX, string> = {
  iteration: 'iteration',
  t: 'flow time t',
  wallMs: 'wall time (ms)',
  samples: 'samples consumed',
  J: 'J (regularised)',
  Jplain: 'J (plain)',
  gap: 'gap J* − J',
  tv: 'TV to π*',
  entropy: 'entropy',
  transportCost: 'transport cost',
  kl: 'KL(π_new‖π_old)',
  trustSlack: 'trust slack',
  trustViolated: 'trust violated (0/1)',
  lambda: 'λ (dual)',
  evalResidual: 'evaluation residual',
  policyChange: 'policy change max|Δπ|',
  estimatorBias: 'estimator bias (sampled)',
  estimatorRms: 'advantage RMS error (sampled)',
  sampledMoveCost: 'move cost, sampled (sampled)',
  exactMoveCost: 'move cost, exact occupancy (sampled)',
  sampledViolation: 'violation, sampled (sampled)',
  exactViolation: 'violation, exact (sampled)',
};

export const useCompareStore = defineStore('compare', () => {
  const selected = ref<number[]>([]);
  const metric = ref<CompareMetric>('gap');
  const yScale = ref<AxisScale>('log');
  const xScale = ref<AxisScale>('linear');
  const x = ref<CompareX>('iteration');
  /** the gap the summary table's "iterations / time to gap" look for (text as typed; runs:summary gets the number) */
  const gapTarget = ref('1e-6');

  function toggle(id: number, on?: boolean): void {
    const has = selected.value.includes(id);
    const want = on ?? !has;
    if (want && !has) selected.value = [...selected.value, id];
    if (!want && has) selected.value = selected.value.filter((v) => v !== id);
  }
  /** select many at once (one change: one trace load) */
  function selectMany(ids: number[]): void {
    selected.value = [...new Set([...selected.value, ...ids])];
  }
  function setMetric(m: CompareMetric): void {
    metric.value = m;
    yScale.value = COMPARE_METRICS.find((c) => c.id === m)?.log ? 'log' : 'linear';
  }
  return { selected, metric, yScale, xScale, x, gapTarget, toggle, selectMany, setMetric };
});
