/** Shapes series columns into what the charts and the timeline draw. Pure: tested under Node. */
import {
  DEFAULT_MAX_POINTS,
  MIN_POINTS_PER_TARGET,
  RANGE_MS,
  pointBudgetPerTarget,
  type SeriesColumns,
  type RangeName,
  type UnusualPhase,
} from '../../../src/shared/dashboardProtocol';

/** Below the width of a line plus its gap to the next point, more points add nothing visible. */
const PIXELS_PER_POINT = 4;

/**
 * How many points per target to ask the host for: one every few pixels of the chart, within a
 * budget for all lines together. A panel not laid out yet (width 0) asks for the default.
 */
export function pointsPerTarget(chartWidthPx: number, targets: number): number {
  const byWidth = chartWidthPx > 0 ? Math.round(chartWidthPx / PIXELS_PER_POINT) : DEFAULT_MAX_POINTS;
  return Math.max(MIN_POINTS_PER_TARGET, Math.min(DEFAULT_MAX_POINTS, byWidth, pointBudgetPerTarget(targets)));
}

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

/**
 * The unusual phase named for each point, by point index: the check's own for a point that is one
 * check, the most unusual of its checks for a bucket. Points without a named phase are absent.
 */
export function unusualPhasesByPoint(series: SeriesColumns): Map<number, UnusualPhase> {
  const byPoint = new Map<number, UnusualPhase>();
  for (const note of series.unusualPhases ?? []) {
    const index = series.bucketMs > 0 ? series.t.findIndex((t) => note.t >= t && note.t < t + series.bucketMs) : series.t.indexOf(note.t);
    if (index < 0) continue;
    const known = byPoint.get(index);
    if (!known || note.factor > known.factor) byPoint.set(index, { phase: note.phase, factor: note.factor });
  }
  return byPoint;
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

export interface CellRun {
  x: number;
  end: number;
  status: CellStatus;
}

export function isFailure(status: CellStatus): boolean {
  return status === 'down' || status === 'partial';
}

/**
 * The uptime strip's cells in strip units (`xOf` maps a time to them), neighbours of one status
 * merged into one rectangle: 20 targets x 500 points would otherwise be 10,000 SVG elements to
 * build and lay out on every redraw.
 */
export function cellRuns(series: SeriesColumns, xOf: (t: number) => number, to: number, span: number, stripWidth: number): CellRun[] {
  const runs: CellRun[] = [];
  for (let i = 0; i < series.t.length; i++) {
    const start = series.t[i]!;
    // A raw check covers the time until the next one (at most a bucket's worth of the strip).
    const endTime = series.bucketMs > 0 ? start + series.bucketMs : Math.min(series.t[i + 1] ?? to, start + span / 100);
    const x = Math.max(0, xOf(start));
    const status = cellStatus(series, i);
    // A failure stays visible however long the range: at least 0.3 % of the strip.
    const minimum = (isFailure(status) ? 0.003 : 0.0008) * stripWidth;
    const end = x + Math.max(minimum, Math.min(stripWidth, xOf(endTime)) - x);
    const last = runs[runs.length - 1];
    // Alike and touching (within 0.005 % of the strip, far below a pixel): one rectangle.
    if (last && last.status === status && x <= last.end + stripWidth * 0.00005) last.end = Math.max(last.end, end);
    else runs.push({ x, end, status });
  }
  return runs;
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

/**
 * A millisecond axis label: "250", "1.5k". Chart.js's default tick labels go through
 * Intl.NumberFormat, whose first use costs a webview about 30 ms before the first chart.
 */
export function formatAxisMs(ms: number): string {
  if (Math.abs(ms) >= 1000) return `${Number((ms / 1000).toFixed(1))}k`;
  return String(Number(ms.toFixed(1)));
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

/**
 * A time label fitted to the span the axis shows: clock time for up to a day, day and time for up
 * to a week (the day alone at midnight), the date beyond. By the span, not the range picked: a
 * young history shows minutes on the 30-day range, and those read as clock times.
 */
export function formatTick(t: number, spanMs: number): string {
  const date = new Date(t);
  const time = `${pad(date.getHours())}:${pad(date.getMinutes())}`;
  const day = `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
  if (spanMs <= RANGE_MS['24h']) return time;
  if (spanMs <= RANGE_MS['7d']) return time === '00:00' ? day.slice(5) : `${day.slice(5)} ${time}`;
  return day;
}

/** Space left before a young history's first point, as a share of the time it covers. */
const YOUNG_HISTORY_MARGIN = 0.05;
/** The shortest axis a young history gets, so its first few checks are not spread over the width. */
const YOUNG_HISTORY_MIN_SPAN_MS = 5 * 60_000;

/**
 * The time axis of the charts and the timeline: the whole range once the history covers it;
 * before that, the time the history covers (at least five minutes, with a small margin before the
 * first point), so a history minutes old is not squeezed into the last pixels of a 24-hour axis.
 */
export function visibleTimeWindow(range: RangeName, seriesList: readonly SeriesColumns[], now: number): { from: number; to: number } {
  const to = Math.max(now, ...seriesList.map((series) => series.to));
  const rangeFrom = to - RANGE_MS[range];
  const firstPoints = seriesList.flatMap((series) => (series.t.length > 0 ? [series.t[0]!] : []));
  if (firstPoints.length === 0) return { from: rangeFrom, to };
  const first = Math.min(...firstPoints);
  const covered = Math.max(to - first, 0);
  const from = Math.min(first - covered * YOUNG_HISTORY_MARGIN, to - YOUNG_HISTORY_MIN_SPAN_MS);
  return { from: Math.max(rangeFrom, from), to };
}

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
/** Tick spacings shorter than a day; each divides a day, so ticks fall on round local times. */
const CLOCK_STEPS = [5, 10, 15, 30, 60, 120, 180, 360, 720].map((minutes) => minutes * MINUTE_MS);
const DAY_STEPS = [1, 2, 7, 14];
const MONTH_STEPS = [1, 2, 3, 6];

/**
 * Tick positions on round local times between `min` and `max`, at most `maxTicks`: every 5 min
 * to 12 h aligned on the local clock, then whole days, then first days of months. Chart.js's
 * linear axis would put them at round numbers of milliseconds, which read as 13:20, 18:53...
 */
export function timeTicks(min: number, max: number, maxTicks: number): number[] {
  const span = max - min;
  if (!(span > 0) || maxTicks < 2) return [];
  const ticks: number[] = [];
  const clockStep = CLOCK_STEPS.find((step) => span / step <= maxTicks);
  if (clockStep !== undefined) {
    const midnight = new Date(min);
    midnight.setHours(0, 0, 0, 0);
    const stepMinutes = clockStep / MINUTE_MS;
    // Wall-clock minutes from local midnight, through Date: ticks stay on the hour across a daylight-saving change.
    for (let i = Math.floor((min - midnight.getTime()) / clockStep) - 1; ticks.length <= maxTicks; i++) {
      const tick = new Date(midnight);
      tick.setMinutes(i * stepMinutes);
      const t = tick.getTime();
      if (t > max) break;
      if (t >= min && t !== ticks.at(-1)) ticks.push(t);
    }
    return ticks;
  }
  const cursor = new Date(min);
  cursor.setHours(0, 0, 0, 0);
  const dayStep = DAY_STEPS.find((days) => span / (days * 24 * HOUR_MS) <= maxTicks);
  if (dayStep !== undefined) {
    if (cursor.getTime() < min) cursor.setDate(cursor.getDate() + 1);
    for (; cursor.getTime() <= max && ticks.length <= maxTicks; cursor.setDate(cursor.getDate() + dayStep)) ticks.push(cursor.getTime());
    return ticks;
  }
  const monthStep = MONTH_STEPS.find((months) => span / (months * 31 * 24 * HOUR_MS) <= maxTicks) ?? 12;
  cursor.setDate(1);
  if (cursor.getTime() < min) cursor.setMonth(cursor.getMonth() + 1);
  while (cursor.getMonth() % monthStep !== 0) cursor.setMonth(cursor.getMonth() + 1);
  for (; cursor.getTime() <= max && ticks.length <= maxTicks; cursor.setMonth(cursor.getMonth() + monthStep)) ticks.push(cursor.getTime());
  return ticks;
}

export function formatTimestamp(t: number): string {
  const date = new Date(t);
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}
