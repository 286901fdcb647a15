/** Chart.js, registered piece by piece: only the parts these charts use end up in the bundle. */
import { Chart, Filler, Legend, LineController, LineElement, LinearScale, PointElement, Tooltip } from 'chart.js';
import type { ChartOptions } from 'chart.js';
import { el } from '../dom';
import { formatTick, timeTicks } from '../logic/chartData';
import type { ChartTheme } from '../theme';

Chart.register(LineController, LineElement, PointElement, LinearScale, Filler, Legend, Tooltip);

export { Chart };

export function applyChartDefaults(theme: ChartTheme): void {
  Chart.defaults.color = theme.foreground;
  Chart.defaults.borderColor = theme.grid;
  Chart.defaults.font.family = theme.fontFamily;
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
}

/** The canvas of a chart, in its sized holder, labelled for screen readers. */
export function chartCanvas(
  id: string,
  label: string,
  holderClass = 'chart-holder',
): { holder: HTMLDivElement; canvas: HTMLCanvasElement } {
  const holder = el('div', holderClass);
  const canvas = el('canvas');
  canvas.id = id;
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', label);
  holder.append(canvas);
  return { holder, canvas };
}

/** The time axis every chart shares: ticks on round local times, labelled for the span shown. */
export function timeAxis(maxTicks: number): NonNullable<ChartOptions<'line'>['scales']>[string] {
  let spanMs = 0;
  return {
    type: 'linear',
    afterBuildTicks: (axis) => {
      spanMs = axis.max - axis.min;
      axis.ticks = timeTicks(axis.min, axis.max, maxTicks).map((value) => ({ value }));
    },
    ticks: { callback: (value) => formatTick(Number(value), spanMs) },
  };
}
