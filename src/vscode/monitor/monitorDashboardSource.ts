/**
 * The dashboard's view of the monitor: targets and states from `MonitorService`, history from the
 * store (raw checks or rollups, downsampled with the shared `buildSeries`), live checks from the
 * engine. In a reader window there are no live checks: the dashboard is refreshed whenever the
 * other window's writes arrive.
 */
import type { Disposable } from '../../core/disposable';
import { buildReportRows } from '../../core/report/reportRows';
import type { SeriesPoint } from '../../core/store/historyStore';
import {
  RANGE_MS,
  type DashboardTarget,
  type DashboardTargetState,
  type LiveCheck,
  type ReportRow,
  type SeriesColumns,
  type RangeName,
  type UnusualPhaseNote,
} from '../../shared/dashboardProtocol';
import { buildSeries, type SeriesSample } from '../../shared/seriesDownsampling';
import type { DashboardDataSource } from '../dashboard/dashboardDataSource';
import type { MonitorService, TargetSnapshot } from './monitorService';

/** Named phases sent with a series at most: the newest ones, enough for the flagged points of any window. */
const MAX_UNUSUAL_PHASE_NOTES = 500;

function sampleFromPoint(point: SeriesPoint, anomalyThreshold: number): SeriesSample {
  const phases = point.phases;
  return {
    t: point.time,
    checks: point.count,
    down: point.down,
    degraded: point.degraded,
    // Rollups keep the highest score of an interval, not a count: one flagged point at most.
    anomalies: point.anomalyMax !== null && point.anomalyMax >= anomalyThreshold ? 1 : 0,
    avgMs: point.avg,
    maxMs: point.max,
    phases: phases ? [phases.dns, phases.connect, phases.tls, phases.firstByte, phases.transfer] : [0, 0, 0, 0, 0],
  };
}

export class MonitorDashboardSource implements DashboardDataSource {
  constructor(private readonly monitor: MonitorService) {}

  targets(): DashboardTarget[] {
    return this.monitor.snapshots().map((snapshot) => {
      const { target } = snapshot.configured;
      return {
        id: target.id,
        name: target.name,
        url: target.url,
        kind: target.kind,
        address: snapshot.lastRecord?.addresses[0] ?? null,
        location: snapshot.lastRecord?.location ?? null,
      };
    });
  }

  private stateOf(snapshot: TargetSnapshot): DashboardTargetState {
    return {
      targetId: snapshot.configured.target.id,
      status: snapshot.status,
      since: snapshot.statusSince,
      lastCheckAt: snapshot.lastRecord?.startedAt ?? null,
      lastTotalMs: snapshot.lastRecord && snapshot.lastRecord.status !== 'DOWN' ? snapshot.lastRecord.totalMs : null,
      message: snapshot.lastRecord?.message ?? null,
    };
  }

  states(): DashboardTargetState[] {
    return this.monitor.snapshots().map((snapshot) => this.stateOf(snapshot));
  }

  async series(targetId: string, range: RangeName, maxPoints: number, now: number): Promise<SeriesColumns> {
    const history = this.monitor.history;
    const samples: SeriesSample[] = [];
    const unusualPhases: UnusualPhaseNote[] = [];
    if (history) {
      const window = { from: now - RANGE_MS[range], to: now + 1 };
      const threshold = this.monitor.anomalyThreshold;
      const [stored, hits] = await Promise.all([
        history.series(targetId, { ...window, maxPoints }),
        history.anomalies(window, threshold, MAX_UNUSUAL_PHASE_NOTES, targetId),
      ]);
      // A rollup bucket that began before the window may hold checks from before it, so it is left
      // out: the line starts at the first bucket wholly inside the window.
      for (const point of stored.points) samples.push(sampleFromPoint(point, threshold));
      for (const hit of hits) if (hit.unusualPhase) unusualPhases.push({ t: hit.startedAt, ...hit.unusualPhase });
    }
    return { ...buildSeries(samples, { targetId, range, now, maxPoints }), unusualPhases };
  }

  async report(range: RangeName, now: number): Promise<ReportRow[]> {
    const subjects = this.monitor.snapshots().map((snapshot) => ({
      target: snapshot.configured.target,
      status: snapshot.status,
      location: snapshot.lastRecord?.location,
      certDaysLeft: snapshot.lastRecord?.tls?.daysLeft ?? null,
    }));
    const period = { from: now - RANGE_MS[range], to: now + 1 };
    return buildReportRows(this.monitor.history, subjects, period, { anomalyThreshold: this.monitor.anomalyThreshold });
  }

  onCheck(listener: (check: LiveCheck) => void): Disposable {
    return this.monitor.onDidRecordCheck(({ target, record, anomalous }) => {
      const unusualPhase = anomalous ? record.unusualPhase : undefined;
      const { dns, connect, tls, firstByte, transfer } = record.phases;
      listener({
        targetId: target.id,
        startedAt: record.startedAt,
        status: record.status,
        totalMs: record.status === 'DOWN' ? null : record.totalMs,
        phases: [dns, connect, tls, firstByte, transfer],
        anomaly: anomalous,
        ...(unusualPhase ? { unusualPhase } : {}),
      });
    });
  }

  onStateChange(listener: (state: DashboardTargetState) => void): Disposable {
    return this.monitor.onDidChangeTarget((targetId) => {
      const snapshot = this.monitor.snapshot(targetId);
      if (snapshot) listener(this.stateOf(snapshot));
    });
  }

  onTargetsChange(listener: () => void): Disposable {
    const subscriptions = [this.monitor.onDidChangeTargets(listener), this.monitor.onDidChangeRole(listener)];
    return { dispose: () => subscriptions.forEach((subscription) => subscription.dispose()) };
  }
}
