/**
 * The written form of Export History (and of the CLI's `export`): every raw check of a range as
 * CSV (one row per check, for spreadsheets) or JSON (the fields as the extension records them).
 */
import { csvCell } from '../../shared/csv';
import type { CheckRecord } from './checkRecord';
import type { ExportFormat, TimeRange } from './historyStore';

/** One exported check: what was recorded, with the target's name and the server's location. */
export interface ExportedCheck {
  targetId: string;
  target: string;
  name: string;
  startedAt: number;
  status: CheckRecord['status'];
  reason: string | null;
  statusCode: number | null;
  totalMs: number;
  phases: CheckRecord['phases'];
  anomalyScore: number | null;
  address: string | null;
  location: CheckRecord['location'];
  message: string;
  maintenance?: true;
}

export function formatExportedChecks(records: readonly ExportedCheck[], range: TimeRange, format: ExportFormat): string {
  if (format === 'json') return JSON.stringify({ from: range.from, to: range.to, checks: records }, null, 1);
  const header = [
    'time',
    'started_at_ms',
    'target_id',
    'target',
    'name',
    'status',
    'reason',
    'status_code',
    'total_ms',
    'dns_ms',
    'connect_ms',
    'tls_ms',
    'first_byte_ms',
    'transfer_ms',
    'anomaly_score',
    'address',
    'country_code',
    'city',
    'message',
    'maintenance',
  ];
  const lines = [header.join(',')];
  for (const r of records) {
    lines.push(
      [
        new Date(r.startedAt).toISOString(),
        r.startedAt,
        csvCell(r.targetId),
        csvCell(r.target),
        csvCell(r.name),
        r.status,
        r.reason ?? '',
        r.statusCode ?? '',
        r.totalMs,
        r.phases.dns,
        r.phases.connect,
        r.phases.tls,
        r.phases.firstByte,
        r.phases.transfer,
        r.anomalyScore ?? '',
        r.address ?? '',
        csvCell(r.location?.countryCode ?? ''),
        csvCell(r.location?.city ?? ''),
        csvCell(r.message),
        r.maintenance ? 'true' : '',
      ].join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}
