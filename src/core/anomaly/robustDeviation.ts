/**
 * How far a value lies from the median of the recent values, in units of their median absolute
 * deviation (MAD x 1.4826, the robust stand-in for a standard deviation): a rolling z-score that
 * one spike or a short burst in the window does not inflate, as a mean and a standard deviation
 * would (the plain rolling z-score loses a second spike behind the first).
 */
export interface RobustDeviationOptions {
  /** Recent values the median and the MAD are taken over. */
  window: number;
  /** Values needed before it speaks (0 until then). */
  minHistory: number;
}

/** MAD of a normal distribution times this is its standard deviation. */
const MAD_TO_DEVIATION = 1.4826;

export class RobustDeviation {
  private readonly recent: Float64Array;
  /** Scratch for the sort, kept to avoid an allocation a check. */
  private readonly sorted: Float64Array;
  private next = 0;
  private count = 0;

  constructor(private readonly options: RobustDeviationOptions) {
    if (!(Number.isInteger(options.window) && options.window >= 3 && options.minHistory >= 3 && options.minHistory <= options.window)) {
      throw new Error('Robust deviation options out of range: window a whole number >= 3, 3 <= minHistory <= window.');
    }
    this.recent = new Float64Array(options.window);
    this.sorted = new Float64Array(options.window);
  }

  get byteSize(): number {
    return this.recent.byteLength + this.sorted.byteLength;
  }

  /** The signed robust z of `value` against the window before it; then remembers it. */
  update(value: number): number {
    let z = 0;
    if (this.count >= this.options.minHistory) {
      const n = this.count;
      const view = this.sorted.subarray(0, n);
      view.set(this.recent.subarray(0, n));
      view.sort();
      const median = middle(view);
      for (let i = 0; i < n; i++) view[i] = Math.abs(view[i]! - median);
      view.sort();
      let spread = MAD_TO_DEVIATION * middle(view);
      // Over half the window equal (counts of 0, a flat gauge): the mean absolute deviation, then a hair.
      if (!(spread > 0)) {
        let total = 0;
        for (let i = 0; i < n; i++) total += view[i]!;
        spread = Math.max(total / n, 1e-9 * (1 + Math.abs(median)));
      }
      z = (value - median) / spread;
    }
    this.recent[this.next] = value;
    this.next = (this.next + 1) % this.recent.length;
    this.count = Math.min(this.count + 1, this.recent.length);
    return z;
  }

  reset(): void {
    this.next = this.count = 0;
  }
}

function middle(sorted: Float64Array): number {
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
