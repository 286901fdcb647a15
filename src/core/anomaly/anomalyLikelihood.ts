/**
 * Numenta's "anomaly likelihood" step (Ahmad et al., 2017): a raw outlier score becomes the tail
 * probability of its recent short-term average under a normal distribution fitted to a longer
 * history of raw scores. A target whose raw scores are always noisy then stops alerting, while a
 * quiet target alerts on a smaller rise.
 */

/** log10 of the upper tail probability of a standard normal at `z`, accurate far into the tail. */
export function log10NormalTail(z: number): number {
  if (z < 5) return Math.log10(Math.max(0.5 * erfc(z / Math.SQRT2), 1e-300));
  // Mills ratio asymptotic series: Q(z) ~ phi(z)/z * (1 - 1/z^2 + 3/z^4)
  const logQ = -0.5 * z * z - Math.log(z * Math.sqrt(2 * Math.PI)) + Math.log(1 - 1 / (z * z) + 3 / z ** 4);
  return logQ / Math.LN10;
}

/** Complementary error function (Numerical Recipes' erfcc, relative error below 1.2e-7). */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? r : 2 - r;
}

export interface AnomalyLikelihoodOptions {
  /** Raw scores the normal distribution is fitted to. */
  historySize: number;
  /** Raw scores averaged into the short-term value whose tail probability is taken. */
  shortSize: number;
  /** Lower bound on the fitted standard deviation, so a flat history does not make every wobble an alert. */
  minDeviation: number;
}

export class AnomalyLikelihood {
  private readonly history: Float64Array;
  private readonly recent: Float64Array;
  private historyNext = 0;
  private historyCount = 0;
  private historySum = 0;
  private historySquares = 0;
  private recentNext = 0;
  private recentCount = 0;

  constructor(private readonly options: AnomalyLikelihoodOptions) {
    this.history = new Float64Array(options.historySize);
    this.recent = new Float64Array(options.shortSize);
  }

  get historyLength(): number {
    return this.historyCount;
  }

  /**
   * Takes the next raw score and returns -log10 of the tail probability of the short-term average
   * under the history fitted so far (0 while the history is too short to say anything).
   */
  update(raw: number): number {
    this.recent[this.recentNext] = raw;
    this.recentNext = (this.recentNext + 1) % this.recent.length;
    this.recentCount = Math.min(this.recentCount + 1, this.recent.length);
    let shortSum = 0;
    for (let i = 0; i < this.recentCount; i++) shortSum += this.recent[i]!;
    const shortMean = shortSum / this.recentCount;

    let surprise = 0;
    if (this.historyCount >= Math.min(32, this.history.length)) {
      const mean = this.historySum / this.historyCount;
      const variance = Math.max(0, this.historySquares / this.historyCount - mean * mean);
      // The short-term average of k scores has a k-times smaller variance only for independent
      // scores; consecutive scores are correlated, so the history's own deviation is kept.
      const deviation = Math.max(Math.sqrt(variance), this.options.minDeviation);
      surprise = -log10NormalTail((shortMean - mean) / deviation);
    }

    if (this.historyCount === this.history.length) {
      const old = this.history[this.historyNext]!;
      this.historySum -= old;
      this.historySquares -= old * old;
    } else {
      this.historyCount++;
    }
    this.history[this.historyNext] = raw;
    this.historyNext = (this.historyNext + 1) % this.history.length;
    this.historySum += raw;
    this.historySquares += raw * raw;
    if (this.historyNext === 0) this.resum();
    return surprise;
  }

  /** Running sums drift with rounding over millions of updates; recomputing once a lap bounds that. */
  private resum(): void {
    let sum = 0;
    let squares = 0;
    for (let i = 0; i < this.historyCount; i++) {
      sum += this.history[i]!;
      squares += this.history[i]! ** 2;
    }
    this.historySum = sum;
    this.historySquares = squares;
  }

  reset(): void {
    this.historyNext = this.historyCount = this.recentNext = this.recentCount = 0;
    this.historySum = this.historySquares = 0;
  }
}
