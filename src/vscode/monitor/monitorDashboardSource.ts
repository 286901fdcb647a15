/**
 * The dashboard's view of the monitor: targets and states from `MonitorService`, history from the
 * store (raw checks or rollups, downsampled with the shared `buildSeries`), live checks from the
 * engine. In a reader window there are no live checks: the dashboard is refreshed whenever the
 * other window's writes arrive.
 */
import type { Disposable } from '../../core/disposable';
import { placeName } from '../../shared/geoLocation';
import type { SeriesPoint } from '../../core/store/historyStore';
import {
  RANGE_MS,
  type DashboardTarget,
  type DashboardTargetState,
  type LiveCheck,
  type ReportRow,
  type SeriesColumns,
  type TimeRange,
} from '../../shared/dashboardProtocol';
import { buildSeries, type SeriesSample } from '../../shared/seriesDownsampling';
import type { DashboardDataSource } from '../dashboard/dashboardDataSource';
import type { MonitorService, TargetSnapshot } from './monitorService';

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

  async series(targetId: string, range: TimeRange, maxPoints: number, now: number): Promise<SeriesColumns> {
    const history = this.monitor.history;
    const samples: SeriesSample[] = [];
    if (history) {
      const stored = history.series(targetId, { from: now - RANGE_MS[range], to: now + 1, maxPoints });
      const threshold = this.monitor.anomalyThreshold;
      // A rollup bucket that began before the window may hold checks from before it, so it is left
      // out: the line starts at the first bucket wholly inside the window.
      for (const point of stored.points) samples.push(sampleFromPoint(point, threshold));
    }
    return buildSeries(samples, { targetId, range, now, maxPoints });
  }

  async report(range: TimeRange, now: number): Promise<ReportRow[]> {
    const history = this.monitor.history;
    const period = { from: now - RANGE_MS[range], to: now + 1 };
    const anomalyCounts = new Map<string, number>();
    if (history) {
      for (const hit of history.anomalies(period, this.monitor.anomalyThreshold, 100_000)) {
        anomalyCounts.set(hit.targetId, (anomalyCounts.get(hit.targetId) ?? 0) + 1);
      }
    }
    return this.monitor.snapshots().map((snapshot) => {
      const { target } = snapshot.configured;
      const stats = history?.latencyStats(target.id, period);
      return {
        targetId: target.id,
        name: target.name,
        url: target.url,
        availability: history?.uptime(target.id, period.from, period.to) ?? null,
        avgMs: stats?.avg ?? null,
        p95Ms: stats?.p95 ?? null,
        location: placeName(snapshot.lastRecord?.location),
        anomalies: anomalyCounts.get(target.id) ?? 0,
        lastStatus: snapshot.status,
        certDaysLeft: snapshot.lastRecord?.tls?.daysLeft ?? null,
      };
    });
  }

  onCheck(listener: (check: LiveCheck) => void): Disposable {
    return this.monitor.onDidRecordCheck(({ target, record, anomalous }) => {
      const { dns, connect, tls, firstByte, transfer } = record.phases;
      listener({
        targetId: target.id,
        startedAt: record.startedAt,
        status: record.status,
        totalMs: record.status === 'DOWN' ? null : record.totalMs,
        phases: [dns, connect, tls, firstByte, transfer],
        anomaly: anomalous,
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
