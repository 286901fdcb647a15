/** Where the time goes for one target: dns, connect, tls, first byte and transfer, stacked over time. */
import type { ChartDataset } from 'chart.js';
import * as l10n from '@vscode/l10n';
import { PHASES, type DashboardTarget, type PhaseName, type SeriesColumns } from '../../../src/shared/dashboardProtocol';
import { formatAxisMs, formatMs, formatTimestamp, pointCentre, type XY } from '../logic/chartData';
import { withAlpha } from '../logic/color';
import type { ChartTheme } from '../theme';
import { Chart, chartCanvas, timeAxis } from './chartSetup';
import { el } from '../dom';

/** Read when a chart is drawn, after the page's language is configured. */
const phaseLabels = (): Record<PhaseName, string> => ({
  dns: 'DNS',
  connect: l10n.t('Connect'),
  tls: 'TLS',
  firstByte: l10n.t('First byte'),
  transfer: l10n.t('Transfer'),
});

export class PhaseChartView {
  readonly element: HTMLElement;
  private readonly select: HTMLSelectElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly chart: Chart<'line', XY[]>;
  private shownTargetId: string | null = null;

  constructor(
    private theme: ChartTheme,
    onFocus: (targetId: string) => void,
  ) {
    this.element = el('section', 'card');
    const header = el('div', 'card-header');
    header.append(el('h2', undefined, l10n.t('Response time by phase')));
    this.select = el('select', 'target-select');
    this.select.setAttribute('aria-label', l10n.t('Target for the phase breakdown'));
    this.select.addEventListener('change', () => onFocus(this.select.value));
    header.append(this.select);
    this.element.append(header);
    const { holder, canvas } = chartCanvas('phase-chart', 'Response time by phase, stacked');
    this.canvas = canvas;
    this.element.append(holder);
    this.chart = new Chart<'line', XY[]>(this.canvas, {
      type: 'line',
      data: { datasets: [] },
      options: {
        parsing: false,
        normalized: true,
        interaction: { mode: 'index', intersect: false },
        scales: {
          x: timeAxis(6),
          y: {
            type: 'linear',
            stacked: true,
            min: 0,
            title: { display: true, text: 'ms' },
            ticks: { callback: (value) => formatAxisMs(Number(value)) },
          },
        },
        plugins: {
          legend: { position: 'bottom', labels: { boxWidth: 12 } },
          tooltip: {
            callbacks: {
              title: (items) => (items[0] ? formatTimestamp(items[0].parsed.x ?? 0) : ''),
              label: (item) => `${item.dataset.label ?? ''}: ${formatMs(item.parsed.y)}`,
            },
          },
        },
      },
    });
  }

  update(series: SeriesColumns | undefined, shown: readonly DashboardTarget[], focusedId: string | null, from: number, to: number): void {
    this.shownTargetId = series?.targetId ?? null;
    this.select.replaceChildren(
      ...shown.map((target) => {
        const option = el('option', undefined, target.name);
        option.value = target.id;
        return option;
      }),
    );
    if (focusedId !== null) this.select.value = focusedId;
    const answered = series ? series.t.map((_, i) => (series.checks[i] ?? 0) > (series.down[i] ?? 0)) : [];
    this.chart.data.datasets = PHASES.map((phase, index): ChartDataset<'line', XY[]> => {
      const color = this.theme.phases[index]!;
      return {
        label: phaseLabels()[phase],
        data: series ? series.t.map((t, i) => ({ x: pointCentre(series, t), y: answered[i] ? series[phase][i]! : null })) : [],
        borderColor: color,
        backgroundColor: withAlpha(color, 0.55),
        fill: index === 0 ? 'origin' : '-1',
        borderWidth: 1,
        pointRadius: 0,
      };
    });
    const x = this.chart.options.scales?.['x'];
    if (x) {
      x.min = from;
      x.max = to;
    }
    this.chart.update();
    this.canvas.dataset['points'] = String(answered.filter(Boolean).length);
  }

  setTheme(theme: ChartTheme): void {
    this.theme = theme;
  }

  /** The target whose phases are drawn. */
  get targetId(): string | null {
    return this.shownTargetId;
  }

  /** The Chart.js instance, for the test probe only. */
  get chartForTests(): Chart<'line', XY[]> {
    return this.chart;
  }

  dispose(): void {
    this.chart.destroy();
  }
}
