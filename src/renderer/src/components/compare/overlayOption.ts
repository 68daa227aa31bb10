/**
 * The overlay chart of Compare as a pure function of the runs, their display traces and the view's
 * settings: one ECharts option for the screen and, at another size and font, for the SVG / PDF export.
 * Extra series (e.g. a faint dashed reference curve) are appended through `extra`, built with the same
 * transforms (`xf`, `yf`) the runs' series use.
 */
import { AXIS_STYLE, SERIES_COLORS, fmt, type EChartsOption } from '../../charts/chartStyle';
import { axisFor, legendTop, scaleTransform, type AxisScale, type ScaleTransform } from '../../charts/axisScale';
import type { RunRecord, TraceColumns } from '../../../../shared/api';
import { X_LABELS, type CompareX } from '../../stores/compare';
import { XYData } from '../../charts/xyData';

export interface OverlayInput {
  runs: RunRecord[];
  traces: Map<number, TraceColumns>;
  metric: string;
  metricLabel: string;
  x: CompareX;
  xScale: AxisScale;
  yScale: AxisScale;
  /** more series, given the transforms of both axes */
  extra?: (xf: ScaleTransform, yf: ScaleTransform) => unknown[];
}

export interface OverlayBuilt {
  option: (style?: { fontSize?: number; export?: boolean; width?: number }) => EChartsOption;
  /** runs without the metric or the x column */
  missing: string[];
  /** values <= 0 left out on a log axis, per axis */
  hiddenX: number;
  hiddenY: number;
  /** points drawn and points stored, and whether the envelope was kept */
  shown: number;
  total: number;
  envelope: boolean;
}

function columnOf(tc: TraceColumns, k: CompareX): readonly (number | null)[] | undefined {
  return k === 'iteration' ? tc.iteration : tc.columns[k];
}

export function buildOverlay(input: OverlayInput): OverlayBuilt {
  const missing: string[] = [];
  const used: { r: RunRecord; k: number; xs: readonly (number | null)[]; ys: readonly (number | null)[] }[] = [];
  let shown = 0;
  let total = 0;
  let envelope = false;
  input.runs.forEach((r, k) => {
    const tc = input.traces.get(r.id);
    if (!tc) return;
    const ys = tc.columns[input.metric as keyof TraceColumns['columns']];
    const xs = columnOf(tc, input.x);
    if (!ys || !xs || ys.every((v) => v === null) || xs.every((v) => v === null)) {
      missing.push(`#${r.id} has no ${input.x === 'iteration' ? input.metric : `${input.metric} / ${input.x}`}`);
      return;
    }
    used.push({ r, k, xs, ys });
    shown += tc.iteration.length;
    total += tc.total;
    envelope ||= tc.envelope !== undefined;
  });
  const xf = scaleTransform(input.xScale, used.flatMap((u) => u.xs as (number | null)[]));
  const yf = scaleTransform(input.yScale, used.flatMap((u) => u.ys as (number | null)[]));
  let hiddenX = 0;
  let hiddenY = 0;
  let xMin = Infinity;
  let xMax = -Infinity;
  let yMin = Infinity;
  let yMax = -Infinity;
  const series = used.map(({ r, k, xs, ys }) => {
    const data = new XYData(ys.length);
    for (let i = 0; i < ys.length; i++) {
      const xv = xs[i];
      if (xv === null || xv === undefined) continue;
      const xu = xf.to(xv);
      if (xu === null) {
        hiddenX++;
        continue;
      }
      const y = ys[i];
      const yu = yf.to(y);
      if (yu === null && typeof y === 'number' && Number.isFinite(y)) hiddenY++;
      if (xu < xMin) xMin = xu;
      if (xu > xMax) xMax = xu;
      if (yu !== null) {
        if (yu < yMin) yMin = yu;
        if (yu > yMax) yMax = yu;
      }
      data.push(xu, yu);
    }
    return {
      name: `#${r.id} ${r.label}`,
      type: 'line',
      showSymbol: false,
      data: data.data(),
      lineStyle: { width: 1.5 },
      color: SERIES_COLORS[k % SERIES_COLORS.length],
    };
  });
  const more = input.extra?.(xf, yf) ?? [];
  const pad = (lo: number, hi: number) => (hi > lo ? (hi - lo) * 0.03 : 1);
  const option = (style: { fontSize?: number; export?: boolean; width?: number } = {}): EChartsOption => {
    const fs = style.fontSize ?? 11;
    // figures: one sans-serif family (the PDF writer's Helvetica) and room for a wrapped legend
    const label = { ...AXIS_STYLE.axisLabel, fontSize: Math.max(6, fs - 1), ...(style.export ? { fontFamily: 'Helvetica, Arial, sans-serif' } : {}) };
    const top = style.export && style.width ? legendTop(series.map((x) => x.name), style.width, fs) : fs * 3.6;
    const nameStyle = { fontSize: fs };
    const xAxis = axisFor(
      xf,
      xMin,
      xMax,
      { name: X_LABELS[input.x], nameLocation: 'middle', nameGap: fs * 2.2, ...(xf.scale === 'linear' ? { min: 'dataMin', max: 'dataMax' } : {}), ...AXIS_STYLE, nameTextStyle: nameStyle },
      label,
    );
    const yAxis = axisFor(
      yf,
      yf.scale === 'symlog' ? yMin - pad(yMin, yMax) : yMin,
      yf.scale === 'symlog' ? yMax + pad(yMin, yMax) : yMax,
      { name: input.metricLabel, nameLocation: 'middle', nameGap: fs * 4.2, ...AXIS_STYLE, nameTextStyle: nameStyle },
      label,
    );
    return {
      animation: false,
      grid: { left: fs * 5.8, right: fs * 2, top, bottom: fs * 4 },
      legend: { top: 4, type: style.export ? 'plain' : 'scroll', textStyle: { fontSize: fs }, itemHeight: Math.max(6, fs * 0.7) },
      ...(style.export
        ? {}
        : {
            tooltip: {
              trigger: 'axis',
              valueFormatter: (v: unknown) => (typeof v === 'number' ? fmt(yf.from(v), 6) : ''),
            },
            dataZoom: [{ type: 'inside', xAxisIndex: 0 }],
          }),
      xAxis,
      yAxis,
      series: [...series, ...more],
    };
  };
  return { option, missing, hiddenX, hiddenY, shown, total, envelope };
}
