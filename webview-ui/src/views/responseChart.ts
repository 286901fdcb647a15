/** Response time per shown target over the range, anomalies marked with a triangle on the line. */
import type { ChartDataset, ScriptableContext } from 'chart.js';
import type { DashboardTarget, SeriesColumns, TimeRange } from '../../../src/shared/dashboardProtocol';
import { anomalyIndices, formatMs, formatTick, formatTimestamp, responsePoints, type XY } from '../logic/chartData';
import type { ChartTheme } from '../theme';
import { Chart } from './chartSetup';
import { el } from '../dom';

type LineDataset = ChartDataset<'line', XY[]> & { anomalies: Set<number> };

export class ResponseChartView {
  readonly element: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly chart: Chart<'line', XY[]>;
  private range: TimeRange = '24h';

  constructor(private theme: ChartTheme) {
    this.element = el('section', 'card');
    this.element.append(el('h2', undefined, 'Response time'));
    const holder = el('div', 'chart-holder tall');
    this.canvas = el('canvas');
    this.canvas.setAttribute('role', 'img');
    this.canvas.setAttribute('aria-label', 'Response time per target');
    this.canvas.id = 'response-chart';
    holder.append(this.canvas);
    this.element.append(holder);
    this.chart = new Chart<'line', XY[]>(this.canvas, {
      type: 'line',
      data: { datasets: [] },
      options: {
        parsing: false,
        normalized: true,
        spanGaps: false,
        interaction: { mode: 'nearest', intersect: false, axis: 'x' },
        scales: {
          x: { type: 'linear', ticks: { maxTicksLimit: 8, callback: (value) => formatTick(Number(value), this.range) } },
          y: { type: 'linear', beginAtZero: true, title: { display: true, text: 'ms' } },
        },
        plugins: {
          legend: { position: 'bottom', labels: { boxWidth: 12 } },
          tooltip: {
            callbacks: {
              title: (items) => (items[0] ? formatTimestamp(items[0].parsed.x ?? 0) : ''),
              label: (item) => {
                const dataset = item.dataset as LineDataset;
                const flag = dataset.anomalies.has(item.dataIndex) ? '  ▲ anomaly' : '';
                return `${dataset.label ?? ''}: ${formatMs(item.parsed.y)}${flag}`;
              },
            },
          },
        },
      },
    });
  }

  update(seriesList: readonly SeriesColumns[], targets: ReadonlyMap<string, DashboardTarget>, range: TimeRange, from: number, to: number): void {
    this.range = range;
    const theme = this.theme;
    let points = 0;
    let anomalies = 0;
    this.chart.data.datasets = seriesList.map((series, index): LineDataset => {
      const color = theme.series[index % theme.series.length]!;
      const marks = new Set(anomalyIndices(series));
      const data = responsePoints(series);
      points += data.filter((p) => p.y !== null).length;
      anomalies += marks.size;
      return {
        label: targets.get(series.targetId)?.name ?? series.targetId,
        data,
        anomalies: marks,
        borderColor: color,
        backgroundColor: color,
        borderWidth: 1.5,
        // Past 8 targets the colours repeat; a dash pattern keeps the lines apart.
        borderDash: index >= theme.series.length ? [6, 3] : [],
        pointRadius: (context: ScriptableContext<'line'>) => (marks.has(context.dataIndex) ? 5 : 0),
        pointHoverRadius: (context: ScriptableContext<'line'>) => (marks.has(context.dataIndex) ? 7 : 3),
        pointStyle: (context: ScriptableContext<'line'>) => (marks.has(context.dataIndex) ? 'triangle' : 'circle'),
        pointBackgroundColor: (context: ScriptableContext<'line'>) => (marks.has(context.dataIndex) ? theme.error : color),
        pointBorderColor: (context: ScriptableContext<'line'>) => (marks.has(context.dataIndex) ? theme.error : color),
      };
    });
    const x = this.chart.options.scales?.['x'];
    if (x) {
      x.min = from;
      x.max = to;
    }
    this.chart.update();
    // Read by the render test and the e2e test: what the chart was given to draw.
    this.canvas.dataset['points'] = String(points);
    this.canvas.dataset['anomalies'] = String(anomalies);
    this.canvas.dataset['datasets'] = String(seriesList.length);
  }

  setTheme(theme: ChartTheme): void {
    this.theme = theme;
  }

  dispose(): void {
    this.chart.destroy();
  }
}
