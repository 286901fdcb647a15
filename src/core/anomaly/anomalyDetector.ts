/**
 * The streaming anomaly detector: one per target, fed every check in order, returning a score in
 * [0, 1] from that check and the past only. See NOTES.md ("Streaming anomaly detection") for the
 * published work behind each step and bench/anomaly.bench.ts for what each step is worth.
 *
 * Per check:
 *   1. The response time is log-scaled, log(1 + ms) (response times are multiplicative and
 *      heavy-tailed; the 1 keeps sub-millisecond jitter from looking large). Phase timings are
 *      accepted but not used yet.
 *   2. Features describe it in context: robust z against the rolling median/MAD, the mean and the
 *      median of the last three z (a shift rather than a blip), the ratio of short to long spread,
 *      and the time of day.
 *   3. An isolation forest (ml-isolation-forest), retrained every `retrainEvery` checks on the last
 *      `trainingSize` feature rows with `subsampleSize` rows a tree, scores how ordinary the row's
 *      context is; that score weights the channels below.
 *   4. Each channel (|z|, |median of the last three z|, novelty against a decaying range) is
 *      calibrated against the target's own history of that channel: its surprise is -log10 of the
 *      tail probability (exponential tail over a high quantile: peaks over threshold). A target
 *      with a noisy history thus needs a larger deviation to alert. The score is the largest
 *      surprise, scaled so that DEFAULT_ANOMALY_THRESHOLD is a tail probability of 1e-4.
 *   5. Damping: a score that does not exceed the recent ones counts for less, so one event gives
 *      one alert, not one per check; the first checks after an outage are damped the same way.
 *
 * What each step is worth on the labelled set is in the bench's ablation. The forest on its own,
 * calibrated the same way, finds few anomalies: it isolates a 5x and a 50x spike equally fast, so
 * its score says "unusual" but not "how unusual"; the statistics carry the magnitude.
 *
 * Failed checks (value null) never enter the statistics as response times: they score 0, since
 * the scheduler already reports them as DOWN, and they leave the learned state untouched.
 */
import type { PhaseTimings } from '../probes/checkResult';
import { AnomalyLikelihood } from './anomalyLikelihood';
import { IsolationForestModel } from './isolationForestModel';
import { RollingWindow } from './rollingWindow';
import { createSeededRandom, type RandomSource } from './seededRandom';
import { TailCalibrator } from './tailCalibrator';

/** A score at or above this marks the check anomalous (the default of the product's setting). */
export const DEFAULT_ANOMALY_THRESHOLD = 0.5;

export interface AnomalySample {
  /** When the check started, epoch milliseconds. */
  time: number;
  /** Response time in milliseconds; null for a failed check. */
  value: number | null;
  phases?: PhaseTimings;
}

/** Channels and steps that can be switched off, to measure what each one is worth. */
export interface AnomalyComponents {
  /** The isolation forest on the feature rows, weighting the other channels. */
  forest: boolean;
  /** |robust z| and |median of the last three z| as channels of their own. */
  robustZ: boolean;
  /** Novelty against a decaying range. */
  novelty: boolean;
  damping: boolean;
}

/**
 * How a channel's raw values become surprise: `tail` (exponential tail over a high quantile of the
 * channel's history) or `likelihood` (Numenta's Gaussian anomaly likelihood).
 */
export type AnomalyCalibration = 'tail' | 'likelihood';

export interface AnomalyDetectorOptions {
  /** Seed for the forest's randomness; ignored when `random` is given. */
  seed: number;
  random?: RandomSource;
  /** Valid checks in the rolling window behind the median and MAD. */
  contextSize: number;
  /** Valid checks needed before any score above 0. */
  warmupChecks: number;
  /** Feature rows the forest is trained on (the most recent ones). */
  trainingSize: number;
  /** Valid checks between retrains. */
  retrainEvery: number;
  treeCount: number;
  subsampleSize: number;
  calibration: AnomalyCalibration;
  /** Past values of each channel its calibration is fitted to. */
  calibrationHistory: number;
  /** Fraction of a channel's history above the tail threshold (`tail` calibration). */
  tailFraction: number;
  /** Surprise (-log10 of the tail probability) that maps to a score of 1; the scale is linear below. */
  fullScoreSurprise: number;
  /** Per-check decay of the novelty range towards the median (fraction of the gap). */
  rangeDecay: number;
  /** Per-check decay of the damping reference. */
  dampingDecay: number;
  /** Factor applied to a score that does not exceed the damping reference. */
  dampingFactor: number;
  /**
   * Exponent of the forest's weight on the channels: each channel's raw value is multiplied by
   * (2 x forest score)^forestWeight, so a check whose context the forest finds ordinary (a nightly
   * job at its usual hour) counts for less and one it finds strange counts for more; 0 ignores it.
   */
  forestWeight: number;
  /**
   * Also use the forest's own score as a channel, calibrated like the others. Off by default: it
   * measured no better (see the bench), and its calibration history costs memory.
   */
  forestChannel: boolean;
  /** Time-of-day features for the forest. */
  timeOfDay: boolean;
  /** Valid checks after a failed one whose score is damped (cold caches, new connections). */
  recoveryChecks: number;
  components: AnomalyComponents;
}

/** What the constructor takes: any option, and any subset of the components. */
export type AnomalyDetectorSettings = Partial<Omit<AnomalyDetectorOptions, 'components'>> & { components?: Partial<AnomalyComponents> };

export const DEFAULT_ANOMALY_DETECTOR_OPTIONS: Readonly<AnomalyDetectorOptions> = Object.freeze({
  seed: 0x5eed,
  contextSize: 64,
  warmupChecks: 96,
  trainingSize: 512,
  retrainEvery: 64,
  treeCount: 32,
  subsampleSize: 128,
  calibration: 'tail',
  calibrationHistory: 512,
  tailFraction: 0.05,
  fullScoreSurprise: 8,
  rangeDecay: 0.01,
  dampingDecay: 0.97,
  dampingFactor: 0.5,
  timeOfDay: true,
  recoveryChecks: 2,
  forestWeight: 1,
  forestChannel: false,
  components: Object.freeze({ forest: true, robustZ: true, novelty: true, damping: true }),
});

const FEATURE_COUNT = 6;
const DAY_MS = 86_400_000;
/** Log-space floor on the spread, about 0.5 %: below it, changes are measurement noise. */
const MIN_SCALE = 0.005;
const SHORT_SPREAD = 12;
const MIN_FOREST_ROWS = 64;

interface Calibrator {
  update(raw: number): number;
  reset(): void;
}

const enum Channel {
  Level,
  Shift,
  Novelty,
  Forest,
}

export class AnomalyDetector {
  private readonly options: AnomalyDetectorOptions;
  private readonly random: RandomSource;
  private readonly context: RollingWindow;
  private readonly shortContext: RollingWindow;
  private readonly calibrators: Calibrator[];
  /** Ring of feature rows for training; the arrays are reused. */
  private readonly rows: number[][];
  private rowNext = 0;
  private rowCount = 0;
  private forest: IsolationForestModel | null = null;
  private sinceTrain = 0;
  private validChecks = 0;
  private recentZ: [number, number] = [0, 0];
  private rangeHigh = Number.NaN;
  private rangeLow = Number.NaN;
  private dampingReference = 0;
  private recovering = 0;

  constructor(options: AnomalyDetectorSettings = {}) {
    this.options = {
      ...DEFAULT_ANOMALY_DETECTOR_OPTIONS,
      ...options,
      components: { ...DEFAULT_ANOMALY_DETECTOR_OPTIONS.components, ...options.components },
    };
    const o = this.options;
    if (o.retrainEvery < 1 || o.trainingSize < 2 || o.treeCount < 1 || o.subsampleSize < 2 || o.contextSize < 8 || o.calibrationHistory < 8) {
      throw new Error('Anomaly detector options out of range: contextSize >= 8, trainingSize >= 2, retrainEvery >= 1, treeCount >= 1, subsampleSize >= 2, calibrationHistory >= 8.');
    }
    this.random = o.random ?? createSeededRandom(o.seed);
    this.context = new RollingWindow(o.contextSize);
    this.shortContext = new RollingWindow(SHORT_SPREAD);
    this.calibrators = Array.from({ length: o.forestChannel ? 4 : 3 }, (): Calibrator =>
      o.calibration === 'tail'
        ? new TailCalibrator({ historySize: o.calibrationHistory, tailFraction: o.tailFraction, minExcess: 0.01, minHistory: 32 })
        : new AnomalyLikelihood({ historySize: o.calibrationHistory, shortSize: 1, minDeviation: 0.01 }),
    );
    this.rows = Array.from({ length: o.trainingSize }, () => new Array<number>(FEATURE_COUNT).fill(0));
  }

  /** Scores one check; call in check order. Returns a number in [0, 1]. */
  score(sample: AnomalySample): number {
    const { value } = sample;
    if (value === null || !Number.isFinite(value)) {
      this.recovering = this.options.recoveryChecks;
      return 0;
    }
    const y = Math.sign(value) * Math.log1p(Math.abs(value));
    this.validChecks++;
    if (this.context.size < 8) {
      this.learn(y);
      return 0;
    }
    const surprise = this.surprise(y, sample.time);
    this.learn(y);
    if (this.validChecks <= this.options.warmupChecks) return 0;
    let score = Math.min(1, surprise / this.options.fullScoreSurprise);
    if (this.recovering > 0) {
      // The first checks after an outage pay for cold caches and new connections.
      this.recovering--;
      score *= this.options.dampingFactor;
    }
    return this.damp(score);
  }

  /** Forgets everything learned, as after the target's URL changed. */
  reset(): void {
    this.context.clear();
    this.shortContext.clear();
    for (const calibrator of this.calibrators) calibrator.reset();
    this.rowNext = this.rowCount = this.sinceTrain = this.validChecks = 0;
    this.forest = null;
    this.recentZ = [0, 0];
    this.rangeHigh = this.rangeLow = Number.NaN;
    this.dampingReference = 0;
    this.recovering = 0;
  }

  /** Bytes held by the forest's arrays, for the bench's memory figure. */
  get forestBytes(): number {
    return this.forest?.byteSize ?? 0;
  }

  /** The largest calibrated surprise over the enabled channels. */
  private surprise(y: number, time: number): number {
    const { components, forestWeight } = this.options;
    const row = this.nextRow(y, time);
    let surprise = 0;
    let weight = 1;
    if (components.forest) {
      if (this.forest === null || this.sinceTrain >= this.options.retrainEvery) this.retrain();
      if (this.forest !== null) {
        const forestScore = this.forest.score(row);
        weight = (2 * forestScore) ** forestWeight;
        if (this.options.forestChannel) surprise = this.calibrators[Channel.Forest]!.update(forestScore);
      }
    }
    if (components.robustZ) {
      surprise = Math.max(surprise, this.calibrators[Channel.Level]!.update(Math.abs(row[0]!) * weight));
      surprise = Math.max(surprise, this.calibrators[Channel.Shift]!.update(Math.abs(row[3]!) * weight));
    }
    if (components.novelty) surprise = Math.max(surprise, this.calibrators[Channel.Novelty]!.update(this.novelty(y) * weight));
    return surprise;
  }

  /** Builds the feature row of `y` in the ring (past values only) and returns it. */
  private nextRow(y: number, time: number): number[] {
    const median = this.context.median();
    const scale = Math.max(1.4826 * this.context.mad(median), 0.5 * this.context.meanAbsoluteStep(), MIN_SCALE);
    const z = (y - median) / scale;
    const shortSpread = this.shortContext.size >= 4 ? 1.4826 * this.shortContext.mad(this.shortContext.median()) : scale;
    const row = this.rows[this.rowNext]!;
    row[0] = z;
    row[1] = (z + this.recentZ[0] + this.recentZ[1]) / 3;
    row[2] = Math.log(Math.max(shortSpread, MIN_SCALE) / scale);
    row[3] = median3(z, this.recentZ[0], this.recentZ[1]);
    // Time of day (UTC) on the circle, so the forest can learn a daily rhythm (a nightly job).
    const angle = Number.isFinite(time) ? (2 * Math.PI * (((time % DAY_MS) + DAY_MS) % DAY_MS)) / DAY_MS : 0;
    row[4] = this.options.timeOfDay ? Math.cos(angle) : 0;
    row[5] = this.options.timeOfDay ? Math.sin(angle) : 0;
    this.recentZ = [z, this.recentZ[0]];
    this.rowNext = (this.rowNext + 1) % this.rows.length;
    this.rowCount = Math.min(this.rowCount + 1, this.rows.length);
    this.sinceTrain++;
    return row;
  }

  private retrain(): void {
    if (this.rowCount < MIN_FOREST_ROWS + 1) return;
    // The newest row is the one being scored: train on those before it.
    const training: number[][] = [];
    for (let age = 2; age <= this.rowCount; age++) training.push(this.rows[(this.rowNext - age + 2 * this.rows.length) % this.rows.length]!);
    this.forest = IsolationForestModel.train(training, { treeCount: this.options.treeCount, subsampleSize: this.options.subsampleSize }, this.random);
    this.sinceTrain = 0;
  }

  /** How far beyond the decaying range of past values, in units of that range (0 inside it). */
  private novelty(y: number): number {
    const high = this.rangeHigh;
    const low = this.rangeLow;
    if (!(high > low)) return 0;
    return Math.max(0, y - high, low - y) / (high - low);
  }

  private learn(y: number): void {
    this.context.push(y);
    this.shortContext.push(y);
    if (Number.isNaN(this.rangeHigh)) {
      this.rangeHigh = this.rangeLow = y;
      return;
    }
    // The range shrinks towards the median so that one huge spike does not silence novelty for good.
    const median = this.context.median();
    const decay = this.options.rangeDecay;
    this.rangeHigh = Math.max(y, this.rangeHigh - decay * (this.rangeHigh - median));
    this.rangeLow = Math.min(y, this.rangeLow + decay * (median - this.rangeLow));
  }

  private damp(score: number): number {
    if (!this.options.components.damping) return score;
    const reference = this.dampingReference;
    this.dampingReference = Math.max(score, reference * this.options.dampingDecay);
    return score <= reference ? score * this.options.dampingFactor : score;
  }
}

function median3(a: number, b: number, c: number): number {
  return Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
}
