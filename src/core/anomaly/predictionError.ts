/**
 * How badly the next value was predicted, in units of the target's own recent prediction error:
 * the raw anomaly score the likelihood (anomalyLikelihood.ts) is computed from.
 *
 * The forecaster is an exponentially weighted moving average (EWMA) of the values. Updates are
 * clipped to a few typical errors, so one wild value does not drag the level, while a change that
 * persists is followed within a few checks and then stops scoring. (A seasonal forecaster, the
 * level plus an offset per slot of the week or the year, was measured beside it and left out: on
 * the real labelled series it gained nothing the level and the likelihood do not already give.)
 */

export interface PredictionErrorOptions {
  /** EWMA weight of the newest value in the level. */
  levelWeight: number;
  /** EWMA weight of the newest error in the typical error. */
  errorWeight: number;
  /** Updates of the level are clipped to this many typical errors. */
  updateClip: number;
  /** Raw scores are capped here, so one wild value does not dominate the likelihood's history. */
  rawCap: number;
}

/** The typical error never falls below this fraction of its long-run level (a quiet spell is not a new normal). */
const LONG_RUN_FLOOR = 0.25;
const LONG_RUN_WEIGHT = 0.01;
/** Per-check growth of the remembered resolution, so an early fine step is slowly forgotten. */
const QUANTUM_FORGETTING = 1.01;

export class PredictionError {
  private level = Number.NaN;
  private typicalError = 0;
  private longRunError = 0;
  private quantum = Infinity;
  private lastValue = Number.NaN;
  private checks = 0;

  constructor(private readonly options: PredictionErrorOptions) {
    if ([options.levelWeight, options.errorWeight].some((w) => !(w > 0 && w <= 1)) || !(options.updateClip > 0) || !(options.rawCap > 0)) {
      throw new Error('Prediction error options out of range: levelWeight and errorWeight in (0, 1], updateClip > 0, rawCap > 0.');
    }
  }

  /**
   * Takes the next value; returns |value - forecast| / typical error, capped at `rawCap` (0 for
   * the first values, which only teach).
   */
  update(value: number): number {
    this.checks++;
    if (Number.isNaN(this.level)) {
      this.level = this.lastValue = value;
      return 0;
    }
    const step = Math.abs(value - this.lastValue);
    // The smallest step seen, slowly forgotten: the data's resolution (counts, rounded sensors).
    if (step > 0) this.quantum = Math.min(this.quantum * QUANTUM_FORGETTING, step);
    this.lastValue = value;

    const error = value - this.level;
    const scale = this.scale();
    const raw = this.checks > 2 ? Math.min(this.options.rawCap, Math.abs(error) / scale) : 0;

    const clip = this.options.updateClip * scale;
    this.typicalError =
      this.checks === 2
        ? Math.abs(error)
        : this.typicalError + this.options.errorWeight * (Math.min(Math.abs(error), clip) - this.typicalError);
    this.longRunError += LONG_RUN_WEIGHT * (this.typicalError - this.longRunError);
    this.level += this.options.levelWeight * clamp(error, clip);
    return raw;
  }

  /** The level the forecaster expects next. */
  get expected(): number {
    return this.level;
  }

  reset(): void {
    this.level = this.lastValue = Number.NaN;
    this.typicalError = this.longRunError = 0;
    this.quantum = Infinity;
    this.checks = 0;
  }

  /** The typical error, floored by its long-run level, half the data's resolution and a hair above 0. */
  private scale(): number {
    const resolution = Number.isFinite(this.quantum) ? 0.5 * this.quantum : 0;
    return Math.max(this.typicalError, LONG_RUN_FLOOR * this.longRunError, resolution, 1e-9 * (1 + Math.abs(this.level)));
  }
}

function clamp(value: number, limit: number): number {
  return value > limit ? limit : value < -limit ? -limit : value;
}
