/**
 * The dashboard: waits for the host's `init`, asks for the series and the report, draws them,
 * and folds in the checks the host pushes. Holds data in memory; only UI choices go to setState.
 */
import {
  DEFAULT_MAX_POINTS, RANGE_MS, isHostToWebviewMessage, type DashboardTarget, type DashboardTargetState,
  type HostToWebviewMessage, type LiveCheck, type SeriesColumns, type TimeRange,
} from '../../src/shared/dashboardProtocol';
import { appendLiveCheck } from '../../src/shared/seriesDownsampling';
import { el } from './dom';
import { RequestTracker } from './logic/requestTracker';
import { restoreUiState, shownTargetIds, toggleTarget, type UiState } from './logic/uiState';
import { readChartTheme, watchTheme } from './theme';
import type { HostConnection } from './vscodeApi';
import { applyChartDefaults } from './views/chartSetup';
import { ControlsView } from './views/controls';
import { PhaseChartView } from './views/phaseChart';
import { ReportTableView } from './views/reportTable';
import { ResponseChartView } from './views/responseChart';
import { StatusTimelineView } from './views/statusTimeline';
import { WorldMapView } from './views/worldMap';

/** The report is recomputed at most this often when states change, not on every check. */
const REPORT_REFRESH_MS = 15_000;

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
  private reportTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly stopWatchingTheme: () => void;

  constructor(private readonly host: HostConnection, root: HTMLElement) {
    this.ui = restoreUiState(host.getState());
    const theme = readChartTheme();
    applyChartDefaults(theme);
    this.controls = new ControlsView((range) => this.setRange(range), (id, shown) => this.toggle(id, shown));
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
  }

  start(): void {
    window.addEventListener('message', (event: MessageEvent<unknown>) => this.receive(event.data));
    this.host.post({ type: 'ready' });
  }

  receive(message: unknown): void {
    if (!isHostToWebviewMessage(message)) {
      this.host.post({ type: 'webviewError', message: `Ignored a malformed message from the extension: ${JSON.stringify(message)?.slice(0, 200)}` });
      return;
    }
    this.handle(message);
  }

  private handle(message: HostToWebviewMessage): void {
    switch (message.type) {
      case 'init':
      case 'targetsChanged':
        this.setTargets(message.targets, message.states);
        if (message.type === 'init') {
          this.host.post({ type: 'setRange', range: this.ui.range });
          this.requestReport();
        }
        this.announceSelection();
        this.requestSeries();
        return;
      case 'series':
        if (!this.requests.settle('series', message.requestId)) return;
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
    return shownTargetIds(this.ui, this.targets.map((t) => t.id));
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
    this.host.post({ type: 'requestSeries', requestId, targetIds, range: this.ui.range, maxPoints: DEFAULT_MAX_POINTS });
  }

  private requestReport(): void {
    clearTimeout(this.reportTimer);
    this.reportTimer = undefined;
    this.host.post({ type: 'requestReport', requestId: this.requests.issue('report'), range: this.ui.range });
  }

  private scheduleReport(): void {
    this.reportTimer ??= setTimeout(() => this.requestReport(), REPORT_REFRESH_MS);
  }

  private setRange(range: TimeRange): void {
    if (range === this.ui.range) return;
    this.saveUi({ ...this.ui, range });
    this.controls.setRange(range);
    this.host.post({ type: 'setRange', range });
    this.requestSeries();
    this.requestReport();
  }

  private toggle(targetId: string, shown: boolean): void {
    this.saveUi(toggleTarget(this.ui, this.targets.map((t) => t.id), targetId, shown));
    this.drawControls();
    this.announceSelection();
    this.requestSeries();
  }

  private addLiveCheck(check: LiveCheck): void {
    const series = this.series.get(check.targetId);
    if (!series) return;
    const now = Math.max(Date.now(), check.startedAt);
    if (appendLiveCheck(series, check, now, DEFAULT_MAX_POINTS)) this.scheduleDraw();
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
    const shown = this.shownIds();
    const seriesList = shown.map((id) => this.series.get(id)).filter((s): s is SeriesColumns => s !== undefined);
    const to = Math.max(Date.now(), ...seriesList.map((s) => s.to));
    const from = to - RANGE_MS[this.ui.range];
    this.responseChart.update(seriesList, this.targetsById, this.ui.range, from, to);
    const focused = this.ui.focused !== null && shown.includes(this.ui.focused) ? this.ui.focused : (shown[0] ?? null);
    this.phaseChart.update(focused !== null ? this.series.get(focused) : undefined, shown.map((id) => this.targetsById.get(id)!).filter(Boolean), focused, this.ui.range, from, to);
    this.timeline.update(seriesList, this.targetsById, from, to);
    document.body.dataset['drawn'] = String(Number(document.body.dataset['drawn'] ?? '0') + 1);
  }

  dispose(): void {
    clearTimeout(this.reportTimer);
    this.stopWatchingTheme();
    this.responseChart.dispose();
    this.phaseChart.dispose();
    this.map.dispose();
  }
}
