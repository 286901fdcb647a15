/**
 * The transform every value goes through before the statistics: y = asinh(x / c), which is
 * logarithmic far above c (response times, counts and byte rates vary by factors, and their noise
 * grows with their level) and linear near 0, so zeros, negative values and sparse counts stay
 * finite and ordered. The knee c is chosen once, from the first values, relative to their typical
 * magnitude, so a series in tenths and one in hundreds of thousands are treated alike:
 *  - a series with negative values (temperatures, deltas) is linear over its whole usual range
 *    (c is ten times its largest first value), since a logarithm would blow up the noise near 0;
 *  - otherwise c is `kneeFraction` of the median magnitude (of the non-zero values when most are 0),
 *    but never below the data's own resolution (the smallest gap between distinct first values),
 *    so counts of 0, 1, 2 are steps of similar size rather than 0 being infinitely far from 1;
 *  - a series that starts all zero decides at its first non-zero value (0 maps to 0 whatever c is,
 *    so nothing learned before is invalidated);
 *  - a series whose first values were all positive but that later goes negative was signed after
 *    all: the caller switches it to the linear knee with `makeSigned` and relearns its windows.
 */
export interface ValueScaleOptions {
  /** Values observed before c is chosen. */
  decideAfter: number;
  /** c as a fraction of the typical magnitude, for series without negative values. */
  kneeFraction: number;
}

/** Factor between the largest first value of a signed series and its knee. */
const SIGNED_KNEE_FACTOR = 10;

export class ValueScale {
  private readonly first: Float64Array;
  private observed = 0;
  private knee = Number.NaN;
  private signedSeries = false;

  constructor(private readonly options: ValueScaleOptions) {
    if (!Number.isInteger(options.decideAfter) || options.decideAfter < 1 || !(options.kneeFraction > 0)) {
      throw new Error('A value scale needs decideAfter >= 1 and kneeFraction > 0.');
    }
    this.first = new Float64Array(options.decideAfter);
  }

  /** True once c is chosen; before that only zeros can be transformed. */
  get decided(): boolean {
    return !Number.isNaN(this.knee);
  }

  /** True while the first values are still being collected (they are not scored or learned). */
  get collecting(): boolean {
    return this.observed < this.options.decideAfter;
  }

  /** True once the series is treated as signed (linear over its usual range). */
  get signed(): boolean {
    return this.signedSeries;
  }

  /** The knee c in the series' own unit (NaN until decided). */
  get kneeValue(): number {
    return this.knee;
  }

  /** Takes one finite value in arrival order, choosing c when it can. */
  observe(value: number): void {
    if (this.collecting) {
      this.first[this.observed++] = value;
      if (!this.collecting) this.decide();
    } else if (!this.decided && value !== 0) {
      this.knee = Math.abs(value) * this.options.kneeFraction;
    }
  }

  transform(value: number): number {
    // Undecided means every value so far was 0; observe() decides at the first other one.
    if (!this.decided) return value;
    return Math.asinh(value / this.knee);
  }

  /** Switches to the linear knee of a signed series whose largest magnitude so far is `largest`. */
  makeSigned(largest: number): void {
    this.signedSeries = true;
    this.knee = SIGNED_KNEE_FACTOR * Math.max(largest, Number.MIN_VALUE);
  }

  /** The value in the series' own unit whose transform is `y`. */
  inverse(y: number): number {
    return this.decided ? this.knee * Math.sinh(y) : y;
  }

  /** dy/dx at `value`: converts a step in the series' unit (its quantum) into transformed units. */
  slope(value: number): number {
    return this.decided ? 1 / Math.hypot(this.knee, value) : 0;
  }

  reset(): void {
    this.observed = 0;
    this.knee = Number.NaN;
    this.signedSeries = false;
  }

  private decide(): void {
    const magnitudes = Array.from(this.first, Math.abs).sort((a, b) => a - b);
    const largest = magnitudes[magnitudes.length - 1]!;
    if (largest === 0) return;
    if (this.first.some((value) => value < 0)) {
      this.makeSigned(largest);
      return;
    }
    const nonZero = magnitudes.filter((m) => m > 0);
    const typical = nonZero.length * 2 > magnitudes.length ? median(magnitudes) : median(nonZero);
    // No value is negative here, so the sorted magnitudes are the sorted values.
    let resolution = Infinity;
    for (let i = 1; i < magnitudes.length; i++)
      if (magnitudes[i]! > magnitudes[i - 1]!) resolution = Math.min(resolution, magnitudes[i]! - magnitudes[i - 1]!);
    this.knee = Math.max(typical * this.options.kneeFraction, Number.isFinite(resolution) ? Math.min(resolution, typical) : 0);
  }
}

function median(sorted: readonly number[]): number {
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
