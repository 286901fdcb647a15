import { opaque } from './logic/color';

/** Colours for canvas drawing (Chart.js cannot read CSS variables itself), taken from the VS Code theme. */
export interface ChartTheme {
  foreground: string;
  muted: string;
  grid: string;
  error: string;
  series: string[];
  phases: [string, string, string, string, string];
  fontFamily: string;
}

function cssVar(style: CSSStyleDeclaration, name: string, fallback: string): string {
  const value = style.getPropertyValue(name).trim();
  return value === '' ? fallback : value;
}

export function readChartTheme(): ChartTheme {
  const style = getComputedStyle(document.body);
  const v = (name: string, fallback: string): string => cssVar(style, name, fallback);
  // Lines and areas need solid colours; some theme colours are translucent highlights.
  const solid = (name: string, fallback: string): string => opaque(v(name, fallback));
  const blue = solid('--vscode-charts-blue', '#3794ff');
  const orange = solid('--vscode-charts-orange', '#d18616');
  const green = solid('--vscode-charts-green', '#89d185');
  const purple = solid('--vscode-charts-purple', '#b180d7');
  const yellow = solid('--vscode-charts-yellow', '#cca700');
  const red = solid('--vscode-charts-red', '#f14c4c');
  const foreground = v('--vscode-foreground', '#cccccc');
  return {
    foreground,
    muted: v('--vscode-descriptionForeground', foreground),
    grid: v('--vscode-charts-lines', 'rgba(128, 128, 128, 0.3)'),
    error: solid('--vscode-errorForeground', red),
    series: [
      blue,
      orange,
      green,
      purple,
      yellow,
      red,
      solid('--vscode-terminal-ansiCyan', '#11a8cd'),
      solid('--vscode-terminal-ansiMagenta', '#bc3fbc'),
    ],
    phases: [purple, blue, yellow, orange, green],
    fontFamily: v('--vscode-font-family', 'sans-serif'),
  };
}

/** Calls `onChange` when VS Code switches theme (it rewrites the body class and the variables). */
export function watchTheme(onChange: () => void): () => void {
  const observer = new MutationObserver(() => onChange());
  observer.observe(document.body, { attributes: true, attributeFilter: ['class'] });
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
  return () => observer.disconnect();
}
