/** The report table the CLI prints at the end of a watch (the seed's columns). */
import { placeName, type GeoLocation } from '../shared/geoLocation';
import type { HistoryQueries } from '../core/store/historyStore';
import type { Target } from '../core/targets/target';

export interface ReportRow {
  target: string;
  availability: string;
  avgResponse: string;
  p95: string;
  location: string;
  anomalies: string;
  lastStatus: string;
}

export function describeLocation(location: GeoLocation | null | undefined): string {
  // The network is added for a person reading the table; the place reads as everywhere else.
  return [placeName(location) ?? 'Unknown', location?.local ? null : location?.isp].filter(Boolean).join(' / ');
}

const ms = (value: number | null): string => (value === null ? '-' : `${value.toFixed(2)}ms`);

export function buildReport(
  store: HistoryQueries,
  targets: readonly Target[],
  since: number,
  until: number,
  anomalyThreshold: number,
): ReportRow[] {
  const range = { from: since, to: until };
  const anomalyCounts = new Map<string, number>();
  for (const hit of store.anomalies(range, anomalyThreshold, 100_000))
    anomalyCounts.set(hit.targetId, (anomalyCounts.get(hit.targetId) ?? 0) + 1);
  return targets.map((target) => {
    const uptime = store.uptime(target.id, since, until);
    const stats = store.latencyStats(target.id, range);
    const latest = store.latest(target.id);
    return {
      target: target.name,
      availability: uptime === null ? '-' : `${(uptime * 100).toFixed(2)}%`,
      avgResponse: ms(stats.avg),
      p95: ms(stats.p95),
      location: describeLocation(latest?.location),
      anomalies: String(anomalyCounts.get(target.id) ?? 0),
      lastStatus: latest
        ? `${latest.status}${latest.statusCode !== null ? ` ${latest.statusCode}` : latest.reason ? ` ${latest.reason}` : ''}`
        : 'UNKNOWN',
    };
  });
}

const HEADERS: Record<keyof ReportRow, string> = {
  target: 'Target',
  availability: 'Availability',
  avgResponse: 'Avg Response',
  p95: 'p95',
  location: 'Location',
  anomalies: 'Anomalies',
  lastStatus: 'Last Status',
};

export function formatReportTable(rows: readonly ReportRow[]): string {
  const columns = Object.keys(HEADERS) as (keyof ReportRow)[];
  const widths = columns.map((column) => Math.max(HEADERS[column].length, ...rows.map((row) => row[column].length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [
    line(columns.map((column) => HEADERS[column])),
    line(widths.map((width) => '-'.repeat(width))),
    ...rows.map((row) => line(columns.map((column) => row[column]))),
  ].join('\n');
}
