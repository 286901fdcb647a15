/**
 * One webview's conversation with the host: answers the typed requests and pushes live checks.
 * Free of `vscode` so it is tested under plain Node; `DashboardPanel` gives it a `post` function
 * and a way to save files.
 */
import type { Disposable } from '../../core/disposable';
import {
  DEFAULT_MAX_POINTS,
  isWebviewToHostMessage,
  pointBudgetPerTarget,
  type HostToWebviewMessage,
  type ReportFormat,
  type RangeName,
} from '../../shared/dashboardProtocol';
import { formatReport } from '../../shared/reportExport';
import { roundSeriesForTransfer } from '../../shared/seriesDownsampling';
import type { DashboardDataSource } from './dashboardDataSource';

export interface DashboardSessionHost {
  post(message: HostToWebviewMessage): void;
  /** Lets the user pick a file and writes `content` to it. Resolves false if they cancelled. */
  saveReport(content: string, format: ReportFormat, range: RangeName): Promise<boolean>;
  log(level: 'info' | 'warn' | 'error', message: string): void;
  now?(): number;
}

const DEFAULT_RANGE: RangeName = '24h';

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class DashboardSession implements Disposable {
  private subscriptions: Disposable[] = [];
  /** Null until the webview says which targets it shows: until then every check is pushed. */
  private selected: Set<string> | null = null;
  private range: RangeName = DEFAULT_RANGE;
  private disposed = false;

  constructor(
    private readonly dataSource: DashboardDataSource,
    private readonly host: DashboardSessionHost,
  ) {}

  private now(): number {
    return this.host.now?.() ?? Date.now();
  }

  /** Handles one message from the webview; anything that fails the protocol guard is logged and dropped. */
  async receive(message: unknown): Promise<void> {
    if (this.disposed) return;
    if (!isWebviewToHostMessage(message)) {
      this.host.log('warn', `Dashboard: ignored a message that is not part of the protocol: ${JSON.stringify(message)?.slice(0, 200)}`);
      return;
    }
    switch (message.type) {
      case 'ready': {
        this.start();
        const first = message.series;
        if (first) {
          const targetIds = first.targetIds ?? this.dataSource.targets().map((target) => target.id);
          await this.answerSeries(
            first.requestId,
            targetIds,
            first.range,
            Math.min(first.maxPoints, pointBudgetPerTarget(targetIds.length)),
          );
        }
        return;
      }
      case 'selectTargets':
        this.selected = new Set(message.targetIds);
        return;
      case 'setRange':
        this.range = message.range;
        return;
      case 'requestSeries':
        await this.answerSeries(message.requestId, message.targetIds, message.range, message.maxPoints || DEFAULT_MAX_POINTS);
        return;
      case 'requestReport': {
        const { requestId, range } = message;
        // The report's queries block this thread for tens of milliseconds over a long range: let
        // the chart's series, asked for just before, leave first.
        await yieldToEventLoop();
        if (this.disposed) return;
        try {
          this.post({ type: 'report', requestId, range, rows: await this.dataSource.report(range, this.now()) });
        } catch (error) {
          this.fail(requestId, `The report could not be computed: ${(error as Error).message}`);
        }
        return;
      }
      case 'exportReport': {
        try {
          const now = this.now();
          const rows = await this.dataSource.report(message.range, now);
          await this.host.saveReport(formatReport(rows, message.format, message.range, now), message.format, message.range);
        } catch (error) {
          this.fail(
            undefined,
            `The report could not be saved: ${(error as Error).message}. Check that the folder is writable and try again.`,
          );
        }
        return;
      }
      case 'webviewError':
        this.host.log('error', `Dashboard webview: ${message.message}`);
        return;
    }
  }

  private async answerSeries(requestId: number, targetIds: readonly string[], range: RangeName, maxPoints: number): Promise<void> {
    const now = this.now();
    try {
      const series = await Promise.all(targetIds.map((id) => this.dataSource.series(id, range, maxPoints, now)));
      this.post({ type: 'series', requestId, series: series.map(roundSeriesForTransfer) });
    } catch (error) {
      this.fail(requestId, `The history for the chart could not be read: ${(error as Error).message}`);
    }
  }

  /** The webview (re)started: send everything it needs and (re)subscribe to live events. */
  private start(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
    this.selected = null;
    this.subscriptions = [
      this.dataSource.onCheck((check) => {
        if (this.selected === null || this.selected.has(check.targetId)) this.post({ type: 'checkAdded', check });
      }),
      this.dataSource.onStateChange((state) => this.post({ type: 'stateChanged', state })),
      this.dataSource.onTargetsChange(() => {
        this.post({ type: 'targetsChanged', targets: this.dataSource.targets(), states: this.dataSource.states() });
      }),
    ];
    this.post({ type: 'init', targets: this.dataSource.targets(), states: this.dataSource.states(), range: this.range, now: this.now() });
  }

  private fail(requestId: number | undefined, message: string): void {
    this.host.log('error', `Dashboard: ${message}`);
    this.post(requestId === undefined ? { type: 'error', message } : { type: 'error', requestId, message });
  }

  private post(message: HostToWebviewMessage): void {
    if (!this.disposed) this.host.post(message);
  }

  dispose(): void {
    this.disposed = true;
    for (const subscription of this.subscriptions) subscription.dispose();
    this.subscriptions = [];
  }
}
