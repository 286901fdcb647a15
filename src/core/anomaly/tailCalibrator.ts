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
  /**
   * Lower bound on the mean excess as a fraction of the tail threshold: a channel whose history
   * takes few distinct values (run lengths, quantised counts) has almost no excess above its
   * threshold, and would otherwise call the next distinct value a one-in-a-billion event.
   */
  minExcessFraction: number;
  /** Raw scores needed before any surprise above 0. */
  minHistory: number;
  /**
   * Raw scores wait this many updates before they join the history, so a raw value that grows for
   * as long as an event lasts (a run of repeated readings) is judged against the time before the
   * event rather than against its own first checks.
   */
  delay: number;
}

export class TailCalibrator {
  private readonly history: RollingWindow;
  private readonly pending: Float64Array;
  private pendingNext = 0;
  private pendingCount = 0;

  constructor(private readonly options: TailCalibratorOptions) {
    this.history = new RollingWindow(options.historySize, 'single');
    this.pending = new Float64Array(Math.max(0, options.delay));
  }

  get byteSize(): number {
    return this.history.byteSize + this.pending.byteLength;
  }

  get historyLength(): number {
    return this.history.size;
  }

  /** Surprise of `raw` against the history so far, then `raw` joins the history. */
  update(raw: number): number {
    const surprise = this.surprise(raw);
    if (this.pending.length === 0) {
      this.history.push(raw);
      return surprise;
    }
    if (this.pendingCount === this.pending.length) this.history.push(this.pending[this.pendingNext]!);
    else this.pendingCount++;
    this.pending[this.pendingNext] = raw;
    this.pendingNext = (this.pendingNext + 1) % this.pending.length;
    return surprise;
  }

  surprise(raw: number): number {
    const { tailFraction, minExcess, minExcessFraction, minHistory } = this.options;
    if (this.history.size < minHistory) return 0;
    const threshold = this.history.quantile(1 - tailFraction);
    if (raw <= threshold) return 0;
    const excess = Math.max(this.history.meanAbove(threshold), minExcess, minExcessFraction * Math.abs(threshold));
    return -Math.log10(tailFraction) + (raw - threshold) / excess / Math.LN10;
  }

  reset(): void {
    this.history.clear();
    this.pendingNext = this.pendingCount = 0;
  }
}
