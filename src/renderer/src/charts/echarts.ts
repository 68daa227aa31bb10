/** ECharts, modular: only the charts and components the workbench draws (keeps the bundle small). */
import * as echarts from 'echarts/core';
import { LineChart, HeatmapChart, ParallelChart } from 'echarts/charts';
import {
  GridComponent,
  TooltipComponent,
  LegendComponent,
  DataZoomComponent,
  VisualMapComponent,
  TitleComponent,
  MarkLineComponent,
  AxisPointerComponent,
  ParallelComponent,
} from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([
  LineChart,
  HeatmapChart,
  ParallelChart,
  GridComponent,
  TooltipComponent,
  LegendComponent,
  DataZoomComponent,
  VisualMapComponent,
  TitleComponent,
  MarkLineComponent,
  AxisPointerComponent,
  ParallelComponent,
  CanvasRenderer,
]);

export { echarts };
