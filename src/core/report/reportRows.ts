/**
 * The report: one row per target over a time range, built from the history queries. The CLI's
 * table, the dashboard (its table and its CSV / JSON export) and the API's `/api/report` all take
 * their rows from `buildReportRows`; how a row is written out is the formatters' business
 * (src/shared/reportExport.ts).
 */
import type { ReportRow } from '../../shared/dashboardProtocol';
import type { TargetStatus } from '../../shared/targetStatus';
import { placeName, type GeoLocation } from '../../shared/geoLocation';
import type { HistoryReader, LatencyStats, TimeRange } from '../store/historyStore';

/** What the caller knows of a target beyond its history: who it is and how it stands now. */
export interface ReportSubject {
  target: { id: string; name: string; url: string };
  status: TargetStatus;
  /** Where the newest check reached the server. */
  location: GeoLocation | null | undefined;
  certDaysLeft: number | null;
}

/** A target's figures over the range. */
export interface ReportFigures {
  availability: number | null;
  latency: LatencyStats;
  anomalies: number;
}

export interface ReportOptions {
  anomalyThreshold: number;
  /** The most anomalies counted over the range, all targets together. */
  anomalyLimit?: number;
  /**
   * Figures already computed for this range (the API computes them in slices so as not to hold the
   * thread); targets missing here are queried.
   */
  figures?: ReadonlyMap<string, ReportFigures | undefined>;
}

const NO_LATENCY: LatencyStats = { count: 0, min: null, avg: null, p95: null, max: null };

/** The figures of each target over the range, from the history. */
export async function reportFigures(
  history: HistoryReader,
  targetIds: readonly string[],
  range: TimeRange,
  anomalyThreshold: number,
  anomalyLimit = 100_000,
): Promise<Map<string, ReportFigures>> {
  const anomalyCounts = new Map<string, number>();
  for (const hit of await history.anomalies(range, anomalyThreshold, anomalyLimit))
    anomalyCounts.set(hit.targetId, (anomalyCounts.get(hit.targetId) ?? 0) + 1);
  const figures = new Map<string, ReportFigures>();
  // One target after the other, in the order asked, as the synchronous queries ran.
  for (const id of targetIds) {
    const availability = await history.uptime(id, range.from, range.to);
    const latency = await history.latencyStats(id, range);
    figures.set(id, { availability, latency, anomalies: anomalyCounts.get(id) ?? 0 });
  }
  return figures;
}

/** The report's rows, in the order of `subjects`; without a history every figure is empty. */
export async function buildReportRows(
  history: HistoryReader | undefined,
  subjects: readonly ReportSubject[],
  range: TimeRange,
  options: ReportOptions,
): Promise<ReportRow[]> {
  const given = options.figures;
  const missing = subjects.map((subject) => subject.target.id).filter((id) => !given?.has(id));
  const queried =
    history && (missing.length > 0 || !given)
      ? await reportFigures(history, missing, range, options.anomalyThreshold, options.anomalyLimit)
      : undefined;
  return subjects.map(({ target, status, location, certDaysLeft }) => {
    const figures = given?.get(target.id) ?? queried?.get(target.id);
    const latency = figures?.latency ?? NO_LATENCY;
    return {
      targetId: target.id,
      name: target.name,
      url: target.url,
      availability: figures?.availability ?? null,
      avgMs: latency.avg,
      p95Ms: latency.p95,
      location: placeName(location),
      anomalies: figures?.anomalies ?? 0,
      lastStatus: status,
      certDaysLeft,
    };
  });
}
