/**
 * Turns raw outlier scores into surprise: -log10 of their tail probability under the target's own
 * recent history of raw scores. Above a high quantile the tail is modelled as exponential (peaks
 * over threshold, the generalised Pareto with shape 0, as in Siffer et al., KDD 2017), fitted to
 * the mean excess. A target whose raw scores are often high thus needs a higher one to surprise,
 * and the rate of alerts stays near the tail probability chosen as threshold whatever the target.
 */
import { RollingWindow } from './rollingWindow';

export interface TailCalibratorOptions {
  historySize: number;
  /** Fraction of the history above the tail threshold. */
  tailFraction: number;
  /** Lower bound on the fitted mean excess, so a flat history does not make every wobble an alert. */
  minExcess: number;
  /** Raw scores needed before any surprise above 0. */
  minHistory: number;
}

export class TailCalibrator {
  private readonly history: RollingWindow;

  constructor(private readonly options: TailCalibratorOptions) {
    this.history = new RollingWindow(options.historySize);
  }

  get historyLength(): number {
    return this.history.size;
  }

  /** Surprise of `raw` against the history so far, then `raw` joins the history. */
  update(raw: number): number {
    const surprise = this.surprise(raw);
    this.history.push(raw);
    return surprise;
  }

  surprise(raw: number): number {
    const { tailFraction, minExcess, minHistory } = this.options;
    if (this.history.size < minHistory) return 0;
    const threshold = this.history.quantile(1 - tailFraction);
    if (raw <= threshold) return 0;
    const excess = Math.max(this.history.meanAbove(threshold), minExcess);
    return -Math.log10(tailFraction) + (raw - threshold) / excess / Math.LN10;
  }

  reset(): void {
    this.history.clear();
  }
}
