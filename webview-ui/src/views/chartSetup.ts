/** Chart.js, registered piece by piece: only the parts these charts use end up in the bundle. */
import { Chart, Filler, Legend, LineController, LineElement, LinearScale, PointElement, Tooltip } from 'chart.js';
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
