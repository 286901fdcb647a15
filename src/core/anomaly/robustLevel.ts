/**
 * A rolling robust z-score: how far a value lies from the median of the recent values, in units
 * of their median absolute deviation (MAD, times 1.4826 to match a Gaussian's standard deviation).
 *
 * Why beside the likelihoods' mean and standard deviation: real operations series have spikes,
 * and one spike inflates a rolling standard deviation for as long as it stays in the window, so
 * the next spike of the same size, or a plateau ten times the usual level, looks ordinary. The
 * median and the MAD hardly move. Two guards keep it from crying wolf:
 *  - the distance is taken from the median of the whole window or of the last few values,
 *    whichever is nearer: a level shift is unusual at its first checks, not for as long as the
 *    window still remembers the old level;
 *  - the deviation never falls below the data's resolution (the smallest gap between two distinct
 *    recent values), so a count that is mostly 0 (MAD 0) does not make every 1 infinitely far.
 *
 * Cost per update: one insertion into a sorted copy of the window and one sort of the deviations.
 */
import { upperTailSurprise } from './anomalyLikelihood';

const MAD_TO_DEVIATION = 1.4826;
/** Beyond this a Gaussian tail is below any double: a value infinitely far (a first change of a constant series) scores as this. */
const LARGEST_Z = 38;

export interface RobustLevelOptions {
  /** Values in the window whose median and MAD are the reference. */
  historySize: number;
  /** The last values whose median is the other reference, the one a level shift moves quickly. */
  recentSize: number;
  /** Values needed before it says anything. */
  minHistory: number;
}

export class RobustLevel {
  private readonly ring: Float64Array;
  /** The ring's values in ascending order. */
  private readonly sorted: Float64Array;
  private readonly deviations: Float64Array;
  private readonly recent: Float64Array;
  private next = 0;
  private count = 0;

  constructor(private readonly options: RobustLevelOptions) {
    if (!(
      options.historySize >= 2 &&
      options.recentSize >= 1 &&
      options.recentSize <= options.historySize &&
      options.minHistory >= Math.max(2, options.recentSize) &&
      options.minHistory <= options.historySize
    )) {
      throw new Error(
        'Robust level options out of range: historySize >= 2, 1 <= recentSize <= minHistory <= historySize, minHistory >= 2.',
      );
    }
    this.ring = new Float64Array(options.historySize);
    this.sorted = new Float64Array(options.historySize);
    this.deviations = new Float64Array(options.historySize);
    this.recent = new Float64Array(options.recentSize);
  }

  get byteSize(): number {
    return this.ring.byteLength + this.sorted.byteLength + this.deviations.byteLength + this.recent.byteLength;
  }

  /** The two-sided Gaussian surprise (-log10 of the tail probability) of `value`'s robust z against the values before it; then remembers it. */
  update(value: number): number {
    const z = this.count >= this.options.minHistory ? this.robustZ(value) : 0;
    this.push(value);
    return z > 0 ? Math.max(0, upperTailSurprise(Math.min(z, LARGEST_Z)) - Math.log10(2)) : 0;
  }

  reset(): void {
    this.next = this.count = 0;
  }

  private robustZ(value: number): number {
    const count = this.count;
    const median = middle(this.sorted, count);
    let resolution = Infinity;
    for (let i = 0; i < count; i++) {
      this.deviations[i] = Math.abs(this.sorted[i]! - median);
      const gap = i > 0 ? this.sorted[i]! - this.sorted[i - 1]! : 0;
      if (gap > 0 && gap < resolution) resolution = gap;
    }
    const mad = middle(this.deviations.subarray(0, count).sort(), count);
    const deviation = Math.max(MAD_TO_DEVIATION * mad, Number.isFinite(resolution) ? resolution : 0);

    const recentSize = this.options.recentSize;
    for (let j = 0; j < recentSize; j++) this.recent[j] = this.ring[(this.next - 1 - j + this.ring.length) % this.ring.length]!;
    const recentMedian = middle(this.recent.sort(), recentSize);

    const distance = Math.min(Math.abs(value - median), Math.abs(value - recentMedian));
    if (distance === 0) return 0;
    return deviation > 0 ? distance / deviation : Infinity;
  }

  private push(value: number): void {
    if (this.count === this.ring.length) this.removeSorted(this.ring[this.next]!);
    this.insertSorted(value);
    this.ring[this.next] = value;
    this.next = (this.next + 1) % this.ring.length;
  }

  private removeSorted(value: number): void {
    const at = lowerBound(this.sorted, this.count, value);
    this.sorted.copyWithin(at, at + 1, this.count);
    this.count--;
  }

  private insertSorted(value: number): void {
    const at = lowerBound(this.sorted, this.count, value);
    this.sorted.copyWithin(at + 1, at, this.count);
    this.sorted[at] = value;
    this.count++;
  }
}

/** The first index whose value is not below `value`. */
function lowerBound(sorted: Float64Array, count: number, value: number): number {
  let low = 0;
  let high = count;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (sorted[mid]! < value) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** The median of the first `count` values of a sorted array. */
function middle(sorted: Float64Array, count: number): number {
  const mid = count >> 1;
  return count % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
