/**
 * A fixed-bucket latency histogram, kept with every rollup row so that p95 over any range can be
 * computed by merging rows instead of keeping every raw value. Buckets grow geometrically by 5 %
 * from 0.1 ms, so a percentile read from it is exact to within 5 % of the value, at any scale.
 */

const SMALLEST_MS = 0.1;
const GROWTH = 1.05;
const LOG_GROWTH = Math.log(GROWTH);
/** 0.1 ms * 1.05^320 is about 6 hours: far beyond any probe timeout. */
export const BUCKET_COUNT = 321;

export function bucketIndex(ms: number): number {
  if (!(ms > SMALLEST_MS)) return 0;
  const index = Math.ceil(Math.log(ms / SMALLEST_MS) / LOG_GROWTH - 1e-9);
  return Math.min(BUCKET_COUNT - 1, index);
}

/** The largest value that falls in bucket `index`. */
export function bucketUpperMs(index: number): number {
  return SMALLEST_MS * GROWTH ** index;
}

export class LatencyHistogram {
  readonly counts: Uint32Array;

  constructor(counts?: Uint32Array) {
    this.counts = counts ?? new Uint32Array(BUCKET_COUNT);
  }

  static decode(blob: Uint8Array | null | undefined): LatencyHistogram {
    const histogram = new LatencyHistogram();
    if (blob) histogram.mergeEncoded(blob);
    return histogram;
  }

  add(ms: number): void {
    this.counts[bucketIndex(ms)]! += 1;
  }

  get total(): number {
    let total = 0;
    for (const count of this.counts) total += count;
    return total;
  }

  merge(other: LatencyHistogram): void {
    for (let i = 0; i < BUCKET_COUNT; i++) this.counts[i]! += other.counts[i]!;
  }

  /** Adds an encoded histogram without building an object for it (the hot path of range queries). */
  mergeEncoded(blob: Uint8Array): void {
    let offset = 0;
    let index = -1;
    while (offset < blob.length) {
      const [gap, afterGap] = readVarint(blob, offset);
      const [count, afterCount] = readVarint(blob, afterGap);
      offset = afterCount;
      index += gap;
      if (index >= BUCKET_COUNT) throw new Error('Latency histogram has a bucket out of range.');
      this.counts[index]! += count;
    }
  }

  /**
   * Nearest-rank percentile (`fraction` in (0, 1]): the upper edge of the bucket holding the
   * rank, capped at `maxMs` so the figure never exceeds what was observed.
   */
  percentile(fraction: number, maxMs: number | null): number | null {
    const total = this.total;
    if (total === 0) return null;
    const rank = Math.max(1, Math.ceil(fraction * total));
    let seen = 0;
    for (let i = 0; i < BUCKET_COUNT; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) {
        const upper = bucketUpperMs(i);
        return maxMs === null ? upper : Math.min(upper, maxMs);
      }
    }
    return maxMs;
  }

  /** Sparse: (gap to the previous non-empty bucket, count) as varints; one check takes 2 bytes. */
  encode(): Uint8Array {
    const bytes: number[] = [];
    let previous = -1;
    for (let i = 0; i < BUCKET_COUNT; i++) {
      const count = this.counts[i]!;
      if (count === 0) continue;
      writeVarint(bytes, i - previous);
      writeVarint(bytes, count);
      previous = i;
    }
    return Uint8Array.from(bytes);
  }
}

function writeVarint(out: number[], value: number): void {
  let rest = value;
  while (rest >= 0x80) {
    out.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
}

function readVarint(bytes: Uint8Array, start: number): [number, number] {
  let value = 0;
  let scale = 1;
  let offset = start;
  for (;;) {
    const byte = bytes[offset];
    if (byte === undefined) throw new Error('Latency histogram is truncated.');
    offset++;
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return [value, offset];
    scale *= 128;
    if (scale > 2 ** 49) throw new Error('Latency histogram has an oversized number.');
  }
}

/** Exact nearest-rank percentile of raw values (for tests and raw-level points). */
export function exactPercentile(values: readonly number[], fraction: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil(fraction * sorted.length)) - 1]!;
}
