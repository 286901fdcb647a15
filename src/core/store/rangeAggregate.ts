/**
 * The sums a query adds raw checks and rollup rows into, the same way at every level: counts per
 * state, latency min / max / sum, phase sums, the highest anomaly score, the checks made during
 * maintenance, and a latency histogram for p95.
 */
import type { SqlValue } from 'sql.js';
import type { LatencyStats, PhaseAverages, SeriesPoint } from './historyStore';
import { exactPercentile, LatencyHistogram } from './latencyHistogram';
import { STATUS_CODES } from './schema';

/** Sums over a set of checks; rows of every level add into it the same way. */
export class Aggregate {
  count = 0;
  up = 0;
  degraded = 0;
  down = 0;
  minUs: number | null = null;
  maxUs: number | null = null;
  sumUs = 0;
  readonly phaseSumsUs = [0, 0, 0, 0, 0];
  anomalyMaxE4: number | null = null;
  /** Checks made during maintenance, and how many of them answered: uptime leaves them out. */
  maintenanceCount = 0;
  maintenanceAnswered = 0;
  readonly histogram = new LatencyHistogram();
  /** Raw values while only raw rows were added: p95 is then exact. */
  private rawValuesUs: number[] | null = [];

  get answered(): number {
    return this.up + this.degraded;
  }

  /** Answered over counted checks, those made during maintenance left out; null with none. */
  get uptime(): number | null {
    const counted = this.count - this.maintenanceCount;
    return counted <= 0 ? null : (this.answered - this.maintenanceAnswered) / counted;
  }

  addRaw(status: number, totalUs: number, phasesUs: readonly number[], anomalyE4: number | null, maintenance: boolean): void {
    this.count++;
    if (maintenance) {
      this.maintenanceCount++;
      if (status !== STATUS_CODES.DOWN) this.maintenanceAnswered++;
    }
    if (status === STATUS_CODES.DOWN) this.down++;
    else {
      if (status === STATUS_CODES.UP) this.up++;
      else this.degraded++;
      this.addLatency(totalUs, totalUs, totalUs);
      for (let i = 0; i < 5; i++) this.phaseSumsUs[i]! += phasesUs[i]!;
      this.histogram.add(totalUs / 1000);
      this.rawValuesUs?.push(totalUs);
    }
    this.addAnomaly(anomalyE4);
  }

  addRollup(row: SqlValue[]): void {
    // Columns in ROLLUP_COLUMNS order, after the bucket.
    const [
      count,
      up,
      degraded,
      down,
      minUs,
      maxUs,
      sumUs,
      dns,
      connect,
      tls,
      firstByte,
      transfer,
      anomalyE4,
      hist,
      maintenanceCount,
      maintenanceAnswered,
    ] = row as [
      number,
      number,
      number,
      number,
      number | null,
      number | null,
      number,
      number,
      number,
      number,
      number,
      number,
      number | null,
      Uint8Array | null,
      number,
      number,
    ];
    this.count += count;
    this.maintenanceCount += maintenanceCount;
    this.maintenanceAnswered += maintenanceAnswered;
    this.up += up;
    this.degraded += degraded;
    this.down += down;
    if (minUs !== null && maxUs !== null) this.addLatency(minUs, maxUs, sumUs);
    const phases = [dns, connect, tls, firstByte, transfer];
    for (let i = 0; i < 5; i++) this.phaseSumsUs[i]! += phases[i]!;
    this.addAnomaly(anomalyE4);
    if (hist) this.histogram.mergeEncoded(hist);
    this.rawValuesUs = null;
  }

  private addLatency(minUs: number, maxUs: number, sumUs: number): void {
    this.minUs = this.minUs === null ? minUs : Math.min(this.minUs, minUs);
    this.maxUs = this.maxUs === null ? maxUs : Math.max(this.maxUs, maxUs);
    this.sumUs += sumUs;
  }

  private addAnomaly(anomalyE4: number | null): void {
    if (anomalyE4 !== null && (this.anomalyMaxE4 === null || anomalyE4 > this.anomalyMaxE4)) this.anomalyMaxE4 = anomalyE4;
  }

  stats(): LatencyStats {
    const answered = this.answered;
    if (answered === 0) return { count: 0, min: null, avg: null, p95: null, max: null };
    const max = this.maxUs! / 1000;
    const p95 = this.rawValuesUs ? exactPercentile(this.rawValuesUs, 0.95)! / 1000 : this.histogram.percentile(0.95, max);
    return { count: answered, min: this.minUs! / 1000, avg: this.sumUs / answered / 1000, p95, max };
  }

  phases(): PhaseAverages | null {
    const answered = this.answered;
    if (answered === 0) return null;
    const avg = (i: number): number => this.phaseSumsUs[i]! / answered / 1000;
    return { dns: avg(0), connect: avg(1), tls: avg(2), firstByte: avg(3), transfer: avg(4) };
  }

  point(time: number, widthMs: number): SeriesPoint {
    const stats = this.stats();
    return {
      time,
      widthMs,
      count: this.count,
      up: this.up,
      degraded: this.degraded,
      down: this.down,
      avg: stats.avg,
      min: stats.min,
      max: stats.max,
      p95: stats.p95,
      phases: this.phases(),
      anomalyMax: this.anomalyMaxE4 === null ? null : this.anomalyMaxE4 / 10_000,
    };
  }
}
