/**
 * Numenta's anomaly likelihood (Ahmad et al., "Unsupervised real-time anomaly detection for
 * streaming data", Neurocomputing 2017): a raw anomaly score says how badly this check was
 * predicted, but every target has its own level of unpredictability. The likelihood compares the
 * mean of the last few raw scores with the distribution of raw scores over a longer history,
 * modelled as a Gaussian, and reports how far into its tail the recent mean lies. A noisy target
 * thus needs a larger error to surprise than a quiet one, and a run of moderately bad predictions
 * (a level shift, a change of rhythm) adds up where one of them alone would not.
 *
 * Cost is constant per update: the history is a ring with running sums.
 */

export interface AnomalyLikelihoodOptions {
  /** Raw scores the Gaussian is fitted to (the most recent ones). */
  historySize: number;
  /** Raw scores averaged into the recent mean. */
  shortSize: number;
  /** Raw scores needed before the likelihood says anything. */
  minHistory: number;
  /** Smallest standard deviation of the history, in raw-score units: a history of near-identical scores must not make the next small wobble a rare event. */
  minDeviation: number;
  /** Also surprising below the history's mean (for signed inputs such as the values themselves); the tail is then two-sided. */
  twoSided?: boolean;
}

export class AnomalyLikelihood {
  private readonly history: Float64Array;
  private readonly recent: Float64Array;
  private historyNext = 0;
  private historyCount = 0;
  private sum = 0;
  private sumOfSquares = 0;
  private recentNext = 0;
  private recentCount = 0;
  private recentSum = 0;

  constructor(private readonly options: AnomalyLikelihoodOptions) {
    if (!(
      options.historySize >= 2 &&
      options.shortSize >= 1 &&
      options.shortSize <= options.historySize &&
      options.minHistory >= 2 &&
      options.minDeviation > 0
    )) {
      throw new Error(
        'Anomaly likelihood options out of range: historySize >= 2, 1 <= shortSize <= historySize, minHistory >= 2, minDeviation > 0.',
      );
    }
    this.history = new Float64Array(options.historySize);
    this.recent = new Float64Array(options.shortSize);
  }

  get byteSize(): number {
    return this.history.byteLength + this.recent.byteLength;
  }

  /**
   * Takes the next raw score and returns the surprise of the recent mean, -log10 of its upper
   * Gaussian tail probability under the history before this score (0 while the history is short).
   */
  update(raw: number): number {
    this.pushRecent(raw);
    let surprise = 0;
    if (this.historyCount >= this.options.minHistory) {
      const mean = this.sum / this.historyCount;
      const variance = Math.max(0, this.sumOfSquares / this.historyCount - mean * mean);
      const deviation = Math.max(Math.sqrt(variance), this.options.minDeviation);
      const z = (this.recentSum / this.recentCount - mean) / deviation;
      surprise = this.options.twoSided ? Math.max(0, upperTailSurprise(Math.abs(z)) - Math.log10(2)) : upperTailSurprise(z);
    }
    this.pushHistory(raw);
    return surprise;
  }

  reset(): void {
    this.historyNext = this.historyCount = this.recentNext = this.recentCount = 0;
    this.sum = this.sumOfSquares = this.recentSum = 0;
  }

  private pushRecent(raw: number): void {
    if (this.recentCount === this.recent.length) this.recentSum -= this.recent[this.recentNext]!;
    else this.recentCount++;
    this.recent[this.recentNext] = raw;
    this.recentSum += raw;
    this.recentNext = (this.recentNext + 1) % this.recent.length;
  }

  private pushHistory(raw: number): void {
    if (this.historyCount === this.history.length) {
      const old = this.history[this.historyNext]!;
      this.sum -= old;
      this.sumOfSquares -= old * old;
    } else {
      this.historyCount++;
    }
    this.history[this.historyNext] = raw;
    this.sum += raw;
    this.sumOfSquares += raw * raw;
    this.historyNext = (this.historyNext + 1) % this.history.length;
    // Running sums drift by rounding over millions of checks; resum once a lap.
    if (this.historyNext === 0) this.resum();
  }

  private resum(): void {
    let sum = 0;
    let squares = 0;
    for (let i = 0; i < this.historyCount; i++) {
      const value = this.history[i]!;
      sum += value;
      squares += value * value;
    }
    this.sum = sum;
    this.sumOfSquares = squares;
  }
}

/** -log10 of P(Z > z) for a standard normal Z; 0 for z <= 0 (below the mean is never surprising). */
export function upperTailSurprise(z: number): number {
  if (!(z > 0)) return 0;
  // erfc via the continued-fraction-free approximation of Numerical Recipes (erfcc), relative
  // error below 1.2e-7 everywhere, computed in log form so large z does not underflow to 0.
  const x = z / Math.SQRT2;
  const t = 1 / (1 + 0.5 * x);
  const logErfc =
    Math.log(t) -
    x * x -
    1.26551223 +
    t *
      (1.00002368 +
        t *
          (0.37409196 +
            t *
              (0.09678418 +
                t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  // P(Z > z) = erfc(x) / 2.
  return -(logErfc - Math.LN2) / Math.LN10;
}
