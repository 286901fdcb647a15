/** Shapes series columns into what the charts and the timeline draw. Pure: tested under Node. */
import { RANGE_MS, type SeriesColumns, type TimeRange } from '../../../src/shared/dashboardProtocol';

export interface XY {
  x: number;
  y: number | null;
}

/** Mean response time per point; null (a gap in the line) where no check answered. */
export function responsePoints(series: SeriesColumns): XY[] {
  return series.t.map((t, i) => ({ x: pointCentre(series, t), y: series.avg[i] ?? null }));
}

/** Where a point sits on the time axis: a bucket is drawn at its middle. */
export function pointCentre(series: SeriesColumns, t: number): number {
  return series.bucketMs > 0 ? t + series.bucketMs / 2 : t;
}

/** Indices of points with an anomaly. */
export function anomalyIndices(series: SeriesColumns): number[] {
  const indices: number[] = [];
  series.anomalies.forEach((count, i) => {
    if (count > 0) indices.push(i);
  });
  return indices;
}

export type CellStatus = 'up' | 'degraded' | 'down' | 'partial';

/** One status per point: all answered in time, some slow, all failed, or a mix of up and down. */
export function cellStatus(series: SeriesColumns, i: number): CellStatus {
  const checks = series.checks[i] ?? 0;
  const down = series.down[i] ?? 0;
  if (checks > 0 && down >= checks) return 'down';
  if (down > 0) return 'partial';
  return (series.degraded[i] ?? 0) > 0 ? 'degraded' : 'up';
}

export interface Incident {
  from: number;
  to: number;
  failedChecks: number;
}

/**
 * Stretches of consecutive points with failures: from the first failing point's start to the
 * end of the last one (a bucket's end, or the next check for raw points).
 */
export function findIncidents(series: SeriesColumns): Incident[] {
  const incidents: Incident[] = [];
  let current: Incident | null = null;
  for (let i = 0; i < series.t.length; i++) {
    const t = series.t[i]!;
    const down = series.down[i] ?? 0;
    if (down > 0) {
      const end = series.bucketMs > 0 ? t + series.bucketMs : (series.t[i + 1] ?? t);
      if (current) {
        current.to = end;
        current.failedChecks += down;
      } else {
        current = { from: t, to: end, failedChecks: down };
      }
    } else if (current) {
      incidents.push(current);
      current = null;
    }
  }
  if (current) incidents.push(current);
  return incidents;
}

/** Fraction of checks that answered, over the whole series; null with no checks. */
export function availability(series: SeriesColumns): number | null {
  let checks = 0;
  let down = 0;
  for (let i = 0; i < series.t.length; i++) {
    checks += series.checks[i] ?? 0;
    down += series.down[i] ?? 0;
  }
  return checks === 0 ? null : (checks - down) / checks;
}

export function formatMs(ms: number | null): string {
  if (ms === null) return '–';
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.round(ms)} ms`;
}

export function formatPercent(fraction: number | null): string {
  if (fraction === null) return '–';
  const percent = fraction * 100;
  return `${percent === 100 ? '100' : percent.toFixed(percent >= 99 ? 3 : 2)} %`;
}

export function formatDuration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 1) return `${Math.max(1, Math.round(ms / 1000))} s`;
  if (minutes < 120) return `${minutes} min`;
  const hours = minutes / 60;
  return hours < 48 ? `${hours.toFixed(1)} h` : `${(hours / 24).toFixed(1)} days`;
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** A time label fitted to the range: clock time for hours, day and time for days, date for a year. */
export function formatTick(t: number, range: TimeRange): string {
  const date = new Date(t);
  const time = `${pad(date.getHours())}:${pad(date.getMinutes())}`;
  const day = `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
  if (RANGE_MS[range] <= RANGE_MS['24h']) return time;
  if (RANGE_MS[range] <= RANGE_MS['7d']) return `${day.slice(5)} ${time}`;
  return day;
}

export function formatTimestamp(t: number): string {
  const date = new Date(t);
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}
