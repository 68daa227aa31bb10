/**
 * Axis scales of the comparison charts: linear, log and symlog, each with readable ticks.
 *
 * ECharts has linear and log value axes but no symlog, so a symlog axis plots the transformed value
 *   u = sign(v) log10(1 + |v| / c)
 * on a linear axis (c, the linear threshold, is a power of ten chosen from the data: below c the axis is
 * about linear, above it logarithmic, and 0 and negative values stay visible), with ticks placed at the
 * transformed powers of ten (0, ±c, ±10c, ...) and labelled with the original values.
 * A log axis cannot show values <= 0: they are dropped and counted, so the chart can say so.
 */
import { fmt } from './chartStyle';

export type AxisScale = 'linear' | 'log' | 'symlog';

export interface ScaleTransform {
  scale: AxisScale;
  /** the linear threshold of symlog (1 for the other scales) */
  c: number;
  /** value to plotted coordinate; null when the value cannot be drawn on this scale */
  to(v: number | null | undefined): number | null;
  /** plotted coordinate back to the value (for labels and tooltips) */
  from(u: number): number;
}

/**
 * The symlog threshold for a set of values: the power of ten at or below the smallest non-zero |v|,
 * but at most 8 decades below the largest |v| (round-off near 0 should not take the whole axis).
 */
export function symlogThreshold(values: Iterable<number | null | undefined>): number {
  let lo = Infinity;
  let hi = 0;
  for (const v of values) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v === 0) continue;
    const a = Math.abs(v);
    if (a < lo) lo = a;
    if (a > hi) hi = a;
  }
  if (!(hi > 0)) return 1;
  return pow10(Math.floor(Math.log10(Math.max(lo, hi * 1e-8))));
}

/** 10^e, exact for negative e too (10 ** -4 is 0.00009999999999999999, 1 / 10 ** 4 is 0.0001). */
function pow10(e: number): number {
  return e < 0 ? 1 / 10 ** -e : 10 ** e;
}

export function scaleTransform(scale: AxisScale, values: Iterable<number | null | undefined> = []): ScaleTransform {
  if (scale === 'symlog') {
    const c = symlogThreshold(values);
    return {
      scale,
      c,
      to: (v) => (typeof v === 'number' && Number.isFinite(v) ? Math.sign(v) * Math.log10(1 + Math.abs(v) / c) : null),
      from: (u) => Math.sign(u) * c * (10 ** Math.abs(u) - 1),
    };
  }
  if (scale === 'log')
    return { scale, c: 1, to: (v) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : null), from: (u) => u };
  return { scale, c: 1, to: (v) => (typeof v === 'number' && Number.isFinite(v) ? v : null), from: (u) => u };
}

/** Transformed tick positions of a symlog axis over [uMin, uMax]: 0 and ±c 10^k, thinned to at most ~9. */
export function symlogTicks(tr: ScaleTransform, uMin: number, uMax: number): number[] {
  const ticks: number[] = [];
  if (uMin <= 0 && uMax >= 0) ticks.push(0);
  const top = Math.max(Math.abs(uMin), Math.abs(uMax));
  const decades: number[] = [];
  for (let k = 0; k < 40; k++) {
    const u = tr.to(tr.c * pow10(k));
    if (u === null || u > top * 1.0000001) break;
    decades.push(u);
  }
  const step = Math.max(1, Math.ceil(decades.length / 5));
  for (let i = 0; i < decades.length; i += step) {
    const u = decades[i];
    if (u >= uMin && u <= uMax) ticks.push(u);
    if (-u >= uMin && -u <= uMax) ticks.push(-u);
  }
  return ticks.sort((a, b) => a - b);
}

/** A readable label: powers of ten as 1e-6, others compact. */
export function tickLabel(v: number): string {
  if (v === 0) return '0';
  const e = Math.log10(Math.abs(v));
  const k = Math.round(e);
  if (Math.abs(e - k) < 1e-9) {
    // a power of ten (up to round-off of the symlog inverse): 1e-6, 0.01, 100, 1e3
    const sign = v < 0 ? '−' : '';
    return Math.abs(k) >= 3 ? `${sign}1e${k}` : `${sign}${pow10(k)}`;
  }
  return fmt(v, 3).replace('-', '−');
}

/**
 * The ECharts axis of a scale over the plotted range [uMin, uMax] (pass the range of the plotted
 * coordinates; for log and linear, the values themselves). `base` carries name, styles, min/max.
 */
export function axisFor(tr: ScaleTransform, uMin: number, uMax: number, base: Record<string, unknown>, labelStyle: Record<string, unknown>): Record<string, unknown> {
  if (tr.scale === 'log')
    return {
      ...base,
      type: 'log',
      min: (e: { min: number }) => 10 ** Math.floor(Math.log10(Math.max(e.min, 1e-300))),
      max: (e: { max: number }) => 10 ** Math.ceil(Math.log10(Math.max(e.max, 1e-300))),
      axisLabel: { ...labelStyle, formatter: (v: number) => tickLabel(v), showMinLabel: true, showMaxLabel: true },
    };
  if (tr.scale === 'symlog') {
    const ticks = Number.isFinite(uMin) && Number.isFinite(uMax) ? symlogTicks(tr, uMin, uMax) : [];
    return {
      ...base,
      type: 'value',
      min: Number.isFinite(uMin) ? uMin : undefined,
      max: Number.isFinite(uMax) ? uMax : undefined,
      axisTick: { customValues: ticks },
      axisLabel: { ...labelStyle, customValues: ticks, formatter: (u: number) => tickLabel(tr.from(u)) },
      splitLine: { show: true },
    };
  }
  return {
    ...base,
    type: 'value',
    scale: true,
    axisLabel: { ...labelStyle, formatter: (v: number) => tickLabel(v) },
  };
}

/**
 * Top margin for a wrapped (plain) legend above the plot: the legend's rows estimated from the labels'
 * lengths at this font size (about 0.55 em per character plus the symbol), so a figure with many
 * series does not draw its legend over the curves.
 */
export function legendTop(names: readonly string[], width: number, fontSize: number): number {
  const itemW = (n: string) => n.length * fontSize * 0.58 + 40;
  let rows = 1;
  let x = 10;
  for (const n of names) {
    const w = itemW(n);
    if (x + w > width - 10 && x > 10) {
      rows++;
      x = 10;
    }
    x += w;
  }
  return 6 + rows * fontSize * 1.75 + fontSize * 1.2;
}
