/**
 * Turns a target's checks (or the store's rollup rows) into the bounded, column-wise series the
 * dashboard draws, and folds live checks into a series already on screen.
 *
 * Downsampling uses fixed, aligned time buckets (mean, max and counts per bucket) rather than
 * LTTB: buckets keep the counts the uptime timeline needs and the max that keeps a spike
 * visible, and aligned buckets let a live check land in the same bucket the host would have put
 * it in. No imports beyond the protocol: it runs in the host and in the webview.
 */
import { RANGE_MS, type LiveCheck, type SeriesColumns, type RangeName } from './dashboardProtocol';

/** One check, or an aggregate of several (a rollup row): the unit the downsampler merges. */
export interface SeriesSample {
  t: number;
  checks: number;
  down: number;
  degraded: number;
  anomalies: number;
  /** Mean total of the answered checks (`checks - down`); null when none answered. */
  avgMs: number | null;
  maxMs: number | null;
  /** Mean [dns, connect, tls, firstByte, transfer] of the answered checks. */
  phases: readonly [number, number, number, number, number];
}

/** The fields of a `CheckResult` the series needs (structural, so core types fit without an import). */
export interface SeriesCheck {
  startedAt: number;
  status: 'UP' | 'DEGRADED' | 'DOWN';
  totalMs: number;
  phases: { dns: number; connect: number; tls: number; firstByte: number; transfer: number };
}

export function sampleFromCheck(check: SeriesCheck, anomaly = false): SeriesSample {
  const answered = check.status !== 'DOWN';
  const { dns, connect, tls, firstByte, transfer } = check.phases;
  return {
    t: check.startedAt,
    checks: 1,
    down: answered ? 0 : 1,
    degraded: check.status === 'DEGRADED' ? 1 : 0,
    anomalies: anomaly ? 1 : 0,
    avgMs: answered ? check.totalMs : null,
    maxMs: answered ? check.totalMs : null,
    phases: answered ? [dns, connect, tls, firstByte, transfer] : [0, 0, 0, 0, 0],
  };
}

export function sampleFromLiveCheck(check: LiveCheck): SeriesSample {
  const answered = check.status !== 'DOWN' && check.totalMs !== null;
  return {
    t: check.startedAt,
    checks: 1,
    down: check.status === 'DOWN' ? 1 : 0,
    degraded: check.status === 'DEGRADED' ? 1 : 0,
    anomalies: check.anomaly ? 1 : 0,
    avgMs: answered ? check.totalMs : null,
    maxMs: answered ? check.totalMs : null,
    phases: answered ? check.phases : [0, 0, 0, 0, 0],
  };
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const NICE_BUCKETS = [
  SECOND,
  5 * SECOND,
  10 * SECOND,
  15 * SECOND,
  30 * SECOND,
  MINUTE,
  2 * MINUTE,
  5 * MINUTE,
  10 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  2 * HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
  DAY,
  2 * DAY,
  7 * DAY,
];

/**
 * The smallest round bucket width that keeps a window of `rangeMs` within `maxPoints` buckets.
 * A window of length L spans at most floor(L / w) + 1 aligned buckets, hence `maxPoints - 1`.
 */
export function chooseBucketMs(rangeMs: number, maxPoints: number): number {
  const minimum = rangeMs / Math.max(1, maxPoints - 1);
  return NICE_BUCKETS.find((width) => width >= minimum) ?? Math.ceil(minimum / DAY) * DAY;
}

export interface BuildSeriesOptions {
  targetId: string;
  range: RangeName;
  /** End of the window, epoch ms. */
  now: number;
  maxPoints: number;
}

function emptySeries(targetId: string, range: RangeName, from: number, to: number, bucketMs: number): SeriesColumns {
  return {
    targetId,
    range,
    from,
    to,
    bucketMs,
    t: [],
    avg: [],
    max: [],
    dns: [],
    connect: [],
    tls: [],
    firstByte: [],
    transfer: [],
    checks: [],
    down: [],
    degraded: [],
    anomalies: [],
  };
}

function pushSample(series: SeriesColumns, t: number, sample: SeriesSample): void {
  series.t.push(t);
  series.avg.push(sample.avgMs);
  series.max.push(sample.maxMs);
  series.dns.push(sample.phases[0]);
  series.connect.push(sample.phases[1]);
  series.tls.push(sample.phases[2]);
  series.firstByte.push(sample.phases[3]);
  series.transfer.push(sample.phases[4]);
  series.checks.push(sample.checks);
  series.down.push(sample.down);
  series.degraded.push(sample.degraded);
  series.anomalies.push(sample.anomalies);
}

/** Folds `sample` into point `i`, weighting means by the number of answered checks. */
function mergeIntoPoint(series: SeriesColumns, i: number, sample: SeriesSample): void {
  const oldAnswered = series.checks[i]! - series.down[i]!;
  const newAnswered = sample.checks - sample.down;
  const answered = oldAnswered + newAnswered;
  const mean = (old: number, added: number): number => (answered === 0 ? 0 : (old * oldAnswered + added * newAnswered) / answered);
  if (newAnswered > 0 && sample.avgMs !== null) {
    const oldAvg = series.avg[i] ?? 0;
    series.avg[i] = mean(oldAvg, sample.avgMs);
    const oldMax = series.max[i];
    series.max[i] = oldMax == null ? sample.maxMs : Math.max(oldMax, sample.maxMs ?? sample.avgMs);
    series.dns[i] = mean(series.dns[i]!, sample.phases[0]);
    series.connect[i] = mean(series.connect[i]!, sample.phases[1]);
    series.tls[i] = mean(series.tls[i]!, sample.phases[2]);
    series.firstByte[i] = mean(series.firstByte[i]!, sample.phases[3]);
    series.transfer[i] = mean(series.transfer[i]!, sample.phases[4]);
  }
  series.checks[i] = series.checks[i]! + sample.checks;
  series.down[i] = series.down[i]! + sample.down;
  series.degraded[i] = series.degraded[i]! + sample.degraded;
  series.anomalies[i] = series.anomalies[i]! + sample.anomalies;
}

/**
 * Builds the series for the window `(now - range, now]`: one point per sample when they fit in
 * `maxPoints`, otherwise aligned buckets (so never more than `maxPoints` points). Samples need
 * not be sorted.
 */
export function buildSeries(samples: Iterable<SeriesSample>, options: BuildSeriesOptions): SeriesColumns {
  const rangeMs = RANGE_MS[options.range];
  const from = options.now - rangeMs;
  const inWindow: SeriesSample[] = [];
  let sorted = true;
  for (const sample of samples) {
    if (sample.t <= from || sample.t > options.now) continue;
    if (inWindow.length > 0 && sample.t < inWindow[inWindow.length - 1]!.t) sorted = false;
    inWindow.push(sample);
  }
  if (!sorted) inWindow.sort((a, b) => a.t - b.t);

  const maxPoints = Math.max(2, Math.floor(options.maxPoints));
  if (inWindow.length <= maxPoints) {
    const series = emptySeries(options.targetId, options.range, from, options.now, 0);
    for (const sample of inWindow) pushSample(series, sample.t, sample);
    return series;
  }
  const bucketMs = chooseBucketMs(rangeMs, maxPoints);
  const series = emptySeries(options.targetId, options.range, from, options.now, bucketMs);
  // Running sums per bucket, flushed when the bucket changes: the hot path for 30 days of raw checks.
  let bucket = Number.NaN;
  let checks = 0,
    down = 0,
    degraded = 0,
    anomalies = 0,
    answered = 0,
    sum = 0,
    max = -Infinity;
  const phaseSums = [0, 0, 0, 0, 0];
  const flush = (): void => {
    if (checks === 0) return;
    const mean = (total: number): number => (answered > 0 ? total / answered : 0);
    pushSample(series, bucket, {
      t: bucket,
      checks,
      down,
      degraded,
      anomalies,
      avgMs: answered > 0 ? sum / answered : null,
      maxMs: answered > 0 ? max : null,
      phases: [mean(phaseSums[0]!), mean(phaseSums[1]!), mean(phaseSums[2]!), mean(phaseSums[3]!), mean(phaseSums[4]!)],
    });
  };
  for (const sample of inWindow) {
    const start = Math.floor(sample.t / bucketMs) * bucketMs;
    if (start !== bucket) {
      flush();
      bucket = start;
      checks = down = degraded = anomalies = answered = sum = 0;
      max = -Infinity;
      phaseSums.fill(0);
    }
    checks += sample.checks;
    down += sample.down;
    degraded += sample.degraded;
    anomalies += sample.anomalies;
    const sampleAnswered = sample.checks - sample.down;
    if (sampleAnswered > 0 && sample.avgMs !== null) {
      answered += sampleAnswered;
      sum += sample.avgMs * sampleAnswered;
      max = Math.max(max, sample.maxMs ?? sample.avgMs);
      for (let p = 0; p < 5; p++) phaseSums[p]! += sample.phases[p]! * sampleAnswered;
    }
  }
  flush();
  return series;
}

/** Response times are measured to the microsecond, but nobody reads a chart to better than 0.1 ms. */
const roundTenth = (value: number): number => Math.round(value * 10) / 10;

/**
 * The series with its times in milliseconds rounded to 0.1 ms, for sending: a mean like
 * 47.83316666666667 costs 17 bytes of JSON, 47.8 costs 4, and the message shrinks by about half.
 */
export function roundSeriesForTransfer(series: SeriesColumns): SeriesColumns {
  const nullable = (values: (number | null)[]): (number | null)[] => values.map((value) => (value === null ? null : roundTenth(value)));
  return {
    ...series,
    avg: nullable(series.avg),
    max: nullable(series.max),
    dns: series.dns.map(roundTenth),
    connect: series.connect.map(roundTenth),
    tls: series.tls.map(roundTenth),
    firstByte: series.firstByte.map(roundTenth),
    transfer: series.transfer.map(roundTenth),
  };
}

function addToBuckets(series: SeriesColumns, sample: SeriesSample): void {
  const start = Math.floor(sample.t / series.bucketMs) * series.bucketMs;
  const last = series.t.length - 1;
  if (last >= 0 && series.t[last] === start) mergeIntoPoint(series, last, sample);
  else if (last < 0 || series.t[last]! < start) pushSample(series, start, sample);
  else {
    // A late sample for an earlier bucket: find it (or its place) from the end, where it usually is.
    let i = last;
    while (i > 0 && series.t[i]! > start) i--;
    if (series.t[i] === start) mergeIntoPoint(series, i, sample);
    else insertPoint(series, series.t[i]! < start ? i + 1 : i, start, sample);
  }
}

function insertPoint(series: SeriesColumns, index: number, t: number, sample: SeriesSample): void {
  const tail = emptySeries(series.targetId, series.range, series.from, series.to, series.bucketMs);
  pushSample(tail, t, sample);
  for (const column of COLUMNS) (series[column] as unknown[]).splice(index, 0, tail[column][0]);
}

const COLUMNS = ['t', 'avg', 'max', 'dns', 'connect', 'tls', 'firstByte', 'transfer', 'checks', 'down', 'degraded', 'anomalies'] as const;

/** Drops the first `count` points. */
function dropLeading(series: SeriesColumns, count: number): void {
  if (count <= 0) return;
  for (const column of COLUMNS) series[column].splice(0, count);
}

function samplesOf(series: SeriesColumns): SeriesSample[] {
  return series.t.map((t, i) => ({
    t,
    checks: series.checks[i]!,
    down: series.down[i]!,
    degraded: series.degraded[i]!,
    anomalies: series.anomalies[i]!,
    avgMs: series.avg[i] ?? null,
    maxMs: series.max[i] ?? null,
    phases: [series.dns[i]!, series.connect[i]!, series.tls[i]!, series.firstByte[i]!, series.transfer[i]!],
  }));
}

/**
 * Adds a live check to a series on screen (mutating it): merged into its bucket, or appended as a
 * point; then points that slid out of the window `(now - range, now]` are dropped, and a raw
 * series that outgrew `maxPoints` is re-bucketed. Returns whether anything visible changed.
 */
export function appendLiveCheck(series: SeriesColumns, check: LiveCheck, now: number, maxPoints: number): boolean {
  const rangeMs = RANGE_MS[series.range];
  series.to = Math.max(series.to, now);
  series.from = series.to - rangeMs;
  let changed = false;
  if (check.startedAt > series.from && check.targetId === series.targetId) {
    const sample = sampleFromLiveCheck(check);
    if (series.bucketMs > 0) addToBuckets(series, sample);
    else {
      let index = series.t.length;
      while (index > 0 && series.t[index - 1]! > sample.t) index--;
      if (index === series.t.length) pushSample(series, sample.t, sample);
      else insertPoint(series, index, sample.t, sample);
    }
    if (check.unusualPhase) (series.unusualPhases ??= []).push({ t: check.startedAt, ...check.unusualPhase });
    changed = true;
  }
  // A bucket stays while any part of it is inside the window.
  const span = series.bucketMs;
  let expired = 0;
  while (expired < series.t.length && series.t[expired]! + span <= series.from) expired++;
  dropLeading(series, expired);
  // A named phase stays as long as the point it belongs to.
  const oldest = series.t[0] ?? Infinity;
  if (series.unusualPhases) series.unusualPhases = series.unusualPhases.filter((note) => note.t >= oldest);
  if (expired > 0) changed = true;

  if (series.bucketMs === 0 && series.t.length > maxPoints) {
    const rebuilt = buildSeries(samplesOf(series), { targetId: series.targetId, range: series.range, now: series.to, maxPoints });
    Object.assign(series, rebuilt);
  }
  return changed;
}
