/**
 * Chart styling and number formatting shared by every chart; free of the echarts runtime so that
 * importing it does not pull ECharts into the first bundle (EChart.vue loads ECharts on demand).
 */
import type { EChartsCoreOption } from 'echarts/core';

export type EChartsOption = EChartsCoreOption;

/** A neutral, print-friendly palette (colour-blind safe order). */
export const SERIES_COLORS = ['#2f6db5', '#d9822b', '#3a9a5b', '#c2413b', '#7c5cb8', '#8c6d4f', '#d16aa6', '#6b7785', '#a6a62d', '#2aa3b8'];

export const AXIS_STYLE = {
  axisLine: { onZero: false, lineStyle: { color: '#9aa3ad' } },
  axisLabel: { color: '#4b5563', fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace', fontSize: 10 },
  splitLine: { lineStyle: { color: '#eceff2' } },
  nameTextStyle: { color: '#4b5563', fontSize: 11 },
};

/** Compact number formatting for axes and tooltips. */
export function fmt(v: number | null | undefined, digits = 4): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  if (!Number.isFinite(v)) return v > 0 ? '+∞' : '−∞';
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(Math.max(1, digits - 2));
  return Number(v.toPrecision(digits)).toString();
}

/** Lower end of log axes: round-off (below ~1e-16 relative) is not worth eight decades of plot. */
export function logFloor(extent: { min: number; max: number }): number {
  const lo = Math.max(extent.min, 1e-16);
  return Math.pow(10, Math.floor(Math.log10(lo)));
}
