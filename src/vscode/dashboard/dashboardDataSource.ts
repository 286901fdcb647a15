/** What the dashboard needs from the engine; the composition root implements it over the store and scheduler. */
import type { Disposable } from '../../core/disposable';
import type { DashboardTarget, DashboardTargetState, LiveCheck, ReportRow, SeriesColumns, RangeName } from '../../shared/dashboardProtocol';

export interface DashboardDataSource {
  targets(): DashboardTarget[];
  states(): DashboardTargetState[];
  /**
   * History of one target over `(now - range, now]`, at most `maxPoints` points: build it with
   * `buildSeries` (src/shared/seriesDownsampling.ts) from raw checks or rollup rows.
   */
  series(targetId: string, range: RangeName, maxPoints: number, now: number): Promise<SeriesColumns>;
  report(range: RangeName, now: number): Promise<ReportRow[]>;
  /** Every counted check, as it completes. */
  onCheck(listener: (check: LiveCheck) => void): Disposable;
  onStateChange(listener: (state: DashboardTargetState) => void): Disposable;
  /** Targets added, removed, renamed or newly located. */
  onTargetsChange(listener: () => void): Disposable;
}
