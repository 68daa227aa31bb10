/**
 * Chart styling and number formatting shared by every chart; free of the echarts runtime so that
 * importing it does not pull ECharts into the first bundle (EChart.vue loads ECharts on demand).
 */
import type { EChartsCoreOption } from 'echarts/core';

export type EChartsOption = EChartsCoreOption;

/** A neutral, print-friendly palette (colour-blind safe order). */
export const SERIES_COLORS = ['#2f6db5', '#d9822b', '#3a9a5b', '#c2413b', '#7c5cb8', '#8c6d4f', '#d16aa6', '#6b7785', '#a6a62d', '#2aa3b8'];

/** Axis layout shared by the charts; the colours come from the chart theme (light or dark). */
export const AXIS_STYLE = {
  axisLine: { onZero: false },
  axisLabel: { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace', fontSize: 10 },
  splitLine: {},
  nameTextStyle: { fontSize: 11 },
};

export type ChartMode = 'light' | 'dark';

interface ChartPalette {
  background: string;
  axisLine: string;
  label: string;
  split: string;
  tooltipBg: string;
  tooltipBorder: string;
}

const PALETTES: Record<ChartMode, ChartPalette> = {
  light: { background: '#ffffff', axisLine: '#9aa3ad', label: '#4b5563', split: '#eceff2', tooltipBg: '#ffffff', tooltipBorder: '#c5cbd3' },
  dark: { background: '#1e2024', axisLine: '#5c636c', label: '#aab1ba', split: '#2c3036', tooltipBg: '#25282d', tooltipBorder: '#474c54' },
};

/** Background of an exported chart image (the chart itself is transparent on the panel). */
export function chartBackground(mode: ChartMode): string {
  return PALETTES[mode].background;
}

/**
 * The ECharts theme of each mode (registered as 'wwb-light' / 'wwb-dark' by EChart.vue): axis, label
 * and grid colours, legend and tooltip text; the series keep SERIES_COLORS, readable on both.
 */
export function chartTheme(mode: ChartMode): Record<string, unknown> {
  const p = PALETTES[mode];
  const axis = {
    axisLine: { lineStyle: { color: p.axisLine } },
    axisTick: { lineStyle: { color: p.axisLine } },
    axisLabel: { color: p.label },
    splitLine: { lineStyle: { color: p.split } },
    nameTextStyle: { color: p.label },
  };
  return {
    color: SERIES_COLORS,
    backgroundColor: 'transparent',
    textStyle: { color: p.label },
    title: { textStyle: { color: p.label } },
    legend: { textStyle: { color: p.label }, pageTextStyle: { color: p.label } },
    tooltip: { backgroundColor: p.tooltipBg, borderColor: p.tooltipBorder, textStyle: { color: p.label } },
    visualMap: { textStyle: { color: p.label } },
    categoryAxis: axis,
    valueAxis: axis,
    logAxis: axis,
    timeAxis: axis,
  };
}

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
