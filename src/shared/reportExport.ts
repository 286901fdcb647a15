/** The report as a file the user saves: CSV for spreadsheets, JSON for scripts. */
import { csvCell } from './csv';
import type { ReportFormat, ReportRow, RangeName } from './dashboardProtocol';

export const REPORT_COLUMNS = [
  'Target',
  'URL',
  'Availability %',
  'Avg Response ms',
  'p95 Response ms',
  'Location',
  'Anomalies',
  'Last Status',
  'Certificate Days Left',
] as const;

function round(value: number | null, digits: number): number | null {
  return value === null ? null : Number(value.toFixed(digits));
}

export function reportToCsv(rows: readonly ReportRow[]): string {
  const lines = [REPORT_COLUMNS.join(',')];
  for (const row of rows) {
    lines.push(
      [
        row.name,
        row.url,
        row.availability === null ? null : round(row.availability * 100, 3),
        round(row.avgMs, 1),
        round(row.p95Ms, 1),
        row.location,
        row.anomalies,
        row.lastStatus,
        row.certDaysLeft,
      ]
        .map(csvCell)
        .join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}

export function reportToJson(rows: readonly ReportRow[], range: RangeName, generatedAt: number): string {
  return `${JSON.stringify({ range, generatedAt: new Date(generatedAt).toISOString(), rows }, null, 2)}\n`;
}

export function formatReport(rows: readonly ReportRow[], format: ReportFormat, range: RangeName, generatedAt: number): string {
  return format === 'csv' ? reportToCsv(rows) : reportToJson(rows, range, generatedAt);
}
