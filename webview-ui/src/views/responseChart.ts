/** Response time per shown target over the range, anomalies marked with a triangle on the line. */
import type { ChartDataset, Plugin, PointElement } from 'chart.js';
import * as l10n from '@vscode/l10n';
import type { DashboardTarget, SeriesColumns, UnusualPhase } from '../../../src/shared/dashboardProtocol';
import { unusualPhaseSentence } from '../../../src/shared/unusualPhaseText';
import { anomalyIndices, formatAxisMs, formatMs, formatTimestamp, responsePoints, unusualPhasesByPoint, type XY } from '../logic/chartData';
import type { ChartTheme } from '../theme';
import { Chart, chartCanvas, timeAxis } from './chartSetup';
import { el } from '../dom';

/** `targetId` lets tests (and the tooltip) tell which target a line is. */
export type LineDataset = ChartDataset<'line', XY[]> & {
  targetId: string;
  anomalies: Set<number>;
  /** The phase that made a flagged point unusual, where the detector named one. */
  unusualPhases: Map<number, UnusualPhase>;
};

const ANOMALY_SIZE = 5;

/**
 * Draws the anomaly triangles over the lines. Per-point scriptable options would do the same, but
 * Chart.js then resolves five options for every one of thousands of points on each update; with
 * static options it shares one set for all of them.
 */
function anomalyMarks(color: () => string): Plugin<'line'> {
  return {
    id: 'anomalyMarks',
    afterDatasetsDraw(chart) {
      const context = chart.ctx;
      context.save();
      context.fillStyle = color();
      chart.data.datasets.forEach((dataset, index) => {
        const marks = (dataset as LineDataset).anomalies;
        const meta = chart.getDatasetMeta(index);
        if (!marks || marks.size === 0 || meta.hidden) return;
        for (const i of marks) {
          const point = meta.data[i] as PointElement | undefined;
          if (!point || point.skip) continue;
          context.beginPath();
          context.moveTo(point.x, point.y - ANOMALY_SIZE);
          context.lineTo(point.x + ANOMALY_SIZE, point.y + ANOMALY_SIZE * 0.8);
          context.lineTo(point.x - ANOMALY_SIZE, point.y + ANOMALY_SIZE * 0.8);
          context.closePath();
          context.fill();
        }
      });
      context.restore();
    },
  };
}

export class ResponseChartView {
  readonly element: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly chart: Chart<'line', XY[]>;

  constructor(private theme: ChartTheme) {
    this.element = el('section', 'card');
    this.element.append(el('h2', undefined, l10n.t('Response time')));
    const { holder, canvas } = chartCanvas('response-chart', l10n.t('Response time per target'), 'chart-holder tall');
    this.canvas = canvas;
    this.element.append(holder);
    this.chart = new Chart<'line', XY[]>(this.canvas, {
      type: 'line',
      data: { datasets: [] },
      options: {
        parsing: false,
        normalized: true,
        spanGaps: false,
        interaction: { mode: 'nearest', intersect: false, axis: 'x' },
        elements: { point: { radius: 0, hoverRadius: 3 } },
        scales: {
          x: timeAxis(8),
          y: {
            type: 'linear',
            beginAtZero: true,
            title: { display: true, text: 'ms' },
            ticks: { callback: (value) => formatAxisMs(Number(value)) },
          },
        },
        plugins: {
          legend: { position: 'bottom', labels: { boxWidth: 12 } },
          tooltip: {
            callbacks: {
              title: (items) => (items[0] ? formatTimestamp(items[0].parsed.x ?? 0) : ''),
              label: (item) => {
                const dataset = item.dataset as LineDataset;
                const flag = dataset.anomalies.has(item.dataIndex) ? '  ▲ anomaly' : '';
                const line = `${dataset.label ?? ''}: ${formatMs(item.parsed.y)}${flag}`;
                const phase = unusualPhaseSentence(dataset.unusualPhases.get(item.dataIndex));
                return phase ? [line, phase] : line;
              },
            },
          },
        },
      },
      plugins: [anomalyMarks(() => this.theme.error)],
    });
  }

  update(seriesList: readonly SeriesColumns[], targets: ReadonlyMap<string, DashboardTarget>, from: number, to: number): void {
    const theme = this.theme;
    let points = 0;
    let anomalies = 0;
    let named = 0;
    this.chart.data.datasets = seriesList.map((series, index): LineDataset => {
      const color = theme.series[index % theme.series.length]!;
      const marks = new Set(anomalyIndices(series));
      const data = responsePoints(series);
      points += data.filter((p) => p.y !== null).length;
      anomalies += marks.size;
      const unusualPhases = unusualPhasesByPoint(series);
      named += unusualPhases.size;
      return {
        label: targets.get(series.targetId)?.name ?? series.targetId,
        targetId: series.targetId,
        data,
        anomalies: marks,
        unusualPhases,
        borderColor: color,
        backgroundColor: color,
        borderWidth: 1.5,
        // Past 8 targets the colours repeat; a dash pattern keeps the lines apart.
        borderDash: index >= theme.series.length ? [6, 3] : [],
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
    this.canvas.dataset['unusualPhases'] = String(named);
    this.canvas.dataset['datasets'] = String(seriesList.length);
  }

  setTheme(theme: ChartTheme): void {
    this.theme = theme;
  }

  /** The Chart.js instance, for the test probe only. */
  get chartForTests(): Chart<'line', XY[]> {
    return this.chart;
  }

  dispose(): void {
    this.chart.destroy();
  }
}
