/** Compare view state: which runs, which metric, scales, x axis; traces are loaded through the runs store. */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { IterationMetrics } from '../../../shared/methods';

export type CompareMetric = Extract<keyof IterationMetrics, 'gap' | 'J' | 'Jplain' | 'tv' | 'entropy' | 'transportCost' | 'kl' | 'lambda' | 'trustSlack' | 'evalResidual' | 'estimatorRms' | 'exactMoveCost'>;
/** x axes; 'samples' (state-action steps sampled, sampled estimators only) compares methods at equal sample budgets */
export type CompareX = 'iteration' | 't' | 'wallMs' | 'samples';

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

export const useCompareStore = defineStore('compare', () => {
  const selected = ref<number[]>([]);
  const metric = ref<CompareMetric>('gap');
  const log = ref(true);
  const x = ref<CompareX>('iteration');

  function toggle(id: number, on?: boolean): void {
    const has = selected.value.includes(id);
    const want = on ?? !has;
    if (want && !has) selected.value = [...selected.value, id];
    if (!want && has) selected.value = selected.value.filter((v) => v !== id);
  }
  function setMetric(m: CompareMetric): void {
    metric.value = m;
    log.value = COMPARE_METRICS.find((c) => c.id === m)?.log ?? false;
  }
  return { selected, metric, log, x, toggle, setMetric };
});
