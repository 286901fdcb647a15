/**
 * The dashboard: asks for the first series with `ready`, gets the targets with the host's `init`,
 * then asks for the report, draws them, and folds in the checks the host pushes. Holds data in
 * memory; only UI choices go to setState.
 */
import type { PointElement } from 'chart.js';
import {
  DEFAULT_MAX_POINTS,
  isHostToWebviewMessage,
  type DashboardTarget,
  type DashboardTargetState,
  type HostToWebviewMessage,
  type LiveCheck,
  type SeriesColumns,
  type RangeName,
} from '../../src/shared/dashboardProtocol';
import { appendLiveCheck } from '../../src/shared/seriesDownsampling';
import { el } from './dom';
import { RequestTracker } from './logic/requestTracker';
import { pointsPerTarget, visibleTimeWindow } from './logic/chartData';
import { restoreUiState, shownTargetIds, toggleTarget, type UiState } from './logic/uiState';
import { readChartTheme, watchTheme } from './theme';
import type { HostConnection } from './vscodeApi';
import { applyChartDefaults } from './views/chartSetup';
import { ControlsView } from './views/controls';
import { PhaseChartView } from './views/phaseChart';
import { ReportTableView } from './views/reportTable';
import { ResponseChartView, type LineDataset } from './views/responseChart';
import { StatusTimelineView } from './views/statusTimeline';
import { WorldMapView } from './views/worldMap';

/** The report is recomputed at most this often when states change, not on every check. */
const REPORT_REFRESH_MS = 15_000;
const MAP_FALLBACK_MS = 1500;
/** Body padding (16 px a side) plus card padding and border (13 px a side), from dashboard.css. */
const PAGE_AND_CARD_PADDING_PX = 58;

export interface DashboardTestSnapshot {
  range: RangeName;
  seriesRequests: number;
  seriesResponses: number;
  maxPoints: number;
  /** Per line of the response-time chart, the points Chart.js laid out (gaps excluded). */
  response: { targetId: string; label: string; drawnPoints: number; anomalies: number }[];
  phase: { targetId: string | null; drawnPoints: number };
  /** Per series held: its window, its points and the checks they stand for, its first and last point, and the spacing when all points are evenly spaced. */
  series: {
    targetId: string;
    from: number;
    to: number;
    bucketMs: number;
    points: number;
    checks: number;
    first: number | null;
    last: number | null;
    evenStep: number | null;
  }[];
}

/**
 * The charts span the page less its padding. Estimated from the window rather than measured on
 * the canvas: reading a laid-out width here would force the page's first layout before the
 * request leaves, and the number only decides how fine the lines are.
 */
function chartWidthEstimate(): number {
  return Math.max(0, window.innerWidth - PAGE_AND_CARD_PADDING_PX);
}

function markOnce(name: string): void {
  if (performance.getEntriesByName(name, 'mark').length === 0) performance.mark(name);
}

export class DashboardApp {
  private ui: UiState;
  private targets: DashboardTarget[] = [];
  private readonly targetsById = new Map<string, DashboardTarget>();
  private readonly states = new Map<string, DashboardTargetState>();
  private readonly series = new Map<string, SeriesColumns>();
  private readonly requests = new RequestTracker();
  private readonly controls: ControlsView;
  private readonly responseChart: ResponseChartView;
  private readonly phaseChart: PhaseChartView;
  private readonly timeline: StatusTimelineView;
  private readonly map: WorldMapView;
  private readonly report: ReportTableView;
  private readonly banner: HTMLElement;
  private drawPending = false;
  private firstSeriesAt = 0;
  /** Points per target asked for with the last series request; live checks keep series within it. */
  private maxPoints = DEFAULT_MAX_POINTS;
  private mapTimer: ReturnType<typeof setTimeout> | undefined;
  private firstChartDrawn = false;
  private reportTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly stopWatchingTheme: () => void;

  constructor(
    private readonly host: HostConnection,
    root: HTMLElement,
  ) {
    performance.mark('nm-app-start');
    this.ui = restoreUiState(host.getState());
    const theme = readChartTheme();
    applyChartDefaults(theme);
    this.controls = new ControlsView(
      (range) => this.setRange(range),
      (id, shown) => this.toggle(id, shown),
    );
    this.banner = el('div', 'banner');
    this.banner.hidden = true;
    this.banner.setAttribute('role', 'alert');
    this.responseChart = new ResponseChartView(theme);
    this.phaseChart = new PhaseChartView(theme, (id) => {
      this.saveUi({ ...this.ui, focused: id });
      this.scheduleDraw();
    });
    this.timeline = new StatusTimelineView();
    this.map = new WorldMapView(this.ui.map, (view) => this.saveUi({ ...this.ui, map: view }));
    this.report = new ReportTableView(
      (format) => this.host.post({ type: 'exportReport', range: this.ui.range, format }),
      () => this.requestReport(),
    );
    const grid = el('div', 'grid');
    grid.append(this.responseChart.element, this.phaseChart.element, this.timeline.element, this.map.element, this.report.element);
    root.replaceChildren(this.controls.element, this.banner, grid);
    root.removeAttribute('aria-busy');
    this.controls.setRange(this.ui.range);
    this.stopWatchingTheme = watchTheme(() => {
      const next = readChartTheme();
      applyChartDefaults(next);
      this.responseChart.setTheme(next);
      this.phaseChart.setTheme(next);
      this.scheduleDraw();
    });
    performance.mark('nm-app-built');
  }

  start(): void {
    window.addEventListener('message', (event: MessageEvent<unknown>) => this.receive(event.data));
    // The first series rides on `ready`: the host reads the history while this page lays out its
    // first frame, instead of after a round trip for the target list.
    const selected = this.ui.selected;
    this.maxPoints = pointsPerTarget(chartWidthEstimate(), selected?.length ?? 1);
    const series = { requestId: this.requests.issue('series'), targetIds: selected, range: this.ui.range, maxPoints: this.maxPoints };
    this.host.post({ type: 'ready', series });
    this.countSeries('seriesRequests');
    // The map waits for the first chart; if no chart comes (the history cannot be read), not for long.
    this.mapTimer = setTimeout(() => this.map.drawCountries(), MAP_FALLBACK_MS);
  }

  receive(message: unknown): void {
    if (!this.firstSeriesAt && (message as { type?: unknown } | null)?.type === 'series') markOnce('nm-series-arrived');
    if (!isHostToWebviewMessage(message)) {
      this.host.post({
        type: 'webviewError',
        message: `Ignored a malformed message from the extension: ${JSON.stringify(message)?.slice(0, 200)}`,
      });
      return;
    }
    this.handle(message);
  }

  private handle(message: HostToWebviewMessage): void {
    switch (message.type) {
      case 'init':
      case 'targetsChanged':
        this.setTargets(message.targets, message.states);
        this.announceSelection();
        if (message.type === 'init' && this.requests.isPending('series')) {
          // Asked for with `ready`: the host is already reading it.
          this.maxPoints = pointsPerTarget(chartWidthEstimate(), this.shownIds().length);
        } else {
          // The chart first: the host answers in order, and the report is below the fold.
          this.requestSeries();
        }
        if (message.type === 'init') {
          this.host.post({ type: 'setRange', range: this.ui.range });
          this.requestReport();
        }
        return;
      case 'series':
        if (!this.requests.settle('series', message.requestId)) return;
        if (!this.firstSeriesAt) this.firstSeriesAt = performance.mark('nm-series-received').startTime;
        this.countSeries('seriesResponses');
        this.series.clear();
        for (const series of message.series) this.series.set(series.targetId, series);
        this.banner.hidden = true;
        this.scheduleDraw();
        return;
      case 'checkAdded':
        this.addLiveCheck(message.check);
        return;
      case 'stateChanged':
        this.states.set(message.state.targetId, message.state);
        this.drawControls();
        this.map.update(this.targets, this.states);
        this.scheduleReport();
        return;
      case 'report':
        if (!this.requests.settle('report', message.requestId) || message.range !== this.ui.range) return;
        this.report.update(message.rows);
        return;
      case 'error': {
        const kind = message.requestId !== undefined ? this.requests.kindOf(message.requestId) : undefined;
        if (kind) this.requests.settle(kind, message.requestId!);
        if (kind === 'report') this.report.showError(message.message);
        this.banner.textContent = message.message;
        this.banner.hidden = false;
        return;
      }
    }
  }

  private setTargets(targets: DashboardTarget[], states: DashboardTargetState[]): void {
    this.targets = targets;
    this.targetsById.clear();
    for (const target of targets) this.targetsById.set(target.id, target);
    this.states.clear();
    for (const state of states) this.states.set(state.targetId, state);
    this.drawControls();
    this.map.update(targets, this.states);
  }

  private shownIds(): string[] {
    return shownTargetIds(
      this.ui,
      this.targets.map((t) => t.id),
    );
  }

  private drawControls(): void {
    this.controls.setTargets(this.targets, new Set(this.shownIds()), this.states);
  }

  private announceSelection(): void {
    this.host.post({ type: 'selectTargets', targetIds: this.shownIds() });
  }

  private requestSeries(): void {
    const targetIds = this.shownIds();
    const requestId = this.requests.issue('series');
    this.maxPoints = pointsPerTarget(chartWidthEstimate(), targetIds.length);
    this.host.post({ type: 'requestSeries', requestId, targetIds, range: this.ui.range, maxPoints: this.maxPoints });
    this.countSeries('seriesRequests');
  }

  /** Counts requests and answers on the page, so a test can see a range switch ask the host again. */
  private countSeries(counter: 'seriesRequests' | 'seriesResponses'): void {
    const data = document.body.dataset;
    data[counter] = String(Number(data[counter] ?? '0') + 1);
    data['seriesRange'] = this.ui.range;
  }

  private requestReport(): void {
    clearTimeout(this.reportTimer);
    this.reportTimer = undefined;
    this.host.post({ type: 'requestReport', requestId: this.requests.issue('report'), range: this.ui.range });
  }

  private scheduleReport(): void {
    this.reportTimer ??= setTimeout(() => this.requestReport(), REPORT_REFRESH_MS);
  }

  private setRange(range: RangeName): void {
    if (range === this.ui.range) return;
    this.saveUi({ ...this.ui, range });
    this.controls.setRange(range);
    this.host.post({ type: 'setRange', range });
    this.requestSeries();
    this.requestReport();
  }

  private toggle(targetId: string, shown: boolean): void {
    this.saveUi(
      toggleTarget(
        this.ui,
        this.targets.map((t) => t.id),
        targetId,
        shown,
      ),
    );
    this.drawControls();
    this.announceSelection();
    this.requestSeries();
  }

  private addLiveCheck(check: LiveCheck): void {
    const series = this.series.get(check.targetId);
    if (!series) return;
    const now = Math.max(Date.now(), check.startedAt);
    if (appendLiveCheck(series, check, now, this.maxPoints)) this.scheduleDraw();
  }

  private saveUi(next: UiState): void {
    this.ui = next;
    this.host.setState(next);
  }

  /** Coalesces bursts of live checks into one redraw per frame. */
  private scheduleDraw(): void {
    if (this.drawPending) return;
    this.drawPending = true;
    requestAnimationFrame(() => {
      this.drawPending = false;
      this.draw();
    });
  }

  private draw(): void {
    const first = this.firstSeriesAt > 0 && !this.firstChartDrawn;
    if (first) performance.mark('nm-draw-start');
    const { seriesList, from, to } = this.visibleWindow();
    this.responseChart.update(seriesList, this.targetsById, from, to);
    if (!first) {
      this.drawDetails();
      return;
    }
    // bench/dashboard.bench.ts reads the nm-* marks: from opening to the first chart, step by step.
    this.firstChartDrawn = true;
    performance.mark('nm-first-chart');
    // The response times are what the dashboard is opened for: they are painted first, the phases
    // and the timeline one frame later, the map's countries after that.
    requestAnimationFrame(() => {
      this.drawDetails();
      performance.mark('nm-all-views');
      setTimeout(() => this.map.drawCountries(), 0);
    });
  }

  private visibleWindow(): { shown: string[]; seriesList: SeriesColumns[]; from: number; to: number } {
    const shown = this.shownIds();
    const seriesList = shown.map((id) => this.series.get(id)).filter((s): s is SeriesColumns => s !== undefined);
    return { shown, seriesList, ...visibleTimeWindow(this.ui.range, seriesList, Date.now()) };
  }

  private drawDetails(): void {
    const { shown, seriesList, from, to } = this.visibleWindow();
    const focused = this.ui.focused !== null && shown.includes(this.ui.focused) ? this.ui.focused : (shown[0] ?? null);
    this.phaseChart.update(
      focused !== null ? this.series.get(focused) : undefined,
      shown.map((id) => this.targetsById.get(id)!).filter(Boolean),
      focused,
      from,
      to,
    );
    this.timeline.update(seriesList, this.targetsById, from, to);
    document.body.dataset['drawn'] = String(Number(document.body.dataset['drawn'] ?? '0') + 1);
  }

  /** What the tests read: the Chart.js instances' own state, not what the app meant to draw. */
  testSnapshot(): DashboardTestSnapshot {
    const response = this.responseChart.chartForTests;
    const phase = this.phaseChart.chartForTests;
    const drawn = (chart: typeof response, index: number): number =>
      chart.getDatasetMeta(index).data.filter((point) => !(point as PointElement).skip).length;
    const data = document.body.dataset;
    return {
      range: this.ui.range,
      seriesRequests: Number(data['seriesRequests'] ?? '0'),
      seriesResponses: Number(data['seriesResponses'] ?? '0'),
      maxPoints: this.maxPoints,
      response: response.data.datasets.map((dataset, index) => ({
        targetId: (dataset as LineDataset).targetId,
        label: dataset.label ?? '',
        drawnPoints: drawn(response, index),
        anomalies: (dataset as LineDataset).anomalies.size,
      })),
      phase: { targetId: this.phaseChart.targetId, drawnPoints: phase.data.datasets.length > 0 ? drawn(phase, 0) : 0 },
      series: [...this.series.values()].map((series) => {
        const t = series.t;
        const step = t.length > 1 ? t[1]! - t[0]! : null;
        const even = step !== null && t.every((time, i) => i === 0 || time - t[i - 1]! === step);
        return {
          targetId: series.targetId,
          from: series.from,
          to: series.to,
          bucketMs: series.bucketMs,
          points: t.length,
          checks: series.checks.reduce((sum, count) => sum + count, 0),
          first: t[0] ?? null,
          last: t.at(-1) ?? null,
          evenStep: even ? step : null,
        };
      }),
    };
  }

  dispose(): void {
    clearTimeout(this.mapTimer);
    clearTimeout(this.reportTimer);
    this.stopWatchingTheme();
    this.responseChart.dispose();
    this.phaseChart.dispose();
    this.map.dispose();
  }
}
