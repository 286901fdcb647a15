/** The report table the CLI prints at the end of a watch (the seed's columns), from the one report's rows. */
import type { ReportRow } from '../shared/dashboardProtocol';
import { placeName, type GeoLocation } from '../shared/geoLocation';
import { buildReportRows } from '../core/report/reportRows';
import type { CheckRecord } from '../core/store/checkRecord';
import { type HistoryReader, latestChecks } from '../core/store/historyStore';
import type { Target } from '../core/targets/target';

export function describeLocation(location: GeoLocation | null | undefined): string {
  // The network is added for a person reading the table; the place reads as everywhere else.
  return [placeName(location) ?? 'Unknown', location?.local ? null : location?.isp].filter(Boolean).join(' / ');
}

/** The rows of the watch's report: the status is the newest stored check's. */
export async function buildReport(
  store: HistoryReader,
  targets: readonly Target[],
  since: number,
  until: number,
  anomalyThreshold: number,
): Promise<ReportRow[]> {
  const latestByTarget = await latestChecks(store);
  const subjects = targets.map((target) => {
    const latest = latestByTarget.get(target.id);
    return {
      target,
      status: latest?.status ?? ('UNKNOWN' as const),
      location: latest?.location,
      certDaysLeft: latest?.tls?.daysLeft ?? null,
    };
  });
  return buildReportRows(store, subjects, { from: since, to: until }, { anomalyThreshold });
}

const ms = (value: number | null): string => (value === null ? '-' : `${value.toFixed(2)}ms`);

const HEADERS = ['Target', 'Availability', 'Avg Response', 'p95', 'Location', 'Anomalies', 'Last Status'];

/** The table for a terminal; `latest` adds what a person reading it wants beyond the row: the network, the status code or reason. */
export function formatReportTable(rows: readonly ReportRow[], latest: (targetId: string) => CheckRecord | undefined): string {
  const cells = rows.map((row) => {
    const record = latest(row.targetId);
    return [
      row.name,
      row.availability === null ? '-' : `${(row.availability * 100).toFixed(2)}%`,
      ms(row.avgMs),
      ms(row.p95Ms),
      describeLocation(record?.location),
      String(row.anomalies),
      record
        ? `${row.lastStatus}${record.statusCode !== null ? ` ${record.statusCode}` : record.reason ? ` ${record.reason}` : ''}`
        : 'UNKNOWN',
    ];
  });
  const widths = HEADERS.map((header, i) => Math.max(header.length, ...cells.map((row) => row[i]!.length)));
  const line = (values: string[]): string =>
    values
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(HEADERS), line(widths.map((width) => '-'.repeat(width))), ...cells.map(line)].join('\n');
}
